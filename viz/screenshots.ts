// The README's pictures of the web UI, taken in headless chromium (Debian's, driven by
// playwright-core as the browser tests drive it) and written to docs/screenshots/:
//
//   npx tsx viz/screenshots.ts            every picture
//   npx tsx viz/screenshots.ts --out DIR  somewhere else
//
// A `meso local` (two agents and its demo framework) for the live views: the overview, agents,
// frameworks, the offer flow, tasks, and the sandbox of a test-framework task with its stdout tail;
// then the trace viewer (as `meso viz` serves it) on five simulated minutes of the Mesos paper's
// mix under DRF, alone and beside the same workload under random allocation.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { startVizServer } from '../cli/viz.ts';
import { resolveSimConfig } from '../sim/config.ts';
import { runSimulation } from '../sim/run.ts';
import { launchBrowser } from '../test/browser/browser.ts';
import {
  eventually,
  freePort,
  getJson,
  type Json,
  Processes,
  repo_root,
} from '../test/integration/e2e-harness.ts';

const { values } = parseArgs({
  options: { out: { type: 'string', default: join(repo_root, 'docs', 'screenshots') } },
});
const out = values.out;
mkdirSync(out, { recursive: true });

const procs = new Processes();
const browser = await launchBrowser();

async function shoot(page: Page, name: string): Promise<void> {
  const path = join(out, `${name}.png`);
  // Without the focus ring a view's content gets when the hash changes.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.screenshot({ path });
  console.log(`wrote ${path}`);
}

/** Simulates five minutes of the Mesos paper's mix under `policy` into `dir/policy`. */
function simulate(dir: string, policy: string): void {
  const mix = JSON.parse(readFileSync(join(repo_root, 'sim/examples/mesos-paper-mix.json'), 'utf8'));
  const config = resolveSimConfig({ ...mix, end_ms: 300_000, policy });
  runSimulation({ config, baseDir: repo_root, outDir: join(dir, policy), traceEvents: true });
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(30_000);

  const port = await freePort();
  procs.meso(['local', `--port=${port}`, '--agents=2', '--resources=cpus:4;mem:4096;disk:8192']);
  await eventually(
    async () => {
      const state = await getJson(port, '/master/state');
      const demo = state.frameworks.find((f: Json) => f.name === 'meso demo');
      return state.slaves.length === 2 && (demo?.tasks ?? []).some((t: Json) => t.state === 'TASK_RUNNING');
    },
    30_000,
    'meso local with a demo task running',
  );
  const base = `http://127.0.0.1:${port}/`;
  await page.goto(`${base}#/overview`);
  await page.locator('[data-count="agents-active"]', { hasText: '2' }).waitFor();
  await shoot(page, 'overview');
  await page.goto(`${base}#/agents`);
  await page.locator('.vlist .row').nth(1).waitFor();
  await shoot(page, 'agents');
  await page.goto(`${base}#/frameworks`);
  await page.locator('.vlist .row', { hasText: 'meso demo' }).waitFor();
  await shoot(page, 'frameworks');
  await page.goto(`${base}#/offers`);
  // A window's worth of offers.
  await page.locator('figure.flow path.band').first().waitFor({ state: 'attached' });
  await page.waitForTimeout(8000);
  await shoot(page, 'offers');
  await page.goto(`${base}#/tasks`);
  await page.locator('.vlist .row', { hasText: 'TASK_RUNNING' }).first().waitFor();
  await shoot(page, 'tasks');
  // A task that writes to its stdout, for the sandbox and its tail.
  procs.meso([
    'test-framework',
    `--master=127.0.0.1:${port}`,
    '--tasks=1',
    '--command=i=0; while true; do echo "tick $i: $(date -u +%T)"; i=$((i+1)); sleep 0.5; done',
  ]);
  let task = '';
  await eventually(
    async () => {
      const state = await getJson(port, '/master/state');
      const f = state.frameworks.find((x: Json) => x.name === 'meso test framework');
      const t = f?.tasks.find((x: Json) => x.state === 'TASK_RUNNING');
      if (t !== undefined) task = `${f.id}/${t.id}`;
      return task !== '';
    },
    30_000,
    'a running task of the test framework',
  );
  await page.goto(`${base}#/tasks/${task}`);
  await page.locator('[data-tail]', { hasText: 'tick 4' }).waitFor();
  await shoot(page, 'task-sandbox');

  // The traces by their names in a directory of their own, as a user would open them.
  const dir = await procs.dir('meso-screenshots-');
  simulate(dir, 'drf');
  simulate(dir, 'random');
  process.chdir(dir);
  for (const [name, traces] of [
    ['trace-viewer', ['drf/trace.ndjson']],
    ['trace-compare', ['drf/trace.ndjson', 'random/trace.ndjson']],
  ] as const) {
    const viz = await startVizServer(traces);
    try {
      await page.goto(viz.url);
      await page.locator('.trace-viewer[data-opened]').waitFor();
      // Halfway through the run, where every framework has work.
      const slider = page.getByRole('slider', { name: 'Time' });
      const [min, max] = [Number(await slider.getAttribute('min')), Number(await slider.getAttribute('max'))];
      await slider.fill(String(Math.round((min + max) / 2)));
      await page.waitForTimeout(500);
      await shoot(page, name);
    } finally {
      await viz.close();
    }
  }
} finally {
  await browser.close();
  await procs.cleanup();
}
