// Ending work on the agent: killing a task (through its executor: the command executor's SIGTERM
// then SIGKILL, or a KILL event to a custom executor), shutting an executor or a whole framework
// down, reacting to an executor's end (its unfinished tasks fail, the master hears of the exit), and
// killing everything the agent launched when it stops.
import { constants } from 'node:os';
import type { KillPolicy, TaskState, TaskStatus } from '../../engine/master/v1.ts';
import { agent_stop_kill_grace_ms } from '../constants.ts';
import { checkpointTask } from './checkpoint.ts';
import { type AgentCore, executorExited, requireAgentId, taskKey, track } from './core.ts';
import {
  type AgentExecutor,
  type AgentFramework,
  type AgentTask,
  findCompletedTask,
  findExecutor,
  findTask,
  gracePeriodMs,
  hasCapability,
  isTerminalState,
} from './executors.ts';
import type { ExitResult } from './launcher.ts';
import { newStatusUuid } from './status-updates.ts';
import { completeExecutorIfDone, reportTask, retireExecutor, statusUpdate } from './task-statuses.ts';

/** The state of a task that will never run: TASK_DROPPED for partition-aware frameworks, else TASK_LOST. */
export function lostState(framework: AgentFramework | undefined): TaskState {
  return hasCapability(framework?.info, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
}

/** The wait status of an exit, as Mesos reports an executor's: code << 8, or the signal number. */
export function waitStatus(exit: ExitResult | undefined): number | undefined {
  if (exit === undefined) return undefined;
  if ('code' in exit) return exit.code * 256;
  return (constants.signals as Record<string, number | undefined>)[exit.signal] ?? 0;
}

/** A status update of a task the agent does not hold. */
function unknownTaskUpdate(core: AgentCore, framework_id: string, task_id: string, message: string): void {
  const status: TaskStatus = {
    task_id: { value: task_id },
    state: lostState(core.book.frameworks.get(framework_id)),
    message,
    reason: 'REASON_TASK_UNKNOWN',
    source: 'SOURCE_AGENT',
    agent_id: { value: requireAgentId(core) },
    timestamp: Date.now() / 1000,
    uuid: newStatusUuid(),
  };
  statusUpdate(core, framework_id, status);
}

/** kill_task: ends a task through its executor, with the kill policy's grace period when it names one. */
export function killTask(
  core: AgentCore,
  framework_id: string,
  task_id: string,
  policy: KillPolicy | undefined,
): void {
  const found = findTask(core.book, framework_id, task_id);
  if (found === undefined) {
    if (findCompletedTask(core.book, framework_id, task_id) !== undefined) return;
    core.log.warn('kill of a task unknown to the agent', { framework_id, task_id });
    unknownTaskUpdate(core, framework_id, task_id, 'Cannot find the task on the agent');
    return;
  }
  const { executor, task } = found;
  if (isTerminalState(task.state)) return;
  task.kill_requested = true;
  checkpointTask(core, executor, task);
  const grace_ms = gracePeriodMs(policy);
  if (executor.kind !== 'custom') {
    // Without a runner the task is still being set up; it sees kill_requested before it launches.
    core.runners.get(taskKey(framework_id, task_id))?.kill(grace_ms);
    return;
  }
  if (executor.queued.has(task_id)) {
    reportTask(core, task, {
      state: 'TASK_KILLED',
      message: 'Task was killed before its executor subscribed',
      source: 'SOURCE_AGENT',
    });
    const live = [...executor.tasks.values(), ...executor.queued.values()].some(
      (t) => !isTerminalState(t.state),
    );
    if (!live) shutdownExecutor(core, framework_id, executor.executor_id);
    return;
  }
  if (executor.subscription === undefined) {
    core.log.warn('kill waits for the executor to subscribe again', { framework_id, task_id });
    return;
  }
  executor.subscription.send({
    type: 'KILL',
    kill: { task_id: { value: task_id }, ...(policy ? { kill_policy: policy } : {}) },
  });
}

/** Mesos's default executor kills the rest of a group when one of its tasks fails or is killed. */
export function groupEnd(
  core: AgentCore,
  framework_id: string,
  group: readonly AgentTask[],
): (state: string) => void {
  return (state) => {
    if (state === 'TASK_FINISHED') return;
    for (const other of group) {
      if (other.state === 'TASK_FINISHED' || isTerminalState(other.state)) continue;
      other.kill_requested = true;
      const found = findTask(core.book, framework_id, other.info.task_id.value);
      if (found !== undefined) checkpointTask(core, found.executor, other);
      core.runners.get(taskKey(framework_id, other.info.task_id.value))?.kill();
    }
  };
}

/** shutdown_executor: the executor's tasks are killed and it is ended (a custom one after its grace period). */
export function shutdownExecutor(core: AgentCore, framework_id: string, executor_id: string): void {
  const executor = findExecutor(core.book, framework_id, executor_id);
  if (executor === undefined || executor.phase === 'terminating' || executor.phase === 'terminated') return;
  const registering = executor.phase === 'registering';
  executor.phase = 'terminating';
  for (const task of [...executor.tasks.values(), ...executor.queued.values()]) {
    task.kill_requested = true;
    checkpointTask(core, executor, task);
  }
  if (executor.kind !== 'custom') {
    for (const id of executor.tasks.keys()) core.runners.get(taskKey(framework_id, id))?.kill();
    return;
  }
  if (executor.subscription === undefined || registering) {
    // An executor that never subscribed cannot be asked; its container is destroyed now (or, if
    // it is still being launched, as soon as it exists).
    if (executor.container !== undefined) track(core, 'executor kill', executor.container.kill(0));
    return;
  }
  executor.subscription.send({ type: 'SHUTDOWN' });
  const timer = setTimeout(() => {
    executor.timers.delete(timer);
    if (executor.container !== undefined) track(core, 'executor kill', executor.container.kill(0));
  }, core.settings.executor_shutdown_grace_ms);
  executor.timers.add(timer);
}

/** shutdown_framework: every executor of the framework is shut down; its updates are no longer sent. */
export function shutdownFramework(core: AgentCore, framework_id: string): void {
  const framework = core.book.frameworks.get(framework_id);
  if (framework === undefined) return;
  framework.terminating = true;
  core.updates.dropFramework(framework_id);
  for (const executor of [...framework.executors.values()]) {
    if (executor.phase === 'terminated') retireExecutor(core, executor);
    else shutdownExecutor(core, framework_id, executor.executor_id);
  }
}

/**
 * A custom executor ended (its process exited, or it could not start): its unfinished tasks end
 * (TASK_KILLED when a kill was asked, TASK_FAILED otherwise), and the master hears of the exit.
 */
export function executorTerminated(
  core: AgentCore,
  executor: AgentExecutor,
  exit: ExitResult | undefined,
  termination: { readonly reason: string; readonly message: string } | undefined,
): void {
  if (executor.phase === 'terminated') return;
  executor.phase = 'terminated';
  for (const timer of executor.timers) clearTimeout(timer);
  executor.timers.clear();
  const subscription = executor.subscription;
  executor.subscription = undefined;
  subscription?.close();
  if (executor.container !== undefined) track(core, 'executor cleanup', executor.container.kill(0));
  const framework = core.book.frameworks.get(executor.framework_id);
  if (core.stopping) return;
  if (framework?.terminating) {
    retireExecutor(core, executor);
    return;
  }
  const why = termination ??
    executor.termination ?? {
      reason: 'REASON_EXECUTOR_TERMINATED',
      message: exit === undefined ? 'Executor terminated' : `Executor terminated: ${exitText(exit)}`,
    };
  for (const task of [...executor.tasks.values(), ...executor.queued.values()]) {
    if (isTerminalState(task.state)) continue;
    reportTask(core, task, {
      state: task.kill_requested ? 'TASK_KILLED' : 'TASK_FAILED',
      message: why.message,
      reason: why.reason,
      source: 'SOURCE_AGENT',
    });
  }
  const status = waitStatus(exit);
  executorExited(core, {
    framework_id: executor.framework_id,
    executor_id: executor.executor_id,
    ...(status === undefined ? {} : { status }),
  });
  completeExecutorIfDone(core, executor);
}

/** A short text of how a process ended. */
function exitText(exit: ExitResult): string {
  return 'code' in exit ? `exited with status ${exit.code}` : `terminated by ${exit.signal}`;
}

/**
 * Kills every process the agent launched and waits (boundedly) for them to end. The tasks are
 * checkpointed as killed, so that a restart reports how they ended.
 */
export async function killEverything(core: AgentCore, wait_ms: number): Promise<void> {
  for (const runner of core.runners.values()) runner.kill(agent_stop_kill_grace_ms);
  for (const framework of core.book.frameworks.values()) {
    for (const executor of framework.executors.values()) {
      for (const task of [...executor.tasks.values(), ...executor.queued.values()]) {
        if (isTerminalState(task.state) || task.kill_requested) continue;
        task.kill_requested = true;
        checkpointTask(core, executor, task);
      }
      for (const timer of executor.timers) clearTimeout(timer);
      executor.timers.clear();
      executor.subscription?.close();
      executor.subscription = undefined;
      if (executor.container !== undefined)
        track(core, 'executor kill', executor.container.kill(agent_stop_kill_grace_ms));
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, wait_ms);
  });
  // Jobs may start others while they end (a launch that completes during the stop kills its container).
  for (let round = 0; round < 5 && core.jobs.size > 0; round++) {
    await Promise.race([Promise.allSettled([...core.jobs]), deadline]);
  }
  clearTimeout(timer);
}
