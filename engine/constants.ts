// Every limit and default of the engine, in one place, with units last in each name.

/** Time between batched allocation cycles (Mesos --allocation_interval defaults to 1 s). */
export const allocation_interval_ms = 1000;
/** Default refuse_seconds for a decline, and for the unused part of an accept, in seconds. */
export const refuse_seconds_default = 5;
/** Upper bound on refuse_seconds (one year), as Mesos clamps it. */
export const refuse_seconds_max = 31_536_000;
/** Smallest offer worth making: at least this much cpus or this much mem (Mesos: 0.01 cpus, 32 MB). */
export const min_allocatable_cpus = 0.01;
export const min_allocatable_mem_mb = 32;
/** Default ports an agent offers when its resources name none. */
export const agent_ports_default = '[31000-32000]';
/** How often the master expects a ping from an agent, and how many it may miss. */
export const agent_ping_timeout_ms = 15_000;
export const agent_ping_misses_max = 5;
/** How long an offer stays out before the master rescinds it; 0 means never (as Mesos's default). */
export const offer_timeout_ms = 0;
/** Heartbeats to frameworks: below 10 s, since a widely used client drops a stream idle for 10 s. */
export const heartbeat_interval_seconds = 5;
/** Time an agent may take to re-register after a master failover before it is marked unreachable. */
export const agent_reregister_timeout_ms = 600_000;
/** Cap on completed tasks remembered per framework, and on completed frameworks. */
export const completed_tasks_per_framework_max = 1000;
export const completed_frameworks_max = 50;
/** Bound on the number of allocation rounds a scenario `run` may take before it stops. */
export const scenario_rounds_max = 10_000;
/** Limits on what a peer may name: a role's length, roles per framework, a weight, a quota amount. */
export const role_name_chars_max = 255;
export const framework_roles_max = 1000;
export const role_weight_max = 1_000_000;
export const quota_quantity_max = 1e15;
