// The agent's side of the executor API: a custom executor subscribes (and gets its queued tasks as
// LAUNCH events, then a HEARTBEAT every interval), sends status updates (each acknowledged to it
// with ACKNOWLEDGED once the agent has taken it; the framework's acknowledgement travels separately)
// and messages for its scheduler.
import type { TaskStatus } from '../../engine/master/v1.ts';
import { checkpointTask } from './checkpoint.ts';
import { type AgentCore, requireAgentId } from './core.ts';
import type { ExecutorApiHost, ExecutorCall, ExecutorCallError } from './executor-api.ts';
import { type AgentExecutor, findExecutor, findTask, isTerminalState } from './executors.ts';
import { wireResources } from './resources.ts';
import { reportTask, statusUpdate } from './task-statuses.ts';
import { volume_failure_reason, volumeLinkError } from './volumes.ts';

/** The executor named by a call, or why it cannot be used. */
function executorOf(
  core: AgentCore,
  framework_id: string,
  executor_id: string,
): AgentExecutor | ExecutorCallError {
  const executor = findExecutor(core.book, framework_id, executor_id);
  if (executor === undefined || executor.kind !== 'custom') {
    return {
      status: 400,
      message: `Executor '${executor_id}' of framework '${framework_id}' is not known to this agent`,
    };
  }
  return executor;
}

/** The SUBSCRIBED body an executor receives. */
function subscribedBody(core: AgentCore, executor: AgentExecutor): unknown {
  const framework = core.book.frameworks.get(executor.framework_id);
  return {
    executor_info: executor.info,
    framework_info: framework?.info,
    agent_info: {
      hostname: core.settings.hostname,
      port: core.settings.port,
      id: { value: requireAgentId(core) },
      resources: wireResources(core.resources),
      attributes: core.attributes,
    },
    container_id: { value: executor.container_id },
  };
}

/** Takes an executor's update: stamped, taken by the agent, acknowledged to the executor. */
function takeUpdate(core: AgentCore, executor: AgentExecutor, raw: TaskStatus): void {
  const task_id = raw.task_id.value;
  const known = findTask(core.book, executor.framework_id, task_id)?.task;
  // An executor re-sends an update it got no ACKNOWLEDGED for: take it once, acknowledge it again.
  const duplicate = known?.statuses.some((s) => s.uuid === raw.uuid) === true;
  if (!duplicate) {
    const status: TaskStatus = {
      ...raw,
      agent_id: { value: requireAgentId(core) },
      executor_id: { value: executor.executor_id },
      source: 'SOURCE_EXECUTOR',
      timestamp: raw.timestamp ?? Date.now() / 1000,
    };
    statusUpdate(core, executor.framework_id, status);
  }
  executor.subscription?.send({
    type: 'ACKNOWLEDGED',
    acknowledged: { task_id: { value: task_id }, uuid: raw.uuid },
  });
}

/** Hands the executor its queued tasks and kills asked for while it was away. */
function deliverWork(core: AgentCore, executor: AgentExecutor): void {
  const subscription = executor.subscription;
  if (subscription === undefined) return;
  if (executor.phase === 'terminating') {
    subscription.send({ type: 'SHUTDOWN' });
    return;
  }
  for (const [task_id, task] of [...executor.queued]) {
    if (isTerminalState(task.state)) continue;
    executor.queued.delete(task_id);
    executor.tasks.set(task_id, task);
    const volume_error = volumeLinkError(core.settings.work_dir, executor.directory, task.info.resources);
    if (volume_error !== undefined) {
      reportTask(core, task, {
        state: 'TASK_FAILED',
        message: volume_error,
        reason: volume_failure_reason,
        source: 'SOURCE_AGENT',
      });
      continue;
    }
    checkpointTask(core, executor, task);
    subscription.send({ type: 'LAUNCH', launch: { task: task.info } });
  }
  for (const task of executor.tasks.values()) {
    if (task.kill_requested && !isTerminalState(task.state)) {
      subscription.send({ type: 'KILL', kill: { task_id: task.info.task_id } });
    }
  }
}

/** Sends the executor a HEARTBEAT every interval while its subscription is open. */
function startHeartbeats(core: AgentCore, executor: AgentExecutor): void {
  const subscription = executor.subscription;
  const interval_ms = core.settings.executor_heartbeat_interval_ms;
  if (subscription === undefined || !(interval_ms > 0)) return;
  const timer = setInterval(() => subscription.send({ type: 'HEARTBEAT' }), interval_ms);
  executor.timers.add(timer);
  subscription.onClose(() => {
    clearInterval(timer);
    executor.timers.delete(timer);
  });
}

/** The executor API host of an agent. */
export function createExecutorHost(core: AgentCore): ExecutorApiHost {
  return {
    subscribe(call, subscription) {
      if (core.stopping) return { status: 503, message: 'The agent is stopping' };
      const executor = executorOf(core, call.framework_id, call.executor_id);
      if ('status' in executor) return executor;
      if (executor.phase === 'terminated') {
        return { status: 400, message: `Executor '${call.executor_id}' has terminated` };
      }
      const previous = executor.subscription;
      executor.subscription = subscription;
      previous?.close();
      subscription.onClose(() => {
        if (executor.subscription === subscription) executor.subscription = undefined;
      });
      if (executor.phase === 'registering') executor.phase = 'running';
      return {
        subscribed: subscribedBody(core, executor),
        ready() {
          for (const status of call.unacknowledged_updates) takeUpdate(core, executor, status);
          deliverWork(core, executor);
          startHeartbeats(core, executor);
        },
      };
    },
    update(call: Extract<ExecutorCall, { type: 'UPDATE' }>) {
      const executor = executorOf(core, call.framework_id, call.executor_id);
      if ('status' in executor) return executor;
      takeUpdate(core, executor, call.status);
      return undefined;
    },
    message(call) {
      const executor = executorOf(core, call.framework_id, call.executor_id);
      if ('status' in executor) return executor;
      const sent = core.link?.send({
        type: 'executor_message',
        framework_id: call.framework_id,
        executor_id: call.executor_id,
        data: call.data,
      });
      if (sent !== true)
        core.log.warn('executor message dropped: no master', { executor_id: call.executor_id });
      return undefined;
    },
  };
}
