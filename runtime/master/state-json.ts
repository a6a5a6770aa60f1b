// GET /master/state: the master's state as Mesos's /state endpoint shows it (PROTOCOL.md), built
// from the engine's read-only view. Resources here are flat summaries (`{cpus, mem, disk, gpus,
// ports: "[31000-32000]"}`), times are epoch seconds, and the JSON is compact.

import type { Attribute, MasterInfo } from '../../engine/master/v1.ts';
import type {
  AgentView,
  FrameworkView,
  MasterStateView,
  OfferView,
  TaskView,
} from '../../engine/master/view.ts';
import { type Resource, type Resources, reservationRole, summary } from '../../engine/resources.ts';
import { agentPid } from './operator-shapes.ts';

/** What the state page needs beyond the engine's view. */
export interface StatePageContext {
  /** When this master was elected (ms). */
  readonly elected_time_ms: number;
  /** The leader's MasterInfo (this master's, when it leads). */
  readonly leader_info: MasterInfo;
  /** The master's flags, as text. */
  readonly flags: Readonly<Record<string, string>>;
}

/** Attributes as /state shows them: a flat object of name to value. */
function flatAttributes(attributes: readonly Attribute[] | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const a of attributes ?? []) {
    if (a.type === 'TEXT') out[a.name] = a.text?.value ?? '';
    else if (a.type === 'SCALAR') out[a.name] = a.scalar?.value ?? 0;
    else if (a.type === 'RANGES')
      out[a.name] = `[${(a.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
    else out[a.name] = `{${(a.set?.item ?? []).join(', ')}}`;
  }
  return out;
}

/** Resources split by the role they are reserved for, each as a summary. */
function reservedByRole(resources: Resources): Record<string, Record<string, number | string>> {
  const byRole = new Map<string, Resource[]>();
  for (const r of resources) {
    const role = reservationRole(r);
    if (role === '*') continue;
    const list = byRole.get(role) ?? [];
    list.push(r);
    byRole.set(role, list);
  }
  const out: Record<string, Record<string, number | string>> = {};
  for (const [role, list] of byRole) out[role] = summary(list);
  return out;
}

function slaveJson(agent: AgentView, version: string): Record<string, unknown> {
  return {
    id: agent.id,
    hostname: agent.hostname,
    port: agent.port,
    pid: agentPid(agent),
    attributes: flatAttributes(agent.info.attributes),
    registered_time: agent.registered_time_ms / 1000,
    ...(agent.reregistered_time_ms === undefined
      ? {}
      : { reregistered_time: agent.reregistered_time_ms / 1000 }),
    resources: summary(agent.resources),
    used_resources: summary(agent.used_resources),
    offered_resources: summary(agent.offered_resources),
    unreserved_resources: summary(agent.resources.filter((r) => reservationRole(r) === '*')),
    reserved_resources: reservedByRole(agent.resources),
    active: agent.active,
    version: agent.version ?? version,
    capabilities: [],
  };
}

function taskJson(task: TaskView): Record<string, unknown> {
  return {
    id: task.task_id,
    name: task.name,
    framework_id: task.framework_id,
    executor_id: task.executor_id,
    slave_id: task.agent_id,
    state: task.state,
    resources: summary(task.resources),
    role: task.role,
    statuses: task.statuses.map((s) => ({ state: s.state, timestamp: s.timestamp })),
  };
}

function offerJson(offer: OfferView): Record<string, unknown> {
  return {
    id: offer.id,
    framework_id: offer.framework_id,
    slave_id: offer.agent_id,
    resources: summary(offer.resources),
    allocation_info: { role: offer.role },
  };
}

function frameworkJson(framework: FrameworkView): Record<string, unknown> {
  const info = framework.info;
  const seconds = (ms: number | undefined) => (ms === undefined ? 0 : ms / 1000);
  return {
    id: framework.id,
    name: info.name,
    user: info.user,
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    principal: info.principal,
    roles: framework.roles,
    role: framework.roles[0] ?? '*',
    capabilities: (info.capabilities ?? []).map((c) => c.type),
    active: framework.active,
    connected: framework.connected,
    recovered: framework.recovered,
    registered_time: framework.registered_time_ms / 1000,
    reregistered_time: seconds(framework.reregistered_time_ms),
    unregistered_time: seconds(framework.unregistered_time_ms),
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    used_resources: summary(framework.used_resources),
    offered_resources: summary(framework.offered_resources),
    resources: summary([...framework.used_resources, ...framework.offered_resources]),
    tasks: framework.tasks.map(taskJson),
    unreachable_tasks: framework.unreachable_tasks.map(taskJson),
    completed_tasks: framework.completed_tasks.map(taskJson),
    offers: framework.offers.map(offerJson),
    executors: framework.executors.map((e) => ({
      executor_id: e.executor_id,
      framework_id: e.framework_id,
      slave_id: e.agent_id,
      resources: summary(e.resources),
    })),
  };
}

/** The /master/state object. */
export function stateJson(view: MasterStateView, ctx: StatePageContext): Record<string, unknown> {
  const info = view.master_info;
  const version = info.version;
  const activated = view.agents.filter((a) => a.active).length;
  return {
    version,
    id: info.id,
    pid: info.pid,
    hostname: info.hostname,
    start_time: view.start_time_ms / 1000,
    elected_time: ctx.elected_time_ms / 1000,
    leader: ctx.leader_info.pid,
    leader_info: ctx.leader_info,
    activated_slaves: activated,
    deactivated_slaves: view.agents.length - activated,
    unreachable_slaves: view.unreachable_agents.length,
    flags: ctx.flags,
    slaves: view.agents.map((a) => slaveJson(a, version)),
    frameworks: view.frameworks.map(frameworkJson),
    completed_frameworks: view.completed_frameworks.map(frameworkJson),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
}
