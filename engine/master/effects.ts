// Everything the master asks its host to do, as data. `step` returns these in order; the host
// performs them (sends, timers, registry writes, trace records) and never decides anything itself.
import type { Quota } from '../allocator/allocator.ts';
import type { TraceEvent } from '../events.ts';
import type { Resource } from '../resources.ts';
import type { CompletedFramework } from './options.ts';
import type { SchedulerEvent } from './scheduler-api.ts';
import type { TaskRecord } from './state.ts';
import type {
  AgentInfo,
  ExecutorInfo,
  FrameworkInfo,
  Id,
  KillPolicy,
  MachineID,
  MaintenanceWindow,
  Operation,
  TaskInfo,
} from './v1.ts';

/** A v1 scheduler event for one framework, to be written on its stream `stream_id`. */
export interface FrameworkEventEffect {
  readonly type: 'framework_event';
  readonly framework_id: string;
  readonly stream_id: string;
  readonly event: SchedulerEvent;
}

/** Close a framework's event stream (after failover, teardown or removal). */
export interface CloseFrameworkStreamEffect {
  readonly type: 'close_framework_stream';
  readonly framework_id: string;
  readonly stream_id: string;
}

/** The messages the master sends to agents. */
export type AgentMessage =
  /** Registration accepted: the agent's id from now on. */
  | { readonly type: 'registered'; readonly agent_id: Id }
  /** Re-registration accepted. */
  | { readonly type: 'reregistered'; readonly agent_id: Id }
  /** Run one task (with `command`, or under `executor`). */
  | { readonly type: 'run_task'; readonly framework_info: FrameworkInfo; readonly task: TaskInfo }
  /** Run a task group under a (default) executor. */
  | {
      readonly type: 'run_task_group';
      readonly framework_info: FrameworkInfo;
      readonly executor: ExecutorInfo;
      readonly task_group: { readonly tasks: readonly TaskInfo[] };
    }
  | {
      readonly type: 'kill_task';
      readonly framework_id: Id;
      readonly task_id: Id;
      readonly kill_policy?: KillPolicy;
    }
  /** A framework acknowledged a status update: the agent may stop resending it. */
  | {
      readonly type: 'acknowledge';
      readonly framework_id: Id;
      readonly task_id: Id;
      readonly uuid: string;
    }
  /**
   * After a re-registration: tasks the master believes are on the agent but the agent did not
   * report. The agent answers each with a status update (TASK_DROPPED or TASK_LOST when it does
   * not know the task, its latest state otherwise).
   */
  | {
      readonly type: 'reconcile_tasks';
      readonly framework_id: Id;
      readonly tasks: ReadonlyArray<{ readonly task_id: Id; readonly state: string }>;
    }
  | { readonly type: 'shutdown_framework'; readonly framework_id: Id }
  | { readonly type: 'shutdown_executor'; readonly framework_id: Id; readonly executor_id: Id }
  | {
      readonly type: 'framework_message';
      readonly framework_id: Id;
      readonly executor_id: Id;
      readonly data: string;
    }
  /**
   * The master applied an offer operation to the agent's resources: RESERVE, UNRESERVE, CREATE,
   * DESTROY (a framework's or an operator's), GROW_VOLUME or SHRINK_VOLUME (an operator's), with the
   * resources it converted (allocated wire form; for CREATE and DESTROY the volumes). `framework_id`
   * is absent for an operator's operation. `resources` is the agent's whole total after it: the agent checkpoints it and reports
   * it as `agent_info.resources` when it re-registers, so reservations and volumes outlive restarts
   * of either side. On CREATE the agent makes the volume's directory; on DESTROY it may remove it.
   */
  | {
      readonly type: 'apply_operation';
      readonly framework_id?: Id;
      readonly operation: Operation;
      readonly resources: readonly Resource[];
    }
  /** Health check; the agent answers with a pong. */
  | { readonly type: 'ping'; readonly connected: boolean }
  /** The agent is not (or no longer) part of the cluster and must shut down. */
  | { readonly type: 'shutdown'; readonly message: string };

/** A message to one agent, over the host connection `connection` (`agent_id` is '' before it has one). */
export interface AgentMessageEffect {
  readonly type: 'agent_message';
  readonly agent_id: string;
  readonly connection: string;
  readonly message: AgentMessage;
}

/** Arm (or re-arm: a key names one timer, the newest setting wins) a timer firing at `at_ms`. */
export interface SetTimerEffect {
  readonly type: 'set_timer';
  readonly key: string;
  readonly at_ms: number;
}

/** Disarm a timer. */
export interface CancelTimerEffect {
  readonly type: 'cancel_timer';
  readonly key: string;
}

/** What a registry must persist so that a new leading master can recover (`framework_added` also updates). */
export type RegistryEffect =
  | {
      readonly type: 'registry';
      readonly op: 'agent_admitted';
      readonly agent_id: string;
      readonly agent_info: AgentInfo;
    }
  | { readonly type: 'registry'; readonly op: 'agent_removed'; readonly agent_id: string }
  | {
      readonly type: 'registry';
      readonly op: 'agent_unreachable';
      readonly agent_id: string;
      readonly time_ms: number;
    }
  | {
      readonly type: 'registry';
      readonly op: 'framework_added';
      readonly framework_id: string;
      readonly framework_info: FrameworkInfo;
    }
  | { readonly type: 'registry'; readonly op: 'framework_removed'; readonly framework_id: string }
  | {
      readonly type: 'registry';
      readonly op: 'weights_updated';
      readonly weights: ReadonlyArray<{ readonly role: string; readonly weight: number }>;
    }
  | { readonly type: 'registry'; readonly op: 'quota_updated'; readonly role: string; readonly quota: Quota }
  /** The whole maintenance schedule and the machines of it that are DOWN, after any change. */
  | {
      readonly type: 'registry';
      readonly op: 'maintenance_updated';
      readonly windows: readonly MaintenanceWindow[];
      readonly down_machines: readonly MachineID[];
    };

/**
 * Completed history (when the master's `historyEffects` asks for it): a task or framework that
 * ended, for a host that keeps what /master/state shows across restarts. Not a registry change:
 * nothing waits for it to be stored.
 */
export type HistoryEffect =
  | {
      readonly type: 'history';
      readonly op: 'task_completed';
      readonly framework_id: string;
      readonly task: TaskRecord;
    }
  | {
      readonly type: 'history';
      readonly op: 'framework_completed';
      readonly framework: Omit<CompletedFramework, 'tasks'>;
    };

/** One trace event for the trace, the live feed and the visualizer. */
export interface TraceEffect {
  readonly type: 'trace';
  readonly event: TraceEvent;
}

/** The input was a call the master refuses: the host answers it with this HTTP status and message. */
export interface CallErrorEffect {
  readonly type: 'call_error';
  readonly status: 400 | 403 | 404 | 409 | 501;
  readonly message: string;
}

/** Every effect of the master, discriminated by `type`. */
export type MasterEffect =
  | FrameworkEventEffect
  | CloseFrameworkStreamEffect
  | AgentMessageEffect
  | SetTimerEffect
  | CancelTimerEffect
  | RegistryEffect
  | HistoryEffect
  | TraceEffect
  | CallErrorEffect;
