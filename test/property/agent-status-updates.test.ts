// The status update manager under random interleavings of updates, acknowledgements (right and
// stale), pauses, resumes and time: each task's updates reach the master in order, an update is
// never sent before the previous one of its task was acknowledged, nothing is sent while paused,
// and once acknowledgements flow every update is delivered.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TaskStatus } from '../../engine/master/v1.ts';
import { createStatusUpdateManager, newStatusUuid } from '../../runtime/agent/status-updates.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const tasks = ['a', 'b', 'c'];

type Op =
  | { kind: 'update'; task: number }
  | { kind: 'ack'; task: number; stale: boolean }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'tick'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('update' as const), task: fc.nat(2) }),
  fc.record({ kind: fc.constant('ack' as const), task: fc.nat(2), stale: fc.boolean() }),
  fc.constant({ kind: 'pause' as const }),
  fc.constant({ kind: 'resume' as const }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 500 }) }),
);

describe('status update manager (property)', () => {
  it('delivers each task’s updates in order, one in flight, nothing while paused', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const queued = new Map<string, TaskStatus[]>();
        const acked = new Map<string, number>();
        const delivered = new Map<string, string[]>();
        let paused = true;
        const manager = createStatusUpdateManager({
          retry_ms_min: 50,
          retry_ms_max: 200,
          forward: (_framework, status) => {
            expect(paused).toBe(false);
            const task = status.task_id.value;
            const index = queued.get(task)!.indexOf(status);
            // The one sent is the first not yet acknowledged.
            expect(index).toBe(acked.get(task) ?? 0);
            const seen = delivered.get(task) ?? [];
            if (seen.at(-1) !== status.uuid) seen.push(status.uuid!);
            delivered.set(task, seen);
          },
        });
        const ackHead = (task: string): void => {
          const head = manager.inFlight('F', task);
          if (head === undefined) return;
          // Counted first: the acknowledgement sends the next update at once.
          acked.set(task, (acked.get(task) ?? 0) + 1);
          expect(manager.acknowledge('F', task, head.uuid!)).toBe(head);
        };
        for (const o of ops) {
          if (o.kind === 'update') {
            const task = tasks[o.task]!;
            const status: TaskStatus = {
              task_id: { value: task },
              state: 'TASK_RUNNING',
              uuid: newStatusUuid(),
            };
            queued.set(task, [...(queued.get(task) ?? []), status]);
            manager.update('F', status);
          } else if (o.kind === 'ack') {
            const task = tasks[o.task]!;
            if (o.stale) expect(manager.acknowledge('F', task, newStatusUuid())).toBeUndefined();
            else if (!paused) ackHead(task);
          } else if (o.kind === 'pause') {
            paused = true;
            manager.pause();
          } else if (o.kind === 'resume') {
            paused = false;
            manager.resume();
          } else {
            vi.advanceTimersByTime(o.ms);
          }
        }
        paused = false;
        manager.resume();
        for (const task of tasks) while (manager.inFlight('F', task) !== undefined) ackHead(task);
        expect(manager.unacknowledged()).toBe(0);
        for (const task of tasks) {
          const expected = (queued.get(task) ?? []).map((s) => s.uuid!);
          expect(delivered.get(task) ?? []).toEqual(expected);
        }
        manager.stop();
      }),
      { numRuns: 200 },
    );
  });
});
