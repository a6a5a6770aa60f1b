// The web UI in a real browser against a live `meso local` and a framework whose task prints a line
// every half second: the master serves the built app at `/`; the overview, agents and tasks appear;
// the task's stdout shows in the page's tail as it is written; tearing the framework down through
// the operator API updates the page without a reload; the nav bar and the controls are reached
// with the keyboard and labelled; and no view logs a console error.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort, getJson, type Json, Processes } from '../integration/e2e-harness.ts';
import { launchBrowser, openPage, screenshot } from './browser.ts';

const procs = new Processes();
let browser: Browser;
let port = 0;
let framework_id = '';
let task_id = '';

beforeAll(async () => {
  port = await freePort();
  procs.meso([
    'local',
    `--port=${port}`,
    '--agents=2',
    '--no-demo',
    '--resources=cpus:2;mem:2048;disk:4096',
    '--log_level=warn',
  ]);
  await eventually(
    async () => (await getJson(port, '/master/state')).slaves.length === 2,
    15_000,
    'two agents',
  );
  procs.meso([
    'test-framework',
    `--master=127.0.0.1:${port}`,
    '--tasks=1',
    '--command=i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.5; done',
  ]);
  await eventually(
    async () => {
      const state = await getJson(port, '/master/state');
      const f = state.frameworks.find((x: Json) => x.name === 'meso test framework');
      const t = f?.tasks.find((x: Json) => x.state === 'TASK_RUNNING');
      if (t === undefined) return false;
      framework_id = f.id;
      task_id = t.id;
      return true;
    },
    20_000,
    'a running task of the test framework',
  );
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await procs.cleanup();
});

const base = () => `http://127.0.0.1:${port}/`;

describe('the web UI on a live master', () => {
  it('shows the overview, the agents and the tasks', async () => {
    const { page, errors } = await openPage(browser, base());
    const count = (name: string) => page.locator(`[data-count="${name}"]`).textContent();
    await expect.poll(() => count('agents-active')).toBe('2');
    await expect.poll(() => count('TASK_RUNNING')).toBe('1');
    await expect.poll(() => page.locator('#status').textContent()).toContain(`127.0.0.1:${port}`);
    await screenshot(page, 'overview');

    await page.getByRole('link', { name: 'Agents', exact: true }).click();
    await expect.poll(() => page.locator('.vlist .row').count()).toBe(2);
    await screenshot(page, 'agents');

    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await expect.poll(() => page.locator('.vlist .row').first().textContent()).toContain('TASK_RUNNING');
    await screenshot(page, 'tasks');
    expect(errors).toEqual([]);
  });

  it("tails a running task's stdout through the master", async () => {
    const { page, errors } = await openPage(browser, `${base()}#/tasks/${framework_id}/${task_id}`);
    await expect
      .poll(() => page.locator('[data-tail]').textContent(), { timeout: 15_000 })
      .toContain('tick-');
    // It goes on reading what the task writes after the page opened.
    const first = (await page.locator('[data-tail]').textContent()) ?? '';
    const lines = (text: string) => text.split('\n').filter((l) => l.startsWith('tick-')).length;
    await expect
      .poll(async () => lines((await page.locator('[data-tail]').textContent()) ?? ''), { timeout: 10_000 })
      .toBeGreaterThan(lines(first) + 1);
    await screenshot(page, 'task-sandbox');
    // The master forwards only an agent's reads, and names what it refused.
    const unknown = await fetch(`http://127.0.0.1:${port}/master/agents/no-such-agent/state`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toMatch(/No agent 'no-such-agent'/);
    const agent_id = (await getJson(port, '/master/state')).slaves[0].id;
    const other = await fetch(`http://127.0.0.1:${port}/master/agents/${agent_id}/flags`);
    expect(other.status).toBe(404);
    expect(await other.text()).toMatch(/Only state, files\/browse, files\/read/);
    expect(errors).toEqual([]);
  });

  it('follows a framework torn down, with no reload', async () => {
    const { page, errors } = await openPage(browser, `${base()}#/frameworks`);
    const row = page.locator('.vlist .row', { hasText: 'meso test framework' });
    await expect.poll(() => row.locator('[data-framework-state]').textContent()).toBe('active');
    await screenshot(page, 'frameworks');
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = 'still here';
    });
    const teardown = await fetch(`http://127.0.0.1:${port}/api/v1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'TEARDOWN', teardown: { framework_id: { value: framework_id } } }),
    });
    expect(teardown.status).toBe(200);
    await expect.poll(() => row.locator('[data-framework-state]').textContent()).toBe('completed');
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('still here');
    // Its task ended with it, and the overview says so.
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await expect.poll(() => page.locator('[data-count="TASK_RUNNING"]').textContent()).toBe('0');
    expect(errors).toEqual([]);
  });

  it('is reached by keyboard, its controls labelled', async () => {
    const { page, errors } = await openPage(browser, `${base()}#/tasks`);
    // Tab from the top of the page: the skip link, then the views of the nav bar.
    const focused = () => page.evaluate(() => document.activeElement?.textContent ?? '');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Overview');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Agents');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.title()).toMatch(/^Agents/);
    // Every input, select and button has a name a screen reader can say.
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, button')]
        .filter((n) => {
          const id = n.getAttribute('id');
          const label = id === null ? null : document.querySelector(`label[for="${id}"]`);
          return !n.getAttribute('aria-label') && label === null && (n.textContent ?? '').trim() === '';
        })
        .map((n) => n.outerHTML),
    );
    expect(unnamed).toEqual([]);
    await expect.poll(() => page.getByLabel('Filter agents').count()).toBe(1);
    // The page's assets come from the master too, with their content type.
    const script = await page.locator('script[type="module"]').getAttribute('src');
    const asset = await fetch(`http://127.0.0.1:${port}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(errors).toEqual([]);
  });
});
