// The master: a pure state machine. `step(input, now)` applies one input and returns the effects
// the host must perform, in order. No I/O, no clock, no randomness of its own: the same inputs at
// the same times give the same effects, byte for byte.
import type { Allocator } from '../allocator/allocator.ts';
import { reregisterTimedOut } from './agent-removal.ts';
import { reregisterAgent } from './agent-reregistration.ts';
import { agentAlive, agentDisconnected, agentUnregistered, pingTimedOut, registerAgent } from './agents.ts';
import { schedulerCall } from './calls.ts';
import { type Ctx, ignore, setTimer } from './context.ts';
import type { MasterEffect } from './effects.ts';
import {
  failoverTimedOut,
  frameworkDisconnected,
  heartbeat,
  recoverCompletedFramework,
  recoverFramework,
  restoredTask,
} from './frameworks.ts';
import type { MasterInput } from './inputs.ts';
import { pruneInverseOffers, sendInverseOffers } from './inverse-offers.ts';
import { createLookups, type MasterLookups } from './lookups.ts';
import {
  recoverMaintenance,
  startMaintenance,
  stopMaintenance,
  updateMaintenanceSchedule,
} from './maintenance.ts';
import { allocationTick, offerTimedOut } from './offers.ts';
import { operatorTeardown, updateQuota, updateQuotas, updateWeights } from './operator.ts';
import {
  checkDrains,
  deactivateAgent,
  drainAgent,
  markAgentGone,
  reactivateAgent,
} from './operator-agents.ts';
import { operatorOperation } from './operator-operations.ts';
import { type MasterOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import { createState, type MasterState } from './state.ts';
import { agentStatusUpdate } from './status-updates.ts';
import { executorExited, executorMessage } from './task-calls.ts';
import { agentReregisterTimer, allocationTimer, parseTimerKey } from './timers.ts';
import type { MasterInfo } from './v1.ts';
import { buildView, type MasterStateView } from './view.ts';

/** A master instance. */
export interface Master {
  /** The master's id (the prefix of every id it makes). */
  readonly id: string;
  readonly info: MasterInfo;
  /** Applies one input at time `now` (ms) and returns the effects to perform. */
  step(input: MasterInput, now: number): MasterEffect[];
  /** A read-only view of the current state, for /master/state and the operator API. */
  state(): MasterStateView;
  /** Reads that do not build the whole view: counts, totals, one agent, framework or task. */
  readonly lookups: MasterLookups;
}

/** The IPv4 address as Mesos's MasterInfo.ip: the four bytes read as a little-endian uint32. */
export function ipToUint32(ip: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = ip.split('.').map(Number);
  return (a + b * 2 ** 8 + c * 2 ** 16 + d * 2 ** 24) >>> 0;
}

/** The MasterInfo this master announces. */
function masterInfoOf(options: ResolvedOptions): MasterInfo {
  return {
    id: options.masterId,
    ip: ipToUint32(options.ip),
    port: options.port,
    pid: `master@${options.ip}:${options.port}`,
    hostname: options.hostname,
    version: options.version,
    address: { hostname: options.hostname, ip: options.ip, port: options.port },
    capabilities: [],
  };
}

/** Creates a master with its own allocator (built by `options.createAllocator`). */
export function createMaster(options: MasterOptions): Master {
  const resolved = resolveOptions(options);
  const state = createState();
  const allocator = options.createAllocator();
  const info = masterInfoOf(resolved);
  let lastNow = Number.NEGATIVE_INFINITY;
  return {
    id: resolved.masterId,
    info,
    lookups: createLookups(state, resolved),
    step(input: MasterInput, now: number): MasterEffect[] {
      if (typeof now !== 'number' || !Number.isFinite(now))
        throw new Error(`master.step: now must be a finite number, got ${now}`);
      if (now < lastNow) throw new Error(`master.step: time went back from ${lastNow} to ${now}`);
      lastNow = now;
      const ctx: Ctx = { state, options: resolved, allocator, masterInfo: info, now, out: [] };
      if (!state.started) start(ctx);
      handle(ctx, input);
      if (state.drains.size > 0) checkDrains(ctx);
      if (state.maintenance.inverseOffers.size > 0 || state.maintenance.statuses.size > 0)
        pruneInverseOffers(ctx);
      return ctx.out;
    },
    state(): MasterStateView {
      return buildView(state, resolved, info);
    },
  };
}

/** Starts the master: the start time, the allocation timer, and recovery from a registry snapshot. */
function start(ctx: Ctx): void {
  const state: MasterState = ctx.state;
  state.started = true;
  state.startTimeMs = ctx.now;
  setTimer(ctx, allocationTimer, ctx.now + ctx.options.allocationIntervalMs);
  const recovered = ctx.options.recovered;
  if (recovered === undefined) return;
  recoverRegistry(ctx, ctx.allocator, recovered);
}

/** Restores what a registry held: weights, quota, frameworks, and agents expected to re-register. */
function recoverRegistry(
  ctx: Ctx,
  allocator: Allocator,
  recovered: NonNullable<ResolvedOptions['recovered']>,
): void {
  const state = ctx.state;
  if (recovered.weights !== undefined && recovered.weights.length > 0) {
    for (const w of recovered.weights) state.weights.set(w.role, w.weight);
    allocator.updateWeights(recovered.weights);
  }
  for (const q of recovered.quotas ?? []) {
    state.quotas.set(q.role, q.quota);
    allocator.updateQuota(q.role, q.quota);
  }
  recoverMaintenance(ctx, recovered.maintenance);
  for (const completed of recovered.history?.frameworks ?? []) recoverCompletedFramework(ctx, completed);
  for (const info of recovered.frameworks ?? []) recoverFramework(ctx, info);
  for (const { framework_id, tasks } of recovered.history?.tasks ?? []) {
    const framework = state.frameworks.get(framework_id);
    if (framework !== undefined) framework.completedTasks = tasks.map(restoredTask);
  }
  for (const u of recovered.unreachable ?? []) {
    state.unreachableAgents.set(u.agent_id, {
      info: { hostname: '', resources: [] },
      sinceMs: u.time_ms,
      markedHere: false,
    });
  }
  for (const a of recovered.agents ?? []) {
    if (!state.unreachableAgents.has(a.agent_id)) state.recoveredAgents.set(a.agent_id, a.agent_info);
  }
  if (state.recoveredAgents.size > 0) {
    setTimer(ctx, agentReregisterTimer, ctx.now + ctx.options.agentReregisterTimeoutMs);
  }
}

/** Routes one input to its handler. */
function handle(ctx: Ctx, input: MasterInput): void {
  if (input === null || typeof input !== 'object' || typeof input.type !== 'string') {
    ignore(ctx, 'input', 'not an input object with a type');
    return;
  }
  if (input.type.startsWith('agent_') && 'agent_id' in input) {
    const agent = ctx.state.agents.get(input.agent_id);
    if (agent !== undefined) agentAlive(agent);
  }
  switch (input.type) {
    case 'start':
      return;
    case 'scheduler_call':
      schedulerCall(ctx, input);
      return;
    case 'framework_disconnected':
      frameworkDisconnected(ctx, input.framework_id, input.stream_id);
      return;
    case 'agent_register':
      registerAgent(ctx, input);
      return;
    case 'agent_reregister':
      reregisterAgent(ctx, input);
      return;
    case 'agent_unregister':
      agentUnregistered(ctx, input.agent_id);
      return;
    case 'agent_disconnected':
      agentDisconnected(ctx, input.agent_id);
      return;
    case 'agent_status_update':
      agentStatusUpdate(ctx, input);
      return;
    case 'agent_pong':
      return;
    case 'agent_executor_exited':
      executorExited(ctx, input);
      return;
    case 'agent_executor_message':
      executorMessage(ctx, input);
      return;
    case 'timer':
      timer(ctx, input.key);
      return;
    case 'operator_teardown':
      operatorTeardown(ctx, input.framework_id);
      return;
    case 'operator_update_weights':
      updateWeights(ctx, input.weights);
      return;
    case 'operator_update_quota':
      updateQuota(ctx, input.role, input.quota);
      return;
    case 'operator_update_quotas':
      updateQuotas(ctx, input.quotas);
      return;
    case 'operator_operation':
      operatorOperation(ctx, input.agent_id, input.operation);
      return;
    case 'operator_deactivate_agent':
      deactivateAgent(ctx, input.agent_id);
      return;
    case 'operator_reactivate_agent':
      reactivateAgent(ctx, input.agent_id);
      return;
    case 'operator_drain_agent':
      drainAgent(ctx, input.agent_id, input.mark_gone, input.max_grace_period_ns);
      return;
    case 'operator_mark_agent_gone':
      markAgentGone(ctx, input.agent_id);
      return;
    case 'operator_update_maintenance_schedule':
      updateMaintenanceSchedule(ctx, input.schedule);
      return;
    case 'operator_start_maintenance':
      startMaintenance(ctx, input.machines);
      return;
    case 'operator_stop_maintenance':
      stopMaintenance(ctx, input.machines);
      return;
    default:
      ignore(ctx, String((input as { type?: unknown }).type), 'unknown input type');
      return;
  }
}

/** A timer fired: stale or early firings (a timer re-armed since) are ignored. */
function timer(ctx: Ctx, key: string): void {
  const at = ctx.state.timers.get(key);
  const parsed = parseTimerKey(key);
  if (at === undefined || parsed === undefined || ctx.now < at) {
    ignore(ctx, 'timer', `timer ${key} is not due`);
    return;
  }
  ctx.state.timers.delete(key);
  switch (parsed.kind) {
    case 'allocation':
      allocationTick(ctx);
      sendInverseOffers(ctx);
      return;
    case 'agent_reregister_timeout':
      reregisterTimedOut(ctx);
      return;
    case 'agent_ping':
      pingTimedOut(ctx, parsed.id);
      return;
    case 'framework_failover':
      failoverTimedOut(ctx, parsed.id);
      return;
    case 'heartbeat':
      heartbeat(ctx, parsed.id);
      return;
    case 'offer_timeout':
      offerTimedOut(ctx, parsed.id);
      return;
  }
}
