// Frameworks: subscription (new, or failover with an id), disconnection and the failover timeout,
// UPDATE_FRAMEWORK, heartbeats, and removal (teardown, timeout, operator), after which the id may
// never subscribe again.
import type { AllocatorFramework } from '../allocator/allocator.ts';
import {
  type Ctx,
  callError,
  cancelTimer,
  ignore,
  sendAgent,
  sendEvent,
  setTimer,
  trace,
} from './context.ts';
import { nextFrameworkId } from './ids.ts';
import { allocateSoon, rescindFrameworkOffers } from './offers.ts';
import type { CompletedFramework } from './options.ts';
import type { SubscribeCall } from './scheduler-api.ts';
import type { FrameworkRecord, TaskRecord } from './state.ts';
import { endTask, removeExecutor } from './tasks.ts';
import { frameworkFailoverTimer, heartbeatTimer } from './timers.ts';
import type { FrameworkInfo } from './v1.ts';
import { frameworkRoles, validateFrameworkInfo } from './validation.ts';

/** Failover timeouts longer than this (about ten years) are cut to it, so deadlines stay finite. */
const failover_timeout_seconds_max = 315_360_000;

/** What the allocator is told of a framework. */
function allocatorView(framework: FrameworkRecord): AllocatorFramework {
  return { roles: framework.roles, suppressedRoles: [...framework.suppressedRoles] };
}

/** A framework record not yet in the state. */
function newRecord(ctx: Ctx, id: string, info: FrameworkInfo, streamId: string | undefined): FrameworkRecord {
  return {
    id,
    info: { ...info, id: { value: id } },
    roles: frameworkRoles(info),
    streamId,
    recovered: streamId === undefined,
    registeredTimeMs: ctx.now,
    reregisteredTimeMs: undefined,
    unregisteredTimeMs: undefined,
    tasks: new Map(),
    unreachableTasks: new Map(),
    completedTasks: [],
    offers: new Set(),
    suppressedRoles: new Set(),
  };
}

/** Why a framework may not subscribe in its roles when the master lists the roles it allows (`--roles`). */
function unlistedRole(ctx: Ctx, info: FrameworkInfo): string | undefined {
  const allowed = ctx.options.roles;
  if (allowed === undefined) return undefined;
  const role = frameworkRoles(info).find((r) => r !== '*' && !allowed.includes(r));
  return role === undefined ? undefined : `Role '${role}' is not present in the master's --roles`;
}

/** SUBSCRIBE: adds a new framework, or fails an existing one over to the new stream. */
export function subscribe(ctx: Ctx, streamId: string | undefined, call: SubscribeCall): void {
  if (typeof streamId !== 'string' || streamId === '') {
    callError(ctx, 400, 'SUBSCRIBE needs a stream id');
    return;
  }
  const info = call.subscribe?.framework_info;
  const error = validateFrameworkInfo(info) ?? unlistedRole(ctx, info);
  if (error !== undefined) {
    callError(ctx, 400, error);
    return;
  }
  const callId = call.framework_id?.value;
  const infoId = info.id?.value;
  if (callId !== undefined && callId !== infoId) {
    callError(ctx, 400, "'framework_id' differs from 'subscribe.framework_info.id'");
    return;
  }
  if (infoId === undefined) {
    addFramework(ctx, newId(ctx), info, streamId, 'subscribed');
    return;
  }
  if (ctx.state.completedFrameworks.has(infoId)) {
    ctx.out.push({
      type: 'framework_event',
      framework_id: infoId,
      stream_id: streamId,
      event: { type: 'ERROR', error: { message: 'Framework has been removed' } },
    });
    ctx.out.push({ type: 'close_framework_stream', framework_id: infoId, stream_id: streamId });
    return;
  }
  const existing = ctx.state.frameworks.get(infoId);
  // An unknown id re-subscribes after a master failover, before its agents have re-registered.
  if (existing === undefined) {
    addFramework(ctx, infoId, info, streamId, 'resubscribed');
    return;
  }
  // A framework's id is bound to its principal: no one else may take it over (Mesos answers 403).
  if (existing.info.principal !== info.principal) {
    callError(
      ctx,
      403,
      `Framework ${infoId} is registered with principal '${existing.info.principal ?? ''}', not '${info.principal ?? ''}'`,
    );
    return;
  }
  failover(ctx, existing, info, streamId);
}

/** A fresh framework id, skipping ids already taken by frameworks that brought their own. */
function newId(ctx: Ctx): string {
  for (;;) {
    const id = nextFrameworkId(ctx.options.masterId, ctx.state.ids);
    if (!ctx.state.frameworks.has(id) && !ctx.state.completedFrameworks.has(id)) return id;
  }
}

/** Adds a subscribed framework and starts its stream. */
function addFramework(
  ctx: Ctx,
  id: string,
  info: FrameworkInfo,
  streamId: string,
  how: 'subscribed' | 'resubscribed',
): void {
  const framework = newRecord(ctx, id, info, streamId);
  ctx.state.frameworks.set(id, framework);
  ctx.allocator.addFramework(id, allocatorView(framework), new Map(), true);
  ctx.out.push({ type: 'registry', op: 'framework_added', framework_id: id, framework_info: framework.info });
  trace(ctx, { type: 'framework_added', framework_id: id, name: info.name, roles: framework.roles, how });
  startStream(ctx, framework);
  allocateSoon(ctx);
}

/** Puts back a completed framework from a host's history (shown, and its id may not subscribe again). */
export function recoverCompletedFramework(ctx: Ctx, completed: CompletedFramework): void {
  const id = completed.info.id?.value;
  if (id === undefined || ctx.state.frameworks.has(id)) return;
  const framework = newRecord(ctx, id, completed.info, undefined);
  framework.recovered = false;
  framework.registeredTimeMs = completed.registered_time_ms;
  framework.unregisteredTimeMs = completed.unregistered_time_ms;
  framework.completedTasks = completed.tasks.map(restoredTask);
  ctx.state.completedFrameworks.set(id, framework);
  trimCompletedFrameworks(ctx);
}

/** A completed task as a host kept it, as a record again (nothing of it is pending any more). */
export function restoredTask(task: TaskRecord): TaskRecord {
  return { ...task, statuses: [...task.statuses], pendingUuid: undefined, unreachableSinceMs: undefined };
}

/** Adds a framework known only from an agent's report or the registry: inactive until it subscribes. */
export function recoverFramework(ctx: Ctx, info: FrameworkInfo): FrameworkRecord | undefined {
  const id = info.id?.value;
  if (id === undefined || validateFrameworkInfo(info) !== undefined) return undefined;
  if (ctx.state.completedFrameworks.has(id)) return undefined;
  const known = ctx.state.frameworks.get(id);
  if (known !== undefined) return known;
  const framework = newRecord(ctx, id, info, undefined);
  ctx.state.frameworks.set(id, framework);
  ctx.allocator.addFramework(id, allocatorView(framework), new Map(), false);
  trace(ctx, {
    type: 'framework_added',
    framework_id: id,
    name: info.name,
    roles: framework.roles,
    how: 'recovered',
  });
  armFailoverTimer(ctx, framework);
  return framework;
}

/** Re-subscription: the old stream (if another) is told and closed, the new one takes over. */
function failover(ctx: Ctx, framework: FrameworkRecord, info: FrameworkInfo, streamId: string): void {
  const oldStream = framework.streamId;
  if (oldStream !== undefined && oldStream !== streamId) {
    rescindFrameworkOffers(ctx, framework, 'framework failed over', true);
    sendEvent(ctx, framework, { type: 'ERROR', error: { message: 'Framework failed over' } });
    ctx.out.push({ type: 'close_framework_stream', framework_id: framework.id, stream_id: oldStream });
  } else {
    rescindFrameworkOffers(ctx, framework, 'framework re-subscribed', false);
  }
  cancelTimer(ctx, frameworkFailoverTimer(framework.id));
  framework.info = { ...info, id: { value: framework.id } };
  framework.roles = frameworkRoles(info);
  framework.suppressedRoles.clear();
  framework.streamId = streamId;
  framework.recovered = false;
  framework.reregisteredTimeMs = ctx.now;
  framework.unregisteredTimeMs = undefined;
  ctx.allocator.updateFramework(framework.id, allocatorView(framework));
  if (oldStream === undefined) ctx.allocator.activateFramework(framework.id);
  ctx.out.push({
    type: 'registry',
    op: 'framework_added',
    framework_id: framework.id,
    framework_info: framework.info,
  });
  trace(ctx, {
    type: 'framework_added',
    framework_id: framework.id,
    name: info.name,
    roles: framework.roles,
    how: 'resubscribed',
  });
  startStream(ctx, framework);
  allocateSoon(ctx);
}

/** SUBSCRIBED, an immediate HEARTBEAT, and the heartbeat timer. */
function startStream(ctx: Ctx, framework: FrameworkRecord): void {
  sendEvent(ctx, framework, {
    type: 'SUBSCRIBED',
    subscribed: {
      framework_id: { value: framework.id },
      heartbeat_interval_seconds: ctx.options.heartbeatIntervalSeconds,
      master_info: ctx.masterInfo,
    },
  });
  heartbeat(ctx, framework.id);
}

/** Sends a HEARTBEAT to a connected framework and re-arms its timer. */
export function heartbeat(ctx: Ctx, frameworkId: string): void {
  const framework = ctx.state.frameworks.get(frameworkId);
  if (framework === undefined || framework.streamId === undefined) return;
  sendEvent(ctx, framework, { type: 'HEARTBEAT' });
  setTimer(ctx, heartbeatTimer(frameworkId), ctx.now + ctx.options.heartbeatIntervalSeconds * 1000);
}

/** The framework's stream closed: offers go back, it is deactivated, its failover timeout starts. */
export function frameworkDisconnected(ctx: Ctx, frameworkId: string, streamId: string): void {
  const framework = ctx.state.frameworks.get(frameworkId);
  if (framework === undefined || framework.streamId !== streamId) {
    ignore(ctx, 'framework_disconnected', `stream ${streamId} is not the stream of ${frameworkId}`);
    return;
  }
  framework.streamId = undefined;
  framework.unregisteredTimeMs = ctx.now;
  rescindFrameworkOffers(ctx, framework, 'framework disconnected', false);
  ctx.allocator.deactivateFramework(framework.id);
  cancelTimer(ctx, heartbeatTimer(framework.id));
  const seconds = armFailoverTimer(ctx, framework);
  trace(ctx, {
    type: 'framework_disconnected',
    framework_id: framework.id,
    failover_timeout_seconds: seconds,
  });
}

/** Arms the failover timer of a framework without a stream; returns its timeout in seconds. */
function armFailoverTimer(ctx: Ctx, framework: FrameworkRecord): number {
  const seconds = Math.min(framework.info.failover_timeout ?? 0, failover_timeout_seconds_max);
  setTimer(ctx, frameworkFailoverTimer(framework.id), ctx.now + seconds * 1000);
  return seconds;
}

/** The failover timeout fired: a framework still without a stream is removed. */
export function failoverTimedOut(ctx: Ctx, frameworkId: string): void {
  const framework = ctx.state.frameworks.get(frameworkId);
  if (framework === undefined || framework.streamId !== undefined) return;
  removeFramework(ctx, framework, 'failover timeout', undefined);
}

/** UPDATE_FRAMEWORK: new info (name, roles, capabilities, timeout) for a subscribed framework. */
export function updateFramework(ctx: Ctx, framework: FrameworkRecord, info: FrameworkInfo): void {
  const error = validateFrameworkInfo(info) ?? unlistedRole(ctx, info);
  if (error !== undefined) {
    callError(ctx, 400, error);
    return;
  }
  if (info.id?.value !== framework.id) {
    callError(ctx, 400, "'framework_info.id' must be the id of the calling framework");
    return;
  }
  if (info.principal !== framework.info.principal) {
    callError(ctx, 400, "Changing framework's principal is not allowed");
    return;
  }
  framework.info = { ...info, id: { value: framework.id } };
  framework.roles = frameworkRoles(info);
  for (const role of [...framework.suppressedRoles]) {
    if (!framework.roles.includes(role)) framework.suppressedRoles.delete(role);
  }
  ctx.allocator.updateFramework(framework.id, allocatorView(framework));
  ctx.out.push({
    type: 'registry',
    op: 'framework_added',
    framework_id: framework.id,
    framework_info: framework.info,
  });
}

/**
 * Removes a framework for good: its offers go back, its tasks are killed (TASK_KILLED in the
 * master, shutdown_framework to each agent running any of it), its stream is closed (after an
 * ERROR with `errorMessage`, when given) and its id is remembered as completed.
 */
export function removeFramework(
  ctx: Ctx,
  framework: FrameworkRecord,
  reason: string,
  errorMessage: string | undefined,
): void {
  rescindFrameworkOffers(ctx, framework, `framework removed: ${reason}`, false);
  for (const agent of ctx.state.agents.values()) {
    if (agent.tasks.has(framework.id) || agent.executors.has(framework.id)) {
      sendAgent(ctx, agent, { type: 'shutdown_framework', framework_id: { value: framework.id } });
    }
  }
  const message = `Framework ${framework.id} removed`;
  for (const task of [...framework.tasks.values(), ...framework.unreachableTasks.values()]) {
    endTask(ctx, framework, task, 'TASK_KILLED', 'REASON_FRAMEWORK_REMOVED', message, false);
  }
  for (const agent of ctx.state.agents.values()) {
    for (const executorId of [...(agent.executors.get(framework.id)?.keys() ?? [])]) {
      removeExecutor(ctx, agent, framework.id, executorId);
    }
  }
  cancelTimer(ctx, heartbeatTimer(framework.id));
  cancelTimer(ctx, frameworkFailoverTimer(framework.id));
  ctx.allocator.removeFramework(framework.id);
  const streamId = framework.streamId;
  if (streamId !== undefined) {
    if (errorMessage !== undefined)
      sendEvent(ctx, framework, { type: 'ERROR', error: { message: errorMessage } });
    ctx.out.push({ type: 'close_framework_stream', framework_id: framework.id, stream_id: streamId });
    framework.streamId = undefined;
  }
  framework.unregisteredTimeMs = ctx.now;
  ctx.state.frameworks.delete(framework.id);
  ctx.state.completedFrameworks.set(framework.id, framework);
  trimCompletedFrameworks(ctx);
  ctx.out.push({ type: 'registry', op: 'framework_removed', framework_id: framework.id });
  if (ctx.options.historyEffects) {
    const { info, registeredTimeMs, unregisteredTimeMs } = framework;
    ctx.out.push({
      type: 'history',
      op: 'framework_completed',
      framework: {
        info,
        registered_time_ms: registeredTimeMs,
        unregistered_time_ms: unregisteredTimeMs ?? ctx.now,
      },
    });
  }
  trace(ctx, { type: 'framework_removed', framework_id: framework.id, reason });
}

/** Keeps the most recent completed frameworks, up to the configured cap. */
function trimCompletedFrameworks(ctx: Ctx): void {
  const completed = ctx.state.completedFrameworks;
  while (completed.size > ctx.options.completedFrameworksMax) {
    const oldest = completed.keys().next();
    if (oldest.done) break;
    completed.delete(oldest.value);
  }
}
