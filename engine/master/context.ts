// One step's working context: the state, the allocator, the time, and the list of effects being
// built. Every handler takes a Ctx and appends effects through the helpers below.
import type { Allocator } from '../allocator/allocator.ts';
import type { TraceEvent, TraceEventBody } from '../events.ts';
import type { AgentMessage, CallErrorEffect, MasterEffect } from './effects.ts';
import type { ResolvedOptions } from './options.ts';
import type { SchedulerEvent } from './scheduler-api.ts';
import type { AgentRecord, FrameworkRecord, MasterState } from './state.ts';
import type { MasterInfo } from './v1.ts';

/** The working context of one step. */
export interface Ctx {
  readonly state: MasterState;
  readonly options: ResolvedOptions;
  readonly allocator: Allocator;
  readonly masterInfo: MasterInfo;
  /** Time of the input being handled, in ms. */
  readonly now: number;
  readonly out: MasterEffect[];
}

/** Appends a trace event, stamped with the step's time and the next sequence number. */
export function trace(ctx: Ctx, body: TraceEventBody): void {
  // Every caller passes a fresh literal, so the body is stamped in place: the same keys in the same
  // order as a copy with the two added, and no copy made (every offer and decline makes one).
  const event = body as unknown as Record<string, unknown>;
  event.time_ms = ctx.now;
  event.seq = ctx.state.traceSeq++;
  ctx.out.push({ type: 'trace', event: event as unknown as TraceEvent });
}

/** Traces an input the master drops on purpose. */
export function ignore(ctx: Ctx, input: string, reason: string): void {
  trace(ctx, { type: 'input_ignored', input, reason });
}

/** Arms (or re-arms) the timer `key` to fire at `at_ms`. */
export function setTimer(ctx: Ctx, key: string, at_ms: number): void {
  ctx.state.timers.set(key, at_ms);
  ctx.out.push({ type: 'set_timer', key, at_ms });
}

/** Disarms the timer `key` if it is armed. */
export function cancelTimer(ctx: Ctx, key: string): void {
  if (ctx.state.timers.delete(key)) ctx.out.push({ type: 'cancel_timer', key });
}

/** Sends an event to a framework's open stream; does nothing when it is disconnected. */
export function sendEvent(ctx: Ctx, framework: FrameworkRecord, event: SchedulerEvent): void {
  if (framework.streamId === undefined) return;
  ctx.out.push({ type: 'framework_event', framework_id: framework.id, stream_id: framework.streamId, event });
}

/** Sends a message to an agent over its connection. */
export function sendAgent(ctx: Ctx, agent: AgentRecord, message: AgentMessage): void {
  ctx.out.push({ type: 'agent_message', agent_id: agent.id, connection: agent.connection, message });
}

/** Answers the call being handled with an HTTP error. */
export function callError(ctx: Ctx, status: CallErrorEffect['status'], message: string): void {
  ctx.out.push({ type: 'call_error', status, message });
}

/** Epoch seconds (float) of the step's time, for TaskStatus timestamps. */
export function timestampSeconds(ctx: Ctx): number {
  return ctx.now / 1000;
}
