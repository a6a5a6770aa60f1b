// Reconciliation with the master after a re-registration: the master lists tasks it believes are on
// the agent but that the agent did not report, and the agent answers each with what it knows: the
// task's latest state, or TASK_LOST (TASK_DROPPED for a partition-aware framework) for a task it
// does not hold. Answers carry no uuid, like the master's own reconciliation answers: nobody
// acknowledges them, and a task with an update in flight is left to that update.
import type { Id, TaskStatus } from '../../engine/master/v1.ts';
import { type AgentCore, requireAgentId } from './core.ts';
import { findCompletedTask, findTask } from './executors.ts';
import { lostState } from './lifecycle.ts';

/** Answers the master's list of tasks of one framework. */
export function reconcileTasks(
  core: AgentCore,
  framework_id: string,
  tasks: ReadonlyArray<{ readonly task_id: Id; readonly state: string }>,
): void {
  const agent_id = requireAgentId(core);
  for (const item of tasks) {
    const task_id = item?.task_id?.value;
    if (typeof task_id !== 'string' || task_id === '') continue;
    if (core.updates.inFlight(framework_id, task_id) !== undefined) continue;
    const task =
      findTask(core.book, framework_id, task_id)?.task ?? findCompletedTask(core.book, framework_id, task_id);
    // A task not yet started is in TASK_STAGING, which only the master may report.
    if (task?.state === 'TASK_STAGING') continue;
    const status: TaskStatus = {
      task_id: { value: task_id },
      state: task?.state ?? lostState(core.book.frameworks.get(framework_id)),
      message: task === undefined ? 'Task is unknown to the agent' : 'Reconciliation: latest task status',
      reason: 'REASON_RECONCILIATION',
      source: 'SOURCE_AGENT',
      agent_id: { value: agent_id },
      ...(task === undefined ? {} : { executor_id: { value: task.executor_id } }),
      timestamp: Date.now() / 1000,
    };
    core.link?.send({ type: 'status_update', framework_id, status });
  }
}
