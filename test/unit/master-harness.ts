// A small driver for master tests: it keeps the clock and the armed timers, fires due timers in
// (time, key) order, and offers shortcuts for registering agents, subscribing frameworks and
// picking effects out of a step's output.
import type { Allocator } from '../../engine/allocator/allocator.ts';
import { createAllocator } from '../../engine/allocator/policies.ts';
import type { AgentMessage, MasterEffect } from '../../engine/master/effects.ts';
import type { MasterInput } from '../../engine/master/inputs.ts';
import { createMaster, type Master } from '../../engine/master/master.ts';
import type { MasterOptions } from '../../engine/master/options.ts';
import type { FrameworkCall, SchedulerEvent } from '../../engine/master/scheduler-api.ts';
import type { FrameworkInfo, Offer, TaskInfo, TaskStatus } from '../../engine/master/v1.ts';
import { createRng } from '../../engine/rng.ts';
import { createFirstFitAllocator } from './master-first-fit.ts';

/** A framework call without its framework_id (the harness adds it). */
export type CallBody = FrameworkCall extends infer C
  ? C extends FrameworkCall
    ? Omit<C, 'framework_id'>
    : never
  : never;

/** The allocator master tests run against. */
export function defaultAllocator(): Allocator {
  return process.env.MESO_MASTER_TEST_FIRST_FIT === '1'
    ? createFirstFitAllocator()
    : createAllocator({ policy: 'drf', rng: createRng(1) });
}

/** A master under test with its clock and timers. */
export class Harness {
  readonly master: Master;
  now = 0;
  readonly timers = new Map<string, number>();
  /** Every effect so far, in order. */
  readonly log: MasterEffect[] = [];
  private streams = 0;

  constructor(options: Partial<MasterOptions> = {}) {
    this.master = createMaster({
      masterId: 'm1',
      createAllocator: defaultAllocator,
      ...options,
    });
  }

  /** Applies one input at the current time; returns its effects. */
  step(input: MasterInput): MasterEffect[] {
    const out = this.master.step(input, this.now);
    for (const e of out) {
      if (e.type === 'set_timer') this.timers.set(e.key, e.at_ms);
      if (e.type === 'cancel_timer') this.timers.delete(e.key);
    }
    this.log.push(...out);
    return out;
  }

  /** Moves the clock forward by ms, firing every timer that falls due on the way; returns their effects. */
  advance(ms: number, skip: (key: string) => boolean = () => false): MasterEffect[] {
    const end = this.now + ms;
    const out: MasterEffect[] = [];
    for (;;) {
      const due = [...this.timers]
        .filter(([key, at]) => at <= end && !skip(key))
        .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))[0];
      if (due === undefined) break;
      this.now = Math.max(this.now, due[1]);
      this.timers.delete(due[0]);
      out.push(...this.step({ type: 'timer', key: due[0] }));
    }
    this.now = end;
    return out;
  }

  /** Fires the allocation timer now (moving the clock to it); returns the effects. */
  allocate(): MasterEffect[] {
    const at = this.timers.get('allocation');
    if (at === undefined) throw new Error('no allocation timer armed');
    this.now = Math.max(this.now, at);
    this.timers.delete('allocation');
    return this.step({ type: 'timer', key: 'allocation' });
  }

  /** Registers an agent; returns its id. */
  registerAgent(
    hostname: string,
    resources: string | TaskInfo['resources'] = 'cpus:4;mem:8192;disk:10240',
  ): string {
    const out = this.step({
      type: 'agent_register',
      connection: `conn-${hostname}`,
      agent_info: { hostname, port: 5051, resources },
    });
    const msg = agentMessages(out).find((m) => m.message.type === 'registered');
    if (msg === undefined) throw new Error(`agent ${hostname} was not registered: ${JSON.stringify(out)}`);
    return msg.agent_id;
  }

  /** Subscribes a framework; returns its id and stream id. */
  subscribe(info: Partial<FrameworkInfo> = {}): {
    frameworkId: string;
    streamId: string;
    effects: MasterEffect[];
  } {
    const streamId = `stream-${this.streams++}`;
    const effects = this.step({
      type: 'scheduler_call',
      stream_id: streamId,
      call: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'fw', ...info } } },
    });
    const subscribed = events(effects).find((e) => e.event.type === 'SUBSCRIBED');
    if (subscribed === undefined) throw new Error(`not subscribed: ${JSON.stringify(effects)}`);
    return { frameworkId: subscribed.framework_id, streamId, effects };
  }

  /** Makes a call as a subscribed framework on its stream. */
  call(frameworkId: string, streamId: string, call: CallBody): MasterEffect[] {
    return this.step({
      type: 'scheduler_call',
      stream_id: streamId,
      call: { ...call, framework_id: { value: frameworkId } } as FrameworkCall,
    });
  }

  /** A status update from an agent. */
  update(
    agentId: string,
    frameworkId: string,
    status: Partial<TaskStatus> & Pick<TaskStatus, 'task_id' | 'state'>,
  ): MasterEffect[] {
    return this.step({ type: 'agent_status_update', agent_id: agentId, framework_id: frameworkId, status });
  }
}

/** The framework events among effects. */
export function events(
  out: readonly MasterEffect[],
): Array<Extract<MasterEffect, { type: 'framework_event' }>> {
  return out.filter(
    (e): e is Extract<MasterEffect, { type: 'framework_event' }> => e.type === 'framework_event',
  );
}

/** The events of one type among effects, for one framework. */
export function eventsOf<T extends SchedulerEvent['type']>(
  out: readonly MasterEffect[],
  frameworkId: string,
  type: T,
): Array<Extract<SchedulerEvent, { type: T }>> {
  return events(out)
    .filter((e) => e.framework_id === frameworkId && e.event.type === type)
    .map((e) => e.event as Extract<SchedulerEvent, { type: T }>);
}

/** The offers made to a framework among effects. */
export function offersOf(out: readonly MasterEffect[], frameworkId: string): Offer[] {
  return eventsOf(out, frameworkId, 'OFFERS').flatMap((e) => [...e.offers.offers]);
}

/** The statuses sent to a framework among effects. */
export function updatesOf(out: readonly MasterEffect[], frameworkId: string): TaskStatus[] {
  return eventsOf(out, frameworkId, 'UPDATE').map((e) => e.update.status);
}

/** The agent messages among effects. */
export function agentMessages(
  out: readonly MasterEffect[],
): Array<Extract<MasterEffect, { type: 'agent_message' }>> {
  return out.filter((e): e is Extract<MasterEffect, { type: 'agent_message' }> => e.type === 'agent_message');
}

/** The agent messages of one type among effects. */
export function messagesOf<T extends AgentMessage['type']>(
  out: readonly MasterEffect[],
  type: T,
): Array<Extract<AgentMessage, { type: T }>> {
  return agentMessages(out)
    .map((e) => e.message)
    .filter((m): m is Extract<AgentMessage, { type: T }> => m.type === type);
}

/** The call errors among effects. */
export function callErrors(
  out: readonly MasterEffect[],
): Array<Extract<MasterEffect, { type: 'call_error' }>> {
  return out.filter((e): e is Extract<MasterEffect, { type: 'call_error' }> => e.type === 'call_error');
}

/** A command task using `resources` of `offer`. */
export function commandTask(id: string, offer: Offer, resources: TaskInfo['resources']): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources,
    command: { value: 'sleep 1', shell: true },
  };
}

/** cpus and mem as wire resources. */
export function cpusMem(cpus: number, mem: number): TaskInfo['resources'] {
  return [
    { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
    { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
  ];
}

/** A 16-byte status uuid in base64, distinct for each n. */
export function uuid(n: number): string {
  const bytes = new Uint8Array(16);
  bytes[0] = n & 0xff;
  bytes[1] = (n >> 8) & 0xff;
  bytes[15] = 7;
  return Buffer.from(bytes).toString('base64');
}
