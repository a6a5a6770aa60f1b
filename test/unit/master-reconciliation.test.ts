import { describe, expect, it } from 'vitest';
import { commandTask, cpusMem, Harness, offersOf, updatesOf, uuid } from './master-harness.ts';

/** A framework with two tasks on one agent: t1 running, t2 staging. */
function twoTasks(info = {}) {
  const h = new Harness();
  const agentId = h.registerAgent('a1');
  const fw = h.subscribe(info);
  const [offer] = offersOf(h.allocate(), fw.frameworkId);
  h.call(fw.frameworkId, fw.streamId, {
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer!.id],
      operations: [
        {
          type: 'LAUNCH',
          launch: {
            task_infos: [
              commandTask('t1', offer!, cpusMem(1, 64)),
              commandTask('t2', offer!, cpusMem(1, 64)),
            ],
          },
        },
      ],
    },
  });
  h.update(agentId, fw.frameworkId, {
    task_id: { value: 't1' },
    state: 'TASK_RUNNING',
    uuid: uuid(1),
    healthy: true,
  });
  return { h, agentId, ...fw };
}

describe('master reconciliation', () => {
  it('answers implicit reconciliation with the latest state of every task, without uuids', () => {
    const { h, agentId, frameworkId, streamId } = twoTasks();
    h.advance(1500, (k) => k !== 'allocation');
    const out = h.call(frameworkId, streamId, { type: 'RECONCILE', reconcile: { tasks: [] } });
    const statuses = updatesOf(out, frameworkId);
    expect(statuses.map((s) => [s.task_id.value, s.state, s.reason, s.source, s.agent_id?.value])).toEqual([
      ['t1', 'TASK_RUNNING', 'REASON_RECONCILIATION', 'SOURCE_MASTER', agentId],
      ['t2', 'TASK_STAGING', 'REASON_RECONCILIATION', 'SOURCE_MASTER', agentId],
    ]);
    expect(statuses.every((s) => s.uuid === undefined)).toBe(true);
    expect(statuses[0]!.healthy).toBe(true);
    expect(statuses[0]!.timestamp).toBe(h.now / 1000);
    expect(statuses[0]!.message).toBe('Reconciliation: Latest task state');
  });

  it('answers explicit reconciliation task by task, as Mesos does for unknown tasks', () => {
    const { h, agentId, frameworkId, streamId } = twoTasks();
    const out = h.call(frameworkId, streamId, {
      type: 'RECONCILE',
      reconcile: {
        tasks: [
          { task_id: { value: 't2' } },
          { task_id: { value: 'ghost' }, agent_id: { value: agentId } },
          { task_id: { value: 'nowhere' } },
          { task_id: { value: 'elsewhere' }, agent_id: { value: 'm1-S42' } },
        ],
      },
    });
    expect(updatesOf(out, frameworkId).map((s) => [s.task_id.value, s.state, s.message])).toEqual([
      ['t2', 'TASK_STAGING', 'Reconciliation: Latest task state'],
      ['ghost', 'TASK_LOST', 'Reconciliation: Task is unknown to the agent'],
      ['nowhere', 'TASK_LOST', 'Reconciliation: Task is unknown'],
      ['elsewhere', 'TASK_LOST', 'Reconciliation: Task is unknown'],
    ]);
  });

  it('uses the partition-aware states for partition-aware frameworks', () => {
    const { h, agentId, frameworkId, streamId } = twoTasks({ capabilities: [{ type: 'PARTITION_AWARE' }] });
    const out = h.call(frameworkId, streamId, {
      type: 'RECONCILE',
      reconcile: {
        tasks: [
          { task_id: { value: 'ghost' }, agent_id: { value: agentId } },
          { task_id: { value: 'nowhere' } },
        ],
      },
    });
    expect(updatesOf(out, frameworkId).map((s) => s.state)).toEqual(['TASK_GONE', 'TASK_UNKNOWN']);
    // Once the agent is unreachable, its tasks and unknown tasks on it reconcile as unreachable.
    h.advance(6 * 15_000, (k) => k === 'allocation');
    const later = h.call(frameworkId, streamId, {
      type: 'RECONCILE',
      reconcile: {
        tasks: [{ task_id: { value: 't1' } }, { task_id: { value: 'ghost' }, agent_id: { value: agentId } }],
      },
    });
    const statuses = updatesOf(later, frameworkId);
    expect(statuses.map((s) => [s.task_id.value, s.state])).toEqual([
      ['t1', 'TASK_UNREACHABLE'],
      ['ghost', 'TASK_UNREACHABLE'],
    ]);
    expect(statuses.every((s) => s.unreachable_time !== undefined)).toBe(true);
  });

  it('refuses a malformed reconcile list with a 400', () => {
    const { h, frameworkId, streamId } = twoTasks();
    const out = h.call(frameworkId, streamId, {
      type: 'RECONCILE',
      reconcile: { tasks: [{ task_id: { value: '' } }] },
    });
    expect(out.filter((e) => e.type === 'call_error')).toHaveLength(1);
    expect(updatesOf(out, frameworkId)).toEqual([]);
  });
});
