// The per-principal rate limits of `--rate_limits` on a simulated clock: Mesos's RateLimits JSON
// read and refused naming the flag, calls spaced 1/qps apart, queued up to capacity and refused
// beyond it, principals sharing the aggregate default, unlisted principals unlimited without one,
// and the per-principal counters.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { masterOptionsOf } from '../../cli/master.ts';
import {
  type CallLimiter,
  createCallLimiter,
  createPrincipalCounters,
  type LimiterTimers,
  parseRateLimits,
  type RateLimits,
  readRateLimitsFlag,
} from '../../runtime/master/rate-limits.ts';

/** A clock that moves only when told, with the timers a limiter sets on it. */
class SimulatedClock {
  now_ms = 0;
  readonly #armed = new Map<string, number>();
  #fire: (key: string) => void = () => undefined;

  timers = (fire: (key: string) => void): LimiterTimers => {
    this.#fire = fire;
    return {
      set: (key, at_ms) => this.#armed.set(key, at_ms),
      clear: () => this.#armed.clear(),
    };
  };

  /** Moves to `to_ms`, firing each timer due on the way in deadline order. */
  advanceTo(to_ms: number): void {
    for (;;) {
      const due = [...this.#armed].filter(([, at]) => at <= to_ms).sort((a, b) => a[1] - b[1])[0];
      if (due === undefined) break;
      this.#armed.delete(due[0]);
      this.now_ms = due[1];
      this.#fire(due[0]);
    }
    this.now_ms = to_ms;
  }

  get armed(): number {
    return this.#armed.size;
  }
}

/** A limiter on a simulated clock, recording when each call ran. */
function setup(limits: RateLimits) {
  const clock = new SimulatedClock();
  const limiter: CallLimiter = createCallLimiter(limits, () => clock.now_ms, clock.timers);
  const ran: Array<[string, number]> = [];
  const dropped: string[] = [];
  const call = (principal: string | undefined, name: string) =>
    limiter.admit(principal, {
      run: () => ran.push([name, clock.now_ms]),
      drop: () => dropped.push(name),
    });
  return { clock, limiter, ran, dropped, call };
}

describe('rate limiter', () => {
  it('spaces calls 1/qps apart, queues up to capacity and refuses beyond it', () => {
    const { clock, ran, call, limiter } = setup({ limits: [{ principal: 'p', qps: 2, capacity: 2 }] });
    expect(call('p', 'a').kind).toBe('run');
    expect(call('p', 'b')).toEqual({ kind: 'queued', waiting: 1 });
    expect(call('p', 'c')).toEqual({ kind: 'queued', waiting: 2 });
    expect(call('p', 'd')).toEqual({ kind: 'refused', capacity: 2, queue: 'principal', retry_after_ms: 500 });
    expect(limiter.waiting('p')).toBe(2);
    clock.advanceTo(499);
    expect(ran.map(([n]) => n)).toEqual(['a']);
    clock.advanceTo(500);
    expect(call('p', 'e')).toEqual({ kind: 'queued', waiting: 2 });
    clock.advanceTo(10_000);
    expect(ran).toEqual([
      ['a', 0],
      ['b', 500],
      ['c', 1000],
      ['e', 1500],
    ]);
    expect(clock.armed).toBe(0);
    // Idle long enough, a call passes at once again.
    expect(call('p', 'f').kind).toBe('run');
  });

  it('queues without bound when no capacity is set, and capacity 0 refuses any wait', () => {
    const open = setup({ limits: [{ principal: 'p', qps: 1 }] });
    for (let i = 0; i < 100; i++) open.call('p', `c${i}`);
    expect(open.limiter.waiting('p')).toBe(99);
    open.clock.advanceTo(99_000);
    expect(open.ran).toHaveLength(100);
    const none = setup({ limits: [{ principal: 'p', qps: 1, capacity: 0 }] });
    expect(none.call('p', 'a').kind).toBe('run');
    expect(none.call('p', 'b').kind).toBe('refused');
  });

  it('limits each principal apart and leaves listed principals without qps unlimited', () => {
    const { clock, ran, call } = setup({
      limits: [
        { principal: 'slow', qps: 1, capacity: 1 },
        { principal: 'free', capacity: 1 },
      ],
    });
    expect([call('slow', 's1').kind, call('slow', 's2').kind, call('slow', 's3').kind]).toEqual([
      'run',
      'queued',
      'refused',
    ]);
    for (let i = 0; i < 5; i++) expect(call('free', `f${i}`).kind).toBe('run');
    // Unlisted principals and frameworks without one are not limited without a default.
    expect([call('other', 'o1').kind, call('other', 'o2').kind, call(undefined, 'n1').kind]).toEqual([
      'run',
      'run',
      'run',
    ]);
    clock.advanceTo(1000);
    expect(ran.filter(([n]) => n.startsWith('s'))).toEqual([
      ['s1', 0],
      ['s2', 1000],
    ]);
  });

  it('makes unlisted principals and frameworks without one share the aggregate default', () => {
    const { clock, ran, call } = setup({
      limits: [{ principal: 'listed' }],
      aggregate_default_qps: 1,
      aggregate_default_capacity: 1,
    });
    expect(call('x', 'x1').kind).toBe('run');
    expect(call('y', 'y1').kind).toBe('queued');
    expect(call(undefined, 'n1')).toEqual({
      kind: 'refused',
      capacity: 1,
      queue: 'aggregate_default',
      retry_after_ms: 1000,
    });
    expect(call('listed', 'l1').kind).toBe('run');
    clock.advanceTo(1000);
    expect(ran).toEqual([
      ['x1', 0],
      ['l1', 0],
      ['y1', 1000],
    ]);
  });

  it('drops waiting calls when stopped', () => {
    const { clock, ran, dropped, call, limiter } = setup({ limits: [{ principal: 'p', qps: 1 }] });
    call('p', 'a');
    call('p', 'b');
    call('p', 'c');
    limiter.stop();
    expect(dropped).toEqual(['b', 'c']);
    expect(clock.armed).toBe(0);
    clock.advanceTo(5000);
    expect(ran.map(([n]) => n)).toEqual(['a']);
  });
});

describe('principal counters', () => {
  it('count received and processed, and go with the last framework of the principal', () => {
    const counters = createPrincipalCounters();
    counters.received('p');
    counters.received('p');
    counters.processed('p');
    counters.received('q');
    expect(counters.snapshot()).toEqual({
      'frameworks/p/messages_received': 2,
      'frameworks/p/messages_processed': 1,
      'frameworks/q/messages_received': 1,
      'frameworks/q/messages_processed': 0,
    });
    counters.retain(new Set(['q']));
    // A call that removed its principal's last framework (a TEARDOWN) does not bring it back.
    counters.processed('p');
    expect(Object.keys(counters.snapshot())).toEqual([
      'frameworks/q/messages_received',
      'frameworks/q/messages_processed',
    ]);
  });
});

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('--rate_limits', () => {
  const example = {
    limits: [
      { principal: 'foo', qps: 55.5, capacity: 100000 },
      { principal: 'bar', qps: 300 },
      { principal: 'baz' },
    ],
    aggregate_default_qps: 333,
    aggregate_default_capacity: 1000000,
  };

  it("reads Mesos's RateLimits JSON given inline, as file:// or as a path", () => {
    const dir = mkdtempSync(join(tmpdir(), 'meso-rate-'));
    dirs.push(dir);
    const file = join(dir, 'rate_limits.json');
    writeFileSync(file, JSON.stringify(example));
    expect(readRateLimitsFlag(JSON.stringify(example))).toEqual(example);
    expect(readRateLimitsFlag(`file://${file}`)).toEqual(example);
    expect(masterOptionsOf({ rate_limits: file }).rate_limits).toEqual(example);
    expect(parseRateLimits('{}')).toEqual({ limits: [] });
  });

  it('refuses bad JSON with a message naming the flag and the field', () => {
    const bad: Array<[string, RegExp]> = [
      ['{"limits": [', /--rate_limits: not valid JSON/],
      ['[]', /--rate_limits: expected an object/],
      ['{"limit": []}', /--rate_limits: unknown field 'limit'/],
      ['{"limits": {}}', /--rate_limits: 'limits' must be a list/],
      ['{"limits": [{"qps": 1}]}', /limits\[0\]\.principal must be a non-empty string/],
      ['{"limits": [{"principal": "a", "qps": 0}]}', /limits\[0\]\.qps must be a positive number, got 0/],
      ['{"limits": [{"principal": "a", "qps": "fast"}]}', /limits\[0\]\.qps must be a positive number/],
      ['{"limits": [{"principal": "a", "capacity": 1.5}]}', /limits\[0\]\.capacity must be a whole number/],
      ['{"limits": [{"principal": "a", "qs": 1}]}', /limits\[0\]: unknown field 'qs'/],
      ['{"limits": [{"principal": "a"}, {"principal": "a"}]}', /limits\[1\]: principal 'a' appears twice/],
      ['{"aggregate_default_qps": -1}', /aggregate_default_qps must be a positive number/],
      ['{"aggregate_default_capacity": -1}', /aggregate_default_capacity must be a whole number/],
    ];
    for (const [text, message] of bad) expect(() => masterOptionsOf({ rate_limits: text })).toThrow(message);
    expect(() => masterOptionsOf({ rate_limits: '/nonexistent/rate_limits.json' })).toThrow(
      /--rate_limits file \/nonexistent\/rate_limits.json does not exist/,
    );
  });
});
