// The simulator's event queue: entries leave in (time, sequence) order whatever the heap layout,
// and cancelled entries never leave.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Timeline } from '../../sim/timeline.ts';

describe('timeline', () => {
  it('pops in time order, and in scheduling order at equal times', () => {
    const t = new Timeline<string>();
    t.schedule(20, 'c');
    t.schedule(10, 'a');
    t.schedule(20, 'd');
    t.schedule(10, 'b');
    const out: string[] = [];
    for (let e = t.pop(); e !== undefined; e = t.pop()) out.push(e.item);
    expect(out).toEqual(['a', 'b', 'c', 'd']);
    expect(t.size()).toBe(0);
  });

  it('skips cancelled entries and counts only live ones', () => {
    const t = new Timeline<number>();
    const first = t.schedule(1, 1);
    t.schedule(2, 2);
    expect(t.cancel(first)).toBe(true);
    expect(t.cancel(first)).toBe(false);
    expect(t.size()).toBe(1);
    expect(t.peekTime()).toBe(2);
    expect(t.pop()?.item).toBe(2);
    expect(t.pop()).toBeUndefined();
    expect(t.peekTime()).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses a time that is not a finite number', () => {
    expect(() => new Timeline<number>().schedule(Number.NaN, 1)).toThrow(/not a finite number/);
  });

  it('agrees with a stable sort by time on random schedules and cancels', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 50 }), cancel: fc.boolean() }), {
          maxLength: 200,
        }),
        (ops) => {
          const t = new Timeline<number>();
          const entries = ops.map((op, i) => t.schedule(op.at, i));
          ops.forEach((op, i) => {
            if (op.cancel) t.cancel(entries[i]!);
          });
          const expected = ops
            .map((op, i) => ({ ...op, i }))
            .filter((op) => !op.cancel)
            .sort((a, b) => a.at - b.at || a.i - b.i)
            .map((op) => op.i);
          const out: number[] = [];
          for (let e = t.pop(); e !== undefined; e = t.pop()) out.push(e.item);
          expect(out).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
