// Running a task for a custom executor: the agent starts the executor's process with the Mesos
// environment and watches it until it ends (destroying it if it does not subscribe in time); the
// executor gets its tasks (LAUNCH) once it subscribes to the executor API, and those that come
// before are queued.
import type { ExecutorInfo, TaskInfo } from '../../engine/master/v1.ts';
import { checkpointContainer, checkpointWork } from './checkpoint.ts';
import { launchCommand } from './command-executor.ts';
import { type AgentCore, requireAgentId, track } from './core.ts';
import { type AgentExecutor, type AgentFramework, executorEnvironment, newTask } from './executors.ts';
import { containerSpecOf, environmentOf, fetchInto, newExecutorFor, refuse } from './launch-setup.ts';
import type { LaunchedContainer } from './launcher.ts';
import { executorTerminated, lostState } from './lifecycle.ts';
import { createSandbox } from './sandbox.ts';
import { destroyUnlessSubscribed } from './subscription-deadline.ts';
import { volume_failure_reason, volumeLinkError, volumeRefusal } from './volumes.ts';

/** A task for a custom executor: started with it, or queued until it subscribes, or sent at once. */
export function runOnCustomExecutor(
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
    executor = newExecutorFor(core, framework, executor_info, 'custom', [task]);
    if (executor === undefined) return;
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
    const spec = containerSpecOf(core, framework, {
      resources: [executor.info.resources, ...[...executor.queued.values()].map((t) => t.info.resources)],
      command,
      name: executor.info.name || executor.executor_id,
      container: executor.info.container,
    });
    const fetch_error = await fetchInto(core, directory, command, spec.user);
    if (fetch_error !== undefined) {
      executorTerminated(core, executor, undefined, {
        message: fetch_error,
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
      });
      return;
    }
    container = await core.settings.launcher.launch({
      sandbox_dir: directory,
      command: launchCommand(command),
      env: executorEnvironment(environmentOf(core, framework, executor, directory), command),
      container: spec,
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
    destroyUnlessSubscribed(core, executor, container, {
      timeout_ms: core.settings.executor_registration_timeout_ms,
      warning: 'executor did not subscribe in time; destroying it',
      termination: {
        reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
        message: 'Executor did not subscribe in time',
      },
    });
  }
  const exit = await container.exited;
  executorTerminated(core, executor, exit, undefined);
}
