// The live master's real-clock timer host, driven by fake timers and a clock the test moves.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTimerHost } from '../../runtime/master/timers.ts';

let clock = 0;
const now = () => clock;

beforeEach(() => {
  vi.useFakeTimers();
  clock = 1_000;
});

afterEach(() => {
  vi.useRealTimers();
});

describe('timer host', () => {
  it('fires a timer once at its deadline', () => {
    const fired: string[] = [];
    const timers = createTimerHost(now, (key) => fired.push(key));
    timers.set('a', 1_100);
    clock = 1_099;
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    clock = 1_100;
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['a']);
    expect(timers.size).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual(['a']);
  });

  it('waits again when it wakes before the deadline by the host clock', () => {
    const fired: string[] = [];
    const timers = createTimerHost(now, (key) => fired.push(key));
    timers.set('early', 1_100);
    // The timeout elapses but the host clock lags: the timer must not fire yet.
    clock = 1_090;
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([]);
    expect(timers.deadline('early')).toBe(1_100);
    clock = 1_100;
    vi.advanceTimersByTime(10);
    expect(fired).toEqual(['early']);
  });

  it('replaces a timer set again under the same key, and cancels', () => {
    const fired: string[] = [];
    const timers = createTimerHost(now, (key) => fired.push(`${key}@${clock}`));
    timers.set('k', 1_050);
    timers.set('k', 1_200);
    timers.set('gone', 1_010);
    timers.cancel('gone');
    clock = 1_100;
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([]);
    clock = 1_200;
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(['k@1200']);
  });

  it('reaches deadlines beyond the range of one setTimeout', () => {
    const fired: string[] = [];
    const timers = createTimerHost(now, (key) => fired.push(key));
    const far = clock + 40 * 24 * 3600 * 1000;
    timers.set('far', far);
    clock += 2 ** 31 - 1;
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(fired).toEqual([]);
    clock = far;
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(fired).toEqual(['far']);
  });

  it('clears every timer', () => {
    const fired: string[] = [];
    const timers = createTimerHost(now, (key) => fired.push(key));
    timers.set('a', 1_001);
    timers.set('b', 1_002);
    timers.clear();
    clock = 2_000;
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual([]);
    expect(timers.size).toBe(0);
  });
});
