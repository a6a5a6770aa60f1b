// A read-only view of the master for hosts: what /master/state and the operator API need, as
// structured data (the JSON page is the host's to write). Tasks and offers are handed out as they
// are held, without copying, so a view of a large cluster is cheap; callers must not change them.
// Reads of one part (counts, one agent, framework or task) are in lookups.ts.
import { add, type Resources } from '../resources.ts';
import type { ResolvedOptions } from './options.ts';
import type {
  AgentRecord,
  ExecutorRecord,
  FrameworkRecord,
  InverseOfferRecord,
  MasterState,
  OfferRecord,
  TaskRecord,
} from './state.ts';
import type {
  AgentInfo,
  ExecutorInfo,
  FrameworkInfo,
  MachineID,
  MasterInfo,
  Offer,
  TaskInfo,
  TaskState,
  TaskStatus,
} from './v1.ts';

/** A task in the view. */
export interface TaskView {
  readonly task_id: string;
  readonly framework_id: string;
  readonly agent_id: string;
  readonly executor_id: string;
  readonly name: string;
  readonly role: string;
  readonly resources: Resources;
  readonly state: TaskState;
  /** One entry per state change, oldest first. */
  readonly statuses: ReadonlyArray<{ readonly state: TaskState; readonly timestamp: number }>;
  /** The latest status as forwarded to the framework (uuid, message, reason ...); none before the first. */
  readonly status: TaskStatus | undefined;
  /** What the framework asked for (command, container, labels ...), when launched through this master. */
  readonly info: TaskInfo | undefined;
  readonly unreachableSinceMs: number | undefined;
}

/** An outstanding offer in the view. */
export interface OfferView {
  readonly id: string;
  readonly framework_id: string;
  readonly agent_id: string;
  readonly role: string;
  readonly resources: Resources;
  /** The offer as the OFFERS event carried it. */
  readonly offer: Offer;
}

/** An executor in the view. */
export interface ExecutorView {
  readonly framework_id: string;
  readonly agent_id: string;
  readonly executor_id: string;
  readonly resources: Resources;
  /** The executor as the master knows it (command, container, labels ...). */
  readonly info: ExecutorInfo;
}

/** A registered agent in the view. */
export interface AgentView {
  readonly id: string;
  readonly info: AgentInfo;
  readonly hostname: string;
  readonly port: number;
  readonly ip: string;
  readonly version: string | undefined;
  readonly active: boolean;
  readonly registered_time_ms: number;
  readonly reregistered_time_ms: number | undefined;
  readonly resources: Resources;
  readonly used_resources: Resources;
  readonly offered_resources: Resources;
  /** An operator turned offers for it off (DEACTIVATE_AGENT or DRAIN_AGENT). */
  readonly deactivated: boolean;
  /** DRAINING or DRAINED while an operator drains it. */
  readonly drain_state: 'DRAINING' | 'DRAINED' | undefined;
}

/** A framework in the view (active or completed). */
export interface FrameworkView {
  readonly id: string;
  readonly info: FrameworkInfo;
  readonly roles: readonly string[];
  readonly active: boolean;
  readonly connected: boolean;
  readonly recovered: boolean;
  readonly registered_time_ms: number;
  readonly reregistered_time_ms: number | undefined;
  readonly unregistered_time_ms: number | undefined;
  readonly used_resources: Resources;
  readonly offered_resources: Resources;
  readonly tasks: readonly TaskView[];
  readonly unreachable_tasks: readonly TaskView[];
  readonly completed_tasks: readonly TaskView[];
  readonly offers: readonly OfferView[];
  readonly executors: readonly ExecutorView[];
}

/** The whole view. */
export interface MasterStateView {
  readonly master_info: MasterInfo;
  readonly start_time_ms: number;
  readonly agents: readonly AgentView[];
  readonly unreachable_agents: ReadonlyArray<{ readonly id: string; readonly since_ms: number }>;
  /** Agents from the registry that have not re-registered yet. */
  readonly recovered_agents: readonly string[];
  readonly frameworks: readonly FrameworkView[];
  readonly completed_frameworks: readonly FrameworkView[];
  readonly weights: ReadonlyArray<{ readonly role: string; readonly weight: number }>;
  /** Machines in maintenance (DRAINING or DOWN) and the outstanding inverse offers. */
  readonly maintenance: {
    readonly machines: ReadonlyArray<{ readonly id: MachineID; readonly mode: 'DRAINING' | 'DOWN' }>;
    readonly inverse_offers: readonly InverseOfferRecord[];
  };
}

/** Sum of a list of resource bags. */
function sum(bags: Iterable<Resources>): Resources {
  let total: Resources = [];
  for (const bag of bags) total = add(total, bag);
  return total;
}

/** An agent as the view shows it. */
export function agentView(state: MasterState, agent: AgentRecord): AgentView {
  let offered: Resources = [];
  for (const id of agent.offers) offered = add(offered, state.offers.get(id)!.resources);
  return {
    id: agent.id,
    info: agent.info,
    hostname: agent.hostname,
    port: agent.port,
    ip: agent.ip,
    version: agent.version,
    active: agent.connected,
    registered_time_ms: agent.registeredTimeMs,
    reregistered_time_ms: agent.reregisteredTimeMs,
    resources: agent.total,
    used_resources: sum(agent.used.values()),
    offered_resources: offered,
    deactivated: state.deactivatedAgents.has(agent.id),
    drain_state: state.drains.get(agent.id)?.state,
  };
}

/** An executor as the view shows it. */
function executorView(e: ExecutorRecord): ExecutorView {
  return {
    framework_id: e.framework_id,
    agent_id: e.agent_id,
    executor_id: e.info.executor_id.value,
    resources: e.resources,
    info: e.info,
  };
}

/** A framework as the view shows it; `used` is what it holds on all agents. */
function frameworkView(
  state: MasterState,
  framework: FrameworkRecord,
  used: Resources,
  executors: readonly ExecutorView[],
  completedMax: number,
): FrameworkView {
  // Offer and task records are handed out as they are held (they have every field of their views).
  const offers: OfferRecord[] = [];
  let offered: Resources = [];
  for (const id of framework.offers) {
    const offer = state.offers.get(id)!;
    offers.push(offer);
    offered = add(offered, offer.resources);
  }
  const completed = framework.completedTasks;
  return {
    id: framework.id,
    info: framework.info,
    roles: framework.roles,
    active: framework.streamId !== undefined,
    connected: framework.streamId !== undefined,
    recovered: framework.recovered,
    registered_time_ms: framework.registeredTimeMs,
    reregistered_time_ms: framework.reregisteredTimeMs,
    unregistered_time_ms: framework.unregisteredTimeMs,
    used_resources: used,
    offered_resources: offered,
    tasks: [...framework.tasks.values()] as readonly TaskRecord[],
    unreachable_tasks: [...framework.unreachableTasks.values()],
    completed_tasks: completed.slice(Math.max(0, completed.length - completedMax)),
    offers,
    executors,
  };
}

/**
 * One framework as the view shows it, found by id among active and completed frameworks. What it
 * uses and runs is gathered from every agent: O(agents), without building the rest of the view.
 */
export function frameworkViewOf(
  state: MasterState,
  options: ResolvedOptions,
  frameworkId: string,
): FrameworkView | undefined {
  const completedMax = options.completedTasksPerFrameworkMax;
  const active = state.frameworks.get(frameworkId);
  if (active === undefined) {
    const completed = state.completedFrameworks.get(frameworkId);
    return completed === undefined ? undefined : frameworkView(state, completed, [], [], completedMax);
  }
  let used: Resources = [];
  const executors: ExecutorView[] = [];
  for (const agent of state.agents.values()) {
    const held = agent.used.get(frameworkId);
    if (held !== undefined) used = add(used, held);
    const known = agent.executors.get(frameworkId);
    if (known !== undefined) for (const e of known.values()) executors.push(executorView(e));
  }
  return frameworkView(state, active, used, executors, completedMax);
}

/** Builds the read-only view of a master's state. */
export function buildView(
  state: MasterState,
  options: ResolvedOptions,
  masterInfo: MasterInfo,
): MasterStateView {
  // One pass over the agents gathers what each framework uses and runs, so the view costs
  // O(agents + tasks) rather than O(agents x frameworks).
  const usedByFramework = new Map<string, Resources[]>();
  const executorsByFramework = new Map<string, ExecutorView[]>();
  for (const agent of state.agents.values()) {
    for (const [frameworkId, used] of agent.used) {
      const list = usedByFramework.get(frameworkId);
      if (list === undefined) usedByFramework.set(frameworkId, [used]);
      else list.push(used);
    }
    for (const [frameworkId, executors] of agent.executors) {
      const list = executorsByFramework.get(frameworkId) ?? [];
      executorsByFramework.set(frameworkId, list);
      for (const e of executors.values()) list.push(executorView(e));
    }
  }
  const completedMax = options.completedTasksPerFrameworkMax;
  return {
    master_info: masterInfo,
    start_time_ms: state.startTimeMs,
    agents: [...state.agents.values()].map((a) => agentView(state, a)),
    unreachable_agents: [...state.unreachableAgents].map(([id, u]) => ({ id, since_ms: u.sinceMs })),
    recovered_agents: [...state.recoveredAgents.keys()],
    frameworks: [...state.frameworks.values()].map((f) =>
      frameworkView(
        state,
        f,
        sum(usedByFramework.get(f.id) ?? []),
        executorsByFramework.get(f.id) ?? [],
        completedMax,
      ),
    ),
    completed_frameworks: [...state.completedFrameworks.values()].map((f) =>
      frameworkView(state, f, [], [], completedMax),
    ),
    weights: [...state.weights].map(([role, weight]) => ({ role, weight })),
    maintenance: {
      machines: [...state.maintenance.machines.values()].map((m) => ({ id: m.id, mode: m.mode })),
      inverse_offers: [...state.maintenance.inverseOffers.values()],
    },
  };
}
