// Cheap reads of the master for hosts: counts and scalar totals for metrics, and one agent,
// framework, task or offer by id. Each costs far less than the whole view (`buildView` is
// O(agents + tasks) and allocates as much), so a metrics scrape or an operator event stream can
// read the master at every turn without building it. Like the view, records are handed out as
// they are held; callers must not change them.
import type { Quota } from '../allocator/allocator.ts';
import type { Quantities } from '../quantities.ts';
import { roundScalar } from '../quantities.ts';
import type { Resources } from '../resources.ts';
import {
  inverseOffersOf,
  type MaintenanceStatus,
  maintenanceScheduleOf,
  maintenanceStatusOf,
} from './maintenance-view.ts';
import type { ResolvedOptions } from './options.ts';
import type { InverseOfferRecord, MasterState, OperationRecord, TaskRecord } from './state.ts';
import type { FrameworkInfo, MaintenanceSchedule } from './v1.ts';
import {
  type AgentView,
  agentView,
  type FrameworkView,
  frameworkViewOf,
  type OfferView,
  type TaskView,
} from './view.ts';

/** How many of each thing the master holds. */
export interface MasterCounts {
  /** Registered agents with an open connection. */
  readonly agents_active: number;
  /** Registered agents whose connection is closed. */
  readonly agents_inactive: number;
  readonly agents_unreachable: number;
  /** Agents from the registry that have not re-registered yet. */
  readonly agents_recovered: number;
  /** Frameworks with an open event stream. */
  readonly frameworks_active: number;
  readonly frameworks_inactive: number;
  readonly frameworks_completed: number;
  /** Tasks not yet completed, on registered agents. */
  readonly tasks_active: number;
  /** Tasks of partition-aware frameworks on unreachable agents. */
  readonly tasks_unreachable: number;
  /** Completed tasks the view shows (at most the cap per framework). */
  readonly tasks_completed: number;
  readonly executors: number;
  readonly offers_outstanding: number;
}

/** Sums of scalar resources of registered agents, by resource name. */
export interface ScalarTotals {
  readonly total: Quantities;
  /** In use by tasks and executors. */
  readonly used: Quantities;
  /** In outstanding offers. */
  readonly offered: Quantities;
}

/** Reads of one master that do not build the whole view. */
export interface MasterLookups {
  /** When the master started (ms; 0 before its first input). */
  startTimeMs(): number;
  /** O(agents + frameworks), without allocating per agent. */
  counts(): MasterCounts;
  /** O(agents + offers), without allocating per agent. */
  scalarTotals(): ScalarTotals;
  agent(agentId: string): AgentView | undefined;
  /** Every registered agent, in registration order; O(agents). */
  agents(): AgentView[];
  /** Agents from the registry that have not re-registered yet. */
  recoveredAgents(): string[];
  /** Role weights set by the operator. */
  weights(): Array<{ readonly role: string; readonly weight: number }>;
  /** Quota an operator set, by role, in role order. */
  quotas(): Array<{ readonly role: string; readonly quota: Quota }>;
  /** Operations with an id the master remembers, oldest first. */
  operations(): readonly OperationRecord[];
  /** An active or completed framework; O(agents + its tasks), as it gathers what it uses. */
  framework(frameworkId: string): FrameworkView | undefined;
  /** The FrameworkInfo of a registered (not completed) framework; O(1). */
  frameworkInfo(frameworkId: string): FrameworkInfo | undefined;
  /** The principals of registered (not completed) frameworks; O(frameworks). */
  frameworkPrincipals(): Set<string>;
  /** An active, unreachable or completed task (within the view's cap); O(1) amortized. */
  task(frameworkId: string, taskId: string): TaskView | undefined;
  offer(offerId: string): OfferView | undefined;
  /** The maintenance schedule (GET_MAINTENANCE_SCHEDULE). */
  maintenanceSchedule(): MaintenanceSchedule;
  /** DRAINING machines with the answers to inverse offers, and DOWN machines (GET_MAINTENANCE_STATUS). */
  maintenanceStatus(): MaintenanceStatus;
  /** Outstanding inverse offers, oldest first. */
  inverseOffers(): readonly InverseOfferRecord[];
}

/** Adds the scalar entries of a bag into `into`. */
function addScalars(into: Record<string, number>, resources: Resources): void {
  for (const r of resources) {
    if (r.type === 'SCALAR') into[r.name] = roundScalar((into[r.name] ?? 0) + (r.scalar?.value ?? 0));
  }
}

/**
 * Where each task id sits in a framework's completed list. The list only grows at its end until it
 * is trimmed into a new array, so the index follows it incrementally and is rebuilt after a trim.
 */
interface CompletedIndex {
  list: readonly TaskRecord[];
  indexed: number;
  readonly at: Map<string, number>;
}

/** Creates the lookups of a master's state. */
export function createLookups(state: MasterState, options: ResolvedOptions): MasterLookups {
  const completedIndexes = new Map<string, CompletedIndex>();

  function completedTask(
    frameworkId: string,
    list: readonly TaskRecord[],
    taskId: string,
  ): TaskRecord | undefined {
    let index = completedIndexes.get(frameworkId);
    if (
      index === undefined &&
      completedIndexes.size > state.frameworks.size + state.completedFrameworks.size
    ) {
      // Frameworks forgotten for good leave their indexes behind: drop those.
      for (const id of completedIndexes.keys()) {
        if (!state.frameworks.has(id) && !state.completedFrameworks.has(id)) completedIndexes.delete(id);
      }
    }
    if (index === undefined || index.list !== list) {
      index = { list, indexed: 0, at: new Map() };
      completedIndexes.set(frameworkId, index);
    }
    for (; index.indexed < list.length; index.indexed++)
      index.at.set(list[index.indexed]!.task_id, index.indexed);
    const at = index.at.get(taskId);
    // Only what the view shows is found: the newest `completedTasksPerFrameworkMax` tasks.
    if (at === undefined || at < list.length - options.completedTasksPerFrameworkMax) return undefined;
    return list[at];
  }

  return {
    startTimeMs() {
      return state.startTimeMs;
    },
    counts() {
      let agentsActive = 0;
      for (const agent of state.agents.values()) if (agent.connected) agentsActive++;
      let frameworksActive = 0;
      let tasks = 0;
      let unreachable = 0;
      let completed = 0;
      const max = options.completedTasksPerFrameworkMax;
      for (const f of state.frameworks.values()) {
        if (f.streamId !== undefined) frameworksActive++;
        tasks += f.tasks.size;
        unreachable += f.unreachableTasks.size;
        completed += Math.min(max, f.completedTasks.length);
      }
      for (const f of state.completedFrameworks.values()) completed += Math.min(max, f.completedTasks.length);
      let executors = 0;
      for (const agent of state.agents.values()) {
        for (const byFramework of agent.executors.values()) executors += byFramework.size;
      }
      return {
        agents_active: agentsActive,
        agents_inactive: state.agents.size - agentsActive,
        agents_unreachable: state.unreachableAgents.size,
        agents_recovered: state.recoveredAgents.size,
        frameworks_active: frameworksActive,
        frameworks_inactive: state.frameworks.size - frameworksActive,
        frameworks_completed: state.completedFrameworks.size,
        tasks_active: tasks,
        tasks_unreachable: unreachable,
        tasks_completed: completed,
        executors,
        offers_outstanding: state.offers.size,
      };
    },
    scalarTotals() {
      const total: Record<string, number> = {};
      const used: Record<string, number> = {};
      const offered: Record<string, number> = {};
      for (const agent of state.agents.values()) {
        addScalars(total, agent.total);
        for (const bag of agent.used.values()) addScalars(used, bag);
      }
      for (const offer of state.offers.values()) addScalars(offered, offer.resources);
      return { total, used, offered };
    },
    agent(agentId) {
      const agent = state.agents.get(agentId);
      return agent === undefined ? undefined : agentView(state, agent);
    },
    agents() {
      const out: AgentView[] = [];
      for (const agent of state.agents.values()) out.push(agentView(state, agent));
      return out;
    },
    recoveredAgents() {
      return [...state.recoveredAgents.keys()];
    },
    weights() {
      return [...state.weights].map(([role, weight]) => ({ role, weight }));
    },
    quotas() {
      return [...state.quotas]
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([role, quota]) => ({ role, quota }));
    },
    operations() {
      return [...state.operations.values()];
    },
    framework(frameworkId) {
      return frameworkViewOf(state, options, frameworkId);
    },
    frameworkInfo(frameworkId) {
      return state.frameworks.get(frameworkId)?.info;
    },
    frameworkPrincipals() {
      const out = new Set<string>();
      for (const framework of state.frameworks.values()) {
        if (framework.info.principal !== undefined) out.add(framework.info.principal);
      }
      return out;
    },
    task(frameworkId, taskId) {
      const framework = state.frameworks.get(frameworkId) ?? state.completedFrameworks.get(frameworkId);
      if (framework === undefined) return undefined;
      return (
        framework.tasks.get(taskId) ??
        framework.unreachableTasks.get(taskId) ??
        completedTask(frameworkId, framework.completedTasks, taskId)
      );
    },
    offer(offerId) {
      return state.offers.get(offerId);
    },
    maintenanceSchedule() {
      return maintenanceScheduleOf(state);
    },
    maintenanceStatus() {
      return maintenanceStatusOf(state);
    },
    inverseOffers() {
      return inverseOffersOf(state);
    },
  };
}
