// The master's cheap counters and histogram print exactly what prom-client's own would print for
// the same updates, so /metrics keeps its format while the hot path stays cheap.
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LabelCounter, LabelHistogram } from '../../runtime/master/metric-types.ts';

const bounds = [0.001, 0.01, 0.1, 1];

describe('label counters and histograms', () => {
  it('print as prom-client metrics given the same updates', async () => {
    const update = fc.record({
      key: fc.constantFrom('accept', 'decline', 'agent_status_update', 'weird "quoted"'),
      code: fc.constantFrom('200', '202', '400'),
      seconds: fc.oneof(fc.constantFrom(...bounds), fc.double({ min: 0, max: 3, noNaN: true })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(update, { maxLength: 40 }), async (updates) => {
        const ours = new Registry();
        const theirs = new Registry();
        const counter = new LabelCounter('c_total', 'help c', ['input', 'code'], ours);
        const histogram = new LabelHistogram('h_seconds', 'help h', 'input', bounds, ours);
        const pc = new Counter({
          name: 'c_total',
          help: 'help c',
          labelNames: ['input', 'code'],
          registers: [theirs],
        });
        const ph = new Histogram({
          name: 'h_seconds',
          help: 'help h',
          labelNames: ['input'],
          buckets: bounds,
          registers: [theirs],
        });
        for (const u of updates) {
          counter.inc(u.key, u.code);
          pc.inc({ input: u.key, code: u.code });
          histogram.observe(u.key, u.seconds);
          ph.observe({ input: u.key }, u.seconds);
        }
        const lines = (text: string) => text.split('\n').sort();
        expect(lines(await ours.metrics())).toEqual(lines(await theirs.metrics()));
      }),
      { numRuns: 100 },
    );
  });

  it('refuse bounds that do not increase and label values that do not fit', () => {
    const registry = new Registry();
    expect(() => new LabelHistogram('h', 'h', 'input', [1, 1], registry)).toThrow(/must increase/);
    const counter = new LabelCounter('c', 'c', ['a', 'b'], registry);
    expect(() => counter.inc('only-one')).toThrow(/expected 2 label values, got 1/);
  });
});
