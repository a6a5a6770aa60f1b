// The real-clock twin of the simulator's timer queue: the engine's set_timer and cancel_timer
// effects become setTimeout calls. A key names one timer, so setting it again replaces the earlier
// one. A timer never fires before its deadline by the host's clock (Node may wake a little early,
// and the engine ignores a timer that is not due), and deadlines beyond setTimeout's range are
// reached in several waits.

/** Longest single wait setTimeout supports (about 24.8 days). */
const timeout_ms_max = 2 ** 31 - 1;

/** Real-clock timers keyed by name. */
export interface TimerHost {
  /** Arms (or re-arms) `key` to fire at `at_ms` on the host clock. */
  set(key: string, at_ms: number): void;
  /** Disarms `key`, if armed. */
  cancel(key: string): void;
  /** Disarms every timer (on stop). */
  clear(): void;
  /** Number of armed timers. */
  readonly size: number;
  /** Deadline of `key`, if armed. */
  deadline(key: string): number | undefined;
}

/** Creates a timer host that calls `fire(key)` when a timer is due by `now()`. */
export function createTimerHost(now: () => number, fire: (key: string) => void): TimerHost {
  const timers = new Map<string, { at_ms: number; handle: NodeJS.Timeout }>();

  function arm(key: string, at_ms: number): void {
    const wait = Math.min(Math.max(0, at_ms - now()), timeout_ms_max);
    const handle = setTimeout(() => {
      const current = timers.get(key);
      if (current === undefined || current.handle !== handle) return;
      if (now() < at_ms) {
        arm(key, at_ms);
        return;
      }
      timers.delete(key);
      fire(key);
    }, wait);
    // The server's sockets keep the process alive; a pending timer alone should not.
    handle.unref();
    timers.set(key, { at_ms, handle });
  }

  return {
    set(key, at_ms) {
      if (!Number.isFinite(at_ms)) throw new Error(`timer ${key}: deadline must be finite, got ${at_ms}`);
      const existing = timers.get(key);
      if (existing !== undefined) clearTimeout(existing.handle);
      arm(key, at_ms);
    },
    cancel(key) {
      const existing = timers.get(key);
      if (existing === undefined) return;
      clearTimeout(existing.handle);
      timers.delete(key);
    },
    clear() {
      for (const t of timers.values()) clearTimeout(t.handle);
      timers.clear();
    },
    get size() {
      return timers.size;
    },
    deadline(key) {
      return timers.get(key)?.at_ms;
    },
  };
}
