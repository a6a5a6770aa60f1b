// The web UI at scale, measured in headless chromium (Debian's, driven by playwright-core as the
// browser tests drive it):
//
//   trace   a simulated SWIM FB-2009 day on 600 agents (`meso sim --trace-events`, the real
//           simulator), cut to its first 1,000,000 and 10,000,000 events (header kept), each opened
//           in the trace viewer served by `meso viz`'s server: time from navigation to the first
//           frame drawn after the charts are built, the worker's read (fetch, parse, aggregate,
//           transfer), the page's JS heap after, and the peak RSS of chromium's processes while
//           it opens (sampled from /proc every 100 ms; the worker runs inside the renderer, so the
//           renderer's RSS holds the parsing too). Then scrubbing: the time slider dragged across
//           its width with the mouse in 120 steps while every frame's interval is recorded.
//   live    a live master (bench/runtime-master.ts in a child process) with 10,000 emulated agents
//           on real WebSockets (bench/runtime-agents.ts) and 10 frameworks on the scheduler API
//           (bench/runtime-frameworks.ts) launching 100,000 tasks that the agents keep running.
//           A page watches the tasks view while the tasks arrive (longest main-thread task, lag
//           of the view behind the master); then fresh pages open the overview, agents and tasks
//           views on the full cluster (time to first render, longest task, JS heap) and scroll
//           the lists (frame intervals).
//
//   npx tsx bench/viz.ts                        both parts
//   npx tsx bench/viz.ts --json                one JSON line per figure
//   npx tsx bench/viz.ts --only trace --events 1000000
//   npx tsx bench/viz.ts --traces DIR          keep (or reuse) the simulated day in DIR
//   npx tsx bench/viz.ts --only live --agents 2000 --tasks 20000
// MESO_CHROMIUM names another chromium binary.
import { spawn } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { startVizServer } from '../cli/viz.ts';
import { launchBrowser } from '../test/browser/browser.ts';
import { type AgentPool, startAgentPool } from './runtime-agents.ts';
import { type ChildMaster, startChildMaster, stopChildMaster } from './runtime-child.ts';
import { BenchFramework } from './runtime-frameworks.ts';
import { percentile, waitFor } from './runtime-measure.ts';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const swim_file = join(repo, 'workloads/traces/swim/FB-2009_samples_24_times_1hr_0.tsv');

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    only: { type: 'string', default: 'trace,live' },
    events: { type: 'string', default: '1000000,10000000' },
    traces: { type: 'string' },
    agents: { type: 'string', default: '10000' },
    tasks: { type: 'string', default: '100000' },
    frameworks: { type: 'string', default: '10' },
  },
});

/** A positive integer from a flag, or an error naming it. */
function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`--${name} must be a positive integer, got '${raw}'`);
  return n;
}

const only = new Set(values.only.split(','));
const eventCounts = values.events.split(',').map((e) => positive('events', e));
const agentCount = positive('agents', values.agents);
const taskCount = positive('tasks', values.tasks);
const frameworkCount = positive('frameworks', values.frameworks);

/** The targets and the anchors they are set against. */
const targets = {
  open_1m_ms: 3000,
  open_10m_ms: 20_000,
  anchor_trace: "Chrome's trace viewer stops near 1 million events",
  anchor_live: "Marathon's UI froze at 750 tasks in one app",
} as const;

const out = values.json ? (_: string) => {} : (line: string) => console.log(line);
const emit = (figure: Record<string, unknown>): void => {
  if (values.json) console.log(JSON.stringify(figure));
};
const log = (line: string): void => {
  process.stderr.write(`bench:viz: ${line}\n`);
};

/** The machine and its load. */
function conditions(): Record<string, unknown> {
  return {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    load_average: os.loadavg().map((l) => Number(l.toFixed(2))),
    date: new Date().toISOString(),
  };
}

const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);

// ---------------------------------------------------------------------------------------------
// chromium's processes and their memory

/** Processes descending from this one, with their names and RSS (bytes), from /proc. */
function descendants(): Array<{ pid: number; comm: string; rss: number; cmdline: string }> {
  const parent = new Map<number, number>();
  const info = new Map<number, { comm: string; rss: number; cmdline: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
      const comm = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '';
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      parent.set(Number(name), ppid);
      info.set(Number(name), { comm, rss, cmdline });
    } catch {
      // The process ended while being read.
    }
  }
  const mine: Array<{ pid: number; comm: string; rss: number; cmdline: string }> = [];
  for (const [pid, i] of info) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) {
        mine.push({ pid, ...i });
        break;
      }
    }
  }
  return mine;
}

/** The peak RSS of chromium's processes while it runs: all of them summed, and the renderers. */
class RssSampler {
  total_peak = 0;
  renderer_peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(interval_ms = 100) {
    this.sample();
    this.timer = setInterval(() => this.sample(), interval_ms);
  }

  private sample(): void {
    let total = 0;
    let renderer = 0;
    for (const p of descendants()) {
      if (!p.cmdline.includes('chrom')) continue;
      total += p.rss;
      if (p.cmdline.includes('--type=renderer')) renderer = Math.max(renderer, p.rss);
    }
    this.total_peak = Math.max(this.total_peak, total);
    this.renderer_peak = Math.max(this.renderer_peak, renderer);
  }

  stop(): { rss_total_peak_mb: number; rss_renderer_peak_mb: number } {
    clearInterval(this.timer);
    this.sample();
    return { rss_total_peak_mb: mb(this.total_peak), rss_renderer_peak_mb: mb(this.renderer_peak) };
  }
}

// ---------------------------------------------------------------------------------------------
// what the page records of itself

/**
 * Installed before the page's own scripts: long main-thread tasks (Long Tasks API), when the trace
 * viewer marks itself opened and the frame after, and a frame recorder the benchmark turns on.
 */
const page_probe = `
  window.__bench = { long: [], read_ms: 0, opened_ms: 0, painted_ms: 0, frames: null };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__bench.long.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {}
  new MutationObserver((records, observer) => {
    for (const r of records) {
      if (r.attributeName === 'data-open_ms' && window.__bench.read_ms === 0)
        window.__bench.read_ms = performance.now();
      if (r.target.dataset && r.target.dataset.opened !== undefined) {
        window.__bench.opened_ms = performance.now();
        requestAnimationFrame(() => { window.__bench.painted_ms = performance.now(); });
        observer.disconnect();
        return;
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-opened', 'data-open_ms'] });
  // Defined here, not in the benchmark's evaluate calls: tsx names the functions it compiles with a
  // helper (__name) the page does not have.
  window.__benchScroll = (n, px) => new Promise((resolve) => {
    const box = document.querySelector('.vlist');
    const times = [];
    const tick = (t) => {
      times.push(t);
      if (times.length > n) { resolve(times); return; }
      box.scrollTop += px;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  window.__benchFrames = (on) => {
    const b = window.__bench;
    if (!on) { const f = b.frames; b.frames = null; return f; }
    b.frames = [];
    const tick = (t) => { if (b.frames === null) return; b.frames.push(t); requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    return [];
  };
`;

interface Probe {
  long: Array<[number, number]>;
  /** When the read traces were handed to the page (`data-open_ms` set), and when the views were built. */
  read_ms: number;
  opened_ms: number;
  painted_ms: number;
}

declare global {
  interface Window {
    __bench: Probe;
    __benchFrames(on: boolean): number[] | null;
    __benchScroll(frames: number, px_per_frame: number): Promise<number[]>;
  }
}

/** The longest main-thread task after `since_ms` (page clock), and how many went over 50 ms. */
async function longTasks(page: Page, since_ms = 0): Promise<{ longest_task_ms: number; long_tasks: number }> {
  const long = await page.evaluate(() => window.__bench.long);
  const after = long.filter(([start]) => start >= since_ms);
  return {
    longest_task_ms: Math.round(Math.max(0, ...after.map(([, d]) => d))),
    long_tasks: after.length,
  };
}

/** Frame intervals, summarised. */
interface FrameFigures {
  readonly frames: number;
  readonly frame_p50_ms: number;
  readonly frame_p95_ms: number;
  readonly frame_max_ms: number;
  readonly frames_over_50ms: number;
}

/** Frame intervals of the frames recorded, summarised. */
function frameFigures(frames: readonly number[]): FrameFigures {
  const gaps: number[] = [];
  for (let i = 1; i < frames.length; i++) gaps.push(frames[i]! - frames[i - 1]!);
  gaps.sort((a, b) => a - b);
  const round = (x: number) => Number(x.toFixed(1));
  return {
    frames: frames.length,
    frame_p50_ms: round(percentile(gaps, 0.5)),
    frame_p95_ms: round(percentile(gaps, 0.95)),
    frame_max_ms: round(gaps.at(-1) ?? 0),
    frames_over_50ms: gaps.filter((g) => g > 50).length,
  };
}

/** The page's JS heap (main thread), MB. */
async function jsHeapMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  await cdp.detach();
  return mb(usedSize);
}

async function newPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => log(`page error: ${error.message}`));
  await page.addInitScript(page_probe);
  return page;
}

// ---------------------------------------------------------------------------------------------
// traces

/** Runs `command` to its end; rejects naming it when it fails. */
function run(command: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-2000);
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}

/** The simulated day's trace in `dir` (simulated first when absent); returns its path. */
async function simulatedDay(dir: string): Promise<string> {
  const trace = join(dir, 'day', 'trace.ndjson');
  if (existsSync(join(dir, 'day', 'summary.json'))) return trace;
  if (!existsSync(swim_file)) throw new Error(`the SWIM trace ${swim_file} is absent`);
  log('simulating a SWIM FB-2009 day on 600 agents with --trace-events ...');
  const started = performance.now();
  await run(
    process.execPath,
    [
      join(repo, 'bin', 'meso.js'),
      'sim',
      '--trace',
      `swim:${swim_file}`,
      '--agents',
      '600',
      '--agent-resources',
      'cpus:8;mem:16384',
      '--racks',
      '15',
      '--hours',
      '24',
      '--seed',
      'bench-viz',
      '--trace-events',
      '--out',
      join(dir, 'day'),
    ],
    repo,
  );
  log(`simulated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return trace;
}

/** Writes the header and the first `events` events of `day` to `to`; returns the events written. */
function cutTrace(day: string, to: string, events: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const input = createReadStream(day, { highWaterMark: 1 << 22 });
    const output = createWriteStream(to);
    let lines = 0;
    const want = events + 1;
    let done = false;
    input.on('data', (chunk) => {
      if (done) return;
      const buf = chunk as Buffer;
      let at = 0;
      while (lines < want) {
        const nl = buf.indexOf(10, at);
        if (nl < 0) break;
        lines++;
        at = nl + 1;
      }
      if (lines >= want) {
        done = true;
        output.write(buf.subarray(0, at));
        input.destroy();
        output.end(() => resolve(lines - 1));
      } else output.write(buf);
    });
    input.on('end', () => {
      if (!done) output.end(() => resolve(lines - 1));
    });
    input.on('error', reject);
    output.on('error', reject);
  });
}

/** Opens `file` in the trace viewer in a fresh browser; the figures of opening and scrubbing. */
async function openTraceFigures(file: string, events: number, sizeBytes: number): Promise<void> {
  const server = await startVizServer([file]);
  const browser = await launchBrowser();
  const rss = new RssSampler();
  try {
    const page = await newPage(browser);
    page.setDefaultTimeout(600_000);
    await page.goto(server.url);
    await page
      .locator('.trace-viewer[data-opened]')
      .or(page.locator('.trace-problems [role=alert]'))
      .first()
      .waitFor();
    await page.waitForFunction(() => window.__bench.painted_ms > 0);
    const probe = await page.evaluate(() => window.__bench);
    const read_ms = Number(await page.locator('.trace-viewer').getAttribute('data-open_ms'));
    const problems = await page.locator('.trace-problems [role=alert]').allTextContents();
    if (problems.length > 0) throw new Error(`the viewer reported: ${problems.join('; ')}`);
    const status = (await page.locator('.trace-status').textContent()) ?? '';
    const memory = rss.stop();
    const heap = await jsHeapMb(page);
    const long = await longTasks(page);
    const target = events >= 10_000_000 ? targets.open_10m_ms : events >= 1_000_000 ? targets.open_1m_ms : 0;
    const open_ms = Math.round(probe.painted_ms);
    const figure = {
      figure: 'trace_open',
      events,
      bytes: sizeBytes,
      open_ms,
      read_ms,
      draw_ms: Math.round(probe.painted_ms - probe.read_ms),
      events_per_s: Math.round(events / (open_ms / 1000)),
      js_heap_mb: heap,
      ...memory,
      ...long,
      target_ms: target,
      met: target === 0 ? undefined : open_ms < target,
      status,
    };
    emit(figure);
    out(
      `  open ${events.toLocaleString('en')} events (${mb(sizeBytes)} MB): ${(open_ms / 1000).toFixed(2)} s to the ` +
        `first frame drawn (read ${(read_ms / 1000).toFixed(2)} s, build + draw ${figure.draw_ms} ms)` +
        (target > 0 ? `, target < ${target / 1000} s: ${figure.met ? 'met' : 'NOT met'}` : '') +
        `; JS heap ${heap} MB, RSS peak ${memory.rss_total_peak_mb} MB (renderer ${memory.rss_renderer_peak_mb} MB); ` +
        `longest main-thread task ${long.longest_task_ms} ms`,
    );
    await scrub(page, events);
  } finally {
    rss.stop();
    await browser.close();
    await server.close();
  }
}

/** Drags the time slider across its width while recording frames. */
async function scrub(page: Page, events: number): Promise<void> {
  const slider = page.getByRole('slider', { name: 'Time' });
  const box = await slider.boundingBox();
  if (box === null) throw new Error('the time slider is not shown');
  const y = box.y + box.height / 2;
  const since = await page.evaluate(() => performance.now());
  await page.evaluate(() => window.__benchFrames(true));
  const steps = 120;
  const started = performance.now();
  await page.mouse.move(box.x + 2, y);
  await page.mouse.down();
  for (let i = 1; i <= steps; i++) await page.mouse.move(box.x + 2 + ((box.width - 4) * i) / steps, y);
  await page.mouse.up();
  // Let the last move's redraw land.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const wall_ms = performance.now() - started;
  const frames = (await page.evaluate(() => window.__benchFrames(false))) ?? [];
  const long = await longTasks(page, since);
  const figure = {
    figure: 'trace_scrub',
    events,
    moves: steps,
    wall_ms: Math.round(wall_ms),
    ...frameFigures(frames),
    ...long,
  };
  emit(figure);
  out(
    `  scrub ${steps} mouse moves across the slider in ${(wall_ms / 1000).toFixed(2)} s: frame interval ` +
      `p50 ${figure.frame_p50_ms} ms, p95 ${figure.frame_p95_ms} ms, max ${figure.frame_max_ms} ms, ` +
      `${figure.frames_over_50ms} frames over 50 ms; longest task ${long.longest_task_ms} ms`,
  );
}

async function traceBench(): Promise<void> {
  const temp = await mkdtemp(join(os.tmpdir(), 'meso-bench-viz-'));
  const dir = values.traces ?? temp;
  mkdirSync(dir, { recursive: true });
  try {
    const day = await simulatedDay(dir);
    for (const events of eventCounts) {
      const file = join(temp, `trace-${events}.ndjson`);
      const written = await cutTrace(day, file, events);
      if (written < events) out(`  (the simulated day holds ${written} events, fewer than ${events})`);
      const { size } = statSync(file);
      await openTraceFigures(file, written, size);
      await rm(file, { force: true });
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// live views

/** Each agent: room for 40 tasks of the shape below. */
const agent_resources = 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]';
const task_shape = { cpus: 0.1, mem_mb: 32 };

/** Waits until the page's `selector` reads `text`; the page clock then. */
async function until(page: Page, selector: string, text: string): Promise<number> {
  const handle = await page.waitForFunction(
    ([s, t]) => {
      const e = document.querySelector(s!);
      return e !== null && e.textContent === t ? performance.now() : 0;
    },
    [selector, text],
    { timeout: 600_000 },
  );
  return (await handle.jsonValue()) as number;
}

/** Scrolls the page's virtual list by `px_per_frame` pixels a frame for `frames` frames; the frame times. */
async function scrollList(page: Page, frames: number, px_per_frame: number): Promise<number[]> {
  return page.evaluate(([n, px]) => window.__benchScroll(n!, px!), [frames, px_per_frame]);
}

/** Opens one live view on the full cluster in a fresh page; the figures of its first render and scroll. */
async function liveView(
  browser: Browser,
  base: string,
  view: string,
  selector: string,
  text: string,
  scroll: boolean,
): Promise<void> {
  const page = await newPage(browser);
  try {
    await page.goto(`${base}/#/${view}`);
    const first_render_ms = Math.round(await until(page, selector, text));
    const long = await longTasks(page);
    let frames: FrameFigures | undefined;
    if (scroll) {
      await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
      frames = frameFigures(await scrollList(page, 180, 26 * 40));
    }
    const scrollLong = scroll ? await longTasks(page, first_render_ms + 300) : undefined;
    const heap = await jsHeapMb(page);
    const figure = {
      figure: 'live_view',
      view,
      agents: agentCount,
      tasks: taskCount,
      first_render_ms,
      ...long,
      ...(scroll
        ? { scroll_rows_per_frame: 40, ...frames, scroll_longest_task_ms: scrollLong!.longest_task_ms }
        : {}),
      js_heap_mb: heap,
    };
    emit(figure);
    out(
      `  #/${view.padEnd(9)} first render ${(first_render_ms / 1000).toFixed(2)} s after navigation, longest task ` +
        `${long.longest_task_ms} ms (${long.long_tasks} over 50 ms), JS heap ${heap} MB` +
        (scroll
          ? `; scrolling 40 rows a frame: frame p50 ${frames?.frame_p50_ms} ms, p95 ${frames?.frame_p95_ms} ms, ` +
            `max ${frames?.frame_max_ms} ms, longest task ${scrollLong!.longest_task_ms} ms`
          : ''),
    );
  } finally {
    await page.close();
  }
}

async function liveBench(): Promise<void> {
  const completedMax = 1000;
  let m: ChildMaster | undefined;
  let pool: AgentPool | undefined;
  const frameworks: BenchFramework[] = [];
  const browser = await launchBrowser();
  const rss = new RssSampler();
  try {
    m = await startChildMaster(repo, completedMax, false);
    const started = performance.now();
    pool = await startAgentPool({
      url: m.url,
      agents: agentCount,
      resources: agent_resources,
      timeout_ms: 300_000,
    });
    pool.fate = 'hold';
    log(`${agentCount} agents registered in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // A page watches the tasks view while the frameworks launch.
    const watcher = await newPage(browser);
    await watcher.goto(`${m.url}/#/tasks`);
    // Subscribed (the count reads 0 before the page has the state, too).
    await watcher.locator('#status[data-link="connected"]').waitFor({ timeout: 600_000 });
    await until(watcher, '.toolbar .muted', '0');
    const watch_from = await watcher.evaluate(() => performance.now());
    // Each framework's budget is set before it subscribes: offers come right after SUBSCRIBED, and a
    // greedy framework with no budget yet would fill the cluster.
    const share = Math.ceil(taskCount / frameworkCount);
    for (let i = 0; i < frameworkCount; i++) {
      const f = new BenchFramework(m.port, `bench-viz-fw-${i}`, task_shape);
      f.mode = 'greedy';
      f.holding = true;
      f.setBudget(share);
      frameworks.push(f);
    }
    const filling = performance.now();
    await Promise.all(frameworks.map((f) => f.subscribe()));
    const running = () => frameworks.reduce((n, f) => n + f.running, 0);
    const full = await waitFor(() => running() >= share * frameworkCount, 600_000);
    const fill_s = (performance.now() - filling) / 1000;
    for (const f of frameworks) f.quiet();
    const held = running();
    if (!full) out(`  the master reached ${held} running tasks of ${taskCount} in ${fill_s.toFixed(0)} s`);
    const settled = performance.now();
    await until(watcher, '.toolbar .muted', String(held));
    const lag_ms = Math.round(performance.now() - settled);
    const long = await longTasks(watcher, watch_from);
    const heap = await jsHeapMb(watcher);
    const figure = {
      figure: 'live_watch',
      agents: agentCount,
      tasks_running: held,
      frameworks: frameworkCount,
      fill_s: Number(fill_s.toFixed(1)),
      tasks_per_s: Math.round(held / fill_s),
      view_lag_ms: lag_ms,
      ...long,
      js_heap_mb: heap,
    };
    emit(figure);
    out(
      `  watching #/tasks while ${held.toLocaleString('en')} tasks start on ${agentCount.toLocaleString('en')} agents ` +
        `(${fill_s.toFixed(0)} s, ${figure.tasks_per_s}/s): longest main-thread task ${long.longest_task_ms} ms ` +
        `(${long.long_tasks} over 50 ms), the view ${lag_ms} ms behind the master at the end, JS heap ${heap} MB`,
    );
    await watcher.close();
    await liveView(browser, m.url, 'overview', '[data-count="TASK_RUNNING"]', String(held), false);
    await liveView(browser, m.url, 'agents', '.toolbar .muted', String(agentCount), true);
    await liveView(browser, m.url, 'tasks', '.toolbar .muted', String(held), true);
    const memory = rss.stop();
    emit({ figure: 'live_memory', ...memory });
    out(
      `  chromium RSS peak over the live part ${memory.rss_total_peak_mb} MB (renderer ${memory.rss_renderer_peak_mb} MB)`,
    );
  } finally {
    rss.stop();
    for (const f of frameworks) f.close();
    await pool?.close();
    if (m !== undefined) await stopChildMaster(m);
    await browser.close();
  }
}

// ---------------------------------------------------------------------------------------------

const before = conditions();
const browserVersion = await launchBrowser().then(async (b) => {
  const v = b.version();
  await b.close();
  return v;
});
emit({ figure: 'conditions', chromium: browserVersion, ...before });
out(
  `meso web UI benchmark: chromium ${browserVersion} headless, node ${before.node}, ${before.cpu}, ` +
    `${before.cores} cores, load average ${(before.load_average as number[]).join(' ')}, ${before.date}`,
);
if (only.has('trace')) {
  out(
    `\ntrace viewer (a simulated SWIM FB-2009 day on 600 agents, cut to size; anchor: ${targets.anchor_trace})`,
  );
  await traceBench();
}
if (only.has('live')) {
  out(
    `\nlive views (${agentCount.toLocaleString('en')} emulated agents, ${taskCount.toLocaleString('en')} tasks, ` +
      `${frameworkCount} frameworks; anchor: ${targets.anchor_live})`,
  );
  await liveBench();
}
const after = conditions();
emit({ figure: 'conditions_after', load_average: after.load_average, date: after.date });
out(`\nload average at the end: ${(after.load_average as number[]).join(' ')}`);
