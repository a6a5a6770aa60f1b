// Running what the master sends: a command task under its own built-in command executor (executor
// id = task id), and a task group under the default executor (each task in its own process tree, in
// `tasks/<task id>` of the executor's sandbox; when one fails or is killed the rest are killed). A
// task for a custom executor goes to launch-custom.ts.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutorInfo, FrameworkInfo, TaskInfo } from '../../engine/master/v1.ts';
import { checkpointContainer, checkpointWork, exitStatusFile } from './checkpoint.ts';
import { type CommandTaskReport, runCommandTask } from './command-executor.ts';
import { type AgentCore, executorExited, requireAgentId, taskKey, track } from './core.ts';
import {
  type AgentExecutor,
  type AgentFramework,
  type AgentTask,
  addFramework,
  commandExecutorInfo,
  executorEnvironment,
  findTask,
  gracePeriodMs,
  hasCapability,
  isTerminalState,
  newTask,
} from './executors.ts';
import { runOnCustomExecutor } from './launch-custom.ts';
import { containerSpecOf, environmentOf, fetchInto, newExecutorFor, refuse } from './launch-setup.ts';
import { groupEnd, lostState } from './lifecycle.ts';
import { createSandbox } from './sandbox.ts';
import { completeExecutorIfDone, reportTask } from './task-statuses.ts';
import { volume_failure_reason, volumeLinkError, volumeRefusal } from './volumes.ts';

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
  const executor_info = commandExecutorInfo(info, framework.id);
  const executor = newExecutorFor(core, framework, executor_info, 'command', [agentTask]);
  if (executor === undefined) return;
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
  const command = task.info.command ?? {};
  const container = containerSpecOf(core, framework, {
    resources: [task.info.resources],
    command,
    name: task.info.name || task_id,
    container: task.info.container,
  });
  const fetch_error = await fetchInto(core, directory, command, container.user);
  if (fetch_error !== undefined) {
    reportTask(core, task, {
      state: 'TASK_FAILED',
      message: fetch_error,
      reason: 'REASON_CONTAINER_LAUNCH_FAILED',
      source: 'SOURCE_AGENT',
    });
    onEnd?.('TASK_FAILED');
    return;
  }
  if (task.kill_requested || core.stopping) {
    report({ state: 'TASK_KILLED', message: 'Task was killed before it started' });
    onEnd?.('TASK_KILLED');
    return;
  }
  const runner = runCommandTask({
    launcher: core.settings.launcher,
    sandbox_dir: directory,
    command,
    env: executorEnvironment(environmentOf(core, framework, executor, directory), command),
    kill_grace_ms: gracePeriodMs(task.info.kill_policy) ?? core.settings.kill_grace_ms,
    killing_state: hasCapability(framework.info, 'TASK_KILLING_STATE'),
    report,
    exit_status_file: exitStatusFile(core, executor, task_id),
    container,
    on_launch: (record) => checkpointContainer(core, executor, task_id, record),
    ...(task.info.health_check === undefined ? {} : { health_check: task.info.health_check }),
    ...(task.info.check === undefined ? {} : { check: task.info.check }),
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
    executor = newExecutorFor(core, framework, { ...executor_info, type: 'DEFAULT' }, 'default', group);
    if (executor === undefined) return;
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
