// The agent's status update manager, as Mesos's: every task has a stream of updates delivered to
// the master in order, one at a time. The head of a stream is sent, and re-sent with exponential
// backoff (Mesos: from 10 s up to 10 min), until the framework's acknowledgement comes back through
// the master; only then is the next update of that task sent. While the agent has no master the
// manager is paused: updates queue, and resuming sends the head of every stream at once.
import { randomBytes } from 'node:crypto';
import type { TaskStatus } from '../../engine/master/v1.ts';
import {
  status_update_retry_ms_max_default,
  status_update_retry_ms_min_default,
  status_updates_per_task_max,
} from '../constants.ts';

/** A fresh status update uuid: 16 random bytes, base64 (24 characters). */
export function newStatusUuid(): string {
  return randomBytes(16).toString('base64');
}

/** Whether `uuid` is 16 bytes in base64, as an UPDATE's status must carry. */
export function isStatusUuid(uuid: unknown): uuid is string {
  return typeof uuid === 'string' && /^[A-Za-z0-9+/]{21}[AQgw]==$/.test(uuid);
}

/** Options of a status update manager. */
export interface StatusUpdateManagerOptions {
  readonly retry_ms_min?: number;
  readonly retry_ms_max?: number;
  /** Sends one update to the master (called only while resumed). */
  readonly forward: (framework_id: string, status: TaskStatus) => void;
}

/** One task's queue of updates; the first is the one in flight. */
interface Stream {
  readonly framework_id: string;
  readonly task_id: string;
  readonly pending: TaskStatus[];
  retry_ms: number;
  timer: NodeJS.Timeout | undefined;
}

/** The status update manager's operations. */
export interface StatusUpdateManager {
  /** Queues an update (it must carry a uuid); sends it now if it heads its stream. */
  update(framework_id: string, status: TaskStatus): void;
  /**
   * The master forwarded an acknowledgement. Returns the acknowledged update when it matched the
   * head of its stream (which then sends the next), undefined for a duplicate or unknown one.
   */
  acknowledge(framework_id: string, task_id: string, uuid: string): TaskStatus | undefined;
  /** The agent lost its master: stop sending, keep queuing. */
  pause(): void;
  /** The agent has a master again: send the head of every stream now, with fresh backoff. */
  resume(): void;
  /** The update of a task in flight (sent, not yet acknowledged), if any. */
  inFlight(framework_id: string, task_id: string): TaskStatus | undefined;
  /** The newest queued update of a task, if any. */
  newest(framework_id: string, task_id: string): TaskStatus | undefined;
  /** Every update of a task not yet acknowledged, oldest (the one in flight) first. */
  pending(framework_id: string, task_id: string): readonly TaskStatus[];
  /** Number of updates not yet acknowledged, over all tasks. */
  unacknowledged(): number;
  /** Drops every stream of a framework (it was shut down: nobody will acknowledge). */
  dropFramework(framework_id: string): void;
  /** Stops every timer; the manager sends nothing more. */
  stop(): void;
}

/** Creates a status update manager, paused until `resume`. */
export function createStatusUpdateManager(options: StatusUpdateManagerOptions): StatusUpdateManager {
  const retry_ms_min = options.retry_ms_min ?? status_update_retry_ms_min_default;
  const retry_ms_max = options.retry_ms_max ?? status_update_retry_ms_max_default;
  if (!(retry_ms_min > 0) || !(retry_ms_max >= retry_ms_min)) {
    throw new Error(
      `status update retry must satisfy 0 < min <= max, got min ${retry_ms_min} ms, max ${retry_ms_max} ms`,
    );
  }
  const streams = new Map<string, Stream>();
  let resumed = false;
  let stopped = false;
  const key = (framework_id: string, task_id: string): string => `${framework_id}\u0000${task_id}`;

  // Sends the head of a stream and arms its re-send; the backoff doubles at every re-send.
  const send = (stream: Stream): void => {
    clearTimeout(stream.timer);
    stream.timer = undefined;
    const head = stream.pending[0];
    if (head === undefined || !resumed || stopped) return;
    options.forward(stream.framework_id, head);
    stream.timer = setTimeout(() => {
      stream.retry_ms = Math.min(stream.retry_ms * 2, retry_ms_max);
      send(stream);
    }, stream.retry_ms);
    stream.timer.unref();
  };

  return {
    update(framework_id, status) {
      if (stopped) return;
      if (!isStatusUuid(status.uuid)) {
        throw new Error(`a status update needs a 16-byte base64 uuid, got ${String(status.uuid)}`);
      }
      const k = key(framework_id, status.task_id.value);
      let stream = streams.get(k);
      if (stream === undefined) {
        stream = {
          framework_id,
          task_id: status.task_id.value,
          pending: [],
          retry_ms: retry_ms_min,
          timer: undefined,
        };
        streams.set(k, stream);
      }
      if (stream.pending.length >= status_updates_per_task_max) {
        throw new Error(
          `task ${status.task_id.value} of framework ${framework_id} has ${status_updates_per_task_max} ` +
            'unacknowledged status updates: its framework does not acknowledge them',
        );
      }
      stream.pending.push(status);
      if (stream.pending.length === 1) send(stream);
    },
    acknowledge(framework_id, task_id, uuid) {
      const k = key(framework_id, task_id);
      const stream = streams.get(k);
      const head = stream?.pending[0];
      if (stream === undefined || head === undefined || head.uuid !== uuid) return undefined;
      stream.pending.shift();
      stream.retry_ms = retry_ms_min;
      if (stream.pending.length === 0) {
        clearTimeout(stream.timer);
        streams.delete(k);
      } else {
        send(stream);
      }
      return head;
    },
    pause() {
      resumed = false;
      for (const stream of streams.values()) {
        clearTimeout(stream.timer);
        stream.timer = undefined;
      }
    },
    resume() {
      resumed = true;
      for (const stream of streams.values()) {
        stream.retry_ms = retry_ms_min;
        send(stream);
      }
    },
    inFlight: (framework_id, task_id) => streams.get(key(framework_id, task_id))?.pending[0],
    newest: (framework_id, task_id) => streams.get(key(framework_id, task_id))?.pending.at(-1),
    pending: (framework_id, task_id) => [...(streams.get(key(framework_id, task_id))?.pending ?? [])],
    unacknowledged() {
      let count = 0;
      for (const stream of streams.values()) count += stream.pending.length;
      return count;
    },
    dropFramework(framework_id) {
      for (const [k, stream] of streams) {
        if (stream.framework_id !== framework_id) continue;
        clearTimeout(stream.timer);
        streams.delete(k);
      }
    },
    stop() {
      stopped = true;
      for (const stream of streams.values()) clearTimeout(stream.timer);
      streams.clear();
    },
  };
}
