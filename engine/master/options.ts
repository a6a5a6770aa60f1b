// The master's options: its identity, its allocator, and every timing it keeps. Defaults come from
// engine/constants.ts; hosts override what their setting needs (a simulator shortens timeouts,
// tests pick an allocation policy).
import type { Allocator, Quota } from '../allocator/allocator.ts';
import {
  agent_ping_misses_max,
  agent_ping_timeout_ms,
  agent_ports_default,
  agent_reregister_timeout_ms,
  allocation_interval_ms,
  completed_frameworks_max,
  completed_tasks_per_framework_max,
  heartbeat_interval_seconds,
  offer_timeout_ms,
} from '../constants.ts';
import type { TaskRecord } from './state.ts';
import type { AgentInfo, FrameworkInfo, MachineID, MaintenanceWindow } from './v1.ts';

/** What a registry held when this master took over: agents, frameworks, weights, quota. */
export interface RegistrySnapshot {
  readonly agents?: ReadonlyArray<{ readonly agent_id: string; readonly agent_info: AgentInfo }>;
  readonly unreachable?: ReadonlyArray<{ readonly agent_id: string; readonly time_ms: number }>;
  readonly frameworks?: readonly FrameworkInfo[];
  readonly weights?: ReadonlyArray<{ readonly role: string; readonly weight: number }>;
  readonly quotas?: ReadonlyArray<{ readonly role: string; readonly quota: Quota }>;
  /** The maintenance schedule and the machines in it that are DOWN (the others are DRAINING). */
  readonly maintenance?: {
    readonly windows: readonly MaintenanceWindow[];
    readonly down_machines: readonly MachineID[];
  };
  /** Completed history to show again (not part of Mesos's registry; hosts keep it beside it). */
  readonly history?: CompletedHistory;
}

/** The completed tasks and frameworks a master shows in its state, as a host kept them. */
export interface CompletedHistory {
  /** Completed tasks of frameworks still registered, oldest first. */
  readonly tasks?: ReadonlyArray<{ readonly framework_id: string; readonly tasks: readonly TaskRecord[] }>;
  /** Completed frameworks, oldest first, each with its completed tasks. */
  readonly frameworks?: readonly CompletedFramework[];
}

/** A framework that was removed, as the completed history keeps it. */
export interface CompletedFramework {
  readonly info: FrameworkInfo;
  readonly registered_time_ms: number;
  readonly unregistered_time_ms: number;
  readonly tasks: readonly TaskRecord[];
}

/** Options of createMaster. Only `masterId` and `createAllocator` are required. */
export interface MasterOptions {
  /** Prefix of every id the master makes (framework `<id>-0000`, agent `<id>-S0`, offer `<id>-O0`). */
  readonly masterId: string;
  /** Builds the allocator (tests choose the policy here). */
  readonly createAllocator: () => Allocator;
  readonly hostname?: string;
  readonly ip?: string;
  readonly port?: number;
  readonly version?: string;
  readonly allocationIntervalMs?: number;
  /**
   * When given, a framework that subscribes and an agent that registers are offered at the next
   * cycle within this many ms rather than at the interval, as Mesos's allocator allocates when it
   * adds a framework or an agent (batched: joins within the delay share one cycle). Absent: only
   * the interval allocates (the simulator's model).
   */
  readonly joinAllocationDelayMs?: number;
  readonly agentPingTimeoutMs?: number;
  readonly agentPingMissesMax?: number;
  /** What a failed health check does to an agent: remove it, or mark it unreachable (Mesos). */
  readonly agentFailure?: 'remove' | 'unreachable';
  readonly agentReregisterTimeoutMs?: number;
  /** Rescind offers held this long; 0 keeps them until used. */
  readonly offerTimeoutMs?: number;
  readonly heartbeatIntervalSeconds?: number;
  readonly completedTasksPerFrameworkMax?: number;
  readonly completedFrameworksMax?: number;
  /** Ports an agent offers when its resources name none. */
  readonly agentPortsDefault?: string;
  /** Registry contents to recover from (a master taking over after a failover). */
  readonly recovered?: RegistrySnapshot;
  /** Emit `history` effects (completed tasks and frameworks) for a host that keeps them across restarts. */
  readonly historyEffects?: boolean;
  /** The only roles frameworks may subscribe in, besides `*` (Mesos's `--roles`); any when absent. */
  readonly roles?: readonly string[];
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly masterId: string;
  readonly hostname: string;
  readonly ip: string;
  readonly port: number;
  readonly version: string;
  readonly allocationIntervalMs: number;
  readonly joinAllocationDelayMs: number | undefined;
  readonly agentPingTimeoutMs: number;
  readonly agentPingMissesMax: number;
  readonly agentFailure: 'remove' | 'unreachable';
  readonly agentReregisterTimeoutMs: number;
  readonly offerTimeoutMs: number;
  readonly heartbeatIntervalSeconds: number;
  readonly completedTasksPerFrameworkMax: number;
  readonly completedFrameworksMax: number;
  readonly agentPortsDefault: string;
  readonly recovered: RegistrySnapshot | undefined;
  readonly historyEffects: boolean;
  readonly roles: readonly string[] | undefined;
}

/** The version meso's master reports in MasterInfo. */
export const master_version = '1.11.0';

/** Agent ids the master remembers as removed (to refuse their re-registration), at most. */
export const removed_agents_max = 10_000;

/** Fills in defaults and checks the options; throws naming a bad one. */
export function resolveOptions(options: MasterOptions): ResolvedOptions {
  if (typeof options.masterId !== 'string' || !/^[A-Za-z0-9._-]+$/.test(options.masterId)) {
    throw new Error(
      `master options: masterId must be letters, digits, '.', '_' or '-', got '${options.masterId}'`,
    );
  }
  const resolved: ResolvedOptions = {
    masterId: options.masterId,
    hostname: options.hostname ?? 'localhost',
    ip: options.ip ?? '127.0.0.1',
    port: options.port ?? 5050,
    version: options.version ?? master_version,
    allocationIntervalMs: options.allocationIntervalMs ?? allocation_interval_ms,
    joinAllocationDelayMs: options.joinAllocationDelayMs,
    agentPingTimeoutMs: options.agentPingTimeoutMs ?? agent_ping_timeout_ms,
    agentPingMissesMax: options.agentPingMissesMax ?? agent_ping_misses_max,
    agentFailure: options.agentFailure ?? 'unreachable',
    agentReregisterTimeoutMs: options.agentReregisterTimeoutMs ?? agent_reregister_timeout_ms,
    offerTimeoutMs: options.offerTimeoutMs ?? offer_timeout_ms,
    heartbeatIntervalSeconds: options.heartbeatIntervalSeconds ?? heartbeat_interval_seconds,
    completedTasksPerFrameworkMax: options.completedTasksPerFrameworkMax ?? completed_tasks_per_framework_max,
    completedFrameworksMax: options.completedFrameworksMax ?? completed_frameworks_max,
    agentPortsDefault: options.agentPortsDefault ?? agent_ports_default,
    recovered: options.recovered,
    historyEffects: options.historyEffects ?? false,
    roles: options.roles,
  };
  const positive: Array<[string, number]> = [
    ['allocationIntervalMs', resolved.allocationIntervalMs],
    ['agentPingTimeoutMs', resolved.agentPingTimeoutMs],
    ['agentPingMissesMax', resolved.agentPingMissesMax],
    ['agentReregisterTimeoutMs', resolved.agentReregisterTimeoutMs],
    ['heartbeatIntervalSeconds', resolved.heartbeatIntervalSeconds],
  ];
  for (const [name, value] of positive) {
    if (!(Number.isFinite(value) && value > 0))
      throw new Error(`master options: ${name} must be > 0, got ${value}`);
  }
  const nonNegative: Array<[string, number]> = [
    ['offerTimeoutMs', resolved.offerTimeoutMs],
    ['completedTasksPerFrameworkMax', resolved.completedTasksPerFrameworkMax],
    ['completedFrameworksMax', resolved.completedFrameworksMax],
    ...(resolved.joinAllocationDelayMs === undefined
      ? []
      : [['joinAllocationDelayMs', resolved.joinAllocationDelayMs] as [string, number]]),
  ];
  for (const [name, value] of nonNegative) {
    if (!(Number.isFinite(value) && value >= 0))
      throw new Error(`master options: ${name} must be >= 0, got ${value}`);
  }
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(resolved.ip)) {
    throw new Error(`master options: ip must be a dotted IPv4 address, got '${resolved.ip}'`);
  }
  return resolved;
}
