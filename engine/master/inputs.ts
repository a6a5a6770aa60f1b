// Everything that can happen to the master, as data. A host turns each HTTP call, agent message,
// closed connection, fired timer and operator request into one MasterInput and calls `step`.
//
// Addressing fields at the top level of an input (framework_id, agent_id, stream_id, connection,
// key) are plain strings chosen or learned by the host; message bodies that mirror Mesos messages
// keep the v1 shapes (`{value}` ids, snake_case names).
import type { Quota } from '../allocator/allocator.ts';
import type { SchedulerCall } from './scheduler-api.ts';
import type {
  AgentInfo,
  ExecutorInfo,
  FrameworkInfo,
  MachineID,
  MaintenanceSchedule,
  Operation,
  Task,
  TaskStatus,
} from './v1.ts';

/**
 * Marks the master started (the first input of any kind does this too): records the start time,
 * arms the allocation timer and, when recovering from a registry, the agent re-registration timeout.
 */
export interface StartInput {
  readonly type: 'start';
}

/**
 * A v1 scheduler call. For SUBSCRIBE, `stream_id` is the token of the new stream the host opened
 * (it becomes the `Mesos-Stream-Id`); for other calls, the request's `Mesos-Stream-Id` header.
 */
export interface SchedulerCallInput {
  readonly type: 'scheduler_call';
  readonly stream_id?: string;
  /** The principal the caller authenticated as, when the host authenticates frameworks. */
  readonly principal?: string;
  /** Tasks of an ACCEPT the host's authorizer refused (run_tasks), each with the reason. */
  readonly unauthorized_tasks?: ReadonlyArray<{ readonly task_id: string; readonly message: string }>;
  readonly call: SchedulerCall;
}

/** The host saw a framework's event stream close. */
export interface FrameworkDisconnectedInput {
  readonly type: 'framework_disconnected';
  readonly framework_id: string;
  readonly stream_id: string;
}

/**
 * An agent asks to join. `connection` is the host's token for reaching it (echoed on every message
 * to it); `ip` its address for offer URLs. `agent_info.resources` may also be the flag text form.
 */
export interface AgentRegisterInput {
  readonly type: 'agent_register';
  readonly connection: string;
  readonly ip?: string;
  readonly agent_info: Omit<AgentInfo, 'resources' | 'id'> & {
    readonly resources: AgentInfo['resources'] | string;
  };
  readonly version?: string;
}

/** An agent that holds an id (after its own restart with recovery, or a master failover) rejoins. */
export interface AgentReregisterInput {
  readonly type: 'agent_reregister';
  readonly connection: string;
  readonly ip?: string;
  readonly agent_info: Omit<AgentInfo, 'resources'> & {
    readonly id: { readonly value: string };
    readonly resources: AgentInfo['resources'] | string;
  };
  readonly tasks?: readonly Task[];
  /** Executors running on the agent, each with its `framework_id`. */
  readonly executors?: readonly ExecutorInfo[];
  /** FrameworkInfo (with id) of every framework with tasks or executors on the agent. */
  readonly frameworks?: readonly FrameworkInfo[];
  readonly version?: string;
}

/** An agent leaves on purpose (graceful shutdown): it is removed at once. */
export interface AgentUnregisterInput {
  readonly type: 'agent_unregister';
  readonly agent_id: string;
}

/** The host lost its connection to an agent; health checks decide whether it is gone. */
export interface AgentDisconnectedInput {
  readonly type: 'agent_disconnected';
  readonly agent_id: string;
}

/** A task status update from an agent (`status.uuid` set: the framework must acknowledge it). */
export interface AgentStatusUpdateInput {
  readonly type: 'agent_status_update';
  readonly agent_id: string;
  readonly framework_id: string;
  readonly status: TaskStatus;
}

/** An agent's answer to a ping. Any agent input proves the agent alive; this one only does that. */
export interface AgentPongInput {
  readonly type: 'agent_pong';
  readonly agent_id: string;
}

/** An executor ended on an agent; `status` is its wait status (exit code) when known. */
export interface AgentExecutorExitedInput {
  readonly type: 'agent_executor_exited';
  readonly agent_id: string;
  readonly framework_id: string;
  readonly executor_id: string;
  readonly status?: number;
}

/** A message from an executor to its framework's scheduler (base64 `data`). */
export interface AgentExecutorMessageInput {
  readonly type: 'agent_executor_message';
  readonly agent_id: string;
  readonly framework_id: string;
  readonly executor_id: string;
  readonly data: string;
}

/** A timer the master set has fired. */
export interface TimerInput {
  readonly type: 'timer';
  readonly key: string;
}

/** An operator tears a framework down. */
export interface OperatorTeardownInput {
  readonly type: 'operator_teardown';
  readonly framework_id: string;
}

/** An operator sets role weights. */
export interface OperatorUpdateWeightsInput {
  readonly type: 'operator_update_weights';
  readonly weights: ReadonlyArray<{ readonly role: string; readonly weight: number }>;
}

/** An operator sets (or, with empty guarantees and no limits, clears) a role's quota. */
export interface OperatorUpdateQuotaInput {
  readonly type: 'operator_update_quota';
  readonly role: string;
  readonly quota: Quota;
}

/**
 * An operator changes the form of an agent's free resources: RESERVE, UNRESERVE, CREATE, DESTROY,
 * GROW_VOLUME or SHRINK_VOLUME (`operation` in the v1 Offer.Operation shape).
 */
export interface OperatorOperationInput {
  readonly type: 'operator_operation';
  readonly agent_id: string;
  readonly operation: Operation;
}

/** An operator turns offers for an agent off (deactivate) or back on (reactivate). */
export interface OperatorAgentActivationInput {
  readonly type: 'operator_deactivate_agent' | 'operator_reactivate_agent';
  readonly agent_id: string;
}

/** An operator drains an agent: offers off, its tasks killed (grace periods bounded, in ns). */
export interface OperatorDrainAgentInput {
  readonly type: 'operator_drain_agent';
  readonly agent_id: string;
  readonly mark_gone: boolean;
  readonly max_grace_period_ns?: number;
}

/** An operator declares an agent gone for good. */
export interface OperatorMarkAgentGoneInput {
  readonly type: 'operator_mark_agent_gone';
  readonly agent_id: string;
}

/** An operator sets the quota of several roles at once (UPDATE_QUOTA): all of them, or none. */
export interface OperatorUpdateQuotasInput {
  readonly type: 'operator_update_quotas';
  readonly quotas: ReadonlyArray<{ readonly role: string; readonly quota: Quota }>;
}

/** An operator replaces the maintenance schedule (UPDATE_MAINTENANCE_SCHEDULE). */
export interface OperatorUpdateMaintenanceScheduleInput {
  readonly type: 'operator_update_maintenance_schedule';
  readonly schedule: MaintenanceSchedule;
}

/** An operator takes DRAINING machines DOWN (START_MAINTENANCE) or DOWN machines UP (STOP_MAINTENANCE). */
export interface OperatorMaintenanceInput {
  readonly type: 'operator_start_maintenance' | 'operator_stop_maintenance';
  readonly machines: readonly MachineID[];
}

/** Every input of the master, discriminated by `type`. */
export type MasterInput =
  | StartInput
  | SchedulerCallInput
  | FrameworkDisconnectedInput
  | AgentRegisterInput
  | AgentReregisterInput
  | AgentUnregisterInput
  | AgentDisconnectedInput
  | AgentStatusUpdateInput
  | AgentPongInput
  | AgentExecutorExitedInput
  | AgentExecutorMessageInput
  | TimerInput
  | OperatorTeardownInput
  | OperatorUpdateWeightsInput
  | OperatorUpdateQuotaInput
  | OperatorUpdateQuotasInput
  | OperatorOperationInput
  | OperatorAgentActivationInput
  | OperatorDrainAgentInput
  | OperatorMarkAgentGoneInput
  | OperatorUpdateMaintenanceScheduleInput
  | OperatorMaintenanceInput;
