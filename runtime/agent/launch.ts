// Running what the master sends: a command task under its own built-in command executor (executor
// id = task id), a task group under the default executor (each task in its own process tree, in
// `tasks/<task id>` of the executor's sandbox; when one fails or is killed the rest are killed),
// and a task for a custom executor, whose process the agent starts with the Mesos environment and
// which gets its tasks (LAUNCH) once it subscribes to the executor API.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutorInfo, FrameworkInfo, TaskInfo } from '../../engine/master/v1.ts';
import { checkpointContainer, checkpointWork, exitStatusFile } from './checkpoint.ts';
import { type CommandTaskReport, launchCommand, runCommandTask } from './command-executor.ts';
import {
  type AgentCore,
  agentEndpoint,
  completeExecutorIfDone,
  executorExited,
  reportTask,
  requireAgentId,
  taskKey,
  track,
} from './core.ts';
import {
  type AgentExecutor,
  type AgentFramework,
  type AgentTask,
  addFramework,
  commandExecutorInfo,
  type ExecutorKind,
  executorEnvironment,
  findTask,
  gracePeriodMs,
  hasCapability,
  isTerminalState,
  newTask,
} from './executors.ts';
import { executorTerminated, groupEnd, lostState } from './lifecycle.ts';
import type { LaunchedContainer } from './posix-launcher.ts';
import { createSandbox, sandboxDirectory } from './sandbox.ts';
import { volume_failure_reason, volumeLinkError, volumeRefusal } from './volumes.ts';

/** A new executor record (not yet in its framework). */
function newExecutor(
  core: AgentCore,
  framework: AgentFramework,
  info: ExecutorInfo,
  kind: ExecutorKind,
): AgentExecutor {
  const container_id = randomUUID();
  const ids = {
    agent_id: requireAgentId(core),
    framework_id: framework.id,
    executor_id: info.executor_id.value,
    container_id,
  };
  return {
    framework_id: framework.id,
    executor_id: info.executor_id.value,
    kind,
    info: { ...info, framework_id: { value: framework.id } },
    container_id,
    directory: sandboxDirectory(core.settings.work_dir, ids),
    phase: kind === 'custom' ? 'registering' : 'running',
    container: undefined,
    tasks: new Map(),
    queued: new Map(),
    completed: [],
    subscription: undefined,
    termination: undefined,
    timers: new Set(),
  };
}

/** The environment of an executor (and of the commands the agent runs for it). */
function environmentOf(
  core: AgentCore,
  framework: AgentFramework,
  executor: AgentExecutor,
  directory: string,
) {
  return {
    framework_id: framework.id,
    executor_id: executor.executor_id,
    directory,
    agent_endpoint: agentEndpoint(core),
    agent_id: requireAgentId(core),
    checkpoint: framework.info.checkpoint === true,
    shutdown_grace_ms: core.settings.executor_shutdown_grace_ms,
    base: core.settings.executor_environment,
  };
}

/** A task the agent cannot run: it ends at once, reported by the agent. */
function refuse(
  core: AgentCore,
  executor: AgentExecutor | undefined,
  task: AgentTask,
  fields: Omit<CommandTaskReport, 'state'> & { state: CommandTaskReport['state'] },
): void {
  if (executor !== undefined && !executor.tasks.has(task.info.task_id.value))
    executor.tasks.set(task.info.task_id.value, task);
  reportTask(core, task, { ...fields, source: 'SOURCE_AGENT' });
}

/** run_task: a task with `command` runs under a command executor, one with `executor` under that executor. */
export function runTask(core: AgentCore, framework_info: FrameworkInfo, task: TaskInfo): void {
  const framework = addFramework(core.book, framework_info);
  const task_id = task.task_id.value;
  if (framework.terminating) {
    core.log.warn('task of a framework being shut down is dropped', { framework_id: framework.id, task_id });
    return;
  }
  if (findTask(core.book, framework.id, task_id) !== undefined) {
    core.log.warn('task is already on the agent; the duplicate is ignored', {
      framework_id: framework.id,
      task_id,
    });
    return;
  }
  if (task.executor !== undefined) runOnCustomExecutor(core, framework, task, task.executor);
  else runCommandExecutor(core, framework, task);
}

/** Runs a command task under its own built-in command executor. */
function runCommandExecutor(core: AgentCore, framework: AgentFramework, info: TaskInfo): void {
  const task_id = info.task_id.value;
  const agentTask = newTask(info, framework.id, task_id);
  if (framework.executors.has(task_id)) {
    reportTask(core, agentTask, {
      state: 'TASK_FAILED',
      message: `An executor with id ${task_id} already runs: a command task's executor id is its task id`,
      reason: 'REASON_TASK_INVALID',
      source: 'SOURCE_AGENT',
    });
    return;
  }
  const refusal = volumeRefusal(info.resources);
  if (refusal !== undefined) {
    refuse(core, undefined, agentTask, {
      state: 'TASK_FAILED',
      message: refusal,
      reason: volume_failure_reason,
    });
    return;
  }
  let executor: AgentExecutor;
  try {
    executor = newExecutor(core, framework, commandExecutorInfo(info, framework.id), 'command');
  } catch (error) {
    refuse(core, undefined, agentTask, {
      state: 'TASK_FAILED',
      message: (error as Error).message,
      reason: 'REASON_TASK_INVALID',
    });
    return;
  }
  framework.executors.set(task_id, executor);
  executor.tasks.set(task_id, agentTask);
  checkpointWork(core, framework, executor, [agentTask]);
  track(
    core,
    `command task ${task_id}`,
    runAgentTask(core, framework, executor, agentTask, undefined).then(() =>
      agentExecutorEnded(core, executor),
    ),
  );
}

/** The agent's own executor (command or default) ended: it is complete once its updates are acknowledged. */
export function agentExecutorEnded(core: AgentCore, executor: AgentExecutor): void {
  // A task still running, or still being set up (no runner yet, not ended), keeps the executor.
  const busy = [...executor.tasks.values()].some(
    (task) =>
      !isTerminalState(task.state) ||
      core.runners.has(taskKey(executor.framework_id, task.info.task_id.value)),
  );
  if (busy || executor.phase === 'terminated') return;
  executor.phase = 'terminated';
  if (executor.kind === 'default' && !core.stopping) {
    executorExited(core, {
      framework_id: executor.framework_id,
      executor_id: executor.executor_id,
      status: 0,
    });
  }
  completeExecutorIfDone(core, executor);
}

/**
 * Runs one task of an agent-run executor: makes the sandbox (the executor's, or for a task group's
 * task `tasks/<task id>` inside it), then runs the command, reporting as the executor would.
 */
async function runAgentTask(
  core: AgentCore,
  framework: AgentFramework,
  executor: AgentExecutor,
  task: AgentTask,
  onEnd: ((state: string) => void) | undefined,
): Promise<void> {
  const task_id = task.info.task_id.value;
  const key = taskKey(framework.id, task_id);
  const report = (r: CommandTaskReport): void => {
    reportTask(core, task, { ...r, source: 'SOURCE_EXECUTOR' });
  };
  let directory: string;
  try {
    directory = await createSandbox(core.settings.work_dir, {
      agent_id: requireAgentId(core),
      framework_id: framework.id,
      executor_id: executor.executor_id,
      container_id: executor.container_id,
    });
    if (executor.kind === 'default') {
      directory = join(directory, 'tasks', task_id);
      await mkdir(directory, { recursive: true });
    }
  } catch (error) {
    report({
      state: 'TASK_FAILED',
      message: `Failed to create the sandbox: ${(error as Error).message}`,
      reason: 'REASON_CONTAINER_LAUNCH_FAILED',
    });
    onEnd?.('TASK_FAILED');
    return;
  }
  const volume_error =
    (executor.kind === 'default'
      ? volumeLinkError(core.settings.work_dir, executor.directory, executor.info.resources)
      : undefined) ?? volumeLinkError(core.settings.work_dir, directory, task.info.resources);
  if (volume_error !== undefined) {
    report({ state: 'TASK_FAILED', message: volume_error, reason: volume_failure_reason });
    onEnd?.('TASK_FAILED');
    return;
  }
  if (task.kill_requested || core.stopping) {
    report({ state: 'TASK_KILLED', message: 'Task was killed before it started' });
    onEnd?.('TASK_KILLED');
    return;
  }
  const command = task.info.command ?? {};
  const runner = runCommandTask({
    launcher: core.settings.launcher,
    sandbox_dir: directory,
    command,
    env: executorEnvironment(environmentOf(core, framework, executor, directory), command),
    kill_grace_ms: gracePeriodMs(task.info.kill_policy) ?? core.settings.kill_grace_ms,
    killing_state: hasCapability(framework.info, 'TASK_KILLING_STATE'),
    report,
    exit_status_file: exitStatusFile(core, executor, task_id),
    on_launch: (record) => checkpointContainer(core, executor, task_id, record),
  });
  core.runners.set(key, runner);
  try {
    await runner.done;
  } finally {
    core.runners.delete(key);
  }
  onEnd?.(task.state);
}

/** run_task_group: every task of the group runs under the default executor, together. */
export function runTaskGroup(
  core: AgentCore,
  framework_info: FrameworkInfo,
  executor_info: ExecutorInfo,
  tasks: readonly TaskInfo[],
): void {
  const framework = addFramework(core.book, framework_info);
  if (framework.terminating) {
    core.log.warn('task group of a framework being shut down is dropped', { framework_id: framework.id });
    return;
  }
  const executor_id = executor_info.executor_id.value;
  let executor = framework.executors.get(executor_id);
  const ids = tasks.map((info) => info.task_id.value);
  const group = tasks.map((info) => ({ ...newTask(info, framework.id, executor_id), group: ids }));
  if (executor !== undefined && (executor.phase !== 'running' || executor.kind !== 'default')) {
    for (const task of group) {
      refuse(core, executor, task, {
        state: lostState(framework),
        message: `Executor ${executor_id} is ${executor.phase === 'running' ? 'not a default executor' : 'terminating'}`,
        reason: 'REASON_EXECUTOR_TERMINATED',
      });
    }
    return;
  }
  const refusal = volumeRefusal(executor_info.resources, ...tasks.map((info) => info.resources));
  if (refusal !== undefined) {
    for (const task of group) {
      refuse(core, executor, task, { state: 'TASK_FAILED', message: refusal, reason: volume_failure_reason });
    }
    return;
  }
  if (executor === undefined) {
    try {
      executor = newExecutor(core, framework, { ...executor_info, type: 'DEFAULT' }, 'default');
    } catch (error) {
      for (const task of group)
        refuse(core, undefined, task, {
          state: 'TASK_FAILED',
          message: (error as Error).message,
          reason: 'REASON_TASK_INVALID',
        });
      return;
    }
    framework.executors.set(executor_id, executor);
  }
  const running = executor;
  for (const task of group) running.tasks.set(task.info.task_id.value, task);
  checkpointWork(core, framework, running, group);
  const onEnd = groupEnd(core, framework.id, group);
  for (const task of group) {
    track(
      core,
      `task ${task.info.task_id.value} of a group`,
      runAgentTask(core, framework, running, task, onEnd).then(() => agentExecutorEnded(core, running)),
    );
  }
}

/** A task for a custom executor: started with it, or queued until it subscribes, or sent at once. */
function runOnCustomExecutor(
  core: AgentCore,
  framework: AgentFramework,
  info: TaskInfo,
  executor_info: ExecutorInfo,
): void {
  const executor_id = executor_info.executor_id.value;
  const task = newTask(info, framework.id, executor_id);
  let executor = framework.executors.get(executor_id);
  if (
    executor !== undefined &&
    (executor.phase === 'terminating' || executor.phase === 'terminated' || executor.kind !== 'custom')
  ) {
    refuse(core, executor, task, {
      state: lostState(framework),
      message: `Executor ${executor_id} is ${executor.kind !== 'custom' ? 'not a custom executor' : 'terminating'}`,
      reason: 'REASON_EXECUTOR_TERMINATED',
    });
    return;
  }
  const refusal = volumeRefusal(executor === undefined ? executor_info.resources : [], info.resources);
  if (refusal !== undefined) {
    refuse(core, executor, task, { state: 'TASK_FAILED', message: refusal, reason: volume_failure_reason });
    return;
  }
  if (executor === undefined) {
    if (executor_info.command === undefined) {
      refuse(core, undefined, task, {
        state: 'TASK_FAILED',
        message: 'The executor has no command to run',
        reason: 'REASON_TASK_INVALID',
      });
      return;
    }
    try {
      executor = newExecutor(core, framework, executor_info, 'custom');
    } catch (error) {
      refuse(core, undefined, task, {
        state: 'TASK_FAILED',
        message: (error as Error).message,
        reason: 'REASON_TASK_INVALID',
      });
      return;
    }
    framework.executors.set(executor_id, executor);
    const started = executor;
    track(core, `executor ${executor_id}`, startCustomExecutor(core, framework, started));
  }
  if (executor.subscription !== undefined && executor.phase === 'running') {
    const volume_error = volumeLinkError(core.settings.work_dir, executor.directory, info.resources);
    if (volume_error !== undefined) {
      refuse(core, executor, task, {
        state: 'TASK_FAILED',
        message: volume_error,
        reason: volume_failure_reason,
      });
      return;
    }
    executor.tasks.set(info.task_id.value, task);
    checkpointWork(core, framework, executor, [task]);
    executor.subscription.send({ type: 'LAUNCH', launch: { task: info } });
  } else {
    executor.queued.set(info.task_id.value, task);
    checkpointWork(core, framework, executor, [task]);
  }
}

/** Starts a custom executor's process and watches it until it ends. */
async function startCustomExecutor(
  core: AgentCore,
  framework: AgentFramework,
  executor: AgentExecutor,
): Promise<void> {
  const command = executor.info.command ?? {};
  let container: LaunchedContainer;
  try {
    const ids = {
      agent_id: requireAgentId(core),
      framework_id: framework.id,
      executor_id: executor.executor_id,
      container_id: executor.container_id,
    };
    const directory = await createSandbox(core.settings.work_dir, ids);
    const volume_error = volumeLinkError(core.settings.work_dir, directory, executor.info.resources);
    if (volume_error !== undefined) throw new Error(volume_error);
    container = await core.settings.launcher.launch({
      sandbox_dir: directory,
      command: launchCommand(command),
      env: executorEnvironment(environmentOf(core, framework, executor, directory), command),
    });
  } catch (error) {
    executorTerminated(core, executor, undefined, {
      message: `Failed to launch the executor: ${(error as Error).message}`,
      reason: 'REASON_CONTAINER_LAUNCH_FAILED',
    });
    return;
  }
  executor.container = container;
  checkpointContainer(core, executor, undefined, container.record);
  if (core.stopping || executor.phase === 'terminating') void container.kill(0);
  else {
    const timer = setTimeout(() => {
      executor.timers.delete(timer);
      if (executor.phase !== 'registering') return;
      core.log.warn('executor did not subscribe in time; destroying it', {
        executor_id: executor.executor_id,
      });
      executor.phase = 'terminating';
      executor.termination = {
        reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
        message: 'Executor did not subscribe in time',
      };
      void container.kill(0);
    }, core.settings.executor_registration_timeout_ms);
    executor.timers.add(timer);
  }
  const exit = await container.exited;
  executorTerminated(core, executor, exit, undefined);
}
