// The operator API's SUBSCRIBE stream: SUBSCRIBED with a snapshot of the whole state, then events
// derived from the engine's trace (TASK_ADDED, TASK_UPDATED, AGENT_ADDED, AGENT_REMOVED,
// FRAMEWORK_ADDED, FRAMEWORK_UPDATED, FRAMEWORK_REMOVED) and a HEARTBEAT every interval. Trace
// events are gathered and turned into operator events once per turn of the event loop, reading
// the state once for the whole batch.
import type { ServerResponse } from 'node:http';
import type { TraceEvent } from '../../engine/events.ts';
import type { FrameworkView, MasterStateView, TaskView } from '../../engine/master/view.ts';
import { encodeRecord } from '../sdk/recordio.ts';
import { stream_buffer_bytes_max } from './framework-streams.ts';
import { application_json } from './http-util.ts';
import type { Log } from './log.ts';
import type { MasterHost } from './master-host.ts';
import { agentsById, getState, v1Agent, v1Framework, v1Task } from './operator-shapes.ts';

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

/** Lookups into one view, built on first use. */
class ViewIndex {
  readonly view: MasterStateView;
  #frameworks: Map<string, FrameworkView> | undefined;
  #tasks: Map<string, TaskView> | undefined;
  constructor(view: MasterStateView) {
    this.view = view;
  }
  framework(id: string): FrameworkView | undefined {
    this.#frameworks ??= new Map(
      [...this.view.completed_frameworks, ...this.view.frameworks].map((f) => [f.id, f]),
    );
    return this.#frameworks.get(id);
  }
  task(frameworkId: string, taskId: string): TaskView | undefined {
    if (this.#tasks === undefined) {
      this.#tasks = new Map();
      for (const f of [...this.view.completed_frameworks, ...this.view.frameworks]) {
        for (const t of [...f.completed_tasks, ...f.unreachable_tasks, ...f.tasks]) {
          this.#tasks.set(`${t.framework_id}/${t.task_id}`, t);
        }
      }
    }
    return this.#tasks.get(`${frameworkId}/${taskId}`);
  }
}

/** The operator event for one trace event, if it has one. */
function operatorEvent(event: TraceEvent, index: ViewIndex): Record<string, unknown> | undefined {
  const view = index.view;
  switch (event.type) {
    case 'agent_added': {
      const agent = view.agents.find((a) => a.id === event.agent_id);
      if (agent === undefined) return undefined;
      return { type: 'AGENT_ADDED', agent_added: { agent: v1Agent(agent, view.master_info.version) } };
    }
    case 'agent_removed':
      return { type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: event.agent_id } } };
    case 'framework_added':
    case 'framework_disconnected': {
      const framework = index.framework(event.framework_id);
      if (framework === undefined) return undefined;
      const added = event.type === 'framework_added' && event.how !== 'resubscribed';
      const body = { framework: v1Framework(framework, agentsById(view)) };
      return added
        ? { type: 'FRAMEWORK_ADDED', framework_added: body }
        : { type: 'FRAMEWORK_UPDATED', framework_updated: body };
    }
    case 'framework_removed': {
      const info = index.framework(event.framework_id)?.info ?? { id: { value: event.framework_id } };
      return { type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: info } };
    }
    case 'task_launched': {
      const task = index.task(event.framework_id, event.task_id);
      if (task === undefined) return undefined;
      return { type: 'TASK_ADDED', task_added: { task: v1Task(task) } };
    }
    case 'task_status': {
      const status = {
        task_id: { value: event.task_id },
        state: event.state,
        source: event.source,
        ...(event.reason === undefined ? {} : { reason: event.reason }),
        agent_id: { value: event.agent_id },
        timestamp: event.time_ms / 1000,
      };
      return {
        type: 'TASK_UPDATED',
        task_updated: { framework_id: { value: event.framework_id }, status, state: event.state },
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
  let pending: TraceEvent[] = [];
  let heartbeat: NodeJS.Timeout | undefined;

  function send(res: ServerResponse, event: unknown): void {
    if (res.writableEnded || res.destroyed) return;
    res.write(encodeRecord(event));
    if (res.writableLength > stream_buffer_bytes_max) {
      log.warn('operator stream dropped: the client is not reading', { unread_bytes: res.writableLength });
      res.destroy();
    }
  }

  function flush(): void {
    const batch = pending;
    pending = [];
    if (subscribers.size === 0) return;
    const index = new ViewIndex(host.master.state());
    for (const event of batch) {
      const out = operatorEvent(event, index);
      if (out === undefined) continue;
      for (const res of subscribers) send(res, out);
    }
  }

  host.feed.on('trace', (event) => {
    if (subscribers.size === 0 || !relevant.has(event.type)) return;
    if (pending.length === 0) queueMicrotask(flush);
    pending.push(event);
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
      send(res, {
        type: 'SUBSCRIBED',
        subscribed: { get_state: getState(host.master.state()), heartbeat_interval_seconds },
      });
      send(res, { type: 'HEARTBEAT' });
      if (heartbeat === undefined) {
        heartbeat = setInterval(() => {
          for (const r of subscribers) send(r, { type: 'HEARTBEAT' });
        }, heartbeat_interval_seconds * 1000);
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
