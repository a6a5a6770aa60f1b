// The agent's bookkeeping of frameworks, executors and tasks, as Mesos's agent keeps it: each
// framework with work here, each of its executors (the built-in command executor of a command
// task, the default executor of a task group, or a framework's custom executor process) with its
// container, sandbox and tasks, and what ended recently for /state.
import type {
  CommandInfo,
  ExecutorInfo,
  FrameworkInfo,
  TaskInfo,
  TaskState,
  TaskStatus,
} from '../../engine/master/v1.ts';
import {
  agent_completed_frameworks_max,
  completed_executors_per_framework_max,
  completed_tasks_per_executor_max,
} from '../constants.ts';
import type { ContainerHandle } from './launcher.ts';

/** How an executor runs: in the agent (command, default) or as a framework's own process (custom). */
export type ExecutorKind = 'command' | 'default' | 'custom';

/** Where an executor is in its life. */
export type ExecutorPhase = 'registering' | 'running' | 'terminating' | 'terminated';

/** A task the agent runs or ran. */
export interface AgentTask {
  readonly info: TaskInfo;
  readonly framework_id: string;
  readonly executor_id: string;
  /** The latest state of the task, from the newest update the agent produced or received. */
  state: TaskState;
  /** Every state the task went through, for /state and re-registration. */
  readonly statuses: TaskStatus[];
  /** A kill was asked for: an end caused by it is TASK_KILLED. */
  kill_requested: boolean;
  /** The ids of the tasks launched with it in one task group, if it was. */
  readonly group?: readonly string[];
}

/** The events an executor's open subscription receives (RecordIO records). */
export interface ExecutorSubscription {
  send(event: unknown): void;
  close(): void;
  /** Calls `listener` once when the stream closes (from either side). */
  onClose(listener: () => void): void;
}

/** An executor on the agent. */
export interface AgentExecutor {
  readonly framework_id: string;
  readonly executor_id: string;
  readonly kind: ExecutorKind;
  readonly info: ExecutorInfo;
  readonly container_id: string;
  readonly directory: string;
  phase: ExecutorPhase;
  /** The custom executor's process; command and default executors run one container per task. */
  container: ContainerHandle | undefined;
  /** Tasks handed to the executor. */
  readonly tasks: Map<string, AgentTask>;
  /** Tasks waiting for a custom executor to subscribe. */
  readonly queued: Map<string, AgentTask>;
  /** Tasks that ended and whose end was acknowledged (newest last). */
  readonly completed: AgentTask[];
  subscription: ExecutorSubscription | undefined;
  /** Why the agent ended the executor, when it did (its tasks' updates say so). */
  termination: { readonly reason: string; readonly message: string } | undefined;
  /** Timers the executor owns (registration timeout, shutdown grace, heartbeats). */
  readonly timers: Set<NodeJS.Timeout>;
}

/** A framework with work on the agent. */
export interface AgentFramework {
  info: FrameworkInfo;
  readonly id: string;
  readonly executors: Map<string, AgentExecutor>;
  readonly completed_executors: AgentExecutor[];
  /** Shut down: its executors are being killed and its updates are no longer sent. */
  terminating: boolean;
}

/** Every framework, executor and task of the agent. */
export interface ExecutorBook {
  readonly frameworks: Map<string, AgentFramework>;
  readonly completed_frameworks: AgentFramework[];
}

/** An empty book. */
export function createExecutorBook(): ExecutorBook {
  return { frameworks: new Map(), completed_frameworks: [] };
}

/** The framework record of `info` (its id required), created or refreshed. */
export function addFramework(book: ExecutorBook, info: FrameworkInfo): AgentFramework {
  const id = info.id?.value;
  if (typeof id !== 'string' || id === '')
    throw new Error('a framework on the agent needs framework_info.id');
  const known = book.frameworks.get(id);
  if (known !== undefined) {
    known.info = info;
    return known;
  }
  const framework: AgentFramework = {
    info,
    id,
    executors: new Map(),
    completed_executors: [],
    terminating: false,
  };
  book.frameworks.set(id, framework);
  return framework;
}

/** Finds an executor. */
export function findExecutor(
  book: ExecutorBook,
  framework_id: string,
  executor_id: string,
): AgentExecutor | undefined {
  return book.frameworks.get(framework_id)?.executors.get(executor_id);
}

/** Finds a live (launched or queued) task and its executor. */
export function findTask(
  book: ExecutorBook,
  framework_id: string,
  task_id: string,
): { executor: AgentExecutor; task: AgentTask } | undefined {
  const framework = book.frameworks.get(framework_id);
  if (framework === undefined) return undefined;
  for (const executor of framework.executors.values()) {
    const task = executor.tasks.get(task_id) ?? executor.queued.get(task_id);
    if (task !== undefined) return { executor, task };
  }
  return undefined;
}

/** Finds a task that completed on a live or completed executor (newest first). */
export function findCompletedTask(
  book: ExecutorBook,
  framework_id: string,
  task_id: string,
): AgentTask | undefined {
  const framework =
    book.frameworks.get(framework_id) ?? book.completed_frameworks.find((f) => f.id === framework_id);
  if (framework === undefined) return undefined;
  for (const executor of [...framework.executors.values(), ...framework.completed_executors]) {
    const found = executor.completed.findLast((t) => t.info.task_id.value === task_id);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A new task record in TASK_STAGING. */
export function newTask(info: TaskInfo, framework_id: string, executor_id: string): AgentTask {
  return { info, framework_id, executor_id, state: 'TASK_STAGING', statuses: [], kill_requested: false };
}

/** Moves a task to its executor's completed list (keeping the newest ones). */
export function completeTask(executor: AgentExecutor, task_id: string): void {
  const task = executor.tasks.get(task_id) ?? executor.queued.get(task_id);
  if (task === undefined) return;
  executor.tasks.delete(task_id);
  executor.queued.delete(task_id);
  executor.completed.push(task);
  if (executor.completed.length > completed_tasks_per_executor_max) executor.completed.shift();
}

/** Moves an executor to its framework's completed list, and the framework too once it is empty. */
export function completeExecutor(book: ExecutorBook, executor: AgentExecutor): void {
  const framework = book.frameworks.get(executor.framework_id);
  if (framework === undefined || framework.executors.get(executor.executor_id) !== executor) return;
  for (const id of [...executor.tasks.keys(), ...executor.queued.keys()]) completeTask(executor, id);
  framework.executors.delete(executor.executor_id);
  framework.completed_executors.push(executor);
  if (framework.completed_executors.length > completed_executors_per_framework_max) {
    framework.completed_executors.shift();
  }
  if (framework.executors.size === 0) {
    book.frameworks.delete(framework.id);
    book.completed_frameworks.push(framework);
    if (book.completed_frameworks.length > agent_completed_frameworks_max) book.completed_frameworks.shift();
  }
}

/** Whether a task state is terminal. */
export function isTerminalState(state: TaskState): boolean {
  return (
    state === 'TASK_FINISHED' ||
    state === 'TASK_FAILED' ||
    state === 'TASK_KILLED' ||
    state === 'TASK_ERROR' ||
    state === 'TASK_LOST' ||
    state === 'TASK_DROPPED' ||
    state === 'TASK_GONE' ||
    state === 'TASK_GONE_BY_OPERATOR'
  );
}

/** Whether the framework declared a capability (`PARTITION_AWARE`, `TASK_KILLING_STATE` ...). */
export function hasCapability(info: FrameworkInfo | undefined, capability: string): boolean {
  return (info?.capabilities ?? []).some((c) => c?.type === capability);
}

/** The ExecutorInfo of the command executor Mesos generates for a command task: id = task id. */
export function commandExecutorInfo(task: TaskInfo, framework_id: string): ExecutorInfo {
  return {
    executor_id: { value: task.task_id.value },
    type: 'CUSTOM',
    framework_id: { value: framework_id },
    name: `Command Executor (Task: ${task.task_id.value}) (Command: ${commandSummary(task.command)})`,
    source: task.task_id.value,
    command: { value: 'mesos-executor', shell: true },
    resources: [],
  };
}

/** A short description of a command, as Mesos names command executors. */
function commandSummary(command: CommandInfo | undefined): string {
  if (command === undefined) return 'NO COMMAND';
  const text =
    command.shell === false
      ? [command.value ?? '', ...(command.arguments ?? []).slice(1)].join(' ')
      : (command.value ?? '');
  return text.length > 15 ? `sh -c '${text.slice(0, 12)}...'` : `sh -c '${text}'`;
}

/** The environment an executor (and the command it runs) starts with. */
export interface ExecutorEnvironment {
  readonly framework_id: string;
  readonly executor_id: string;
  readonly directory: string;
  readonly agent_endpoint: string;
  readonly agent_id: string;
  readonly checkpoint: boolean;
  readonly shutdown_grace_ms: number;
  /** Variables passed through from the agent (PATH ...). */
  readonly base: Readonly<Record<string, string>>;
}

/** The executor's environment, as Mesos sets it, plus the command's own variables (which win). */
export function executorEnvironment(
  env: ExecutorEnvironment,
  command: CommandInfo | undefined,
): Record<string, string> {
  const out: Record<string, string> = {
    ...env.base,
    MESOS_FRAMEWORK_ID: env.framework_id,
    MESOS_EXECUTOR_ID: env.executor_id,
    MESOS_DIRECTORY: env.directory,
    MESOS_SANDBOX: env.directory,
    MESOS_AGENT_ENDPOINT: env.agent_endpoint,
    MESOS_SLAVE_ID: env.agent_id,
    MESOS_CHECKPOINT: env.checkpoint ? '1' : '0',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: durationText(env.shutdown_grace_ms),
  };
  for (const variable of command?.environment?.variables ?? []) {
    if (typeof variable?.name === 'string' && variable.name !== '') out[variable.name] = variable.value ?? '';
  }
  return out;
}

/** A duration as Mesos prints one: `5secs`, `500ms`. */
export function durationText(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}secs` : `${ms}ms`;
}

/** The grace period of a kill policy in ms, or undefined when it names none. */
export function gracePeriodMs(policy: TaskInfo['kill_policy']): number | undefined {
  const ns = policy?.grace_period?.nanoseconds;
  return typeof ns === 'number' && Number.isFinite(ns) && ns >= 0 ? ns / 1e6 : undefined;
}
