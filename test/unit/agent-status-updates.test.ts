// The agent's status update manager: one update in flight per task, re-sent with doubling backoff
// up to its cap until acknowledged, paused without a master and resumed with fresh backoff.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TaskState, TaskStatus } from '../../engine/master/v1.ts';
import {
  createStatusUpdateManager,
  isStatusUuid,
  newStatusUuid,
  type StatusUpdateManager,
} from '../../runtime/agent/status-updates.ts';

let sent: Array<{ framework_id: string; status: TaskStatus }> = [];
let manager: StatusUpdateManager;

beforeEach(() => {
  vi.useFakeTimers();
  sent = [];
  manager = createStatusUpdateManager({
    retry_ms_min: 100,
    retry_ms_max: 400,
    forward: (framework_id, status) => sent.push({ framework_id, status }),
  });
});

afterEach(() => {
  manager.stop();
  vi.useRealTimers();
});

function status(task: string, state: TaskState): TaskStatus {
  return { task_id: { value: task }, state, uuid: newStatusUuid() };
}

describe('status update manager', () => {
  it('makes 16-byte base64 uuids, fresh each time', () => {
    const uuids = new Set(Array.from({ length: 50 }, newStatusUuid));
    expect(uuids.size).toBe(50);
    for (const uuid of uuids) {
      expect(isStatusUuid(uuid)).toBe(true);
      expect(Buffer.from(uuid, 'base64')).toHaveLength(16);
    }
    expect(isStatusUuid('abc')).toBe(false);
  });

  it('sends nothing while paused, and the head of each stream on resume', () => {
    const a = status('a', 'TASK_STARTING');
    manager.update('F', a);
    manager.update('F', status('a', 'TASK_RUNNING'));
    manager.update('G', status('b', 'TASK_STARTING'));
    expect(sent).toEqual([]);
    manager.resume();
    expect(sent.map((s) => [s.framework_id, s.status.task_id.value, s.status.state])).toEqual([
      ['F', 'a', 'TASK_STARTING'],
      ['G', 'b', 'TASK_STARTING'],
    ]);
    expect(manager.inFlight('F', 'a')).toBe(a);
    expect(manager.newest('F', 'a')?.state).toBe('TASK_RUNNING');
    expect(manager.unacknowledged()).toBe(3);
  });

  it('re-sends the head with doubling backoff up to the cap, and the next only after its acknowledgement', () => {
    manager.resume();
    const first = status('a', 'TASK_STARTING');
    const second = status('a', 'TASK_RUNNING');
    manager.update('F', first);
    manager.update('F', second);
    const times: number[] = [];
    const start = Date.now();
    const count = () => sent.filter((s) => s.status === first).length;
    for (let i = 0; i < 2000 && count() < 6; i++) {
      const before = count();
      vi.advanceTimersByTime(1);
      if (count() > before) times.push(Date.now() - start);
    }
    // Re-sends at 100, 300 (100 + 200), 700 (+400), 1100 (+400, capped) ...
    expect(times.slice(0, 4)).toEqual([100, 300, 700, 1100]);
    expect(sent.every((s) => s.status === first)).toBe(true);
    expect(manager.acknowledge('F', 'a', second.uuid!)).toBeUndefined();
    expect(manager.acknowledge('F', 'a', first.uuid!)).toBe(first);
    expect(sent.at(-1)?.status).toBe(second);
    expect(manager.acknowledge('F', 'a', first.uuid!)).toBeUndefined();
    expect(manager.acknowledge('F', 'a', second.uuid!)).toBe(second);
    const total = sent.length;
    vi.advanceTimersByTime(10_000);
    expect(sent.length).toBe(total);
    expect(manager.unacknowledged()).toBe(0);
  });

  it('stops re-sending while paused and restarts from the shortest wait on resume', () => {
    manager.resume();
    const update = status('a', 'TASK_RUNNING');
    manager.update('F', update);
    vi.advanceTimersByTime(350);
    const before = sent.length;
    manager.pause();
    vi.advanceTimersByTime(5000);
    expect(sent.length).toBe(before);
    manager.resume();
    expect(sent.length).toBe(before + 1);
    vi.advanceTimersByTime(100);
    expect(sent.length).toBe(before + 2);
  });

  it('drops a framework’s streams and refuses updates without a uuid', () => {
    manager.resume();
    manager.update('F', status('a', 'TASK_RUNNING'));
    manager.update('G', status('b', 'TASK_RUNNING'));
    manager.dropFramework('F');
    expect(manager.unacknowledged()).toBe(1);
    expect(manager.inFlight('F', 'a')).toBeUndefined();
    expect(() => manager.update('F', { task_id: { value: 'c' }, state: 'TASK_RUNNING' })).toThrow(/uuid/);
    expect(() =>
      createStatusUpdateManager({ retry_ms_min: 10, retry_ms_max: 5, forward: () => {} }),
    ).toThrow();
  });
});
