// The Mesos v1 messages the master reads and writes, in their JSON shapes (snake_case field names,
// enums as strings, ids as `{value}` objects), so a host's JSON decoder maps a body straight onto
// them. Hosts drop `null` fields before handing a message over (JSON `null` means absent).
// Only the fields meso uses are listed; unknown fields pass through untouched.
import type { Resource } from '../resources.ts';

/** Any Mesos id: `{value}`. */
export interface Id {
  readonly value: string;
}

/** Labels as Mesos carries them. */
export interface Labels {
  readonly labels: ReadonlyArray<{ readonly key: string; readonly value?: string }>;
}

/** Every task state of Mesos v1. */
export type TaskState =
  | 'TASK_STAGING'
  | 'TASK_STARTING'
  | 'TASK_RUNNING'
  | 'TASK_KILLING'
  | 'TASK_FINISHED'
  | 'TASK_FAILED'
  | 'TASK_KILLED'
  | 'TASK_ERROR'
  | 'TASK_LOST'
  | 'TASK_DROPPED'
  | 'TASK_UNREACHABLE'
  | 'TASK_GONE'
  | 'TASK_GONE_BY_OPERATOR'
  | 'TASK_UNKNOWN';

/** Every task state name, for validating wire input. */
export const task_states: ReadonlySet<string> = new Set<TaskState>([
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_UNREACHABLE',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNKNOWN',
]);

/** The states a task never leaves (as Mesos's isTerminalState; UNREACHABLE is not one). */
export const terminal_task_states: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

/** True for the states a task never leaves. */
export function isTerminal(state: TaskState): boolean {
  return terminal_task_states.has(state);
}

/** Who produced a status update. */
export type TaskSource = 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';

/** A v1 framework capability. */
export interface FrameworkCapability {
  readonly type: string;
}

/** FrameworkInfo, as SUBSCRIBE carries it. */
export interface FrameworkInfo {
  readonly user: string;
  readonly name: string;
  readonly id?: Id;
  readonly failover_timeout?: number;
  readonly checkpoint?: boolean;
  /** Deprecated single role; used when `roles` is empty. */
  readonly role?: string;
  readonly roles?: readonly string[];
  readonly hostname?: string;
  readonly principal?: string;
  readonly webui_url?: string;
  readonly capabilities?: readonly FrameworkCapability[];
  readonly labels?: Labels;
}

/** An environment variable of a command. */
export interface EnvironmentVariable {
  readonly name: string;
  readonly value?: string;
}

/** CommandInfo: `shell: true` runs `sh -c value`, otherwise `value` is exec'd with `arguments`. */
export interface CommandInfo {
  readonly value?: string;
  readonly shell?: boolean;
  readonly arguments?: readonly string[];
  readonly environment?: { readonly variables: readonly EnvironmentVariable[] };
  readonly uris?: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly user?: string;
}

/** ExecutorInfo; `type` DEFAULT is Mesos's default executor (task groups), CUSTOM a framework's own. */
export interface ExecutorInfo {
  readonly executor_id: Id;
  readonly type?: 'DEFAULT' | 'CUSTOM' | 'UNKNOWN';
  readonly framework_id?: Id;
  readonly command?: CommandInfo;
  readonly resources?: readonly Resource[];
  readonly name?: string;
  readonly source?: string;
  readonly data?: string;
  readonly container?: Readonly<Record<string, unknown>>;
  readonly labels?: Labels;
}

/** How long a kill may take before SIGKILL. */
export interface KillPolicy {
  readonly grace_period?: { readonly nanoseconds: number };
}

/** TaskInfo: what a framework asks to run. Exactly one of `command` and `executor` is set. */
export interface TaskInfo {
  readonly name: string;
  readonly task_id: Id;
  readonly agent_id: Id;
  readonly resources: readonly Resource[];
  readonly executor?: ExecutorInfo;
  readonly command?: CommandInfo;
  readonly container?: Readonly<Record<string, unknown>>;
  readonly health_check?: Readonly<Record<string, unknown>>;
  /** CheckInfo: a check whose results are reported, never acted on. */
  readonly check?: Readonly<Record<string, unknown>>;
  readonly kill_policy?: KillPolicy;
  readonly data?: string;
  readonly labels?: Labels;
}

/** TaskStatus: a task's state at a moment. `uuid` (16 bytes, base64) only on agent updates. */
export interface TaskStatus {
  readonly task_id: Id;
  readonly state: TaskState;
  readonly message?: string;
  readonly source?: TaskSource;
  readonly reason?: string;
  readonly data?: string;
  readonly agent_id?: Id;
  readonly executor_id?: Id;
  /** Epoch seconds, float. */
  readonly timestamp?: number;
  readonly uuid?: string;
  readonly healthy?: boolean;
  /** CheckStatusInfo: the latest result of the task's check (TaskInfo.check). */
  readonly check_status?: Readonly<Record<string, unknown>>;
  readonly labels?: Labels;
  readonly unreachable_time?: { readonly nanoseconds: number };
}

/** A task as an agent reports it when re-registering (Mesos `Task`). */
export interface Task {
  readonly name: string;
  readonly task_id: Id;
  readonly framework_id: Id;
  readonly executor_id?: Id;
  readonly agent_id: Id;
  readonly state: TaskState;
  readonly resources: readonly Resource[];
  readonly statuses?: readonly TaskStatus[];
  readonly status_update_state?: TaskState;
  readonly status_update_uuid?: string;
  readonly labels?: Labels;
}

/** An agent attribute (`rack:r1`, `zone:{a,b}` ...). */
export interface Attribute {
  readonly name: string;
  readonly type: 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
  readonly text?: { readonly value: string };
  readonly scalar?: { readonly value: number };
  readonly ranges?: { readonly range: ReadonlyArray<{ readonly begin: number; readonly end: number }> };
  readonly set?: { readonly item: readonly string[] };
}

/** AgentInfo: what an agent says of itself. `id` is set once the master assigned one. */
export interface AgentInfo {
  readonly hostname: string;
  readonly port?: number;
  readonly resources: readonly Resource[];
  readonly attributes?: readonly Attribute[];
  readonly id?: Id;
}

/** MasterInfo; `ip` is the IPv4 address as a little-endian uint32 (Mesos's network order quirk). */
export interface MasterInfo {
  readonly id: string;
  readonly ip: number;
  readonly port: number;
  readonly pid: string;
  readonly hostname: string;
  readonly version: string;
  readonly address: { readonly hostname: string; readonly ip: string; readonly port: number };
  readonly capabilities: ReadonlyArray<{ readonly type: string }>;
}

/** An Offer as the OFFERS event carries it. */
export interface Offer {
  readonly id: Id;
  readonly framework_id: Id;
  readonly agent_id: Id;
  readonly hostname: string;
  readonly url: {
    readonly scheme: 'http';
    readonly address: { readonly hostname: string; readonly ip: string; readonly port: number };
    readonly path: string;
  };
  readonly resources: readonly Resource[];
  readonly attributes: readonly Attribute[];
  readonly executor_ids: readonly Id[];
  readonly allocation_info: { readonly role: string };
  /** Set when the agent's machine is scheduled for maintenance. */
  readonly unavailability?: Unavailability;
}

/** A machine as maintenance names it: its hostname (case-insensitive) and IP, one of them at least. */
export interface MachineID {
  readonly hostname?: string;
  readonly ip?: string;
}

/** When a machine is expected to go away: from `start` (ns since the epoch), for `duration` (ns). */
export interface Unavailability {
  readonly start: { readonly nanoseconds: number };
  readonly duration?: { readonly nanoseconds: number };
}

/** Machines scheduled for maintenance in the same interval. */
export interface MaintenanceWindow {
  readonly machine_ids: readonly MachineID[];
  readonly unavailability: Unavailability;
}

/** A maintenance schedule: a list of windows, each machine in one window at most. */
export interface MaintenanceSchedule {
  readonly windows?: readonly MaintenanceWindow[];
}

/** The master asks a framework to give back what it uses on an agent before `unavailability`. */
export interface InverseOffer {
  readonly id: Id;
  readonly url: Offer['url'];
  readonly framework_id: Id;
  readonly agent_id: Id;
  readonly unavailability: Unavailability;
  /** Empty: every resource of the agent. */
  readonly resources: readonly Resource[];
}

/** A framework's latest answer to an inverse offer. */
export interface InverseOfferStatus {
  readonly status: 'UNKNOWN' | 'ACCEPT' | 'DECLINE';
  readonly framework_id: Id;
  readonly timestamp: { readonly nanoseconds: number };
}

/** Offer filters: how long the framework does not want these resources again. */
export interface Filters {
  readonly refuse_seconds?: number;
}

/** An offer operation inside ACCEPT. */
export interface Operation {
  readonly type: string;
  readonly id?: Id;
  readonly launch?: { readonly task_infos: readonly TaskInfo[] };
  readonly launch_group?: {
    readonly executor: ExecutorInfo;
    readonly task_group: { readonly tasks: readonly TaskInfo[] };
  };
  readonly reserve?: { readonly resources: readonly Resource[] };
  readonly unreserve?: { readonly resources: readonly Resource[] };
  readonly create?: { readonly volumes: readonly Resource[] };
  readonly destroy?: { readonly volumes: readonly Resource[] };
  readonly grow_volume?: { readonly volume: Resource; readonly addition: Resource };
  readonly shrink_volume?: { readonly volume: Resource; readonly subtract: { readonly value: number } };
}
