// `--rate_limits` on a live master: a principal limited to a slow rate has its calls beyond the
// first held in its queue and, beyond its capacity, answered 429 with a message and Retry-After,
// while another principal's framework is served at once; frameworks without a principal share the
// aggregate default; held calls run in their turn; /metrics/snapshot counts each principal's calls.
import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimits } from '../../runtime/master/rate-limits.ts';
import { LiveMaster } from './live-master.ts';
import { type Json, type RawResponse, rawRequest } from './master-client.ts';

const live = new LiveMaster(47);
afterEach(() => live.cleanup());

const reconcile = { type: 'RECONCILE', reconcile: { tasks: [] } };

async function snapshot(port: number): Promise<Json> {
  const res = await rawRequest(port, { method: 'GET', path: '/metrics/snapshot' });
  return JSON.parse(res.body) as Json;
}

/** Settles whether `promise` has answered by the time the calls made after it have. */
function tracked(promise: Promise<RawResponse>): { promise: Promise<RawResponse>; done: () => boolean } {
  let settled = false;
  void promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  return { promise, done: () => settled };
}

describe('--rate_limits', () => {
  it('holds a slow principal, refuses it beyond capacity (429) and serves another principal', async () => {
    // One call every 100 s: the calls this test holds never come due before it ends.
    const rate_limits: RateLimits = {
      limits: [{ principal: 'slow', qps: 0.01, capacity: 2 }, { principal: 'fast' }],
      aggregate_default_qps: 0.01,
      aggregate_default_capacity: 0,
    };
    const m = await live.start({ rate_limits });
    const slow = await live.framework('slow', { principal: 'slow' });
    const fast = await live.framework('fast', { principal: 'fast' });
    const anonymous = await live.framework('anonymous');

    const first = await slow.call(reconcile);
    expect(first.status).toBe(202);
    const held = [tracked(slow.call(reconcile)), tracked(slow.call(reconcile))];
    const over = await slow.call(reconcile);
    expect(over.status).toBe(429);
    expect(over.body).toMatch(/RECONCILE dropped: 2 calls of principal 'slow' already wait/);
    expect(over.body).toMatch(/--rate_limits/);
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    // Another principal is served at once, as often as it calls, while the slow one waits.
    for (let i = 0; i < 5; i++) expect((await fast.call(reconcile)).status).toBe(202);
    expect(held.map((h) => h.done())).toEqual([false, false]);

    // Frameworks without a principal share the aggregate default (capacity 0: no call waits).
    expect((await anonymous.call(reconcile)).status).toBe(202);
    const shared = await anonymous.call(reconcile);
    expect(shared.status).toBe(429);
    expect(shared.body).toMatch(/frameworks without a principal \(aggregate_default_capacity\)/);

    const metrics = await snapshot(m.port);
    expect(metrics['frameworks/slow/messages_received']).toBe(4);
    expect(metrics['frameworks/slow/messages_processed']).toBe(1);
    expect(metrics['frameworks/fast/messages_received']).toBe(5);
    expect(metrics['frameworks/fast/messages_processed']).toBe(5);
    expect(metrics['master/frameworks_active']).toBe(3);
    // The flag as /master/state shows it.
    const state = JSON.parse(
      (await rawRequest(m.port, { method: 'GET', path: '/master/state' })).body,
    ) as Json;
    expect(JSON.parse(state.flags.rate_limits)).toEqual(rate_limits);
    await live.stop();
    await Promise.allSettled(held.map((h) => h.promise));
  });

  it('runs held calls in their turn, and forgets the counters of a principal with no framework left', async () => {
    const m = await live.start({ rate_limits: { limits: [{ principal: 'p', qps: 20, capacity: 5 }] } });
    const framework = await live.framework('p', { principal: 'p' });
    const answers = await Promise.all([1, 2, 3, 4].map(() => framework.call(reconcile)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    const metrics = await snapshot(m.port);
    expect([metrics['frameworks/p/messages_received'], metrics['frameworks/p/messages_processed']]).toEqual([
      4, 4,
    ]);
    expect((await framework.call({ type: 'TEARDOWN' })).status).toBe(202);
    const after = await snapshot(m.port);
    expect(Object.keys(after).filter((k) => k.startsWith('frameworks/'))).toEqual([]);
  });
});
