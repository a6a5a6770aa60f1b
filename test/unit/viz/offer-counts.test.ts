// The live offer flow's counts: offer events of the master's stream in one-second buckets per
// framework, windows summed over them, old buckets reused as the master's clock moves on.
import { describe, expect, it } from 'vitest';
import { bucket_ms, history_buckets, OfferCounts } from '../../../viz/src/live/offer-counts.ts';

const t0 = 1_700_000_000_000;
const made = (fw: string, at: number) => ({ type: 'offer_made', framework_id: fw, time_ms: at });
const declined = (fw: string, at: number, refuse_seconds?: number) => ({
  type: 'offer_declined',
  framework_id: fw,
  time_ms: at,
  refuse_seconds,
});

describe('live offer counts', () => {
  it('sums each framework over the window, declines split by their filter', () => {
    const c = new OfferCounts();
    for (let i = 0; i < 10; i++) {
      c.add(made('f1', t0 + i * 100));
      c.add(declined('f1', t0 + i * 100 + 50, i < 4 ? 5 : 30));
    }
    c.add(made('f2', t0 + 1500));
    c.add({ type: 'offer_accepted', framework_id: 'f2', time_ms: t0 + 1600 });
    c.add({ type: 'task_launched', framework_id: 'f2', time_ms: t0 + 1600 });
    c.add({ type: 'offer_rescinded', framework_id: 'f1', time_ms: t0 + 1700 });
    c.add({ type: 'framework_added', framework_id: 'f3', time_ms: t0 + 1700 });
    const w = c.window(t0 + 1999, 10);
    const f1 = w.find((f) => f.framework_id === 'f1')!;
    const f2 = w.find((f) => f.framework_id === 'f2')!;
    expect(w.map((f) => f.framework_id).sort()).toEqual(['f1', 'f2']);
    expect([f1.made, ...f1.outcomes, f1.launched, f1.refuse_seconds]).toEqual([
      10,
      0,
      4,
      6,
      1,
      0,
      4 * 5 + 6 * 30,
    ]);
    expect([f2.made, ...f2.outcomes, f2.launched]).toEqual([1, 1, 0, 0, 0, 1]);
    // A one-second window ending in the second bucket holds only what happened in it.
    const last = c.window(t0 + 1999, 1);
    expect(last.find((f) => f.framework_id === 'f1')!.made).toBe(0);
    expect(last.find((f) => f.framework_id === 'f2')!.made).toBe(1);
    expect(c.totals).toEqual({ made: 11, accepted: 1, declined: 10, rescinded: 1, launched: 1 });
  });

  it('a decline without its filter counts as the default one', () => {
    const c = new OfferCounts();
    c.add(declined('f1', t0));
    const [f] = c.window(t0, 1);
    expect(f!.outcomes).toEqual([0, 1, 0, 0]);
    expect(f!.refuse_seconds).toBe(5);
  });

  it('forgets what the window has left, reusing its buckets as the clock moves on', () => {
    const c = new OfferCounts();
    c.add(made('f1', t0));
    c.tick(t0 + 3 * bucket_ms);
    expect(c.window(t0 + 3 * bucket_ms, 2)).toEqual([]);
    expect(c.window(t0 + 3 * bucket_ms, 4)[0]!.made).toBe(1);
    // A full turn of the ring later, the bucket the first offer was in is empty again.
    c.tick(t0 + history_buckets * bucket_ms);
    c.add(made('f1', t0 + history_buckets * bucket_ms + 10));
    expect(c.window(t0 + history_buckets * bucket_ms, history_buckets)[0]!.made).toBe(1);
    // An event older than the ring holds is not counted into a bucket now in use.
    c.add(made('f1', t0 + 5));
    expect(c.window(t0 + history_buckets * bucket_ms, history_buckets)[0]!.made).toBe(1);
    // A jump far ahead empties everything.
    c.tick(t0 + 10 * history_buckets * bucket_ms);
    expect(c.window(t0 + 10 * history_buckets * bucket_ms, history_buckets)).toEqual([]);
  });

  it('ignores records that are not offer events or lack their fields', () => {
    const c = new OfferCounts();
    c.add({ type: 'offer_made', time_ms: t0 });
    c.add({ type: 'offer_made', framework_id: 'f1' });
    c.add({ type: 'something_new', framework_id: 'f1', time_ms: t0 });
    expect(c.window(t0, 10)).toEqual([]);
    expect(c.totals.made).toBe(0);
  });
});
