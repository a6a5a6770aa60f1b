// The v1 operator API's messages (include/mesos/v1/master/master.proto), built from the engine's
// read-only view: GetAgents.Agent, GetFrameworks.Framework, Task, GetExecutors.Executor, and the
// GetState, GetMaster, GetVersion, GetHealth and GetWeights responses. Times are TimeInfo
// (`{nanoseconds}`) except GetMaster's start and elected times (seconds, as the proto has them).
import { wireResources } from '../../engine/master/offers.ts';
import type { TaskStatus } from '../../engine/master/v1.ts';
import type {
  AgentView,
  ExecutorView,
  FrameworkView,
  MasterStateView,
  OfferView,
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
  };
}

/** A v1 Offer from the view (the agent gives its hostname and address). */
function v1Offer(offer: OfferView, agents: ReadonlyMap<string, AgentView>): Record<string, unknown> {
  const agent = agents.get(offer.agent_id);
  const hostname = agent?.hostname ?? '';
  return {
    id: { value: offer.id },
    framework_id: { value: offer.framework_id },
    agent_id: { value: offer.agent_id },
    hostname,
    url: {
      scheme: 'http',
      address: { hostname, ip: agent?.ip ?? '', port: agent?.port ?? 0 },
      path: '/slave(1)',
    },
    resources: wireResources(offer.resources),
    attributes: agent?.info.attributes ?? [],
    executor_ids: [],
    allocation_info: { role: offer.role },
  };
}

/** Response.GetFrameworks.Framework. */
export function v1Framework(
  framework: FrameworkView,
  agents: ReadonlyMap<string, AgentView>,
): Record<string, unknown> {
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
    offers: framework.offers.map((o) => v1Offer(o, agents)),
    inverse_offers: [],
    allocated_resources: wireResources(framework.used_resources),
    offered_resources: wireResources(framework.offered_resources),
  };
}

/** The latest TaskStatus of a task, as far as the view tells it. */
export function latestStatus(task: TaskView): TaskStatus {
  const last = task.statuses[task.statuses.length - 1];
  return {
    task_id: { value: task.task_id },
    state: task.state,
    agent_id: { value: task.agent_id },
    ...(task.executor_id === '' ? {} : { executor_id: { value: task.executor_id } }),
    ...(last === undefined ? {} : { timestamp: last.timestamp }),
  };
}

/** A v1 Task. */
export function v1Task(task: TaskView): Record<string, unknown> {
  const executor = task.executor_id === '' ? {} : { executor_id: { value: task.executor_id } };
  return {
    name: task.name,
    task_id: { value: task.task_id },
    framework_id: { value: task.framework_id },
    ...executor,
    agent_id: { value: task.agent_id },
    state: task.state,
    resources: wireResources(task.resources),
    statuses: task.statuses.map((s) => ({
      task_id: { value: task.task_id },
      state: s.state,
      agent_id: { value: task.agent_id },
      ...executor,
      timestamp: s.timestamp,
    })),
  };
}

/** Response.GetExecutors.Executor. */
function v1Executor(executor: ExecutorView): Record<string, unknown> {
  return {
    executor_info: {
      executor_id: { value: executor.executor_id },
      framework_id: { value: executor.framework_id },
      resources: wireResources(executor.resources),
    },
    agent_id: { value: executor.agent_id },
  };
}

/** The agents of a view by id. */
export function agentsById(view: MasterStateView): Map<string, AgentView> {
  return new Map(view.agents.map((a) => [a.id, a]));
}

/** Response.GetAgents. */
export function getAgents(view: MasterStateView, agents = agentsById(view)): Record<string, unknown> {
  const version = view.master_info.version;
  return {
    agents: [...agents.values()].map((a) => v1Agent(a, version)),
    recovered_agents: view.recovered_agents.map((id) => ({ id: { value: id }, hostname: '', resources: [] })),
  };
}

/** Response.GetFrameworks. */
export function getFrameworks(view: MasterStateView, agents = agentsById(view)): Record<string, unknown> {
  return {
    frameworks: view.frameworks.map((f) => v1Framework(f, agents)),
    completed_frameworks: view.completed_frameworks.map((f) => v1Framework(f, agents)),
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
  const agents = agentsById(view);
  return {
    get_tasks: getTasks(view),
    get_executors: getExecutors(view),
    get_frameworks: getFrameworks(view, agents),
    get_agents: getAgents(view, agents),
  };
}

/** Response.GetMaster. */
export function getMaster(view: MasterStateView, elected_time_ms: number): Record<string, unknown> {
  return {
    master_info: view.master_info,
    start_time: view.start_time_ms / 1000,
    elected_time: elected_time_ms / 1000,
  };
}

/** Response.GetVersion. */
export function getVersion(version: string): Record<string, unknown> {
  return { version_info: { version } };
}

/** Response.GetWeights. */
export function getWeights(view: MasterStateView): Record<string, unknown> {
  return { weight_infos: view.weights.map((w) => ({ role: w.role, weight: w.weight })) };
}
