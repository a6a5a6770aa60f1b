// The MPI model (engine/scheduling/mpi.ts): a gang launches whole or not at all, under both
// strategies; `hold` keeps offers until the gang fits and gives them back on timeout; `decline`
// declines batches that cannot take the gang; a lost rank restarts the whole gang.
import { describe, expect, it } from 'vitest';
import type { FrameworkCall } from '../../engine/master/scheduler-api.ts';
import type { JobFramework } from '../../engine/scheduling/job-framework.ts';
import { createMpiFramework, type GangStrategy } from '../../engine/scheduling/mpi.ts';
import { frameworkDefaults } from '../../engine/scheduling/registry.ts';
import { answered, declined, gangJob, launchedIds, offer, status } from './scheduling-harness.ts';

/** A subscribed MPI framework. */
function mpi(strategy: GangStrategy, hold_timeout_ms = 10_000, backfill = false): JobFramework {
  const f = createMpiFramework({
    ...frameworkDefaults('mpi'),
    strategy,
    hold_timeout_ms,
    backfill,
    refuse_seconds: 3,
  });
  f.subscribed('F', 0);
  return f;
}

/** An offer of `n` one-CPU slots on `host`. */
function slots(id: string, host: string, n: number) {
  return offer(id, host, `cpus:${n};mem:${n * 1024}`);
}

/** Ids of the tasks killed by a list of calls. */
function killed(calls: readonly FrameworkCall[]): string[] {
  return calls.flatMap((c) => (c.type === 'KILL' ? [c.kill.task_id.value] : []));
}

describe('mpi gangs', () => {
  it('hold: keeps offers unanswered until the gang fits, then launches it all at once', () => {
    const f = mpi('hold');
    f.submit(gangJob('g', 6), 0);
    let calls = f.offers([slots('O1', 'h1', 2), slots('O2', 'h2', 2)], 0);
    expect(answered(calls)).toEqual([]);
    expect(f.nextTick_ms?.()).toBe(10_000);
    calls = f.offers([slots('O3', 'h3', 3)], 100);
    expect(launchedIds(calls)).toHaveLength(6);
    expect(answered(calls).sort()).toEqual(['O1', 'O2', 'O3']);
    expect(f.job('g')).toMatchObject({ pending: 0, running: 6 });
  });

  it('hold: gives held offers back when they time out, and never launches part of the gang', () => {
    const f = mpi('hold', 10_000);
    f.submit(gangJob('g', 8), 0);
    expect(answered(f.offers([slots('O1', 'h1', 4)], 0))).toEqual([]);
    expect(answered(f.offers([slots('O2', 'h2', 2)], 4000))).toEqual([]);
    expect(f.tick?.(9999)).toEqual([]);
    const calls = f.tick?.(10_000) ?? [];
    expect(declined(calls)).toEqual([{ id: 'O1', refuse_seconds: 3 }]);
    expect(f.nextTick_ms?.()).toBe(14_000);
    expect(declined(f.tick?.(14_000) ?? [])).toEqual([{ id: 'O2', refuse_seconds: 3 }]);
    expect(f.nextTick_ms?.()).toBeUndefined();
    expect(f.status().tasks_running).toBe(0);
  });

  it('hold: gives back offers that cannot take one rank, and all once no gang waits', () => {
    const f = mpi('hold');
    f.submit(gangJob('g', 2), 0);
    let calls = f.offers([offer('O1', 'h1', 'cpus:0.5;mem:512'), slots('O2', 'h2', 1)], 0);
    expect(declined(calls).map((d) => d.id)).toEqual(['O1']);
    calls = f.offers([slots('O3', 'h3', 4)], 1);
    expect(launchedIds(calls)).toHaveLength(2);
    // The gang took O2 (first held) and O3; nothing waits, so nothing stays held.
    expect(answered(calls).sort()).toEqual(['O2', 'O3']);
    expect(f.nextTick_ms?.()).toBeUndefined();
  });

  it('hold: forgets a rescinded offer', () => {
    const f = mpi('hold');
    f.submit(gangJob('g', 4), 0);
    f.offers([slots('O1', 'h1', 2)], 0);
    f.rescinded('O1', 1);
    const calls = f.offers([slots('O2', 'h2', 2)], 2);
    expect(launchedIds(calls)).toEqual([]);
    expect(answered(f.tick?.(20_000) ?? [])).toEqual(['O2']);
  });

  it('decline: declines a batch that cannot take the gang, launches one that can', () => {
    const f = mpi('decline');
    f.submit(gangJob('g', 5), 0);
    let calls = f.offers([slots('O1', 'h1', 2), slots('O2', 'h2', 2)], 0);
    expect(launchedIds(calls)).toEqual([]);
    expect(declined(calls)).toEqual([
      { id: 'O1', refuse_seconds: 3 },
      { id: 'O2', refuse_seconds: 3 },
    ]);
    calls = f.offers([slots('O3', 'h1', 2), slots('O4', 'h2', 2), slots('O5', 'h3', 2)], 3000);
    expect(launchedIds(calls).sort()).toEqual(['g-0-0', 'g-0-1', 'g-0-2', 'g-0-3', 'g-0-4']);
  });

  it('keeps a later gang behind one that does not fit, unless backfill', () => {
    for (const backfill of [false, true]) {
      const f = mpi('decline', 10_000, backfill);
      f.submit(gangJob('big', 8), 0);
      f.submit(gangJob('small', 2), 1);
      const ids = launchedIds(f.offers([slots('O1', 'h1', 4)], 2));
      expect(ids).toEqual(backfill ? ['small-0-0', 'small-0-1'] : []);
    }
  });

  it('restarts the whole gang when a rank is lost', () => {
    for (const strategy of ['hold', 'decline'] as const) {
      const f = mpi(strategy);
      f.submit(gangJob('g', 3), 0);
      f.offers([slots('O1', 'h1', 3)], 0);
      const calls = f.update(status('g-0-1', 'TASK_LOST'), 10);
      expect(killed(calls).sort()).toEqual(['g-0-0', 'g-0-2']);
      expect(f.job('g')).toMatchObject({ pending: 3, running: 0 });
      // The killed ranks' updates change nothing; the gang comes back whole, under new ids.
      f.update(status('g-0-0', 'TASK_KILLED'), 11);
      expect(launchedIds(f.offers([slots('O2', 'h1', 2)], 12))).toEqual([]);
      expect(launchedIds(f.offers([slots('O3', 'h2', 3)], 13)).sort()).toEqual([
        'g-0-0.1',
        'g-0-1.1',
        'g-0-2.1',
      ]);
    }
  });
});
