// The live agent's state shared by its parts (launching, killing, the executor API, the HTTP
// endpoints): its options, its book of frameworks, executors and tasks, its status update manager
// and its link to the master, plus the status-update steps every part takes.
import type { Attribute, TaskState, TaskStatus } from '../../engine/master/v1.ts';
import type { Resources } from '../../engine/resources.ts';
import type { ExecutorExitedMessage } from '../wire/agent-protocol.ts';
import { checkpointTask, forgetExecutor, forgetTask } from './checkpoint.ts';
import type { CommandTask } from './command-executor.ts';
import {
  type AgentExecutor,
  type AgentTask,
  completeExecutor,
  completeTask,
  type ExecutorBook,
  findTask,
  isTerminalState,
} from './executors.ts';
import type { Launcher } from './posix-launcher.ts';
import type { AgentLog, MasterLink } from './registration.ts';
import { newStatusUuid, type StatusUpdateManager } from './status-updates.ts';

/** Statuses kept per task for /state and re-registration (the first and the newest). */
export const statuses_per_task_max = 100;
/** Executor exits held for the master while the agent has none (the oldest go first). */
export const unsent_executor_exits_max = 10_000;

/** The agent's settings once defaults are applied. */
export interface AgentSettings {
  readonly work_dir: string;
  readonly hostname: string;
  readonly ip: string;
  /** The port the agent's HTTP server listens on (known once it listens). */
  port: number;
  readonly launcher: Launcher;
  readonly kill_grace_ms: number;
  readonly executor_shutdown_grace_ms: number;
  readonly executor_registration_timeout_ms: number;
  readonly executor_heartbeat_interval_ms: number;
  /** How long a recovered custom executor has to subscribe again after a restart. */
  readonly executor_reregistration_timeout_ms: number;
  /** Variables every executor and command starts with (PATH ...). */
  readonly executor_environment: Readonly<Record<string, string>>;
}

/** The agent's state, shared by its parts. */
export interface AgentCore {
  readonly settings: AgentSettings;
  readonly book: ExecutorBook;
  readonly updates: StatusUpdateManager;
  readonly log: AgentLog;
  /** The agent's total: its flags' resources, with the offer operations the master applied since. */
  resources: Resources;
  /** What the flags give (--resources, the rest detected): every total must match it without its reservations. */
  readonly flag_resources: Resources;
  readonly attributes: readonly Attribute[];
  readonly start_time_ms: number;
  /** Tasks run by the agent's own executors (command and default), keyed by taskKey. */
  readonly runners: Map<string, CommandTask>;
  /** Every background job (a kill, a launch), so that stop can wait for them. */
  readonly jobs: Set<Promise<unknown>>;
  /** Executor exits that found no master (an agent recovering, or one that lost its master). */
  readonly unsent_exits: ExecutorExitedMessage[];
  agent_id: string | undefined;
  link: MasterLink | undefined;
  stopping: boolean;
}

/** The key of a task across frameworks. */
export function taskKey(framework_id: string, task_id: string): string {
  return `${framework_id}\u0000${task_id}`;
}

/** Runs a background job, logging its failure, and remembers it until it settles. */
export function track(core: AgentCore, what: string, job: Promise<unknown>): void {
  const tracked = job.catch((error: unknown) => {
    core.log.error(`${what} failed`, { error: (error as Error).message });
  });
  core.jobs.add(tracked);
  void tracked.finally(() => core.jobs.delete(tracked));
}

/** The agent's own address, `ip:port`, as executors reach it. */
export function agentEndpoint(core: AgentCore): string {
  return `${core.settings.ip}:${core.settings.port}`;
}

/**
 * Tells the master that an executor ended. Without a master now (the agent is recovering, or lost
 * it) the news waits for the next registration: the master would otherwise keep the executor.
 */
export function executorExited(core: AgentCore, message: Omit<ExecutorExitedMessage, 'type'>): void {
  if (core.link?.registered() === true && core.link.send({ type: 'executor_exited', ...message })) return;
  core.unsent_exits.push({ type: 'executor_exited', ...message });
  if (core.unsent_exits.length > unsent_executor_exits_max) core.unsent_exits.shift();
}

/** Sends the executor exits held while the agent had no master (it has registered again). */
export function sendHeldExecutorExits(core: AgentCore): void {
  for (const message of core.unsent_exits.splice(0)) core.link?.send(message);
}

/** The agent id, which every task-carrying path needs (tasks only come after registration). */
export function requireAgentId(core: AgentCore): string {
  if (core.agent_id === undefined) throw new Error('the agent has no id yet: it is not registered');
  return core.agent_id;
}

/** What a status update the agent produces says. */
export interface StatusFields {
  readonly state: TaskState;
  readonly message?: string;
  readonly reason?: string;
  readonly source: 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';
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
