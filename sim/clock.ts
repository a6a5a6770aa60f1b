// The simulated clock: time moves only when the simulator moves it, and never backwards. It is the
// twin of the wall clock a live host reads; the engine sees neither, only the `now` it is given.

/** A clock the simulator advances by hand. */
export interface SimClock {
  /** Current simulated time in ms. */
  now(): number;
  /** Moves time forward to `at_ms`; throws if that is in the past. */
  advanceTo(at_ms: number): void;
  /** Moves time forward by `delta_ms` (>= 0). */
  advanceBy(delta_ms: number): void;
}

/** Creates a simulated clock starting at `start_ms` (default 0). */
export function createSimClock(start_ms = 0): SimClock {
  if (!Number.isFinite(start_ms)) throw new Error(`clock: start time ${start_ms} is not a finite number`);
  let now_ms = start_ms;
  return {
    now: () => now_ms,
    advanceTo(at_ms) {
      if (!Number.isFinite(at_ms)) throw new Error(`clock: time ${at_ms} is not a finite number`);
      if (at_ms < now_ms) throw new Error(`clock: cannot move back from ${now_ms} ms to ${at_ms} ms`);
      now_ms = at_ms;
    },
    advanceBy(delta_ms) {
      if (!(delta_ms >= 0)) throw new Error(`clock: cannot advance by ${delta_ms} ms`);
      now_ms += delta_ms;
    },
  };
}
