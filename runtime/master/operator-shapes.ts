// The v1 operator API's messages (include/mesos/v1/master/master.proto), built from the engine's
// read-only view: GetAgents.Agent, GetFrameworks.Framework, Task, GetExecutors.Executor, and the
// GetState, GetMaster, GetVersion, GetHealth and GetWeights responses. Times are TimeInfo
// (`{nanoseconds}`) except GetMaster's start and elected times (seconds, as the proto has them).
import { wireResources } from '../../engine/master/offers.ts';
import type { MasterInfo, TaskStatus } from '../../engine/master/v1.ts';
import type {
  AgentView,
  ExecutorView,
  FrameworkView,
  MasterStateView,
  TaskView,
} from '../../engine/master/view.ts';

/** A TimeInfo from milliseconds. */
export function timeInfo(ms: number): { nanoseconds: number } {
  return { nanoseconds: Math.round(ms * 1e6) };
}

/** The agent process id Mesos shows (`slave(1)@ip:port`). */
export function agentPid(agent: AgentView): string {
  return `slave(1)@${agent.ip}:${agent.port}`;
}

/** Response.GetAgents.Agent. */
export function v1Agent(agent: AgentView, version: string): Record<string, unknown> {
  return {
    agent_info: { ...agent.info, id: { value: agent.id }, resources: wireResources(agent.resources) },
    active: agent.active,
    version: agent.version ?? version,
    pid: agentPid(agent),
    registered_time: timeInfo(agent.registered_time_ms),
    ...(agent.reregistered_time_ms === undefined
      ? {}
      : { reregistered_time: timeInfo(agent.reregistered_time_ms) }),
    total_resources: wireResources(agent.resources),
    allocated_resources: wireResources(agent.used_resources),
    offered_resources: wireResources(agent.offered_resources),
    capabilities: [],
    deactivated: agent.deactivated,
    ...(agent.drain_state === undefined ? {} : { drain_info: { state: agent.drain_state, config: {} } }),
  };
}

/** Response.GetFrameworks.Framework (its offers as the OFFERS events carried them). */
export function v1Framework(framework: FrameworkView): Record<string, unknown> {
  const optional = (name: string, ms: number | undefined) =>
    ms === undefined ? {} : { [name]: timeInfo(ms) };
  return {
    framework_info: {
      failover_timeout: 0,
      checkpoint: false,
      ...framework.info,
      id: { value: framework.id },
      roles: framework.roles,
    },
    active: framework.active,
    connected: framework.connected,
    recovered: framework.recovered,
    registered_time: timeInfo(framework.registered_time_ms),
    ...optional('reregistered_time', framework.reregistered_time_ms),
    ...optional('unregistered_time', framework.unregistered_time_ms),
    offers: framework.offers.map((o) => o.offer),
    inverse_offers: [],
    allocated_resources: wireResources(framework.used_resources),
    offered_resources: wireResources(framework.offered_resources),
  };
}

/**
 * The latest TaskStatus of a task: the status the framework was last sent (uuid, message, reason
 * and all), or, for a task without one yet (STAGING), the state the master holds.
 */
export function latestStatus(task: TaskView): TaskStatus {
  if (task.status !== undefined && task.status.state === task.state) return task.status;
  const last = task.statuses[task.statuses.length - 1];
  return {
    task_id: { value: task.task_id },
    state: task.state,
    agent_id: { value: task.agent_id },
    ...(task.executor_id === '' ? {} : { executor_id: { value: task.executor_id } }),
    ...(last === undefined ? {} : { timestamp: last.timestamp }),
  };
}

/** A status as a v1 Task's `statuses` keep it: without its data, as Mesos keeps it. */
function keptStatus(status: TaskStatus): TaskStatus {
  if (status.data === undefined) return status;
  const { data: _data, ...rest } = status;
  return rest;
}

/**
 * A v1 Task: what the framework asked for (labels, container, health check, kill policy), its
 * state, and one status per state change, the latest of them the full status last sent.
 */
export function v1Task(task: TaskView): Record<string, unknown> {
  const executor = task.executor_id === '' ? {} : { executor_id: { value: task.executor_id } };
  const info = task.info;
  const statuses: TaskStatus[] = task.statuses.map((s) => ({
    task_id: { value: task.task_id },
    state: s.state,
    agent_id: { value: task.agent_id },
    ...executor,
    timestamp: s.timestamp,
  }));
  const latest = task.status;
  if (latest !== undefined && statuses.length > 0 && statuses[statuses.length - 1]!.state === latest.state) {
    statuses[statuses.length - 1] = keptStatus(latest);
  }
  return {
    name: task.name,
    task_id: { value: task.task_id },
    framework_id: { value: task.framework_id },
    ...executor,
    agent_id: { value: task.agent_id },
    state: task.state,
    resources: wireResources(task.resources),
    statuses,
    // As Mesos: the state and uuid of the latest update that came from the agent.
    ...(latest?.uuid === undefined
      ? {}
      : { status_update_state: latest.state, status_update_uuid: latest.uuid }),
    ...(info?.labels === undefined ? {} : { labels: info.labels }),
    ...(info?.container === undefined ? {} : { container: info.container }),
    ...(info?.health_check === undefined ? {} : { health_check: info.health_check }),
    ...(info?.kill_policy === undefined ? {} : { kill_policy: info.kill_policy }),
    ...(info?.command?.user === undefined ? {} : { user: info.command.user }),
  };
}

/** Response.GetExecutors.Executor: the ExecutorInfo as the master knows it. */
function v1Executor(executor: ExecutorView): Record<string, unknown> {
  return {
    executor_info: {
      ...executor.info,
      framework_id: { value: executor.framework_id },
      resources: wireResources(executor.resources),
    },
    agent_id: { value: executor.agent_id },
  };
}

/** Response.GetAgents. */
export function getAgents(
  agents: readonly AgentView[],
  recovered: readonly string[],
  version: string,
): Record<string, unknown> {
  return {
    agents: agents.map((a) => v1Agent(a, version)),
    recovered_agents: recovered.map((id) => ({ id: { value: id }, hostname: '', resources: [] })),
  };
}

/** Response.GetFrameworks. */
export function getFrameworks(view: MasterStateView): Record<string, unknown> {
  return {
    frameworks: view.frameworks.map(v1Framework),
    completed_frameworks: view.completed_frameworks.map(v1Framework),
  };
}

/** Response.GetTasks. */
export function getTasks(view: MasterStateView): Record<string, unknown> {
  const all = [...view.frameworks, ...view.completed_frameworks];
  return {
    pending_tasks: [],
    tasks: all.flatMap((f) => f.tasks.map(v1Task)),
    unreachable_tasks: all.flatMap((f) => f.unreachable_tasks.map(v1Task)),
    completed_tasks: all.flatMap((f) => f.completed_tasks.map(v1Task)),
  };
}

/** Response.GetExecutors. */
export function getExecutors(view: MasterStateView): Record<string, unknown> {
  return { executors: view.frameworks.flatMap((f) => f.executors.map(v1Executor)) };
}

/** Response.GetState. */
export function getState(view: MasterStateView): Record<string, unknown> {
  return {
    get_tasks: getTasks(view),
    get_executors: getExecutors(view),
    get_frameworks: getFrameworks(view),
    get_agents: getAgents(view.agents, view.recovered_agents, view.master_info.version),
  };
}

/** Response.GetMaster. */
export function getMaster(
  info: MasterInfo,
  start_time_ms: number,
  elected_time_ms: number,
): Record<string, unknown> {
  return { master_info: info, start_time: start_time_ms / 1000, elected_time: elected_time_ms / 1000 };
}

/** Response.GetVersion. */
export function getVersion(version: string): Record<string, unknown> {
  return { version_info: { version } };
}

/** Response.GetWeights. */
export function getWeights(
  weights: ReadonlyArray<{ readonly role: string; readonly weight: number }>,
): Record<string, unknown> {
  return { weight_infos: weights.map((w) => ({ role: w.role, weight: w.weight })) };
}
