// The master's state: agents, frameworks, tasks, executors and outstanding offers, cross-indexed.
// Every Map keeps insertion order, which follows the input order, so iteration is deterministic.
// Resources held here are in normal form; used and offered resources carry allocation_info.
import type { Quota } from '../allocator/allocator.ts';
import type { Resources } from '../resources.ts';
import { createIdCounters, type IdCounters } from './ids.ts';
import type {
  AgentInfo,
  ExecutorInfo,
  FrameworkInfo,
  InverseOffer,
  InverseOfferStatus,
  MachineID,
  MaintenanceWindow,
  Offer,
  Operation,
  TaskInfo,
  TaskState,
  TaskStatus,
} from './v1.ts';

/** A task the master knows, active or completed. */
export interface TaskRecord {
  readonly task_id: string;
  readonly framework_id: string;
  readonly agent_id: string;
  /** The task's executor id; '' for a command task (its executor is the agent's). */
  readonly executor_id: string;
  readonly name: string;
  readonly role: string;
  /** Resources of the task alone (not its executor's), with allocation_info. */
  readonly resources: Resources;
  /** What the framework asked for, when the task was launched through this master. */
  readonly info: TaskInfo | undefined;
  state: TaskState;
  /** The latest status, as forwarded to the framework. */
  status: TaskStatus | undefined;
  /** One entry per state change. */
  readonly statuses: Array<{ readonly state: TaskState; readonly timestamp: number }>;
  /** uuid of the latest agent update not yet acknowledged by the framework. */
  pendingUuid: string | undefined;
  /** When the task's agent became unreachable (ms), while it is unreachable. */
  unreachableSinceMs: number | undefined;
}

/** An executor the master knows to run on an agent. */
export interface ExecutorRecord {
  readonly framework_id: string;
  readonly agent_id: string;
  readonly info: ExecutorInfo;
  /** The executor's own resources, with allocation_info. */
  readonly resources: Resources;
}

/** A registered agent. */
export interface AgentRecord {
  readonly id: string;
  info: AgentInfo;
  hostname: string;
  port: number;
  ip: string;
  connection: string;
  version: string | undefined;
  /** Everything the agent has (unallocated form; static reservations kept). */
  total: Resources;
  /** Resources in use by tasks and executors, per framework. */
  readonly used: Map<string, Resources>;
  /** Outstanding offers on this agent. */
  readonly offers: Set<string>;
  /** Active tasks, per framework, per task id. */
  readonly tasks: Map<string, Map<string, TaskRecord>>;
  /** Known executors, per framework, per executor id. */
  readonly executors: Map<string, Map<string, ExecutorRecord>>;
  connected: boolean;
  registeredTimeMs: number;
  reregisteredTimeMs: number | undefined;
  /** True from a ping until any message from the agent arrives. */
  awaitingPong: boolean;
  /** Consecutive ping timeouts without an answer. */
  pingsMissed: number;
  /**
   * Frameworks whose work here was ended when the agent's connection dropped (they do not
   * checkpoint): whatever of theirs the agent still reports when it comes back is shut down.
   */
  readonly droppedFrameworks: Set<string>;
}

/** A framework the master knows (subscribed, disconnected, or recovered from an agent). */
export interface FrameworkRecord {
  readonly id: string;
  info: FrameworkInfo;
  roles: readonly string[];
  /** The open event stream, if connected. */
  streamId: string | undefined;
  /** Known from an agent's report (or the registry) but not subscribed to this master yet. */
  recovered: boolean;
  registeredTimeMs: number;
  reregisteredTimeMs: number | undefined;
  unregisteredTimeMs: number | undefined;
  /** Active tasks (on registered agents). */
  readonly tasks: Map<string, TaskRecord>;
  /** Tasks on unreachable agents (partition-aware frameworks only). */
  readonly unreachableTasks: Map<string, TaskRecord>;
  /** Terminal tasks, oldest first, trimmed to the configured cap. */
  completedTasks: TaskRecord[];
  readonly offers: Set<string>;
  readonly suppressedRoles: Set<string>;
}

/** An outstanding offer. */
export interface OfferRecord {
  readonly id: string;
  readonly framework_id: string;
  readonly agent_id: string;
  readonly role: string;
  /** Offered resources, with allocation_info. */
  readonly resources: Resources;
  readonly offer: Offer;
  readonly madeAtMs: number;
}

/** An agent marked unreachable; it may re-register. */
export interface UnreachableAgent {
  readonly info: AgentInfo;
  readonly sinceMs: number;
  /**
   * True when this master marked the agent unreachable (not learned from a registry after a
   * failover): only then has it told non-partition-aware frameworks that the agent's tasks are lost.
   */
  readonly markedHere: boolean;
}

/** The whole state of one master. */
export interface MasterState {
  readonly ids: IdCounters;
  started: boolean;
  startTimeMs: number;
  traceSeq: number;
  readonly agents: Map<string, AgentRecord>;
  /** `hostname:port` of each registered agent, to spot retried or restarted registrations. */
  readonly agentsByAddress: Map<string, string>;
  /** Agents from the registry that have not re-registered yet. */
  readonly recoveredAgents: Map<string, AgentInfo>;
  readonly unreachableAgents: Map<string, UnreachableAgent>;
  /** Agents removed for good, oldest first (bounded): they may not re-register. */
  readonly removedAgents: Set<string>;
  readonly frameworks: Map<string, FrameworkRecord>;
  /** Removed frameworks, oldest first, bounded; their ids may not subscribe again. */
  readonly completedFrameworks: Map<string, FrameworkRecord>;
  readonly offers: Map<string, OfferRecord>;
  /** Timers armed and not yet fired, by key, with their deadline. */
  readonly timers: Map<string, number>;
  readonly weights: Map<string, number>;
  /** Quota an operator set, by role. */
  readonly quotas: Map<string, Quota>;
  /** Agents an operator deactivated (or is draining): no offers on them, across re-registrations. */
  readonly deactivatedAgents: Set<string>;
  /** Agents being drained or drained, by id. */
  readonly drains: Map<string, DrainRecord>;
  /** Operations with an id (framework or operator), by `operationKey`, oldest first (bounded). */
  readonly operations: Map<string, OperationRecord>;
  /** The maintenance schedule, machines in maintenance and the inverse offers about them. */
  readonly maintenance: MaintenanceState;
}

/** A machine in maintenance: DRAINING once scheduled, DOWN once maintenance started (UP is not kept). */
export interface MachineRecord {
  readonly id: MachineID;
  mode: 'DRAINING' | 'DOWN';
  unavailability: MaintenanceWindow['unavailability'];
}

/** An outstanding inverse offer: the master asks a framework to give an agent back. */
export interface InverseOfferRecord {
  readonly id: string;
  readonly framework_id: string;
  readonly agent_id: string;
  readonly inverse_offer: InverseOffer;
}

/** What the master keeps of maintenance (the schedule and modes are in the registry; answers are not). */
export interface MaintenanceState {
  /** The schedule as the operator last set it (machines brought UP are taken out). */
  windows: MaintenanceWindow[];
  /** Machines DRAINING or DOWN, by `machineKey`, in the order they were scheduled. */
  readonly machines: Map<string, MachineRecord>;
  /** Outstanding inverse offers by id. */
  readonly inverseOffers: Map<string, InverseOfferRecord>;
  /** The outstanding inverse offer of each (agent, framework) pair, by `agent\nframework`. */
  readonly inverseOfferByPair: Map<string, string>;
  /** Frameworks' latest answers, per agent, per framework (cleared when the unavailability changes). */
  readonly statuses: Map<string, Map<string, InverseOfferStatus>>;
  /** Until when (ms) a framework asked not to get inverse offers for an agent again, per agent. */
  readonly filters: Map<string, Map<string, number>>;
}

/** An agent's drain: DRAINING until none of its tasks is live, then DRAINED. */
export interface DrainRecord {
  state: 'DRAINING' | 'DRAINED';
  readonly mark_gone: boolean;
  /** The upper bound of a killed task's grace period, in ns. */
  readonly max_grace_period_ns: number | undefined;
}

/** An operation the master knows the outcome of, for feedback, reconciliation and GET_OPERATIONS. */
export interface OperationRecord {
  /** undefined for an operation an operator asked for. */
  readonly framework_id: string | undefined;
  readonly agent_id: string;
  readonly info: Operation;
  /** OPERATION_FINISHED, OPERATION_ERROR, OPERATION_DROPPED, ... */
  state: string;
  message: string | undefined;
  /** The operation's own uuid (base64), made when it was recorded. */
  readonly uuid: string;
  /** uuid of the latest status sent and not yet acknowledged, for a framework's operation. */
  pendingUuid: string | undefined;
}

/** An empty master state. */
export function createState(): MasterState {
  return {
    ids: createIdCounters(),
    started: false,
    startTimeMs: 0,
    traceSeq: 0,
    agents: new Map(),
    agentsByAddress: new Map(),
    recoveredAgents: new Map(),
    unreachableAgents: new Map(),
    removedAgents: new Set(),
    frameworks: new Map(),
    completedFrameworks: new Map(),
    offers: new Map(),
    timers: new Map(),
    weights: new Map(),
    quotas: new Map(),
    deactivatedAgents: new Set(),
    drains: new Map(),
    operations: new Map(),
    maintenance: {
      windows: [],
      machines: new Map(),
      inverseOffers: new Map(),
      inverseOfferByPair: new Map(),
      statuses: new Map(),
      filters: new Map(),
    },
  };
}

/** Adds an entry to an insertion-ordered set, dropping the oldest beyond `max`. */
export function addBounded<T>(set: Set<T>, value: T, max: number): void {
  set.delete(value);
  set.add(value);
  while (set.size > max) {
    const oldest = set.values().next();
    if (oldest.done) break;
    set.delete(oldest.value);
  }
}
