// Every limit and default timing of the runtime (master, agent, wire, SDK), in one place, with
// units last in each name. The engine's own limits and defaults are in engine/constants.ts.

// HTTP, shared by the master and the agent.

/** Largest request body the master reads; a longer one is answered 413. */
export const request_body_bytes_max = 4 * 1024 * 1024;
/** Past this many discarded bytes of an oversize body the connection is dropped rather than drained. */
export const request_drain_bytes_max = 64 * 1024 * 1024;

// The master.

/** Bytes a client may leave unread on its scheduler or operator stream before the master drops it. */
export const stream_buffer_bytes_max = 16 * 1024 * 1024;
/** Bytes a client may leave unread on GET /master/events before the master drops it (a few seconds at thousands of offers a second). */
export const events_stream_buffer_bytes_max = 4 * 1024 * 1024;
/** How soon after a change the completed history is written (a kill -9 may lose what is newer). */
export const history_write_delay_ms = 200;
/** Buffers of sent state pages kept for reuse by the next page (a large page is tens of MB). */
export const state_page_spares_max = 2;
/** How long a stopping master waits for agents to finish the closing handshake before cutting them. */
export const agent_channel_close_wait_ms = 1000;

// The agent channel, both sides.

/** Largest message either side sends (a re-registration lists every task of the agent). */
export const agent_message_bytes_max = 16 * 1024 * 1024;

// The agent.

/** Largest request body the agent reads (an executor call); a longer one is answered 413. */
export const agent_request_body_bytes_max = 4 * 1024 * 1024;
/** How long a new connection to the agent has to send its first byte (which says TLS or plain). */
export const agent_first_byte_timeout_ms = 60_000;
/** How long the agent's HTTP server keeps an idle keep-alive connection open. */
export const agent_http_keep_alive_timeout_ms = 5000;
/** First registration backoff (Mesos: --registration_backoff_factor, 1 s). */
/** Depth of the master's accept queue (Node's default is 511; the kernel caps it at somaxconn). */
export const listen_backlog = 65_535;
/**
 * How soon the live master offers to a framework that subscribes or an agent that registers (Mesos's
 * allocator allocates on adding either); joins within it share one allocation cycle.
 */
export const join_allocation_delay_ms = 20;
export const registration_backoff_ms_min_default = 1000;
/** Longest registration backoff (Mesos: 1 min). */
export const registration_backoff_ms_max_default = 60_000;
/** How long a stopping agent waits for the master to finish the closing handshake before cutting it. */
export const master_link_close_wait_ms = 1000;
/** First re-send of an unacknowledged status update (Mesos: 10 s). */
export const status_update_retry_ms_min_default = 10_000;
/** Longest wait between re-sends of a status update (Mesos: 10 min). */
export const status_update_retry_ms_max_default = 600_000;
/** Most updates queued for one task: a stream this long means acknowledgements stopped for good. */
export const status_updates_per_task_max = 1000;
/** Statuses kept per task for /state and re-registration (the first and the newest). */
export const statuses_per_task_max = 100;
/** Executor exits held for the master while the agent has none (the oldest go first). */
export const unsent_executor_exits_max = 10_000;
/** Completed executors kept per framework for /state (Mesos: --max_completed_executors_per_framework). */
export const completed_executors_per_framework_max = 150;
/** Completed tasks kept per executor for /state (Mesos: max_completed_tasks_per_executor). */
export const completed_tasks_per_executor_max = 200;
/** Completed frameworks the agent keeps for /state (Mesos's agent: max_completed_frameworks). */
export const agent_completed_frameworks_max = 50;
/** Longest read /files/read answers: 16 pages, as Mesos caps it. */
export const files_read_bytes_max = 16 * 4096;
/** Most entries one /files/browse answer lists (the first ones by path). */
export const files_browse_entries_max = 10_000;
/** How long a custom executor has to subscribe (Mesos: --executor_registration_timeout, 1 min). */
export const executor_registration_timeout_ms_default = 60_000;
/** Time a custom executor has from SHUTDOWN to its kill (Mesos: --executor_shutdown_grace_period, 5 s). */
export const executor_shutdown_grace_ms_default = 5000;
// More than Mesos's 2 s, because executors subscribe again with a backoff of up to 2 s.
/** How long a recovered executor has to subscribe again (Mesos: --executor_reregistration_timeout, 2 s). */
export const executor_reregistration_timeout_ms_default = 5000;
/** Interval of HEARTBEAT events to subscribed executors (below the 10 s clients tolerate idle). */
export const executor_heartbeat_interval_ms_default = 5000;
/** How long a fetcher download may receive nothing before it is given up (Mesos: --fetcher_stall_timeout, 1 min). */
export const fetcher_stall_timeout_ms_default = 60_000;
/** Most redirects the fetcher follows for one URI. */
export const fetcher_redirects_max = 10;
/** Space of the fetcher cache (Mesos: --fetcher_cache_size, 2 GB). */
export const fetcher_cache_size_bytes_default = 2 * 1024 * 1024 * 1024;
/** Grace period between SIGTERM and SIGKILL when none is given (Mesos's command executor: 3 s). */
export const kill_grace_ms_default = 3000;
/** Grace period of the kills of an agent's stop: the agent is going away and does not wait long. */
export const agent_stop_kill_grace_ms = 500;
/** How long an agent's stop waits for the processes it killed to end. */
export const agent_stop_wait_ms = 5000;
/** How often a kill checks whether the process group has ended. */
export const kill_poll_ms = 20;
/** How long a kill waits for the group to vanish after SIGKILL before it gives up waiting. */
export const kill_reap_wait_ms = 2000;
/** How often the process groups watched for their end are checked. */
export const group_watch_poll_ms = 250;
/** How long a kill waits for a wrapped command to start before it signals anyway. */
export const command_start_wait_ms = 500;
/** How often that wait looks. */
export const command_start_poll_ms = 5;

// The SDK: scheduler and executor clients.

/** Largest RecordIO record the decoder accepts unless told otherwise (bytes of the body). */
export const recordio_record_bytes_max_default = 64 * 1024 * 1024;
/** Longest answer body a JSON POST reads into memory (error texts are short; anything longer is cut). */
export const post_answer_bytes_max = 1024 * 1024;
/** How long a JSON POST waits for its answer unless told otherwise. */
export const post_answer_timeout_ms_default = 30_000;
/** Longest head (status line and headers) of a pipelined call's answer. */
export const pipeline_answer_head_bytes_max = 64 * 1024;
/** Longest body of a pipelined call's answer (call answers are short texts). */
export const pipeline_answer_body_bytes_max = 4 * 1024 * 1024;
/** Calls waiting for answers on a pipeline at most, by default; more are refused at once. */
export const pipelined_calls_max_default = 100_000;
/** How long the oldest pipelined call waits for its answer before the connection is dropped, by default. */
export const pipeline_answer_timeout_ms_default = 30_000;
/**
 * How long a pipeline's connection stays open with no call waiting, by default: under the 5 s after
 * which Node's HTTP servers (the master's among them) close an idle keep-alive connection, so that
 * the client closes it first and no call races a server's close.
 */
export const pipeline_idle_close_ms_default = 4000;
/** First wait before a scheduler subscribes again (the wait doubles up to the max, with jitter). */
export const subscribe_backoff_ms_min_default = 100;
/** Longest wait before a scheduler subscribes again. */
export const subscribe_backoff_ms_max_default = 5000;
/** Heartbeat intervals without any event after which a scheduler's stream is taken for dead. */
export const heartbeat_misses_max_default = 3;
/** Times a scheduler call that may outlive a leader (ACKNOWLEDGE, RECONCILE, ...) is sent again. */
export const failover_call_retries_max = 20;
/** Redirects a scheduler follows in one attempt to subscribe. */
export const redirects_max_default = 8;
/** Heartbeat interval assumed until SUBSCRIBED says the real one (Mesos's default, 15 s). */
export const heartbeat_interval_seconds_assumed = 15;
/** How long a checkpointing executor tries to subscribe again (Mesos: MESOS_RECOVERY_TIMEOUT, 15 min). */
export const recovery_timeout_ms_default = 15 * 60 * 1000;
/** First wait before an executor subscribes again (the wait doubles up to the max, with jitter). */
export const executor_subscribe_backoff_ms_min = 100;
/** Longest wait before an executor subscribes again. */
export const executor_subscribe_backoff_ms_max = 2000;

// Containers (the linux launcher and its cgroups).

/** The agent's cgroups root below each hierarchy (Mesos: --cgroups_root, "mesos"). */
export const cgroups_root_default = 'meso';
/** Where cgroup hierarchies are mounted (Mesos: --cgroups_hierarchy). */
export const cgroups_hierarchy_default = '/sys/fs/cgroup';
/** CFS period of a container with a hard cpu quota (the kernel's default, 100 ms). */
export const cfs_period_us_default = 100_000;
/** cpu.shares per cpu (Mesos: CPU_SHARES_PER_CPU). */
export const cpu_shares_per_cpu = 1024;
/** pids.max of a container when --cgroups_pids_max names none. */
export const cgroups_pids_max_default = 4096;
/** How long a kill waits for a cgroup to freeze before it SIGKILLs what it holds anyway. */
export const cgroup_freeze_wait_ms = 1000;
/** How long a kill waits for a cgroup to empty after SIGKILL. */
export const cgroup_empty_wait_ms = 10_000;
/** How often the memory limit of running containers is checked for OOM kills. */
export const cgroup_oom_poll_ms = 200;
/** How often a recovered container's cgroup is checked for its end. */
export const cgroup_watch_poll_ms = 250;
/** Connections a master holds at most (below the 20,000 descriptors a process commonly gets). */
export const connections_max_default = 16_000;
/** How long a client has to send a request's headers before its connection is cut. */
export const header_timeout_ms_default = 10_000;
/** How long an idle keep-alive connection stays open (Node's default, which the SDK's pipeline expects). */
export const keep_alive_timeout_ms_default = 5000;
/** How long the sandbox of an ended executor run is kept (Mesos: --gc_delay, 1 week). */
export const gc_delay_ms_default = 7 * 24 * 3_600_000;
/** How often the agent reads its disk usage to remove sandboxes sooner (Mesos: --disk_watch_interval, 1 min). */
export const disk_watch_interval_ms_default = 60_000;
/** Disk fraction kept free: the fuller past it, the sooner sandboxes go (Mesos: --gc_disk_headroom). */
export const gc_disk_headroom_default = 0.1;
