// The web UI in a real browser against a live `meso local`: the master serves the built app at `/`,
// the overview shows the leader, the agents and the demo framework's tasks as they run, with no
// console error, and the nav bar is reached and followed with the keyboard alone.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort, getJson, Processes } from '../integration/e2e-harness.ts';
import { launchBrowser, openPage, screenshot } from './browser.ts';

const procs = new Processes();
let browser: Browser;
let port = 0;

beforeAll(async () => {
  port = await freePort();
  procs.meso(['local', `--port=${port}`, '--agents=2', '--log_level=warn']);
  await eventually(
    async () => (await getJson(port, '/master/state')).slaves.length === 2,
    15_000,
    'two agents in /master/state',
  );
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await procs.cleanup();
});

describe('the web UI on a live master', () => {
  it('shows the overview with the agents and running tasks, without console errors', async () => {
    const { page, errors } = await openPage(browser, `http://127.0.0.1:${port}/`);
    await expect
      .poll(() => page.locator('[data-count="agents-active"]').textContent(), { timeout: 15_000 })
      .toBe('2');
    await expect
      .poll(async () => Number(await page.locator('[data-count="TASK_RUNNING"]').textContent()), {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
    await expect.poll(() => page.locator('#status').textContent()).toContain(`127.0.0.1:${port}`);
    await screenshot(page, 'overview');
    expect(errors).toEqual([]);
  });

  it('is served at / with its assets, and the nav bar works from the keyboard', async () => {
    const { page, errors } = await openPage(browser, `http://127.0.0.1:${port}/`);
    // Tab from the top of the page: the skip link first, then the views in the nav bar.
    await page.keyboard.press('Tab');
    const focused = () => page.evaluate(() => document.activeElement?.textContent ?? '');
    expect(await focused()).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Overview');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.title()).toMatch(/Overview/);
    // The page's assets come from the master too, with their content type.
    const script = await page.locator('script[type="module"]').getAttribute('src');
    const asset = await fetch(`http://127.0.0.1:${port}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(errors).toEqual([]);
  });
});
