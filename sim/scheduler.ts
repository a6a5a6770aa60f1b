// A framework's scheduler as the simulator runs it: a driver around framework logic (the very
// logic a live framework runs) that owns the event stream, and adds what the logic leaves to its
// host. Decision time: a scheduler answers offers one batch at a time, and an answer that launches
// n tasks leaves job_ms + n x task_ms after the batch was taken up (Omega's model); offers that
// arrive meanwhile wait for the next batch. Retries: a subscription not answered is sent again,
// and when messages may be lost or a master may fail over, a launched task that has not reported
// within the launch timeout is killed, which makes the master report its fate (TASK_LOST when it
// never reached an agent), so the logic launches it again.
import type { MasterInput } from '../engine/master/inputs.ts';
import type { FrameworkCall, SchedulerEvent } from '../engine/master/scheduler-api.ts';
import type { Offer } from '../engine/master/v1.ts';
import { type FrameworkLogic, handleSchedulerEvent } from '../engine/scheduling/framework-logic.ts';
import type { DecisionTime, FrameworkKind } from './config.ts';
import type { Link } from './network.ts';

/** Why a scheduler asked to be woken. */
export type WakeReason = 'decision' | 'subscribe_retry' | 'supervise' | 'tick';

/** What a scheduler needs of its host. */
export interface SchedulerHost {
  /** Sends one input to the leading master over the scheduler's link. */
  toMaster(scheduler: SimScheduler, input: MasterInput): void;
  /** Wakes the scheduler at `at_ms` for `reason`. */
  wake(scheduler: SimScheduler, at_ms: number, reason: WakeReason): void;
  /** A new stream was opened (the host routes the master's events on it to this scheduler). */
  streamOpened(scheduler: SimScheduler, streamId: string): void;
}

/** Options of a simulated scheduler. */
export interface SchedulerOptions {
  readonly kind: FrameworkKind;
  readonly logic: FrameworkLogic;
  readonly decision: DecisionTime;
  readonly host: SchedulerHost;
  readonly toMaster: Link;
  readonly fromMaster: Link;
  /** Retry an unanswered subscription after this long. */
  readonly subscribe_retry_ms: number;
  /** Kill launched tasks silent for this long; undefined turns supervision off. */
  readonly launch_timeout_ms: number | undefined;
  /** A wall clock (ms) for profiling: time in the logic's answers to offers goes to `logic_ms`. */
  readonly clock?: () => number;
}

/** What a scheduler has done, for reports. */
export interface SchedulerCounts {
  offers: number;
  decisions: number;
  decision_ms: number;
  tasks_launched: number;
  subscribes: number;
  launch_kills: number;
  updates: number;
}

/** Wall time a scheduler's logic took to answer offers, when profiling (ms). */
export interface SchedulerProfile {
  logic_ms: number;
}

/** A launched task the scheduler waits to hear from. */
interface Supervised {
  readonly task_id: string;
  readonly agent_id: string;
  deadline_ms: number;
}

/** Number of tasks the calls launch. */
export function launchesIn(calls: readonly FrameworkCall[]): number {
  let n = 0;
  for (const call of calls) {
    if (call.type !== 'ACCEPT') continue;
    for (const op of call.accept.operations ?? []) {
      if (op.launch !== undefined) n += op.launch.task_infos.length;
      else if (op.launch_group !== undefined) n += op.launch_group.task_group.tasks.length;
    }
  }
  return n;
}

/** A simulated framework scheduler. */
export class SimScheduler {
  readonly name: string;
  readonly kind: FrameworkKind;
  readonly logic: FrameworkLogic;
  readonly toMaster: Link;
  readonly fromMaster: Link;
  readonly counts: SchedulerCounts = {
    offers: 0,
    decisions: 0,
    decision_ms: 0,
    tasks_launched: 0,
    subscribes: 0,
    launch_kills: 0,
    updates: 0,
  };
  frameworkId: string | undefined;
  streamId: string | undefined;
  /** True once SUBSCRIBED arrived on the current stream. */
  subscribed = false;
  lastError: string | undefined;
  readonly profile: SchedulerProfile = { logic_ms: 0 };
  private readonly clock: (() => number) | undefined;
  private readonly decision: DecisionTime;
  private readonly host: SchedulerHost;
  private readonly subscribeRetry_ms: number;
  private readonly launchTimeout_ms: number | undefined;
  private streams = 0;
  /** Offers waiting for the next decision. */
  private waiting: Offer[] = [];
  /** Calls of the decision under way, sent when it ends. */
  private deciding: FrameworkCall[] | undefined;
  private tickAt_ms: number | undefined;
  private readonly supervised = new Map<string, Supervised>();
  private supervisedOrder: Supervised[] = [];
  private supervisedHead = 0;
  private superviseAt_ms: number | undefined;

  constructor(options: SchedulerOptions) {
    this.name = options.logic.name;
    this.kind = options.kind;
    this.logic = options.logic;
    this.decision = options.decision;
    this.host = options.host;
    this.toMaster = options.toMaster;
    this.fromMaster = options.fromMaster;
    this.subscribeRetry_ms = options.subscribe_retry_ms;
    this.launchTimeout_ms = options.launch_timeout_ms;
    this.clock = options.clock;
  }

  /** Opens a new stream and subscribes on it (with the framework id after the first time). */
  subscribe(now: number): void {
    this.streams++;
    this.counts.subscribes++;
    const streamId = `${this.name}-stream-${this.streams}`;
    this.streamId = streamId;
    this.subscribed = false;
    this.waiting = [];
    this.host.streamOpened(this, streamId);
    const framework_info = this.logic.frameworkInfo();
    this.host.toMaster(this, {
      type: 'scheduler_call',
      stream_id: streamId,
      call: {
        type: 'SUBSCRIBE',
        ...(framework_info.id === undefined ? {} : { framework_id: framework_info.id }),
        subscribe: { framework_info },
      },
    });
    this.host.wake(this, now + this.subscribeRetry_ms, 'subscribe_retry');
  }

  /** Handles an event the master wrote on `streamId`; events on an old stream are not heard. */
  receive(event: SchedulerEvent, streamId: string, now: number): void {
    if (streamId !== this.streamId) return;
    switch (event.type) {
      case 'SUBSCRIBED':
        this.frameworkId = event.subscribed.framework_id.value;
        this.subscribed = true;
        this.send(handleSchedulerEvent(this.logic, event, now), now);
        break;
      case 'OFFERS':
        this.counts.offers += event.offers.offers.length;
        for (const offer of event.offers.offers) this.waiting.push(offer);
        if (this.deciding === undefined) this.decide(now);
        break;
      case 'RESCIND': {
        const id = event.rescind.offer_id.value;
        this.waiting = this.waiting.filter((o) => o.id.value !== id);
        this.send(handleSchedulerEvent(this.logic, event, now), now);
        break;
      }
      case 'UPDATE':
        this.counts.updates++;
        if (this.supervised.size > 0) this.supervised.delete(event.update.status.task_id.value);
        this.send(handleSchedulerEvent(this.logic, event, now), now);
        break;
      case 'ERROR':
        this.lastError = event.error.message;
        this.send(handleSchedulerEvent(this.logic, event, now), now);
        break;
      default:
        this.send(handleSchedulerEvent(this.logic, event, now), now);
    }
    this.armTick(now);
  }

  /** The master closed a stream; if it is the current one, the scheduler is disconnected. */
  streamClosed(streamId: string): void {
    if (streamId !== this.streamId) return;
    this.streamId = undefined;
    this.subscribed = false;
    this.waiting = [];
  }

  /** Sends calls the scheduler makes on its own account (a job submitted, a revive). */
  act(calls: readonly FrameworkCall[], now: number): void {
    this.send(calls, now);
    this.armTick(now);
  }

  /** The host woke the scheduler. */
  wake(reason: WakeReason, now: number): void {
    switch (reason) {
      case 'decision':
        this.endDecision(now);
        break;
      case 'subscribe_retry':
        if (!this.subscribed && this.streamId !== undefined) this.subscribe(now);
        break;
      case 'supervise':
        this.superviseAt_ms = undefined;
        this.supervise(now);
        break;
      case 'tick':
        if (this.tickAt_ms !== undefined && this.tickAt_ms <= now) {
          this.tickAt_ms = undefined;
          if (this.deciding === undefined) this.decide(now);
        }
        break;
    }
    this.armTick(now);
  }

  /** Takes up the waiting offers (and whatever the logic's timer is due for) as one decision. */
  private decide(now: number): void {
    const offers = this.waiting;
    this.waiting = [];
    const started = this.clock?.();
    let calls: FrameworkCall[] = offers.length > 0 ? this.logic.offers(offers, now) : [];
    const tick = this.logic.nextTick_ms?.();
    if (this.logic.tick !== undefined && tick !== undefined && tick <= now) {
      calls = calls.concat(this.logic.tick(now));
    }
    if (started !== undefined) this.profile.logic_ms += this.clock!() - started;
    if (calls.length === 0) return;
    const launched = launchesIn(calls);
    const decision_ms = launched > 0 ? this.decision.job_ms + launched * this.decision.task_ms : 0;
    this.counts.decisions++;
    this.counts.decision_ms += decision_ms;
    if (decision_ms === 0) {
      this.send(calls, now);
      return;
    }
    this.deciding = calls.slice();
    this.host.wake(this, now + decision_ms, 'decision');
  }

  private endDecision(now: number): void {
    const calls = this.deciding;
    this.deciding = undefined;
    if (calls !== undefined) this.transmit(calls, now);
    if (this.waiting.length > 0) this.decide(now);
  }

  /** Arms the logic's timer when it wants one (and no decision is under way to pick it up). */
  private armTick(now: number): void {
    const at = this.logic.nextTick_ms?.();
    if (at === undefined) return;
    if (this.tickAt_ms !== undefined && this.tickAt_ms <= at) return;
    this.tickAt_ms = Math.max(at, now);
    this.host.wake(this, this.tickAt_ms, 'tick');
  }

  /**
   * Sends calls in the order the logic made them: while a decision is under way, later calls (an
   * acknowledgement, a revive) wait behind it, or a SUPPRESS decided earlier would overtake a REVIVE
   * made since and leave the framework suppressed with work to do.
   */
  private send(calls: readonly FrameworkCall[], now: number): void {
    if (this.deciding !== undefined) {
      for (const call of calls) this.deciding.push(call);
      return;
    }
    this.transmit(calls, now);
  }

  private transmit(calls: readonly FrameworkCall[], now: number): void {
    const streamId = this.streamId;
    if (streamId === undefined) return;
    for (const call of calls) {
      if (call.type === 'ACCEPT') this.noteLaunches(call, now);
      this.host.toMaster(this, { type: 'scheduler_call', stream_id: streamId, call });
    }
  }

  /** Counts the launches of an accept and, when supervising, starts waiting to hear from them. */
  private noteLaunches(call: Extract<FrameworkCall, { type: 'ACCEPT' }>, now: number): void {
    const n = launchesIn([call]);
    this.counts.tasks_launched += n;
    const timeout = this.launchTimeout_ms;
    if (timeout === undefined || n === 0) return;
    for (const op of call.accept.operations ?? []) {
      const tasks = op.launch?.task_infos ?? op.launch_group?.task_group.tasks ?? [];
      for (const task of tasks) this.watch(task.task_id.value, task.agent_id?.value ?? '', now + timeout);
    }
    this.armSupervision();
  }

  /** Starts waiting for a task's first update. Deadlines grow with time, so the order stays sorted. */
  private watch(task_id: string, agent_id: string, deadline_ms: number): void {
    const entry: Supervised = { task_id, agent_id, deadline_ms };
    this.supervised.set(task_id, entry);
    this.supervisedOrder.push(entry);
  }

  /** Wakes the scheduler at the earliest deadline, unless a wake is already set. */
  private armSupervision(): void {
    const next = this.supervisedOrder[this.supervisedHead];
    if (next === undefined || this.superviseAt_ms !== undefined) return;
    this.superviseAt_ms = next.deadline_ms;
    this.host.wake(this, next.deadline_ms, 'supervise');
  }

  /** Kills every supervised task past its deadline; the answer tells the logic its fate. */
  private supervise(now: number): void {
    const timeout = this.launchTimeout_ms!;
    const order = this.supervisedOrder;
    const kills: FrameworkCall[] = [];
    while (this.supervisedHead < order.length && order[this.supervisedHead]!.deadline_ms <= now) {
      const entry = order[this.supervisedHead++]!;
      if (this.supervised.get(entry.task_id) !== entry) continue;
      this.supervised.delete(entry.task_id);
      if (this.frameworkId === undefined) continue;
      this.counts.launch_kills++;
      kills.push({
        type: 'KILL',
        framework_id: { value: this.frameworkId },
        kill: {
          task_id: { value: entry.task_id },
          ...(entry.agent_id === '' ? {} : { agent_id: { value: entry.agent_id } }),
        },
      });
      // Until some update arrives, the kill is repeated (it may be lost too).
      this.watch(entry.task_id, entry.agent_id, now + timeout);
    }
    if (this.supervisedHead > 1024 && this.supervisedHead * 2 > order.length) {
      this.supervisedOrder = order.slice(this.supervisedHead);
      this.supervisedHead = 0;
    }
    this.send(kills, now);
    this.armSupervision();
  }
}
