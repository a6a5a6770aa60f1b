// The live offer flow (#/offers) in a real browser, over the master's GET /master/events stream:
// against `meso local` (its agent and demo framework) offers flow into the diagram and the rates
// per framework, pause holds the picture while the counts go on and step moves it on, play runs a
// held picture back to the stream at the chosen speed; against two
// masters in a ZooKeeper group, a page opened at the standby follows the leader, shows the master
// gone when the leader is killed, follows the standby once it leads (offers flowing from it), and
// comes back when the master it was opened at is restarted.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Offer } from '../../engine/master/v1.ts';
import type { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import { startEnsemble, type ZooKeeperEnsemble } from '../../runtime/zk/ensemble.ts';
import { eventually, freePort, getJson, type Json, Processes } from '../integration/e2e-harness.ts';
import { awaitLeader, haMasterArgs, startHaCluster } from '../integration/ha-harness.ts';
import { launchBrowser, openPage, screenshot } from './browser.ts';

const procs = new Processes();
const clients: SchedulerClient[] = [];
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
}, 30_000);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await procs.cleanup();
});
afterAll(async () => {
  await browser?.close();
});

/** The page's count of offer events since it opened, of one kind. */
async function total(page: Page, kind: 'made' | 'accepted' | 'declined' | 'launched'): Promise<number> {
  return Number((await page.locator('[data-totals]').getAttribute(`data-${kind}`)) ?? 0);
}

/** The seconds a held or playing picture is behind the master, from the held line's text. */
function behind(text: string | null): number {
  const m = /(\d+) s behind the master$/.exec(text ?? '');
  return m === null ? Number.NaN : Number(m[1]);
}

const streamState = (page: Page) => page.locator('[data-offer-stream]').getAttribute('data-offer-stream');
const streamText = (page: Page) => page.locator('[data-offer-stream]').textContent();

describe('the live offer flow', () => {
  it('shows the offers of meso local flowing, per framework, with pause, step, play and speed', async () => {
    const port = await freePort();
    procs.meso(['local', `--port=${port}`, '--agents=1', '--resources=cpus:2;mem:1024;disk:1024']);
    await eventually(
      async () => {
        const state = await getJson(port, '/master/state');
        return state.slaves.length === 1 && state.frameworks.some((f: Json) => f.name === 'meso demo');
      },
      20_000,
      'the agent and the demo framework',
    );
    const { page, errors } = await openPage(browser, `http://127.0.0.1:${port}/#/offers`);
    await expect.poll(() => streamState(page)).toBe('connected');
    expect(await streamText(page)).toContain(`http://127.0.0.1:${port}`);
    // The demo launches tasks from its offers: made, accepted and launched all count up.
    await expect.poll(() => total(page, 'accepted'), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => total(page, 'launched'), { timeout: 20_000 }).toBeGreaterThan(0);
    const made = await total(page, 'made');
    await expect.poll(() => total(page, 'made'), { timeout: 20_000 }).toBeGreaterThan(made);
    // The diagram draws the demo framework's band, and the rates table has its row.
    const row = page.locator('table.rates tbody tr', { hasText: 'meso demo' });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.locator('figure.flow path.band').count()).toBeGreaterThan(0);
    expect(await page.locator('figure.flow svg').textContent()).toMatch(/meso demo \(\d+\)/);
    await screenshot(page, 'offers');

    // Paused, the picture holds while the counts go on; step moves the held window on.
    const pause = page.getByRole('button', { name: 'Pause' });
    await pause.click();
    const resume = page.getByRole('button', { name: 'Resume' });
    expect(await resume.getAttribute('aria-pressed')).toBe('true');
    const step = page.getByRole('button', { name: 'Step 1 s' });
    expect(await step.isEnabled()).toBe(true);
    const held = await page.locator('figure.flow svg').innerHTML();
    const madeAtPause = await total(page, 'made');
    await expect.poll(() => total(page, 'made'), { timeout: 20_000 }).toBeGreaterThan(madeAtPause);
    expect(await page.locator('figure.flow svg').innerHTML()).toBe(held);
    await expect.poll(() => page.locator('[data-held]').textContent()).toMatch(/^Held \d+ s behind/);
    await step.click();
    await resume.click();
    expect(await step.isEnabled()).toBe(false);
    const play = page.getByRole('button', { name: 'Play' });
    expect(await play.isEnabled()).toBe(false);

    // Held a few seconds, then played at 4x: the gap shrinks and the picture is back with the stream.
    const heldText = page.locator('[data-held]');
    await pause.click();
    await expect
      .poll(async () => behind(await heldText.textContent()), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(6);
    // Every text the held line shows from here on, in order.
    await page.evaluate(() => {
      const node = document.querySelector('[data-held]')!;
      const seen: string[] = [];
      (window as unknown as { heldSeen: string[] }).heldSeen = seen;
      new MutationObserver(() => seen.push(node.textContent ?? '')).observe(node, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await page.getByLabel('Speed', { exact: true }).selectOption('4');
    await play.click();
    await expect.poll(() => heldText.textContent(), { timeout: 20_000 }).toBe('');
    expect(await pause.getAttribute('aria-pressed')).toBe('false');
    expect(await play.getAttribute('aria-pressed')).toBe('false');
    expect(await play.isEnabled()).toBe(false);
    const seen = await page.evaluate(() => (window as unknown as { heldSeen: string[] }).heldSeen);
    const playing = seen.filter((t) => t.startsWith('Playing at 4×, ')).map(behind);
    expect(playing.length).toBeGreaterThan(0);
    expect(playing.at(-1)!).toBeLessThan(playing[0]!);
    expect(playing).toEqual([...playing].sort((x, y) => y - x));
    expect(seen.at(-1)).toBe('');

    // Played at 1x the gap holds; a faster speed chosen while playing takes over at once.
    await pause.click();
    await expect
      .poll(async () => behind(await heldText.textContent()), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(3);
    await page.getByLabel('Speed', { exact: true }).selectOption('1');
    await play.click();
    expect(await play.getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByRole('button', { name: 'Pause' }).getAttribute('aria-pressed')).toBe('false');
    expect(await step.isEnabled()).toBe(true);
    expect(await heldText.textContent()).toMatch(/^Playing at 1×, \d+ s behind the master$/);
    await page.getByLabel('Speed', { exact: true }).selectOption('8');
    expect(await heldText.textContent()).toMatch(/^(Playing at 8×, \d+ s behind the master)?$/);
    await expect.poll(() => heldText.textContent(), { timeout: 20_000 }).toBe('');
    expect(await page.getByRole('button', { name: 'Pause' }).getAttribute('aria-pressed')).toBe('false');
    // The window is a labelled control.
    await page.getByLabel('Window', { exact: true }).selectOption('60');
    await expect.poll(() => page.locator('table.rates caption').textContent()).toContain('last 60 s');
    expect(errors).toEqual([]);
  }, 90_000);

  describe('with two masters in a ZooKeeper group', () => {
    let zk: ZooKeeperEnsemble;
    beforeAll(async () => {
      zk = await startEnsemble({ servers: 1 });
    }, 60_000);
    afterAll(async () => {
      await zk?.stop();
    });

    it('follows the leader, shows it gone, follows the next and comes back after a restart', async () => {
      const { leader, standby, fw } = await startHaCluster(procs, zk, clients);
      // The framework declines every offer for a second, so offers keep flowing from whoever leads.
      fw.client.on('event', (event) => {
        if (event.type !== 'OFFERS') return;
        const ids = (event.offers.offers as Offer[]).map((o) => o.id);
        fw.client.decline(ids, { refuse_seconds: 1 }).catch(() => undefined);
      });
      const { page, errors } = await openPage(browser, `http://127.0.0.1:${standby.port}/#/offers`);
      // The standby redirects the stream to the leader.
      await expect.poll(() => streamText(page), { timeout: 15_000 }).toContain(`127.0.0.1:${leader.port}`);
      expect(await streamState(page)).toBe('connected');
      await expect.poll(() => total(page, 'declined'), { timeout: 20_000 }).toBeGreaterThan(0);

      // The leader killed: the page says so, then follows the standby once it leads.
      leader.process.child.kill('SIGKILL');
      await expect.poll(() => streamState(page), { timeout: 15_000 }).toBe('disconnected');
      await awaitLeader(zk, [standby]);
      await expect
        .poll(() => streamText(page), { timeout: 30_000 })
        .toBe(`Following the offer events of http://127.0.0.1:${standby.port}`);
      const before = await total(page, 'declined');
      await expect.poll(() => total(page, 'declined'), { timeout: 30_000 }).toBeGreaterThan(before);
      // The page's link to the cluster followed too: its status bar names the new leader.
      await expect.poll(() => page.locator('#status').textContent()).toContain(`127.0.0.1:${standby.port}`);
      await screenshot(page, 'offers-after-failover');

      // The master the page came from, restarted on its port: the page reads it again.
      const restarting = standby.process;
      restarting.child.kill('SIGTERM');
      await restarting.exited;
      await expect.poll(() => streamState(page), { timeout: 15_000 }).not.toBe('connected');
      procs.meso(haMasterArgs(zk, standby.port));
      await expect
        .poll(() => streamText(page), { timeout: 40_000 })
        .toBe(`Following the offer events of http://127.0.0.1:${standby.port}`);
      const after = await total(page, 'declined');
      await expect.poll(() => total(page, 'declined'), { timeout: 40_000 }).toBeGreaterThan(after);
      expect(errors.filter((e) => !/Failed to load resource|ERR_CONNECTION_REFUSED|503/.test(e))).toEqual([]);
    }, 180_000);
  });
});
