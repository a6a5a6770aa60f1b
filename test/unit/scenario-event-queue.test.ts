// The simulator's clock and event queue: items leave in (time, sequence) order, keys replace and
// cancel, and the clock never moves backwards.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSimClock } from '../../sim/clock.ts';
import { createEventQueue } from '../../sim/scenario/event-queue.ts';

describe('event queue', () => {
  it('pops items in time order, and in scheduling order at equal times', () => {
    const queue = createEventQueue<string>();
    queue.schedule(20, 'c');
    queue.schedule(10, 'a');
    queue.schedule(20, 'd');
    queue.schedule(10, 'b');
    expect(queue.popUntil(15).map((e) => e.item)).toEqual(['a', 'b']);
    expect(queue.size()).toBe(2);
    expect(queue.popUntil(100).map((e) => e.item)).toEqual(['c', 'd']);
    expect(queue.popDue(1000)).toBeUndefined();
  });

  it('leaves items that are not yet due', () => {
    const queue = createEventQueue<number>();
    queue.schedule(5, 1);
    expect(queue.popDue(4)).toBeUndefined();
    expect(queue.peek()?.item).toBe(1);
    expect(queue.popDue(5)?.item).toBe(1);
  });

  it('replaces and cancels items by key', () => {
    const queue = createEventQueue<string>();
    queue.schedule(10, 'first', 'timer');
    queue.schedule(30, 'second', 'timer');
    queue.schedule(20, 'other', 'x');
    expect(queue.size()).toBe(2);
    expect(queue.cancel('x')).toBe(true);
    expect(queue.cancel('x')).toBe(false);
    expect(queue.has('timer')).toBe(true);
    expect(queue.popUntil(100).map((e) => [e.at_ms, e.item])).toEqual([[30, 'second']]);
    expect(queue.has('timer')).toBe(false);
    expect(queue.size()).toBe(0);
  });

  it('rejects a time that is not finite', () => {
    const queue = createEventQueue<string>();
    expect(() => queue.schedule(Number.NaN, 'x')).toThrow(/not a finite number/);
  });

  it('agrees with a stable sort on random schedules and cancels', () => {
    const op = fc.oneof(
      fc.record({ at: fc.integer({ min: 0, max: 50 }), key: fc.option(fc.integer({ min: 0, max: 5 })) }),
      fc.record({ cancel: fc.integer({ min: 0, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 0, max: 60 }), (ops, until) => {
        const queue = createEventQueue<number>();
        let naive: Array<{ at: number; seq: number; key: string | undefined }> = [];
        ops.forEach((o, seq) => {
          if ('cancel' in o) {
            queue.cancel(`k${o.cancel}`);
            naive = naive.filter((e) => e.key !== `k${o.cancel}`);
          } else {
            const key = o.key === null ? undefined : `k${o.key}`;
            queue.schedule(o.at, seq, key);
            if (key !== undefined) naive = naive.filter((e) => e.key !== key);
            naive.push({ at: o.at, seq, key });
          }
        });
        const expected = naive
          .filter((e) => e.at <= until)
          .sort((a, b) => a.at - b.at || a.seq - b.seq)
          .map((e) => e.seq);
        expect(queue.popUntil(until).map((e) => e.item)).toEqual(expected);
        expect(queue.size()).toBe(naive.filter((e) => e.at > until).length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('simulated clock', () => {
  it('moves forward only', () => {
    const clock = createSimClock(100);
    expect(clock.now()).toBe(100);
    clock.advanceBy(50);
    clock.advanceTo(200);
    expect(clock.now()).toBe(200);
    expect(() => clock.advanceTo(199)).toThrow(/cannot move back/);
    expect(() => clock.advanceBy(-1)).toThrow(/cannot advance/);
    expect(clock.now()).toBe(200);
  });
});
