// The status-update steps every part of the agent takes: a new status of a task is recorded in its
// history, queued for the master by the status update manager and checkpointed; once the framework
// acknowledges a terminal status the task is finished, and an executor that has ended with all its
// tasks done with is retired, its checkpoints removed.
import type { TaskState, TaskStatus } from '../../engine/master/v1.ts';
import { statuses_per_task_max } from '../constants.ts';
import { checkpointTask, forgetExecutor, forgetTask } from './checkpoint.ts';
import { type AgentCore, requireAgentId } from './core.ts';
import {
  type AgentExecutor,
  type AgentTask,
  completeExecutor,
  completeTask,
  findTask,
  isTerminalState,
} from './executors.ts';
import { newStatusUuid } from './status-updates.ts';

/** What a status update the agent produces says. */
export interface StatusFields {
  readonly state: TaskState;
  readonly message?: string;
  readonly reason?: string;
  readonly source: 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';
  readonly healthy?: boolean;
  readonly check_status?: TaskStatus['check_status'];
}

/** A fresh status of a task, with a new uuid, stamped with the agent's id and the time. */
export function newStatus(core: AgentCore, task: AgentTask, fields: StatusFields): TaskStatus {
  return {
    task_id: { value: task.info.task_id.value },
    state: fields.state,
    ...(fields.message === undefined ? {} : { message: fields.message }),
    ...(fields.reason === undefined ? {} : { reason: fields.reason }),
    source: fields.source,
    agent_id: { value: requireAgentId(core) },
    executor_id: { value: task.executor_id },
    timestamp: Date.now() / 1000,
    uuid: newStatusUuid(),
    ...(fields.healthy === undefined ? {} : { healthy: fields.healthy }),
    ...(fields.check_status === undefined ? {} : { check_status: fields.check_status }),
  };
}

/** Records a status in the task's history. */
export function recordStatus(task: AgentTask, status: TaskStatus): void {
  // A terminal task stays terminal: a late update (an executor's after the agent ended it) is history only.
  if (!isTerminalState(task.state) || isTerminalState(status.state)) task.state = status.state;
  task.statuses.push(status);
  if (task.statuses.length > statuses_per_task_max) task.statuses.splice(1, 1);
}

/**
 * Takes a status update of a task of `framework_id` (produced by the agent or received from an
 * executor): records it, and queues it for the master unless its framework is shut down.
 */
export function statusUpdate(core: AgentCore, framework_id: string, status: TaskStatus): void {
  if (core.stopping) return;
  const found = findTask(core.book, framework_id, status.task_id.value);
  if (found !== undefined) recordStatus(found.task, status);
  const framework = core.book.frameworks.get(framework_id);
  if (framework?.terminating) {
    // Nobody will acknowledge it: a terminal update completes the task now.
    if (found !== undefined && isTerminalState(status.state)) finishTask(core, found.executor, found.task);
    return;
  }
  core.updates.update(framework_id, status);
  if (found !== undefined) checkpointTask(core, found.executor, found.task);
}

/** Produces and takes a status update of a task the agent knows. */
export function reportTask(core: AgentCore, task: AgentTask, fields: StatusFields): void {
  statusUpdate(core, task.framework_id, newStatus(core, task, fields));
}

/** The master forwarded a framework's acknowledgement: a terminal task is done with. */
export function acknowledged(core: AgentCore, framework_id: string, task_id: string, uuid: string): void {
  const status = core.updates.acknowledge(framework_id, task_id, uuid);
  if (status === undefined) {
    core.log.debug('acknowledgement of no pending update', { framework_id, task_id, uuid });
    return;
  }
  const found = findTask(core.book, framework_id, task_id);
  if (found === undefined) return;
  if (isTerminalState(status.state)) finishTask(core, found.executor, found.task);
  else checkpointTask(core, found.executor, found.task);
}

/** A terminal task leaves its executor; an executor that ended and holds no task is completed. */
export function finishTask(core: AgentCore, executor: AgentExecutor, task: AgentTask): void {
  completeTask(executor, task.info.task_id.value);
  forgetTask(core, executor, task.info.task_id.value);
  completeExecutorIfDone(core, executor);
}

/** Moves an executor to the completed ones, and forgets its checkpoints. */
export function retireExecutor(core: AgentCore, executor: AgentExecutor): void {
  completeExecutor(core.book, executor);
  forgetExecutor(core, executor);
  core.gc.schedule(executor.directory);
}

/** Completes an executor that has ended and whose tasks are all done with. */
export function completeExecutorIfDone(core: AgentCore, executor: AgentExecutor): void {
  if (executor.phase !== 'terminated') return;
  const framework = core.book.frameworks.get(executor.framework_id);
  const pending = [...executor.tasks.values(), ...executor.queued.values()].filter(
    (task) => !isTerminalState(task.state) || core.updates.newest(task.framework_id, task.info.task_id.value),
  );
  if (pending.length > 0 && framework?.terminating !== true) return;
  retireExecutor(core, executor);
}
