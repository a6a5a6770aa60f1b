// The scheduler session under the scheduler client: a framework's connection to the v1 scheduler
// API over node:http. It subscribes (as a new framework, or again with its framework id after any
// disconnection), follows a standby master's 307 to the leader, retries 503s and unreachable
// masters with backoff (cut short when a new leader is detected), reads the RecordIO event stream
// (split at any byte), keeps the Mesos-Stream-Id for its calls, and treats a stream silent for
// `heartbeat_misses_max` heartbeat intervals as dead: it drops it and subscribes again. Events come
// out as 'event' emissions and through `events()`, an async iterator. Calls that may outlive a
// leader are sent again to the next.
import { EventEmitter } from 'node:events';
import type { FrameworkCall, SchedulerEvent, SubscribeCall } from '../../engine/master/scheduler-api.ts';
import type { FrameworkInfo } from '../../engine/master/v1.ts';
import {
  failover_call_retries_max,
  heartbeat_interval_seconds_assumed,
  heartbeat_misses_max_default,
  redirects_max_default,
  subscribe_backoff_ms_max_default,
  subscribe_backoff_ms_min_default,
} from '../constants.ts';
import { type Log, silentLog } from '../log.ts';
import { backoffDelayMs } from '../wire/backoff.ts';
import { basicAuthorization } from '../wire/credentials.ts';
import { hostPortOfMaster, type MasterDetector } from '../wire/master-address.ts';
import { clientTlsFromEnvironment, type Tls } from '../wire/tls.ts';
import type { ZkMasterDetector } from '../zk/detector.ts';
import { EventQueue } from './event-queue.ts';
import { type HttpTarget, hostPortOf, sleepUnless, targetOf } from './http.ts';
import { masterWentAway, SchedulerCalls, sentAgainAfterFailover } from './scheduler-calls.ts';
import {
  SchedulerCallError,
  type SchedulerClientEventMap,
  type SchedulerClientOptions,
  type Subscription,
  scheduler_path,
} from './scheduler-client-types.ts';
import { mastersOf } from './scheduler-masters.ts';
import { type SubscribeAttempt, subscribeAttempt } from './subscribe-attempt.ts';

/** How one attempt to subscribe ended. */
interface AttemptEnd {
  readonly reason: string;
  readonly was_subscribed: boolean;
  /** The client must not subscribe again (refused, ERROR event, or torn down). */
  readonly fatal: boolean;
}

/** A v1 scheduler session; it starts subscribing as soon as it is constructed. */
export class SchedulerSession extends EventEmitter<SchedulerClientEventMap> {
  readonly #masters: readonly string[];
  readonly #detector: MasterDetector | undefined;
  readonly #owned_detector: ZkMasterDetector | undefined;
  readonly #unfollow: (() => void) | undefined;
  readonly #framework_info: FrameworkInfo | (() => FrameworkInfo);
  readonly #log: Log;
  /** Headers every request carries (authorization, when a credential is given). */
  readonly #auth_headers: Readonly<Record<string, string>>;
  readonly #calls: SchedulerCalls;
  readonly #settings: Required<
    Pick<
      SchedulerClientOptions,
      'path' | 'backoff_ms_min' | 'backoff_ms_max' | 'heartbeat_misses_max' | 'redirects_max'
    >
  >;
  readonly #closing = new AbortController();
  /** Ends the backoff wait between attempts early: a new leader was detected. */
  #leader_changed = new AbortController();
  readonly #queues = new Set<EventQueue<SchedulerEvent>>();
  #master_index = 0;
  #framework_id: string | undefined;
  #subscription: Subscription | undefined;
  #target: HttpTarget | undefined;
  /** The TLS the masters are reached with (undefined: plain HTTP). */
  readonly #tls: Tls | undefined;
  #path: string;
  #stream: SubscribeAttempt | undefined;
  #pending_stream_id: string | undefined;
  #heartbeat_timer: NodeJS.Timeout | undefined;
  #heartbeat_interval_seconds = heartbeat_interval_seconds_assumed;
  #fatal: string | undefined;
  #closed_reason: string | undefined;
  readonly #done: Promise<void>;

  constructor(options: SchedulerClientOptions) {
    super();
    const { masters, detector, owned } = mastersOf(options.master);
    this.#masters = masters;
    this.#detector = detector;
    this.#owned_detector = owned;
    // A new leader: a stream still open to the old one is given up, to subscribe to the new, and
    // a wait before the next attempt ends at once (the backoff was for the master gone).
    this.#unfollow = detector?.onChange(() => {
      this.#leader_changed.abort();
      const leader = detector.leader();
      const now = this.#target === undefined ? undefined : hostPortOf(this.#target);
      if (leader !== undefined && now !== undefined && hostPortOfMaster(leader) !== now) {
        this.#stream?.abort('a new leading master was detected');
      }
    });
    this.#framework_info = options.framework_info;
    this.#log = options.log ?? silentLog;
    this.#auth_headers =
      options.credential === undefined ? {} : { Authorization: basicAuthorization(options.credential) };
    this.#calls = new SchedulerCalls(this.#auth_headers);
    this.#tls = options.tls === false ? undefined : (options.tls ?? clientTlsFromEnvironment());
    this.#settings = {
      path: options.path ?? scheduler_path,
      backoff_ms_min: options.backoff_ms_min ?? subscribe_backoff_ms_min_default,
      backoff_ms_max: options.backoff_ms_max ?? subscribe_backoff_ms_max_default,
      heartbeat_misses_max: options.heartbeat_misses_max ?? heartbeat_misses_max_default,
      redirects_max: options.redirects_max ?? redirects_max_default,
    };
    if (!(this.#settings.heartbeat_misses_max > 0)) {
      throw new Error('scheduler client: heartbeat_misses_max must be positive');
    }
    this.#path = this.#settings.path;
    const initial = typeof options.framework_info === 'function' ? undefined : options.framework_info;
    this.#framework_id = initial?.id?.value;
    this.#done = this.#run();
  }

  /** The framework id (known once first subscribed, or given in the FrameworkInfo). */
  get frameworkId(): string | undefined {
    return this.#framework_id;
  }

  /** The current subscription, or undefined while not subscribed. */
  get subscription(): Subscription | undefined {
    return this.#subscription;
  }

  /** Whether the client has stopped for good. */
  get closed(): boolean {
    return this.#closed_reason !== undefined;
  }

  /** Resolves with the subscription once subscribed (at once if it is); rejects if the client closes. */
  subscribed(): Promise<Subscription> {
    if (this.#subscription !== undefined) return Promise.resolve(this.#subscription);
    if (this.#closed_reason !== undefined) {
      return Promise.reject(new Error(`scheduler client closed: ${this.#closed_reason}`));
    }
    return new Promise((resolve, reject) => {
      const onSubscribed = (s: Subscription): void => {
        this.off('closed', onClosed);
        resolve(s);
      };
      const onClosed = (reason: string): void => {
        this.off('subscribed', onSubscribed);
        reject(new Error(`scheduler client closed: ${reason}`));
      };
      this.once('subscribed', onSubscribed);
      this.once('closed', onClosed);
    });
  }

  /** The events from now on, as an async iterator that ends when the client closes. */
  events(): AsyncIterableIterator<SchedulerEvent> {
    const queue: EventQueue<SchedulerEvent> = new EventQueue(() => this.#queues.delete(queue));
    if (this.#closed_reason !== undefined) queue.end();
    else this.#queues.add(queue);
    return queue;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SchedulerEvent> {
    return this.events();
  }

  /**
   * Sends a call on the current subscription; rejects with a SchedulerCallError unless 202 (or 200).
   * A call the next leader treats the same (ACKNOWLEDGE, RECONCILE, KILL, SUPPRESS, REVIVE) that
   * is lost because its master went away is sent again once the client has subscribed to the next
   * leader, so it rejects only when refused, when the client closes, or after
   * `failover_call_retries_max` tries.
   */
  async call(call: FrameworkCall): Promise<void> {
    if (!sentAgainAfterFailover(call)) return this.#callOnce(call);
    for (let attempt = 0; ; attempt++) {
      if (this.#closed_reason !== undefined) {
        throw new SchedulerCallError(call.type, 0, `the client is closed: ${this.#closed_reason}`);
      }
      const subscription = await this.subscribed().catch(() => undefined);
      try {
        return await this.#callOnce(call);
      } catch (error) {
        const resubscribed = subscription !== undefined && this.#subscription !== subscription;
        if (attempt >= failover_call_retries_max || !masterWentAway(error, resubscribed)) throw error;
        this.#log.info('scheduler client: a call to a master that went away is sent again', {
          type: call.type,
          error: (error as Error).message,
        });
        await this.#nextSubscription(subscription, attempt);
      }
    }
  }

  /** Sends a call once, on the current subscription. */
  async #callOnce(call: FrameworkCall): Promise<void> {
    const subscription = this.#subscription;
    const target = this.#target;
    if (subscription === undefined || target === undefined) {
      throw new SchedulerCallError(call.type, 0, 'the client is not subscribed');
    }
    await this.#calls.post({ target, path: this.#path, stream_id: subscription.stream_id }, call);
  }

  /** Waits for a subscription other than `last`, a backoff, or the client's close, whichever is first. */
  async #nextSubscription(last: Subscription | undefined, attempt: number): Promise<void> {
    if (this.#subscription !== undefined && this.#subscription !== last) return;
    const wait_ms = Math.max(
      this.#settings.backoff_ms_min,
      backoffDelayMs(attempt, this.#settings.backoff_ms_min, this.#settings.backoff_ms_max),
    );
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.off('subscribed', done);
        this.off('closed', done);
        resolve();
      };
      const timer = setTimeout(done, wait_ms);
      this.once('subscribed', done);
      this.once('closed', done);
    });
  }

  /** Marks the session as ending for `reason` once its stream ends (undefined: not ending). */
  protected markFatal(reason: string | undefined): void {
    this.#fatal = reason;
  }

  /** Stops the client: closes the stream, stops subscribing and ends the iterators. */
  async close(reason = 'closed by the framework'): Promise<void> {
    this.#closed_reason ??= reason;
    this.#closing.abort();
    this.#stream?.abort(reason);
    await this.#done;
  }

  /** Subscribes, and again after every disconnection, until closed or refused. */
  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#closing.signal.aborted) {
      const master = this.#masters[this.#master_index % this.#masters.length]!;
      const end = await this.#attempt();
      if (this.#closing.signal.aborted) break;
      if (end.fatal) {
        this.#closed_reason ??= end.reason;
        break;
      }
      if (end.was_subscribed) {
        failures = 0;
        this.emit('disconnected', end.reason);
      }
      if (this.#leader_changed.signal.aborted) {
        failures = 0;
        this.#leader_changed = new AbortController();
      }
      const delay_ms = backoffDelayMs(
        failures++,
        this.#settings.backoff_ms_min,
        this.#settings.backoff_ms_max,
      );
      this.#log.info('scheduler client: subscribing again', { reason: end.reason, delay_ms });
      this.emit('retrying', { master, reason: end.reason, delay_ms });
      await sleepUnless(delay_ms, AbortSignal.any([this.#closing.signal, this.#leader_changed.signal]));
    }
    this.#finish();
  }

  /** One attempt: SUBSCRIBE (following redirects) and read the stream until it ends. */
  async #attempt(): Promise<AttemptEnd> {
    const leader = this.#detector?.leader();
    if (this.#detector !== undefined && leader === undefined) {
      return { reason: 'no leading master is known yet', was_subscribed: false, fatal: false };
    }
    const address =
      leader === undefined
        ? this.#masters[this.#master_index % this.#masters.length]!
        : hostPortOfMaster(leader);
    const attempt = subscribeAttempt({
      target: targetOf(address, this.#tls),
      path: this.#settings.path,
      headers: this.#auth_headers,
      call: () => this.#subscribeCall(),
      redirects_max: this.#settings.redirects_max,
      log: this.#log,
      onOpen: ({ target, path, stream_id }) => {
        this.#target = target;
        this.#path = path;
        this.#pending_stream_id = stream_id;
      },
      onRecord: (record) => this.#onRecord(record),
    });
    this.#stream = attempt;
    // A master that takes the connection but never answers is given up on like a silent stream.
    this.#armHeartbeat();
    const outcome = await attempt.outcome;
    clearTimeout(this.#heartbeat_timer);
    const was_subscribed = this.#subscription !== undefined;
    this.#subscription = undefined;
    this.#pending_stream_id = undefined;
    switch (outcome.kind) {
      case 'unreachable':
        this.#master_index++;
        return { reason: outcome.reason, was_subscribed, fatal: false };
      case 'refused': {
        const { status, reason } = outcome;
        // 5xx (503: no leader yet, or recovering) passes; a 4xx will not change by retrying.
        if (status >= 500 || status === 0) this.#master_index++;
        return { reason, was_subscribed, fatal: status >= 400 && status < 500 };
      }
      case 'ended': {
        const fatal = outcome.broken || this.#fatal !== undefined;
        return { reason: this.#fatal ?? outcome.reason, was_subscribed, fatal };
      }
    }
  }

  /** The SUBSCRIBE call, with the framework id once known (a re-subscription). */
  #subscribeCall(): SubscribeCall {
    const info = typeof this.#framework_info === 'function' ? this.#framework_info() : this.#framework_info;
    const id = this.#framework_id ?? info.id?.value;
    const framework_info: FrameworkInfo = { ...info, ...(id === undefined ? {} : { id: { value: id } }) };
    return {
      type: 'SUBSCRIBE',
      ...(id === undefined ? {} : { framework_id: { value: id } }),
      subscribe: { framework_info },
    };
  }

  /** One record of the stream. */
  #onRecord(record: unknown): void {
    if (
      typeof record !== 'object' ||
      record === null ||
      typeof (record as { type?: unknown }).type !== 'string'
    ) {
      this.#log.warn('scheduler client: a record that is not an event was skipped', { record });
      return;
    }
    const event = record as SchedulerEvent;
    this.#armHeartbeat();
    if (event.type === 'SUBSCRIBED') this.#onSubscribed(event.subscribed);
    if (event.type === 'ERROR') {
      // Mesos sends ERROR when the framework was removed or another scheduler took it over.
      this.#fatal = `the master sent ERROR: ${event.error.message}`;
    }
    try {
      this.emit('event', event);
    } catch (error) {
      // A listener's bug must not take the stream down with it.
      this.#log.error('scheduler client: an event listener threw', { error: (error as Error).message });
    }
    for (const queue of this.#queues) queue.push(event);
  }

  /** SUBSCRIBED: the framework id and heartbeat interval of this stream. */
  #onSubscribed(body: Extract<SchedulerEvent, { type: 'SUBSCRIBED' }>['subscribed']): void {
    const framework_id = body.framework_id.value;
    if (this.#framework_id !== undefined && this.#framework_id !== framework_id) {
      this.#log.warn('scheduler client: subscribed under another framework id', {
        was: this.#framework_id,
        now: framework_id,
      });
    }
    this.#framework_id = framework_id;
    const seconds = body.heartbeat_interval_seconds;
    this.#heartbeat_interval_seconds = seconds > 0 ? seconds : heartbeat_interval_seconds_assumed;
    this.#armHeartbeat();
    this.#subscription = {
      framework_id,
      stream_id: this.#pending_stream_id ?? '',
      master: this.#target === undefined ? '' : hostPortOf(this.#target),
      heartbeat_interval_seconds: this.#heartbeat_interval_seconds,
      master_info: body.master_info,
    };
    this.#log.info('scheduler client: subscribed', { framework_id, master: this.#subscription.master });
    this.emit('subscribed', this.#subscription);
  }

  /** (Re)starts the heartbeat timer: a stream silent for too long is dropped. */
  #armHeartbeat(): void {
    clearTimeout(this.#heartbeat_timer);
    const timeout_ms = this.#heartbeat_interval_seconds * 1000 * this.#settings.heartbeat_misses_max;
    this.#heartbeat_timer = setTimeout(() => {
      this.#log.warn('scheduler client: no event within the heartbeat timeout', { timeout_ms });
      this.#stream?.abort(
        `no event for ${timeout_ms} ms (${this.#settings.heartbeat_misses_max} heartbeats)`,
      );
    }, timeout_ms);
  }

  /** Ends everything once the run loop is over. */
  #finish(): void {
    clearTimeout(this.#heartbeat_timer);
    this.#unfollow?.();
    void this.#owned_detector?.stop();
    this.#stream?.abort('closed');
    this.#subscription = undefined;
    const reason = this.#closed_reason ?? 'closed';
    this.#closed_reason = reason;
    this.#calls.close();
    for (const queue of [...this.#queues]) queue.end();
    this.#queues.clear();
    this.#log.info('scheduler client: closed', { reason });
    this.emit('closed', reason);
  }
}
