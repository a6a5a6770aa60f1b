// The executor client: a custom executor's connection to its agent's v1 executor API. It reads
// where to connect and who it is from the MESOS_* environment the agent starts executors with,
// subscribes, hands out the agent's events (LAUNCH, KILL, ACKNOWLEDGED, MESSAGE, SHUTDOWN ...), and
// sends status updates, each with a fresh 16-byte uuid, keeping every update until the agent
// acknowledges it. When the stream breaks (the agent restarts), a checkpointing executor subscribes
// again within the recovery timeout, re-sending its unacknowledged updates and tasks.

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { TaskInfo, TaskState, TaskStatus } from '../../engine/master/v1.ts';
import {
  executor_subscribe_backoff_ms_max,
  executor_subscribe_backoff_ms_min,
  recovery_timeout_ms_default,
} from '../constants.ts';
import { type Log, silentLog } from '../log.ts';
import { backoffDelayMs } from '../wire/backoff.ts';
import { clientTlsFromEnvironment } from '../wire/tls.ts';
import { EventQueue } from './event-queue.ts';
import {
  type HttpTarget,
  openEventStream,
  postJson,
  type StreamRequest,
  sleepUnless,
  targetOf,
} from './http.ts';

/** The executor endpoint of an agent. */
export const executor_path = '/api/v1/executor';

/** An event of the executor API, as the agent sends it. */
export type ExecutorEvent =
  | { readonly type: 'SUBSCRIBED'; readonly subscribed: Readonly<Record<string, unknown>> }
  | { readonly type: 'LAUNCH'; readonly launch: { readonly task: TaskInfo } }
  | {
      readonly type: 'LAUNCH_GROUP';
      readonly launch_group: { readonly task_group: { readonly tasks: readonly TaskInfo[] } };
    }
  | { readonly type: 'KILL'; readonly kill: { readonly task_id: { readonly value: string } } }
  | {
      readonly type: 'ACKNOWLEDGED';
      readonly acknowledged: { readonly task_id: { readonly value: string }; readonly uuid: string };
    }
  | { readonly type: 'MESSAGE'; readonly message: { readonly data: string } }
  | { readonly type: 'ERROR'; readonly error: { readonly message: string } }
  | { readonly type: 'SHUTDOWN' }
  | { readonly type: 'HEARTBEAT' };

/** Who the executor is and where its agent is, from the environment the agent set. */
export interface ExecutorEnvironment {
  readonly framework_id: string;
  readonly executor_id: string;
  /** `ip:port` of the agent. */
  readonly agent_endpoint: string;
  readonly agent_id: string | undefined;
  readonly sandbox: string | undefined;
  readonly checkpoint: boolean;
  readonly recovery_timeout_ms: number;
}

/** Reads the MESOS_* variables; throws naming the first one missing. */
export function executorEnvironment(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ExecutorEnvironment {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') {
      throw new Error(`${name} is not set: an executor must be started by an agent, which sets it`);
    }
    return value;
  };
  const recovery = env.MESOS_RECOVERY_TIMEOUT;
  return {
    framework_id: required('MESOS_FRAMEWORK_ID'),
    executor_id: required('MESOS_EXECUTOR_ID'),
    agent_endpoint: required('MESOS_AGENT_ENDPOINT'),
    agent_id: env.MESOS_SLAVE_ID ?? env.MESOS_AGENT_ID,
    sandbox: env.MESOS_SANDBOX ?? env.MESOS_DIRECTORY,
    checkpoint: env.MESOS_CHECKPOINT === '1',
    recovery_timeout_ms: recovery === undefined ? recovery_timeout_ms_default : durationMs(recovery),
  };
}

/** A Mesos duration ('15mins', '5secs', '100ms', '2hrs') in ms. */
export function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ns|us|ms|secs|mins|hrs|days|weeks)$/.exec(text.trim());
  if (!match) throw new Error(`'${text}' is not a duration like 5secs or 15mins`);
  const unit_ms: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    ms: 1,
    secs: 1000,
    mins: 60_000,
    hrs: 3_600_000,
    days: 86_400_000,
    weeks: 604_800_000,
  };
  return Number(match[1]) * unit_ms[match[2]!]!;
}

/** A status update to send: the client adds uuid, source, executor id and timestamp. */
export interface ExecutorUpdate {
  readonly task_id: { readonly value: string };
  readonly state: TaskState;
  readonly message?: string;
  readonly reason?: string;
  /** Base64. */
  readonly data?: string;
  readonly healthy?: boolean;
}

/** A fresh status update uuid: 16 random bytes in base64. */
export function statusUuid(): string {
  return randomBytes(16).toString('base64');
}

/** The executor client's emissions. */
export type ExecutorClientEventMap = {
  event: [ExecutorEvent];
  subscribed: [Readonly<Record<string, unknown>>];
  disconnected: [string];
  closed: [string];
};

/** Options of an executor client. */
export interface ExecutorClientOptions {
  /** The environment to read MESOS_* and LIBPROCESS_SSL_* from (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log?: Log;
}

/** A v1 executor client; `subscribe()` connects it. */
export class ExecutorClient extends EventEmitter<ExecutorClientEventMap> {
  readonly environment: ExecutorEnvironment;
  readonly #target: HttpTarget;
  readonly #log: Log;
  readonly #closing = new AbortController();
  readonly #queues = new Set<EventQueue<ExecutorEvent>>();
  /** Updates sent and not yet acknowledged, by uuid, in the order they were made. */
  readonly #unacknowledged = new Map<string, TaskStatus>();
  /** Tasks launched for which no update has been acknowledged yet. */
  readonly #unacknowledged_tasks = new Map<string, TaskInfo>();
  #stream: StreamRequest | undefined;
  #subscribed = false;
  #closed_reason: string | undefined;
  #done: Promise<void> | undefined;

  constructor(options: ExecutorClientOptions = {}) {
    super();
    this.environment = executorEnvironment(options.env ?? process.env);
    // The agent is reached as libprocess would: over TLS when the environment's LIBPROCESS_SSL_* say so.
    this.#target = targetOf(
      this.environment.agent_endpoint,
      clientTlsFromEnvironment(options.env ?? process.env),
    );
    this.#log = options.log ?? silentLog;
  }

  /** Whether the stream to the agent is open and subscribed. */
  get isSubscribed(): boolean {
    return this.#subscribed;
  }

  /** Updates not yet acknowledged by the agent. */
  get unacknowledgedUpdates(): readonly TaskStatus[] {
    return [...this.#unacknowledged.values()];
  }

  /** Starts subscribing; resolves once SUBSCRIBED arrives (rejects if the client closes first). */
  subscribe(): Promise<void> {
    this.#done ??= this.#run();
    if (this.#subscribed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onSubscribed = (): void => {
        this.off('closed', onClosed);
        resolve();
      };
      const onClosed = (reason: string): void => {
        this.off('subscribed', onSubscribed);
        reject(new Error(`executor client closed: ${reason}`));
      };
      this.once('subscribed', onSubscribed);
      this.once('closed', onClosed);
    });
  }

  /** The events from now on, as an async iterator that ends when the client closes. */
  events(): AsyncIterableIterator<ExecutorEvent> {
    const queue: EventQueue<ExecutorEvent> = new EventQueue(() => this.#queues.delete(queue));
    if (this.#closed_reason !== undefined) queue.end();
    else this.#queues.add(queue);
    return queue;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutorEvent> {
    return this.events();
  }

  /**
   * Sends a status update with a fresh uuid and keeps it until ACKNOWLEDGED; resolves with the uuid.
   * While the agent is away the update waits and is re-sent on the next subscription; an update
   * the agent refuses (4xx) is dropped and the promise rejects.
   */
  async update(update: ExecutorUpdate): Promise<string> {
    const uuid = statusUuid();
    const status: TaskStatus = {
      ...update,
      executor_id: { value: this.environment.executor_id },
      source: 'SOURCE_EXECUTOR',
      timestamp: Date.now() / 1000,
      uuid,
    };
    this.#unacknowledged.set(uuid, status);
    if (!this.#subscribed) return uuid;
    const answer = await this.#post({ type: 'UPDATE', update: { status } }).catch((error: Error) => {
      this.#log.warn('executor client: update not sent; it is re-sent on the next subscription', {
        error: error.message,
      });
      return undefined;
    });
    if (answer !== undefined && answer.status >= 400 && answer.status < 500) {
      this.#unacknowledged.delete(uuid);
      throw new Error(`UPDATE answered ${answer.status}: ${answer.body.trim()}`);
    }
    return uuid;
  }

  /** Sends a message to the framework's scheduler (text is sent as its UTF-8 bytes). */
  async message(data: string | Buffer): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const answer = await this.#post({ type: 'MESSAGE', message: { data: bytes.toString('base64') } });
    if (answer.status !== 202) throw new Error(`MESSAGE answered ${answer.status}: ${answer.body.trim()}`);
  }

  /** Stops the client: closes the stream and ends the iterators. */
  async close(reason = 'closed by the executor'): Promise<void> {
    this.#closed_reason ??= reason;
    this.#closing.abort();
    this.#stream?.abort(reason);
    if (this.#done === undefined) this.#finish();
    else await this.#done;
  }

  /** POSTs a call with the executor's ids. */
  #post(body: Record<string, unknown>): ReturnType<typeof postJson> {
    const { framework_id, executor_id } = this.environment;
    const call = { framework_id: { value: framework_id }, executor_id: { value: executor_id }, ...body };
    return postJson(this.#target, executor_path, call);
  }

  /** The SUBSCRIBE call, carrying what the agent may not have received. */
  #subscribeCall(): Record<string, unknown> {
    const { framework_id, executor_id } = this.environment;
    return {
      type: 'SUBSCRIBE',
      framework_id: { value: framework_id },
      executor_id: { value: executor_id },
      subscribe: {
        unacknowledged_tasks: [...this.#unacknowledged_tasks.values()],
        unacknowledged_updates: [...this.#unacknowledged.values()].map((status) => ({ status })),
      },
    };
  }

  /** Subscribes, and again after a lost stream while within the recovery timeout. */
  async #run(): Promise<void> {
    let failures = 0;
    let disconnected_at: number | undefined;
    while (!this.#closing.signal.aborted) {
      const reason = await this.#attempt();
      if (this.#closing.signal.aborted) break;
      if (this.#subscribed) {
        this.#subscribed = false;
        failures = 0;
        disconnected_at = Date.now();
        this.emit('disconnected', reason);
      }
      disconnected_at ??= Date.now();
      const away_ms = Date.now() - disconnected_at;
      // Without checkpointing the agent does not recover executors, so there is nothing to wait for.
      if (!this.environment.checkpoint || away_ms > this.environment.recovery_timeout_ms) {
        this.#closed_reason ??= `lost the agent: ${reason}`;
        break;
      }
      await sleepUnless(
        backoffDelayMs(failures++, executor_subscribe_backoff_ms_min, executor_subscribe_backoff_ms_max),
        this.#closing.signal,
      );
    }
    this.#finish();
  }

  /** One subscription: resolves with why its stream ended (or why it could not open). */
  async #attempt(): Promise<string> {
    const request = openEventStream(this.#target, executor_path, this.#subscribeCall(), {
      onRecord: (record) => this.#onRecord(record),
    });
    this.#stream = request;
    let opening: Awaited<StreamRequest['opening']>;
    try {
      opening = await request.opening;
    } catch (error) {
      return `cannot reach the agent at ${this.environment.agent_endpoint}: ${(error as Error).message}`;
    }
    if (opening.kind === 'answer') {
      const { status, body } = opening.answer;
      return `SUBSCRIBE answered ${status}: ${body.trim()}`;
    }
    return opening.ended;
  }

  /** One event of the stream. */
  #onRecord(record: unknown): void {
    if (
      typeof record !== 'object' ||
      record === null ||
      typeof (record as { type?: unknown }).type !== 'string'
    ) {
      this.#log.warn('executor client: a record that is not an event was skipped', { record });
      return;
    }
    const event = record as ExecutorEvent;
    if (event.type === 'SUBSCRIBED') {
      this.#subscribed = true;
      this.emit('subscribed', event.subscribed);
    } else if (event.type === 'LAUNCH') {
      this.#unacknowledged_tasks.set(event.launch.task.task_id.value, event.launch.task);
    } else if (event.type === 'LAUNCH_GROUP') {
      for (const task of event.launch_group.task_group.tasks)
        this.#unacknowledged_tasks.set(task.task_id.value, task);
    } else if (event.type === 'ACKNOWLEDGED') {
      this.#unacknowledged.delete(event.acknowledged.uuid);
      this.#unacknowledged_tasks.delete(event.acknowledged.task_id.value);
    }
    try {
      this.emit('event', event);
    } catch (error) {
      this.#log.error('executor client: an event listener threw', { error: (error as Error).message });
    }
    for (const queue of this.#queues) queue.push(event);
  }

  /** Ends everything once the run loop is over. */
  #finish(): void {
    this.#subscribed = false;
    const reason = this.#closed_reason ?? 'closed';
    this.#closed_reason = reason;
    for (const queue of [...this.#queues]) queue.end();
    this.#queues.clear();
    this.emit('closed', reason);
  }
}
