// The trace viewer in a real browser: `meso viz` serves a simulation's trace and the page opens it;
// scrubbing and brushing change the charts; two runs of one workload under two policies compare side
// by side; traces that are not NDJSON, cut short or of another version say so naming the line, and
// an unknown event type is skipped with a note. No console errors; every control has a label.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trace_header } from '../../engine/events.ts';
import { resolveSimConfig } from '../../sim/config.ts';
import { runSimulation } from '../../sim/run.ts';
import { eventually, Processes, repo_root } from '../integration/e2e-harness.ts';
import { launchBrowser, openPage, screenshot } from './browser.ts';

const procs = new Processes();
let browser: Browser;
let drf = '';
let other = '';

/** Simulates five minutes of the Mesos paper's mix under `policy`; returns the trace's path. */
function simulate(dir: string, policy: string): string {
  const mix = JSON.parse(readFileSync(join(repo_root, 'sim/examples/mesos-paper-mix.json'), 'utf8'));
  const out = join(dir, policy);
  const config = resolveSimConfig({ ...mix, end_ms: 300_000, policy });
  runSimulation({ config, baseDir: repo_root, outDir: out, traceEvents: true });
  return join(out, 'trace.ndjson');
}

/** Starts `meso viz` on `traces` and returns the URL it prints. */
async function viz(traces: readonly string[]): Promise<string> {
  const p = procs.meso(['viz', '--port=0', ...traces]);
  let url = '';
  await eventually(
    async () => {
      url = /open (http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(p.stdout())?.[1] ?? '';
      return url !== '';
    },
    20_000,
    `meso viz printing its URL (stderr: ${p.stderr()})`,
  );
  return url;
}

/** Waits until the page has opened its traces (or said why not). */
async function opened(page: Page): Promise<void> {
  await page
    .locator('.trace-viewer[data-opened]')
    .or(page.locator('.trace-problems [role=alert]'))
    .first()
    .waitFor({ timeout: 30_000 });
}

beforeAll(async () => {
  const dir = await procs.dir('meso-viz-');
  drf = simulate(dir, 'drf');
  other = simulate(dir, 'random');
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await procs.cleanup();
});

describe('the trace viewer', () => {
  it('opens a trace from meso viz; scrubbing and brushing change the charts; every control is labelled', async () => {
    const { page, errors } = await openPage(browser, await viz([drf]));
    await opened(page);
    await expect.poll(() => page.locator('.trace-status').textContent()).toMatch(/^Read .* events\) in/);
    expect(await page.locator('.trace-panel').count()).toBe(1);
    expect(await page.locator('.trace-panel figure.chart svg').count()).toBe(6);
    // Labelled controls: each found by its accessible name.
    const time = page.getByRole('slider', { name: 'Time' });
    for (const name of ['Play', 'Step back', 'Step forward'])
      await page.getByRole('button', { name }).waitFor();
    await page.getByLabel('Speed').waitFor();
    await page.getByLabel('Rate window').waitFor();
    await page.getByLabel(/Open trace files/).waitFor();
    await screenshot(page, 'trace-viewer');

    const flow = () => page.locator('.chart.flow svg').innerHTML();
    const rates = () => page.locator('table.rates').textContent();
    const cursorX = () => page.locator('.chart .cursor').first().getAttribute('x1');
    const [flow0, rates0, x0] = [await flow(), await rates(), await cursorX()];
    // Scrub to the start of the trace: the cursor moves, the flow and the rates are those of then.
    await time.fill(String(Number(await time.getAttribute('min')) + 30_000));
    await expect.poll(cursorX).not.toBe(x0);
    expect(await flow()).not.toBe(flow0);
    expect(await rates()).not.toBe(rates0);
    // Play, from the keyboard, moves the cursor on; a second press pauses.
    const x1 = await cursorX();
    await page.getByRole('button', { name: 'Play' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(cursorX).not.toBe(x1);
    await page.getByRole('button', { name: 'Pause' }).press('Enter');

    // Brushing a range of the overview narrows the time axes and the completion counts.
    const note = () => page.locator('.trace-panel figure.chart .chart-note').last().textContent();
    const axis0 = await page.locator('.trace-panel figure.chart svg').first().innerHTML();
    const note0 = await note();
    const box = (await page.locator('.overview svg').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.locator('.trace-viewer').getAttribute('data-range')).toMatch(/^\d+-\d+$/);
    expect(await page.locator('.trace-panel figure.chart svg').first().innerHTML()).not.toBe(axis0);
    expect(await note()).not.toBe(note0);
    expect(errors).toEqual([]);
  });

  it('compares two runs side by side', async () => {
    const { page, errors } = await openPage(browser, await viz([drf, other]));
    await opened(page);
    const names = await page.locator('.trace-panel h2').allTextContents();
    expect(names).toEqual([drf, other]);
    // Both columns follow the one scrubber.
    const cursors = () =>
      page.locator('.trace-panel .chart .cursor').evaluateAll((ls) => ls.map((l) => l.getAttribute('x1')));
    const before = await cursors();
    await page
      .getByRole('slider', { name: 'Time' })
      .fill(String(Number(await page.getByRole('slider', { name: 'Time' }).getAttribute('min')) + 60_000));
    await expect.poll(cursors).not.toEqual(before);
    await screenshot(page, 'trace-compare');
    expect(errors).toEqual([]);
  });

  it('names the line of a bad trace, picked as a file; skips unknown event types with a note', async () => {
    const { page, errors } = await openPage(browser, await viz([drf]));
    await opened(page);
    const good = readFileSync(drf, 'utf8').split('\n');
    const dir = await procs.dir('meso-viz-bad-');
    /** Picks `text` as the file `name`; the alerts the page shows, waited for when `alerts`. */
    const pick = async (name: string, text: string, alerts = true): Promise<string> => {
      const file = join(dir, name);
      writeFileSync(file, text);
      await page.getByLabel(/Open trace files/).setInputFiles(file);
      await opened(page);
      const alert = page.locator('.trace-problems [role=alert]');
      if (alerts) await alert.first().waitFor({ timeout: 30_000 });
      return (await alert.allTextContents()).join('\n');
    };
    expect(await pick('jobs.csv', 'job_id,framework\nj1,f1\n')).toBe(
      'jobs.csv: line 1 is not a JSON object: a trace is NDJSON, one event a line (engine/events.ts)',
    );
    const cut = good.slice(0, 200).join('\n').slice(0, -20);
    expect(await pick('cut.ndjson', cut)).toBe(
      'cut.ndjson: line 200 is cut short: the file ends inside it (was the trace truncated?) (showing the 198 events before it)',
    );
    await screenshot(page, 'trace-bad');
    const v2 = [JSON.stringify({ ...trace_header, version: 2 }), ...good.slice(1)].join('\n');
    expect(await pick('v2.ndjson', v2)).toMatch(
      /^v2\.ndjson: line 1 is the header of a 'meso-trace' trace of version 2;/,
    );
    const odd = [
      ...good.slice(0, 100),
      '{"type":"quota_changed","time_ms":5000,"seq":1}',
      ...good.slice(100),
    ].join('\n');
    expect(await pick('odd.ndjson', odd, false)).toBe('');
    await expect
      .poll(() => page.locator('.trace-panel .note').textContent())
      .toBe('1 events of types this viewer does not know were skipped: quota_changed (1)');
    expect(errors).toEqual([]);
  });
});
