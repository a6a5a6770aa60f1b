// Task and executor bookkeeping: adding a task to its framework and agent, changing its state,
// freeing its resources when it ends, moving it to the completed list, and the status updates the
// master itself writes (no uuid: frameworks do not acknowledge them).
import { add, isEmpty, type Resources, subtract } from '../resources.ts';
import { type Ctx, sendEvent, timestampSeconds, trace } from './context.ts';
import type { AgentRecord, ExecutorRecord, FrameworkRecord, TaskRecord } from './state.ts';
import type { TaskState, TaskStatus } from './v1.ts';

/** Every task state of Mesos v1. */
import { isTerminal } from './v1.ts';

export { isTerminal, task_states } from './v1.ts';

/** True when the framework declared the PARTITION_AWARE capability. */
export function isPartitionAware(framework: FrameworkRecord): boolean {
  return (framework.info.capabilities ?? []).some((c) => c.type === 'PARTITION_AWARE');
}

/** Adds resources to what a framework uses on an agent. */
export function addUsed(agent: AgentRecord, frameworkId: string, resources: Resources): void {
  if (resources.length === 0) return;
  agent.used.set(frameworkId, add(agent.used.get(frameworkId) ?? [], resources));
}

/** Takes resources off what a framework uses on an agent. */
export function subtractUsed(agent: AgentRecord, frameworkId: string, resources: Resources): void {
  const held = agent.used.get(frameworkId);
  if (held === undefined || resources.length === 0) return;
  const left = subtract(held, resources);
  if (isEmpty(left)) agent.used.delete(frameworkId);
  else agent.used.set(frameworkId, left);
}

/** Records a new active task on its framework and agent, its resources as used. */
export function addTask(framework: FrameworkRecord, agent: AgentRecord, task: TaskRecord): void {
  if (framework.tasks.has(task.task_id)) {
    throw new Error(`task ${task.task_id} of framework ${framework.id} is already known`);
  }
  framework.tasks.set(task.task_id, task);
  let byFramework = agent.tasks.get(framework.id);
  if (byFramework === undefined) {
    byFramework = new Map();
    agent.tasks.set(framework.id, byFramework);
  }
  byFramework.set(task.task_id, task);
  if (!isTerminal(task.state)) addUsed(agent, framework.id, task.resources);
}

/** Records an executor on its agent, its resources as used. */
export function addExecutor(agent: AgentRecord, executor: ExecutorRecord): void {
  let byFramework = agent.executors.get(executor.framework_id);
  if (byFramework === undefined) {
    byFramework = new Map();
    agent.executors.set(executor.framework_id, byFramework);
  }
  const id = executor.info.executor_id.value;
  if (byFramework.has(id)) throw new Error(`executor ${id} is already known on agent ${agent.id}`);
  byFramework.set(id, executor);
  addUsed(agent, executor.framework_id, executor.resources);
}

/** Forgets an executor and gives its resources back to the allocator. */
export function removeExecutor(
  ctx: Ctx,
  agent: AgentRecord,
  frameworkId: string,
  executorId: string,
): boolean {
  const byFramework = agent.executors.get(frameworkId);
  const executor = byFramework?.get(executorId);
  if (byFramework === undefined || executor === undefined) return false;
  byFramework.delete(executorId);
  if (byFramework.size === 0) agent.executors.delete(frameworkId);
  subtractUsed(agent, frameworkId, executor.resources);
  if (executor.resources.length > 0) {
    ctx.allocator.recoverResources(frameworkId, agent.id, executor.resources, undefined, ctx.now);
  }
  return true;
}

/**
 * Applies a status to a task: the latest state and status, the state history, and, when the task
 * reaches a terminal state while its agent accounts for it, its resources returned to the
 * allocator. An update that would take a terminal task out of its terminal state is ignored (it
 * can only be out of order).
 */
export function applyStatus(ctx: Ctx, task: TaskRecord, status: TaskStatus): void {
  if (isTerminal(task.state) && !isTerminal(status.state)) return;
  const wasTerminal = isTerminal(task.state);
  task.status = status;
  if (status.state !== task.state) {
    task.state = status.state;
    task.statuses.push({ state: status.state, timestamp: status.timestamp ?? timestampSeconds(ctx) });
  }
  trace(ctx, {
    type: 'task_status',
    task_id: task.task_id,
    framework_id: task.framework_id,
    agent_id: task.agent_id,
    state: status.state,
    ...(status.reason === undefined ? {} : { reason: status.reason }),
    source: status.source ?? 'SOURCE_AGENT',
  });
  if (wasTerminal || !isTerminal(task.state)) return;
  const agent = ctx.state.agents.get(task.agent_id);
  if (agent === undefined || agent.tasks.get(task.framework_id)?.get(task.task_id) !== task) return;
  subtractUsed(agent, task.framework_id, task.resources);
  ctx.allocator.recoverResources(task.framework_id, agent.id, task.resources, undefined, ctx.now);
}

/** Moves a terminal task from the active maps to its framework's completed list. */
export function completeTask(ctx: Ctx, framework: FrameworkRecord, task: TaskRecord): void {
  if (!isTerminal(task.state))
    throw new Error(`task ${task.task_id} completed in non-terminal ${task.state}`);
  detachTask(ctx, framework, task);
  framework.completedTasks.push(task);
  if (ctx.options.historyEffects)
    ctx.out.push({ type: 'history', op: 'task_completed', framework_id: framework.id, task });
  const max = ctx.options.completedTasksPerFrameworkMax;
  // Trim in batches so that a long-lived framework pays O(1) per task, amortized. (Not `slice(-max)`:
  // with a cap of 0 that would keep every task.)
  const completed = framework.completedTasks;
  if (completed.length > 2 * max + 16) framework.completedTasks = completed.slice(completed.length - max);
}

/** Removes a task from its framework's active maps and from its agent, without completing it. */
export function detachTask(ctx: Ctx, framework: FrameworkRecord, task: TaskRecord): void {
  framework.tasks.delete(task.task_id);
  framework.unreachableTasks.delete(task.task_id);
  const agent = ctx.state.agents.get(task.agent_id);
  const byFramework = agent?.tasks.get(framework.id);
  if (byFramework?.get(task.task_id) === task) {
    byFramework.delete(task.task_id);
    if (byFramework.size === 0) agent!.tasks.delete(framework.id);
  }
}

/** Builds a status update written by the master: source MASTER, no uuid, stamped now. */
export function masterStatus(
  ctx: Ctx,
  taskId: string,
  agentId: string | undefined,
  state: TaskState,
  reason: string,
  message: string,
  extra: Partial<TaskStatus> = {},
): TaskStatus {
  return {
    task_id: { value: taskId },
    state,
    message,
    source: 'SOURCE_MASTER',
    reason,
    ...(agentId === undefined ? {} : { agent_id: { value: agentId } }),
    timestamp: timestampSeconds(ctx),
    ...extra,
  };
}

/** Sends a status update to a framework as an UPDATE event. */
export function sendUpdate(ctx: Ctx, framework: FrameworkRecord, status: TaskStatus): void {
  sendEvent(ctx, framework, { type: 'UPDATE', update: { status } });
}

/**
 * Ends a known task by the master's decision (agent lost, framework removed ...): applies the
 * terminal status, tells the framework, and moves the task to the completed list.
 */
export function endTask(
  ctx: Ctx,
  framework: FrameworkRecord,
  task: TaskRecord,
  state: TaskState,
  reason: string,
  message: string,
  notify: boolean,
): void {
  const status = masterStatus(ctx, task.task_id, task.agent_id, state, reason, message, executorField(task));
  applyStatus(ctx, task, status);
  if (notify) sendUpdate(ctx, framework, status);
  completeTask(ctx, framework, task);
}

/** The executor_id field of a task's statuses, when it runs under an executor of its framework. */
export function executorField(task: TaskRecord): Partial<TaskStatus> {
  return task.executor_id === '' ? {} : { executor_id: { value: task.executor_id } };
}
