// The engine and health checks: a task with a health check and a check launches; an invalid one is
// refused with TASK_ERROR as Mesos's task validation refuses it; health and check updates (same state,
// new `healthy` or `check_status`) reach the framework whole, and reconciliation answers with the
// latest of both.
import { describe, expect, it } from 'vitest';
import type { TaskInfo } from '../../engine/master/v1.ts';
import { commandTask, cpusMem, Harness, messagesOf, offersOf, updatesOf, uuid } from './master-harness.ts';

/** An agent, a framework and the framework's first offer. */
function start() {
  const h = new Harness();
  const agentId = h.registerAgent('a1');
  const fw = h.subscribe();
  const [offer] = offersOf(h.allocate(), fw.frameworkId);
  return { h, agentId, offer: offer!, ...fw };
}

const health_check = {
  type: 'HTTP',
  http: { port: 8080, path: '/health' },
  interval_seconds: 1,
  consecutive_failures: 2,
};
const check = { type: 'TCP', tcp: { port: 8081 } };

describe('health checks in the engine', () => {
  it('launches a task with a health check and a check, passing both to the agent', () => {
    const { h, offer, frameworkId, streamId } = start();
    const task: TaskInfo = { ...commandTask('web', offer, cpusMem(1, 64)), health_check, check };
    const out = h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
    });
    const [run] = messagesOf(out, 'run_task');
    expect(run?.task.health_check).toEqual(health_check);
    expect(run?.task.check).toEqual(check);
  });

  it.each([
    [{ type: 'HTTP', tcp: { port: 80 } }, "Task's health_check of type HTTP needs http.port (1 to 65535)"],
    [
      { type: 'COMMAND', command: { shell: true } },
      "Task's health_check of type COMMAND needs a command with a value",
    ],
    [
      { type: 'TCP', tcp: { port: 80 }, interval_seconds: -1 },
      "Task's health_check.interval_seconds must be a non-negative number",
    ],
    [
      { type: 'HTTP', http: { port: 80, path: 'health' } },
      "Task's health_check HTTP path 'health' must start with '/'",
    ],
    [{ tcp: { port: 80 } }, "Task's health_check needs a type: COMMAND, HTTP or TCP"],
  ])('refuses the health check %j with TASK_ERROR', (bad, message) => {
    const { h, offer, frameworkId, streamId } = start();
    const task = { ...commandTask('bad', offer, cpusMem(1, 64)), health_check: bad } as TaskInfo;
    const out = h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
    });
    const [status] = updatesOf(out, frameworkId);
    expect(status).toMatchObject({
      state: 'TASK_ERROR',
      reason: 'REASON_TASK_INVALID',
      source: 'SOURCE_MASTER',
    });
    expect(status?.message).toContain(message);
    expect(messagesOf(out, 'run_task')).toEqual([]);
  });

  it('refuses a check (CheckInfo) whose COMMAND holds no command', () => {
    const { h, offer, frameworkId, streamId } = start();
    const task = {
      ...commandTask('bad', offer, cpusMem(1, 64)),
      check: { type: 'COMMAND', command: {} },
    } as TaskInfo;
    const out = h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
    });
    expect(updatesOf(out, frameworkId)[0]?.message).toContain(
      "Task's check of type COMMAND needs a command with a value",
    );
  });

  it('forwards health and check updates of a running task whole, and reconciles with the latest of both', () => {
    const { h, agentId, offer, frameworkId, streamId } = start();
    const task: TaskInfo = { ...commandTask('web', offer, cpusMem(1, 64)), health_check, check };
    h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
    });
    h.update(agentId, frameworkId, { task_id: { value: 'web' }, state: 'TASK_RUNNING', uuid: uuid(1) });
    const unhealthy = h.update(agentId, frameworkId, {
      task_id: { value: 'web' },
      state: 'TASK_RUNNING',
      reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
      healthy: false,
      check_status: { type: 'TCP', tcp: { succeeded: true } },
      source: 'SOURCE_EXECUTOR',
      uuid: uuid(2),
    });
    expect(updatesOf(unhealthy, frameworkId)).toEqual([
      expect.objectContaining({
        state: 'TASK_RUNNING',
        reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
        healthy: false,
        check_status: { type: 'TCP', tcp: { succeeded: true } },
        uuid: uuid(2),
      }),
    ]);
    const out = h.call(frameworkId, streamId, { type: 'RECONCILE', reconcile: { tasks: [] } });
    expect(updatesOf(out, frameworkId)).toEqual([
      expect.objectContaining({
        state: 'TASK_RUNNING',
        reason: 'REASON_RECONCILIATION',
        healthy: false,
        check_status: { type: 'TCP', tcp: { succeeded: true } },
      }),
    ]);
  });
});
