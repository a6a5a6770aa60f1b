// What the agent says of itself: `GET /state` (Mesos's agent state JSON), `GET /monitor/statistics`
// (per-executor usage read from /proc), and the re-registration message listing its work for a
// master that lost track of it.
import { flatAttributes } from '../../engine/master/agents.ts';
import { master_version } from '../../engine/master/options.ts';
import type { ExecutorInfo, FrameworkInfo, Task } from '../../engine/master/v1.ts';
import {
  add,
  normalize,
  type Resource,
  type Resources,
  reservationRole,
  scalarValue,
  summary,
} from '../../engine/resources.ts';
import type { ReregisterMessage } from '../wire/agent-protocol.ts';
import { type AgentCore, taskKey } from './core.ts';
import type { AgentExecutor, AgentFramework, AgentTask } from './executors.ts';
import type { ContainerHandle } from './launcher.ts';
import { readGroupUsage } from './posix-launcher.ts';
import { wireResources } from './resources.ts';

/** The agent's libprocess-style pid, `slave(1)@ip:port`, as Mesos tools expect it. */
export function agentPid(core: AgentCore): string {
  return `slave(1)@${core.settings.ip}:${core.settings.port}`;
}

/** A task's resources in normal form (as TaskInfo carries them). */
function taskResources(task: AgentTask): Resources {
  return Array.isArray(task.info.resources) ? task.info.resources : [];
}

/** Resources in normal form; a list that does not parse (it came from elsewhere) counts as none. */
function normalOrNone(list: unknown): Resources {
  try {
    return Array.isArray(list) ? normalize(list as Resources) : [];
  } catch {
    return [];
  }
}

/** An executor's own resources plus those of its live tasks. */
function executorResources(executor: AgentExecutor): Resources {
  let sum = normalOrNone(executor.info.resources);
  for (const task of [...executor.tasks.values(), ...executor.queued.values()]) {
    sum = add(sum, normalOrNone(task.info.resources));
  }
  return sum;
}

/** A task as the agent's /state shows it. */
function taskJson(core: AgentCore, task: AgentTask): unknown {
  return {
    id: task.info.task_id.value,
    name: task.info.name,
    framework_id: task.framework_id,
    executor_id: task.info.executor === undefined ? '' : task.executor_id,
    slave_id: core.agent_id ?? '',
    state: task.state,
    resources: summary(normalOrNone(task.info.resources)),
    statuses: task.statuses.map((s) => ({ state: s.state, timestamp: s.timestamp })),
    ...(task.info.labels === undefined ? {} : { labels: task.info.labels.labels }),
  };
}

/** An executor as /state shows it. */
function executorJson(core: AgentCore, executor: AgentExecutor): unknown {
  return {
    id: executor.executor_id,
    name: executor.info.name ?? '',
    source: executor.info.source ?? '',
    container: executor.container_id,
    directory: executor.directory,
    type: executor.kind === 'default' ? 'DEFAULT' : 'CUSTOM',
    resources: summary(executorResources(executor)),
    tasks: [...executor.tasks.values()].map((t) => taskJson(core, t)),
    queued_tasks: [...executor.queued.values()].map((t) => taskJson(core, t)),
    completed_tasks: executor.completed.map((t) => taskJson(core, t)),
  };
}

/** A framework as /state shows it. */
function frameworkJson(core: AgentCore, framework: AgentFramework): unknown {
  const info = framework.info;
  return {
    id: framework.id,
    name: info.name,
    user: info.user,
    hostname: info.hostname ?? '',
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint === true,
    role: info.role ?? info.roles?.[0] ?? '*',
    roles: info.roles ?? (info.role === undefined ? [] : [info.role]),
    capabilities: (info.capabilities ?? []).map((c) => c.type),
    executors: [...framework.executors.values()].map((e) => executorJson(core, e)),
    completed_executors: framework.completed_executors.map((e) => executorJson(core, e)),
  };
}

/** The reserved part of resources by the role each is reserved for, each role's in the form `show` gives. */
function byRole<T>(resources: Resources, show: (list: Resource[]) => T): Record<string, T> {
  const roles = new Map<string, Resource[]>();
  for (const res of resources) {
    const role = reservationRole(res);
    if (role === '*') continue;
    const list = roles.get(role) ?? [];
    list.push(res);
    roles.set(role, list);
  }
  // fromEntries defines each role as an own field, whatever its name.
  return Object.fromEntries([...roles].map(([role, list]) => [role, show(list)]));
}

/** The agent's flags as text, as /state, GET_FLAGS and /flags show them. */
export function agentFlags(core: AgentCore): Record<string, string> {
  const s = core.settings;
  return {
    work_dir: s.work_dir,
    hostname: s.hostname,
    ip: s.ip,
    port: String(s.port),
    master: core.link?.master() ?? '',
    isolation: s.launcher.isolation,
    switch_user: String(s.switch_user),
  };
}

/** The body of `GET /state`. */
export function agentStateJson(core: AgentCore): unknown {
  const s = core.settings;
  return {
    version: master_version,
    start_time: core.start_time_ms / 1000,
    id: core.agent_id ?? '',
    pid: agentPid(core),
    hostname: s.hostname,
    capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'TASK_NO_EXECUTOR'],
    resources: summary(core.resources),
    unreserved_resources: summary(core.resources.filter((r) => reservationRole(r) === '*')),
    reserved_resources: byRole(core.resources, summary),
    unreserved_resources_full: wireResources(core.resources.filter((r) => reservationRole(r) === '*')),
    reserved_resources_full: byRole(core.resources, wireResources),
    attributes: flatAttributes(core.attributes),
    master_hostname: core.link?.master()?.replace(/:\d+$/, '') ?? '',
    registered: core.link?.registered() === true,
    flags: agentFlags(core),
    frameworks: [...core.book.frameworks.values()].map((f) => frameworkJson(core, f)),
    completed_frameworks: core.book.completed_frameworks.map((f) => frameworkJson(core, f)),
  };
}

/** The live containers of an executor (its own, or its tasks'). */
function liveContainers(core: AgentCore, executor: AgentExecutor): ContainerHandle[] {
  const containers: ContainerHandle[] = [];
  if (executor.container?.running() === true) containers.push(executor.container);
  for (const id of executor.tasks.keys()) {
    const container = core.runners.get(taskKey(executor.framework_id, id))?.liveContainer();
    if (container !== undefined) containers.push(container);
  }
  return containers;
}

/** The usage figures summed over an executor's containers (Mesos ResourceStatistics names). */
const summed_fields = [
  'cpus_user_time_secs',
  'cpus_system_time_secs',
  'cpus_limit',
  'cpus_nr_periods',
  'cpus_nr_throttled',
  'cpus_throttled_time_secs',
  'mem_total_bytes',
  'mem_rss_bytes',
  'mem_cache_bytes',
  'mem_swap_bytes',
  'mem_limit_bytes',
  'processes',
] as const;

/** Sums usage records field by field; a field no record has stays absent. */
function sumUsage(usages: ReadonlyArray<Readonly<Record<string, unknown>>>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const usage of usages) {
    for (const field of summed_fields) {
      const value = usage[field];
      if (typeof value === 'number') total[field] = (total[field] ?? 0) + value;
    }
  }
  return total;
}

/**
 * The body of `GET /monitor/statistics`: usage of every live executor's containers, from their
 * cgroups (linux launcher: cpu time, memory, throttling, limits as enforced) or else from /proc.
 */
export async function monitorStatisticsJson(core: AgentCore): Promise<unknown[]> {
  const executors: Array<{ executor: AgentExecutor; containers: ContainerHandle[] }> = [];
  for (const framework of core.book.frameworks.values()) {
    for (const executor of framework.executors.values()) {
      const containers = liveContainers(core, executor);
      if (containers.length > 0) executors.push({ executor, containers });
    }
  }
  const posix = executors.flatMap((e) =>
    e.containers.filter((c) => c.record.cgroup === undefined).map((c) => c.pid),
  );
  const by_group = await readGroupUsage(new Set(posix));
  const timestamp = Date.now() / 1000;
  return Promise.all(
    executors.map(async ({ executor, containers }) => {
      const usages = await Promise.all(
        containers.map(async (c) =>
          c.record.cgroup === undefined ? (by_group.get(c.pid) ?? {}) : await c.usage().catch(() => ({})),
        ),
      );
      const resources = executorResources(executor);
      return {
        executor_id: executor.executor_id,
        executor_name: executor.info.name ?? '',
        framework_id: executor.framework_id,
        source: executor.info.source ?? '',
        statistics: {
          timestamp,
          // What the resources give, unless the cgroups say what is enforced.
          cpus_limit: scalarValue(resources, 'cpus'),
          mem_limit_bytes: Math.round(scalarValue(resources, 'mem') * 1024 * 1024),
          cpus_user_time_secs: 0,
          cpus_system_time_secs: 0,
          mem_rss_bytes: 0,
          processes: 0,
          ...sumUsage(usages as Array<Record<string, unknown>>),
        },
      };
    }),
  );
}

/** A task as re-registration reports it (Mesos `Task`), with its update in flight, if any. */
function reportedTask(core: AgentCore, task: AgentTask): Task {
  const task_id = task.info.task_id.value;
  const inFlight = core.updates.inFlight(task.framework_id, task_id);
  return {
    name: task.info.name,
    task_id: { value: task_id },
    framework_id: { value: task.framework_id },
    ...(task.info.executor === undefined ? {} : { executor_id: { value: task.executor_id } }),
    agent_id: { value: core.agent_id ?? '' },
    state: task.state,
    resources: taskResources(task),
    statuses: task.statuses,
    ...(inFlight === undefined
      ? {}
      : { status_update_state: inFlight.state, status_update_uuid: inFlight.uuid }),
    ...(task.info.labels === undefined ? {} : { labels: task.info.labels }),
  };
}

/** The re-registration message: the agent's info with its id, and all the work it holds. */
export function reregisterMessage(
  core: AgentCore,
  agentInfo: Omit<ReregisterMessage['agent_info'], 'id'>,
): ReregisterMessage {
  const tasks: Task[] = [];
  const executors: ExecutorInfo[] = [];
  const frameworks: FrameworkInfo[] = [];
  for (const framework of core.book.frameworks.values()) {
    if (framework.terminating) continue;
    frameworks.push(framework.info);
    for (const executor of framework.executors.values()) {
      // Mesos leaves out the executors it generates for command tasks: the master does not keep them.
      if (executor.kind !== 'command' && executor.phase !== 'terminated') {
        executors.push({ ...executor.info, framework_id: { value: framework.id } });
      }
      for (const task of [...executor.tasks.values(), ...executor.queued.values()])
        tasks.push(reportedTask(core, task));
    }
  }
  return {
    type: 'reregister',
    agent_info: { ...agentInfo, id: { value: core.agent_id ?? '' } },
    tasks,
    executors,
    frameworks,
    version: master_version,
  };
}

/** The agent's info for (re-)registration. */
export function agentInfo(core: AgentCore) {
  return {
    hostname: core.settings.hostname,
    port: core.settings.port,
    resources: wireResources(core.resources),
    attributes: [...core.attributes],
  };
}
