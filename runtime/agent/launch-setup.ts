// What every launch starts from: a new executor record (its container id and sandbox directory; a
// recovered executor's record is built the same way), the environment an executor and the commands
// the agent runs for it start with, and the refusal of a task the agent cannot run, which ends at
// once, reported by the agent; and the fetch of a command's URIs into its sandbox before it starts.
import { randomUUID } from 'node:crypto';
import type { CommandInfo, ExecutorInfo } from '../../engine/master/v1.ts';
import type { Resource } from '../../engine/resources.ts';
import { normalize, type Resources, scalarValue } from '../../engine/resources.ts';
import type { CommandTaskReport } from './command-executor.ts';
import { type AgentCore, agentEndpoint, requireAgentId } from './core.ts';
import type { AgentExecutor, AgentFramework, AgentTask, ExecutorKind } from './executors.ts';
import { fetchUris } from './fetcher.ts';
import type { ContainerSpec } from './launcher.ts';
import { sandboxDirectory } from './sandbox.ts';
import { reportTask } from './task-statuses.ts';

/**
 * A new executor record for `tasks` (not yet in its framework); undefined when it cannot be made (its
 * info names an invalid sandbox), and each of `tasks` is then refused as invalid.
 */
export function newExecutorFor(
  core: AgentCore,
  framework: AgentFramework,
  info: ExecutorInfo,
  kind: ExecutorKind,
  tasks: readonly AgentTask[],
): AgentExecutor | undefined {
  const container_id = randomUUID();
  let directory: string;
  try {
    const ids = {
      agent_id: requireAgentId(core),
      framework_id: framework.id,
      executor_id: info.executor_id.value,
      container_id,
    };
    directory = sandboxDirectory(core.settings.work_dir, ids);
  } catch (error) {
    for (const task of tasks) {
      refuse(core, undefined, task, {
        state: 'TASK_FAILED',
        message: (error as Error).message,
        reason: 'REASON_TASK_INVALID',
      });
    }
    return undefined;
  }
  return executorRecord({
    framework_id: framework.id,
    executor_id: info.executor_id.value,
    kind,
    info: { ...info, framework_id: { value: framework.id } },
    container_id,
    directory,
  });
}

/** What names an executor run: its ids, kind, info and sandbox. */
type ExecutorRun = Pick<
  AgentExecutor,
  'framework_id' | 'executor_id' | 'kind' | 'info' | 'container_id' | 'directory'
>;

/** An executor record with nothing launched, queued or subscribed yet (new, or read from a checkpoint). */
export function executorRecord(fields: ExecutorRun): AgentExecutor {
  return {
    framework_id: fields.framework_id,
    executor_id: fields.executor_id,
    kind: fields.kind,
    info: fields.info,
    container_id: fields.container_id,
    directory: fields.directory,
    phase: fields.kind === 'custom' ? 'registering' : 'running',
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

/** The sum of well-formed resource lists (a malformed one counts as none: it was checked upstream). */
function resourcesOf(lists: ReadonlyArray<readonly Resource[] | undefined>): Resources {
  const all: unknown[] = [];
  for (const list of lists) if (Array.isArray(list)) all.push(...list);
  try {
    return normalize(all as Resources);
  } catch {
    return [];
  }
}

/**
 * What a container is given: the resources of what runs in it, the hostname (its container info's,
 * else its name), and with --switch_user the command's user, else the framework's.
 */
export function containerSpecOf(
  core: AgentCore,
  framework: AgentFramework,
  parts: {
    readonly resources: ReadonlyArray<readonly Resource[] | undefined>;
    readonly command: CommandInfo | undefined;
    readonly name: string;
    readonly container: Readonly<Record<string, unknown>> | undefined;
  },
): ContainerSpec {
  const resources = resourcesOf(parts.resources);
  const user = parts.command?.user ?? framework.info.user;
  const hostname = parts.container?.hostname;
  return {
    ...(core.settings.switch_user && typeof user === 'string' && user !== '' ? { user } : {}),
    cpus: scalarValue(resources, 'cpus'),
    mem_mb: scalarValue(resources, 'mem'),
    hostname: typeof hostname === 'string' && hostname !== '' ? hostname : parts.name,
  };
}

/** Fetches a command's URIs into a sandbox; the failure's message (naming the URI), if it failed. */
export async function fetchInto(
  core: AgentCore,
  sandbox_dir: string,
  command: CommandInfo,
  user: string | undefined,
): Promise<string | undefined> {
  const uris = command.uris ?? [];
  if (uris.length === 0) return undefined;
  try {
    await fetchUris({ sandbox_dir, uris, ...(user === undefined ? {} : { user }) }, core.settings.fetcher);
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    core.log.warn('fetching a URI failed', { sandbox_dir, error: message });
    return message.startsWith('Failed to fetch') ? message : `Failed to fetch: ${message}`;
  }
}
