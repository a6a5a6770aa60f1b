// With joinAllocationDelayMs (the live master's setting), a framework that subscribes or
// re-subscribes and an agent that registers are offered within that delay instead of at the next
// allocation interval; joins within the delay share one cycle; without it only the interval
// allocates (the simulator's model).
import { describe, expect, it } from 'vitest';
import { createMaster } from '../../engine/master/master.ts';
import { defaultAllocator, Harness, offersOf } from './master-harness.ts';

describe('allocation when a framework or an agent joins', () => {
  it('offers a framework that subscribes within the delay, one cycle for joins close together', () => {
    const h = new Harness({ joinAllocationDelayMs: 20 });
    h.now = 100;
    h.registerAgent('a1');
    expect(h.timers.get('allocation')).toBe(120);
    h.now = 110;
    const { frameworkId } = h.subscribe();
    expect(h.timers.get('allocation')).toBe(120);
    const out = h.advance(10);
    expect(offersOf(out, frameworkId)).toHaveLength(1);
    // The cycle re-arms at the interval; a re-subscription brings it forward again.
    expect(h.timers.get('allocation')).toBe(1120);
    h.now = 500;
    h.subscribe({ id: { value: frameworkId } });
    expect(h.timers.get('allocation')).toBe(520);
  });

  it('waits for the interval without the option', () => {
    const h = new Harness();
    h.now = 100;
    h.registerAgent('a1');
    const { frameworkId } = h.subscribe();
    // The master started at 100: its first cycle is one interval later.
    expect(h.timers.get('allocation')).toBe(1100);
    expect(offersOf(h.advance(900), frameworkId)).toEqual([]);
    expect(offersOf(h.advance(100), frameworkId)).toHaveLength(1);
  });

  it('refuses a negative or non-finite delay, naming the option', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() =>
        createMaster({ masterId: 'm1', createAllocator: defaultAllocator, joinAllocationDelayMs: bad }),
      ).toThrow(/joinAllocationDelayMs/);
    }
  });
});
