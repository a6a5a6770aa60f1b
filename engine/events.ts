// The trace event schema shared by traces, the live feed and the visualizer. The master emits one
// of these (inside a `trace` effect) for every decision worth watching: agents coming and going,
// frameworks subscribing and leaving, each offer's life (made, accepted, declined, rescinded),
// task launches and status changes, and each allocation cycle. Events are ordered by `time_ms`,
// then `seq` (a counter of the emitting engine), so a trace sorts the same way every time.
//
// Resources appear as flat summaries (`{cpus, mem, disk, gpus, ports: '[31000-32000]'}`), the form
// /master/state uses, so a viewer needs no resource algebra.

/** A flat resource summary: scalar totals by name, ranges and sets as text. */
export type ResourceSummary = Readonly<Record<string, number | string>>;

/** Fields every trace event carries: when it happened and its place in the emitter's sequence. */
export interface TraceBase {
  /** Engine time of the event, in ms. */
  readonly time_ms: number;
  /** Counter of the emitting engine, increasing by one per event: the tie-break after time. */
  readonly seq: number;
}

/** An agent joined (registered, or re-registered after a disconnection or a master failover). */
export interface AgentAddedEvent extends TraceBase {
  readonly type: 'agent_added';
  readonly agent_id: string;
  readonly hostname: string;
  readonly resources: ResourceSummary;
  readonly reregistered: boolean;
}

/** An agent left: removed, or marked unreachable (it may come back). */
export interface AgentRemovedEvent extends TraceBase {
  readonly type: 'agent_removed';
  readonly agent_id: string;
  readonly unreachable: boolean;
  readonly reason: string;
}

/** A framework subscribed, re-subscribed (failover), or was recovered from an agent's report. */
export interface FrameworkAddedEvent extends TraceBase {
  readonly type: 'framework_added';
  readonly framework_id: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly how: 'subscribed' | 'resubscribed' | 'recovered';
}

/** A framework's stream closed; it has until its failover timeout to come back. */
export interface FrameworkDisconnectedEvent extends TraceBase {
  readonly type: 'framework_disconnected';
  readonly framework_id: string;
  readonly failover_timeout_seconds: number;
}

/** A framework was removed (teardown, failover timeout, operator). */
export interface FrameworkRemovedEvent extends TraceBase {
  readonly type: 'framework_removed';
  readonly framework_id: string;
  readonly reason: string;
}

/** An offer was made to a framework. */
export interface OfferMadeEvent extends TraceBase {
  readonly type: 'offer_made';
  readonly offer_id: string;
  readonly framework_id: string;
  readonly agent_id: string;
  readonly role: string;
  readonly resources: ResourceSummary;
}

/** An offer was accepted (alone or with others on the same agent). */
export interface OfferAcceptedEvent extends TraceBase {
  readonly type: 'offer_accepted';
  readonly offer_id: string;
  readonly framework_id: string;
  readonly agent_id: string;
  /** Tasks launched by the accept call this offer was part of. */
  readonly tasks_launched: number;
}

/** An offer was declined, with the filter the framework asked for. */
export interface OfferDeclinedEvent extends TraceBase {
  readonly type: 'offer_declined';
  readonly offer_id: string;
  readonly framework_id: string;
  readonly agent_id: string;
  readonly refuse_seconds: number;
}

/** An offer was taken back (agent removed, framework failed over or disconnected, timeout, bad accept). */
export interface OfferRescindedEvent extends TraceBase {
  readonly type: 'offer_rescinded';
  readonly offer_id: string;
  readonly framework_id: string;
  readonly agent_id: string;
  readonly reason: string;
}

/** A task was sent to an agent to run. */
export interface TaskLaunchedEvent extends TraceBase {
  readonly type: 'task_launched';
  readonly task_id: string;
  readonly framework_id: string;
  readonly agent_id: string;
  readonly resources: ResourceSummary;
}

/** A task changed state (from the agent, or decided by the master: lost, error, dropped ...). */
export interface TaskStatusEvent extends TraceBase {
  readonly type: 'task_status';
  readonly task_id: string;
  readonly framework_id: string;
  readonly agent_id: string;
  readonly state: string;
  readonly reason?: string;
  readonly source: string;
}

/** One allocation cycle ran. */
export interface AllocationCycleEvent extends TraceBase {
  readonly type: 'allocation_cycle';
  /** Active agents the cycle could visit. */
  readonly agents_visited: number;
  readonly offers_made: number;
  /** Frameworks that received at least one offer. */
  readonly frameworks_offered: number;
}

/** An input the master dropped on purpose (stale, from the wrong agent, for an unknown task ...). */
export interface InputIgnoredEvent extends TraceBase {
  readonly type: 'input_ignored';
  readonly input: string;
  readonly reason: string;
}

/** Every trace event, discriminated by `type`. */
export type TraceEvent =
  | AgentAddedEvent
  | AgentRemovedEvent
  | FrameworkAddedEvent
  | FrameworkDisconnectedEvent
  | FrameworkRemovedEvent
  | OfferMadeEvent
  | OfferAcceptedEvent
  | OfferDeclinedEvent
  | OfferRescindedEvent
  | TaskLaunchedEvent
  | TaskStatusEvent
  | AllocationCycleEvent
  | InputIgnoredEvent;

/** A trace event before the emitter stamps it with `time_ms` and `seq`. */
export type TraceEventBody = Unstamped<TraceEvent>;

/** Distributes Omit over the union, so each member keeps its own fields. */
type Unstamped<E> = E extends TraceEvent ? Omit<E, 'time_ms' | 'seq'> : never;

/** The first line of a trace file: what it is and the version of this schema it was written in. */
export interface TraceHeader {
  readonly format: 'meso-trace';
  /** Bumped when an event's meaning or a field's type changes; new fields and event types keep it. */
  readonly version: number;
}

/** The header of traces written with this version of the schema. */
export const trace_header: TraceHeader = { format: 'meso-trace', version: 1 };
