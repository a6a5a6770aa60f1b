// Task reconciliation (docs/reconciliation.md): implicit (an empty list: the latest state of every
// task the master knows for the framework) and explicit (each listed task: its latest state, or
// what can be said of an unknown one). Answers come from the master: no uuid, no acknowledgement.
import { type Ctx, callError } from './context.ts';
import type { FrameworkRecord, TaskRecord } from './state.ts';
import { executorField, isPartitionAware, masterStatus, sendUpdate } from './tasks.ts';
import type { Id, TaskStatus } from './v1.ts';
import { validateId } from './validation.ts';

const reason = 'REASON_RECONCILIATION';

/** One task to reconcile, as RECONCILE lists it. */
export interface ReconcileItem {
  readonly task_id: Id;
  readonly agent_id?: Id;
}

/** RECONCILE: checks the list, then answers each task (or every task, when the list is empty). */
export function reconcile(
  ctx: Ctx,
  framework: FrameworkRecord,
  items: readonly ReconcileItem[] | undefined,
): void {
  const list = items ?? [];
  if (!Array.isArray(list)) {
    callError(ctx, 400, "'reconcile.tasks' must be a list");
    return;
  }
  for (const item of list) {
    const error = validateId(item?.task_id, 'reconcile.tasks.task_id');
    if (error !== undefined) {
      callError(ctx, 400, error);
      return;
    }
    if (item.agent_id !== undefined) {
      const agentError = validateId(item.agent_id, 'reconcile.tasks.agent_id');
      if (agentError !== undefined) {
        callError(ctx, 400, agentError);
        return;
      }
    }
  }
  if (list.length === 0) implicit(ctx, framework);
  else for (const item of list) explicit(ctx, framework, item);
}

/** The latest state of a known task, as a reconciliation answer. */
function latest(ctx: Ctx, task: TaskRecord): TaskStatus {
  const extra: Partial<TaskStatus> = { ...executorField(task) };
  const healthy = task.status?.healthy;
  const check_status = task.status?.check_status;
  const unreachable =
    task.unreachableSinceMs === undefined
      ? {}
      : { unreachable_time: { nanoseconds: task.unreachableSinceMs * 1e6 } };
  return masterStatus(
    ctx,
    task.task_id,
    task.agent_id,
    task.state,
    reason,
    'Reconciliation: Latest task state',
    {
      ...extra,
      ...(healthy === undefined ? {} : { healthy }),
      ...(check_status === undefined ? {} : { check_status }),
      ...unreachable,
    },
  );
}

/** Sends the latest state of every task of the framework. */
function implicit(ctx: Ctx, framework: FrameworkRecord): void {
  for (const task of framework.tasks.values()) sendUpdate(ctx, framework, latest(ctx, task));
  for (const task of framework.unreachableTasks.values()) sendUpdate(ctx, framework, latest(ctx, task));
}

/** Answers one listed task as Mesos does; says nothing while its agent may still re-register. */
export function explicit(ctx: Ctx, framework: FrameworkRecord, item: ReconcileItem): void {
  const taskId = item.task_id.value;
  const task = framework.tasks.get(taskId) ?? framework.unreachableTasks.get(taskId);
  if (task !== undefined) {
    sendUpdate(ctx, framework, latest(ctx, task));
    return;
  }
  const aware = isPartitionAware(framework);
  const agentId = item.agent_id?.value;
  const state = ctx.state;
  if (agentId !== undefined && state.agents.has(agentId)) {
    const status = masterStatus(
      ctx,
      taskId,
      agentId,
      aware ? 'TASK_GONE' : 'TASK_LOST',
      reason,
      'Reconciliation: Task is unknown to the agent',
    );
    sendUpdate(ctx, framework, status);
    return;
  }
  // An agent the registry knows that has not re-registered yet may still report the task.
  if (agentId !== undefined && state.recoveredAgents.has(agentId)) return;
  const unreachable = agentId === undefined ? undefined : state.unreachableAgents.get(agentId);
  if (unreachable !== undefined) {
    const status = masterStatus(
      ctx,
      taskId,
      agentId,
      aware ? 'TASK_UNREACHABLE' : 'TASK_LOST',
      reason,
      'Reconciliation: Task is unreachable',
      { unreachable_time: { nanoseconds: unreachable.sinceMs * 1e6 } },
    );
    sendUpdate(ctx, framework, status);
    return;
  }
  const status = masterStatus(
    ctx,
    taskId,
    agentId,
    aware ? 'TASK_UNKNOWN' : 'TASK_LOST',
    reason,
    'Reconciliation: Task is unknown',
  );
  sendUpdate(ctx, framework, status);
}
