// What every launch starts from: a new executor record (its container id and sandbox directory),
// the environment an executor and the commands the agent runs for it start with, and the refusal of
// a task the agent cannot run, which ends at once, reported by the agent.
import { randomUUID } from 'node:crypto';
import type { ExecutorInfo } from '../../engine/master/v1.ts';
import type { CommandTaskReport } from './command-executor.ts';
import { type AgentCore, agentEndpoint, requireAgentId } from './core.ts';
import type { AgentExecutor, AgentFramework, AgentTask, ExecutorKind } from './executors.ts';
import { sandboxDirectory } from './sandbox.ts';
import { reportTask } from './task-statuses.ts';

/** A new executor record (not yet in its framework). */
export function newExecutor(
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
export function environmentOf(
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
export function refuse(
  core: AgentCore,
  executor: AgentExecutor | undefined,
  task: AgentTask,
  fields: Omit<CommandTaskReport, 'state'> & { state: CommandTaskReport['state'] },
): void {
  if (executor !== undefined && !executor.tasks.has(task.info.task_id.value))
    executor.tasks.set(task.info.task_id.value, task);
  reportTask(core, task, { ...fields, source: 'SOURCE_AGENT' });
}
