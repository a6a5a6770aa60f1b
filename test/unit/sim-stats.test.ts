// Metric helpers: percentiles by nearest rank, Jain's fairness index, and sample summaries.
import { describe, expect, it } from 'vitest';
import { jainIndex, percentile, round, Samples } from '../../sim/stats.ts';

describe('simulator statistics', () => {
  it('takes percentiles by nearest rank', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 0.5)).toBe(5);
    expect(percentile(sorted, 0.95)).toBe(10);
    expect(percentile(sorted, 0.1)).toBe(1);
    expect(percentile([], 0.5)).toBe(0);
  });

  it("computes Jain's index: 1 for equal shares, 1/n when one takes all", () => {
    expect(jainIndex([0.2, 0.2, 0.2, 0.2])).toBeCloseTo(1, 12);
    expect(jainIndex([1, 0, 0, 0])).toBeCloseTo(0.25, 12);
    expect(jainIndex([0.5, 0.25])).toBeCloseTo(0.9, 12);
    expect(jainIndex([])).toBeUndefined();
    expect(jainIndex([0, 0])).toBeUndefined();
  });

  it('summarises samples beyond the initial capacity', () => {
    const s = new Samples();
    for (let i = 5000; i >= 1; i--) s.add(i);
    expect(s.summary()).toEqual({ count: 5000, mean: 2500.5, p50: 2500, p95: 4750, max: 5000 });
    expect(new Samples().summary().count).toBe(0);
  });

  it('rounds to fixed decimals without a negative zero', () => {
    expect(round(1 / 3)).toBe(0.333333);
    expect(Object.is(round(-1e-9), 0)).toBe(true);
  });
});
