// The operator API's SUBSCRIBE stream: SUBSCRIBED with a snapshot of the whole state, then events
// derived from the engine's trace (TASK_ADDED, TASK_UPDATED, AGENT_ADDED, AGENT_REMOVED,
// FRAMEWORK_ADDED, FRAMEWORK_UPDATED, FRAMEWORK_REMOVED) and a HEARTBEAT every interval. Each
// trace event is turned into its operator event as it is performed, right after the step that made
// it, reading only the task, agent or framework it names through the engine's lookups (never the
// whole state), and encoded once for all subscribers. A subscriber that leaves more than
// `stream_buffer_bytes_max` unread is dropped, the snapshot it was sent first not counted while it is
// still going out.
import type { ServerResponse } from 'node:http';
import type { TraceEvent } from '../../engine/events.ts';
import type { MasterLookups } from '../../engine/master/lookups.ts';
import type { TaskSource, TaskState, TaskStatus } from '../../engine/master/v1.ts';
import type { TaskView } from '../../engine/master/view.ts';
import { stream_buffer_bytes_max } from '../constants.ts';
import { application_json } from '../http-util.ts';
import type { Log } from '../log.ts';
import { encodeRecord } from '../wire/recordio.ts';
import type { MasterHost } from './master-host.ts';
import { getState, v1Agent, v1Framework, v1Task } from './operator-shapes.ts';

/** The operator event subscribers of one master. */
export interface OperatorSubscribers {
  /** Starts a stream on `res`: 200, SUBSCRIBED, HEARTBEAT, then events. */
  subscribe(res: ServerResponse): void;
  /** Ends every stream (the master is stopping). */
  closeAll(): void;
  readonly size: number;
}

/** Trace event types that become operator events. */
const relevant: ReadonlySet<TraceEvent['type']> = new Set([
  'agent_added',
  'agent_removed',
  'framework_added',
  'framework_disconnected',
  'framework_removed',
  'task_launched',
  'task_status',
]);

/** The status a TASK_UPDATED carries: the one the framework was sent, or what the trace tells. */
function updatedStatus(
  event: Extract<TraceEvent, { type: 'task_status' }>,
  task: TaskView | undefined,
): TaskStatus {
  // The task's latest status is the one this trace event recorded, unless the task has moved on
  // within the same step (or the master does not hold the task: an update it only forwarded).
  if (task?.status !== undefined && task.status.state === event.state) return task.status;
  return {
    task_id: { value: event.task_id },
    // The trace keeps the engine's own states and sources as text.
    state: event.state as TaskState,
    source: event.source as TaskSource,
    ...(event.reason === undefined ? {} : { reason: event.reason }),
    agent_id: { value: event.agent_id },
    timestamp: event.time_ms / 1000,
  };
}

/** The operator event for one trace event, if it has one. */
export function operatorEvent(
  event: TraceEvent,
  lookups: MasterLookups,
  version: string,
): Record<string, unknown> | undefined {
  switch (event.type) {
    case 'agent_added': {
      const agent = lookups.agent(event.agent_id);
      if (agent === undefined) return undefined;
      return { type: 'AGENT_ADDED', agent_added: { agent: v1Agent(agent, version) } };
    }
    case 'agent_removed':
      return { type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: event.agent_id } } };
    case 'framework_added':
    case 'framework_disconnected': {
      const framework = lookups.framework(event.framework_id);
      if (framework === undefined) return undefined;
      const added = event.type === 'framework_added' && event.how !== 'resubscribed';
      const body = { framework: v1Framework(framework) };
      return added
        ? { type: 'FRAMEWORK_ADDED', framework_added: body }
        : { type: 'FRAMEWORK_UPDATED', framework_updated: body };
    }
    case 'framework_removed': {
      const info = lookups.framework(event.framework_id)?.info ?? { id: { value: event.framework_id } };
      return { type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: info } };
    }
    case 'task_launched': {
      const task = lookups.task(event.framework_id, event.task_id);
      if (task === undefined) return undefined;
      return { type: 'TASK_ADDED', task_added: { task: v1Task(task) } };
    }
    case 'task_status': {
      const task = lookups.task(event.framework_id, event.task_id);
      return {
        type: 'TASK_UPDATED',
        task_updated: {
          framework_id: { value: event.framework_id },
          status: updatedStatus(event, task),
          state: task?.state ?? event.state,
        },
      };
    }
    default:
      return undefined;
  }
}

/** Creates the operator subscribers of a master, fed by its trace. */
export function createOperatorSubscribers(
  host: MasterHost,
  log: Log,
  heartbeat_interval_seconds: number,
): OperatorSubscribers {
  const subscribers = new Set<ServerResponse>();
  /**
   * The snapshot of a subscriber still being written: it is allowed beyond the bound on unread
   * bytes (a large cluster's state alone passes it), until it has gone out.
   */
  const snapshots = new WeakMap<ServerResponse, number>();
  let heartbeat: NodeJS.Timeout | undefined;

  /** Writes one encoded record to one subscriber, dropping a subscriber that does not read. */
  function send(res: ServerResponse, record: Buffer): void {
    if (res.writableEnded || res.destroyed) return;
    res.write(record);
    if (res.writableLength > stream_buffer_bytes_max + (snapshots.get(res) ?? 0)) {
      log.warn('operator stream dropped: the client is not reading', { unread_bytes: res.writableLength });
      res.destroy();
    }
  }

  function broadcast(event: unknown): void {
    const record = encodeRecord(event);
    for (const res of subscribers) send(res, record);
  }

  host.feed.on('trace', (event) => {
    if (subscribers.size === 0 || !relevant.has(event.type)) return;
    const out = operatorEvent(event, host.master.lookups, host.master.info.version);
    if (out !== undefined) broadcast(out);
  });

  function stopHeartbeats(): void {
    if (heartbeat !== undefined) clearInterval(heartbeat);
    heartbeat = undefined;
  }

  return {
    subscribe(res) {
      res.writeHead(200, { 'Content-Type': application_json });
      res.socket?.setNoDelay(true);
      subscribers.add(res);
      res.on('error', (err) => log.debug('operator stream error', { error: err.message }));
      res.on('close', () => {
        subscribers.delete(res);
        if (subscribers.size === 0) stopHeartbeats();
      });
      const snapshot = encodeRecord({
        type: 'SUBSCRIBED',
        subscribed: { get_state: getState(host.master.state()), heartbeat_interval_seconds },
      });
      snapshots.set(res, snapshot.length);
      res.once('drain', () => snapshots.delete(res));
      send(res, snapshot);
      send(res, encodeRecord({ type: 'HEARTBEAT' }));
      if (heartbeat === undefined) {
        heartbeat = setInterval(() => broadcast({ type: 'HEARTBEAT' }), heartbeat_interval_seconds * 1000);
        heartbeat.unref();
      }
    },
    closeAll() {
      stopHeartbeats();
      const open = [...subscribers];
      subscribers.clear();
      for (const res of open) res.end();
    },
    get size() {
      return subscribers.size;
    },
  };
}
