// Offers: the allocation tick turns the allocator's decisions into Offer objects (one OFFERS event
// per framework), and offers leave by accept, decline, rescind or timeout. Whatever leaves unused
// goes back to the allocator, with the framework's filter when it declined.
import type { Allocation, OfferFilter } from '../allocator/allocator.ts';
import { refuse_seconds_default, refuse_seconds_max } from '../constants.ts';
import {
  add,
  contains,
  type Resource,
  type Resources,
  reservationRole,
  subtract,
  summary,
  unallocate,
} from '../resources.ts';
import { type Ctx, cancelTimer, ignore, sendEvent, setTimer, trace } from './context.ts';
import { nextOfferId } from './ids.ts';
import { agentUnavailability } from './machines.ts';
import type { AgentRecord, FrameworkRecord, OfferRecord } from './state.ts';
import { allocationTimer, offerTimeoutTimer } from './timers.ts';
import type { Filters, Id, Offer, Unavailability } from './v1.ts';

/** The agent path in offer URLs (Mesos's agent process id). */
const agent_path = '/slave(1)';

/** The refuse_seconds a call asks for: default 5 s when absent or negative, at most one year. */
export function refuseSeconds(filters: Filters | undefined): number {
  const value = filters?.refuse_seconds;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) return refuse_seconds_default;
  return Math.min(value, refuse_seconds_max);
}

/** Resources as the wire shows them: each entry also names its (legacy) reservation role. */
export function wireResources(resources: Resources): Resource[] {
  // Object.assign then a property, rather than a spread literal: the same object (keys in the same
  // order), and several times faster in V8, which matters as every offer goes through here.
  return resources.map((r) => {
    const wire: { -readonly [K in keyof Resource]: Resource[K] } = Object.assign({}, r);
    wire.role = reservationRole(r);
    return wire;
  });
}

/** Everything an agent holds for offers and tasks: used plus offered. */
export function agentAllocated(ctx: Ctx, agent: AgentRecord): Resources {
  let sum: Resources = [];
  for (const used of agent.used.values()) sum = add(sum, used);
  for (const id of agent.offers) sum = add(sum, ctx.state.offers.get(id)!.resources);
  return sum;
}

/**
 * A framework subscribed or an agent registered: with `joinAllocationDelayMs` the next cycle is
 * brought forward to within that delay (never later than it was due).
 */
export function allocateSoon(ctx: Ctx): void {
  const delay_ms = ctx.options.joinAllocationDelayMs;
  const due = ctx.state.timers.get(allocationTimer);
  if (delay_ms === undefined || due === undefined) return;
  const at = ctx.now + delay_ms;
  if (at < due) setTimer(ctx, allocationTimer, at);
}

/** Runs one allocation cycle: offers to frameworks, then re-arms the allocation timer. */
export function allocationTick(ctx: Ctx): void {
  setTimer(ctx, allocationTimer, ctx.now + ctx.options.allocationIntervalMs);
  const byFramework = new Map<string, Offer[]>();
  let made = 0;
  for (const allocation of ctx.allocator.allocate(ctx.now)) {
    const offer = makeOffer(ctx, allocation);
    if (offer === undefined) continue;
    made++;
    const list = byFramework.get(allocation.frameworkId);
    if (list === undefined) byFramework.set(allocation.frameworkId, [offer.offer]);
    else list.push(offer.offer);
  }
  for (const [frameworkId, offers] of byFramework) {
    sendEvent(ctx, ctx.state.frameworks.get(frameworkId)!, { type: 'OFFERS', offers: { offers } });
  }
  let agents = 0;
  for (const agent of ctx.state.agents.values()) if (agent.connected) agents++;
  trace(ctx, {
    type: 'allocation_cycle',
    agents_visited: agents,
    offers_made: made,
    frameworks_offered: byFramework.size,
  });
}

/** Turns one allocation into an outstanding offer; gives it back when its framework or agent is gone. */
function makeOffer(ctx: Ctx, allocation: Allocation): OfferRecord | undefined {
  const framework = ctx.state.frameworks.get(allocation.frameworkId);
  const agent = ctx.state.agents.get(allocation.agentId);
  if (
    framework === undefined ||
    agent === undefined ||
    framework.streamId === undefined ||
    !agent.connected
  ) {
    // The allocator should not offer to inactive frameworks or agents; give the resources back so
    // nothing leaks, and leave a trace of it.
    if (framework !== undefined && agent !== undefined) {
      ctx.allocator.recoverResources(framework.id, agent.id, allocation.resources, undefined, ctx.now);
    }
    ignore(ctx, 'allocation', `offer to ${allocation.frameworkId} on ${allocation.agentId}: not active`);
    return undefined;
  }
  // An agent holding nothing (the usual case when a revive offers every free agent again) has its
  // whole total free: no sum over what it holds, and no subtraction.
  const idle = agent.used.size === 0 && agent.offers.size === 0;
  const free = idle ? agent.total : subtract(agent.total, unallocate(agentAllocated(ctx, agent)));
  if (allocation.resources.length === 0 || !contains(free, unallocate(allocation.resources))) {
    throw new Error(
      `allocator offered ${JSON.stringify(allocation.resources)} on agent ${agent.id}, which has only ${JSON.stringify(free)} free`,
    );
  }
  const id = nextOfferId(ctx.options.masterId, ctx.state.ids);
  const executorIds: Id[] = [];
  for (const executorId of agent.executors.get(framework.id)?.keys() ?? [])
    executorIds.push({ value: executorId });
  const offer: Offer = {
    id: { value: id },
    framework_id: { value: framework.id },
    agent_id: { value: agent.id },
    hostname: agent.hostname,
    url: {
      scheme: 'http',
      address: { hostname: agent.hostname, ip: agent.ip, port: agent.port },
      path: agent_path,
    },
    resources: wireResources(allocation.resources),
    attributes: agent.info.attributes ?? [],
    executor_ids: executorIds,
    allocation_info: { role: allocation.role },
  };
  const unavailability = agentUnavailability(ctx, agent);
  if (unavailability !== undefined)
    (offer as { unavailability?: Unavailability }).unavailability = unavailability;
  const record: OfferRecord = {
    id,
    framework_id: framework.id,
    agent_id: agent.id,
    role: allocation.role,
    resources: allocation.resources,
    offer,
    madeAtMs: ctx.now,
  };
  ctx.state.offers.set(id, record);
  framework.offers.add(id);
  agent.offers.add(id);
  if (ctx.options.offerTimeoutMs > 0)
    setTimer(ctx, offerTimeoutTimer(id), ctx.now + ctx.options.offerTimeoutMs);
  trace(ctx, {
    type: 'offer_made',
    offer_id: id,
    framework_id: framework.id,
    agent_id: agent.id,
    role: allocation.role,
    resources: summary(allocation.resources),
  });
  return record;
}

/** Forgets an outstanding offer (its resources are the caller's to return). */
export function removeOffer(ctx: Ctx, offer: OfferRecord): void {
  ctx.state.offers.delete(offer.id);
  ctx.state.frameworks.get(offer.framework_id)?.offers.delete(offer.id);
  ctx.state.agents.get(offer.agent_id)?.offers.delete(offer.id);
  // Offers get a timer only when offers time out (the options are fixed for a master's life), so
  // without a timeout there is none to cancel and no key to build.
  if (ctx.options.offerTimeoutMs > 0) cancelTimer(ctx, offerTimeoutTimer(offer.id));
}

/** Takes an offer back: tells the framework (when `rescind`), and returns its resources unfiltered. */
export function rescindOffer(ctx: Ctx, offer: OfferRecord, reason: string, rescind: boolean): void {
  removeOffer(ctx, offer);
  const framework = ctx.state.frameworks.get(offer.framework_id);
  if (rescind && framework !== undefined) {
    sendEvent(ctx, framework, { type: 'RESCIND', rescind: { offer_id: { value: offer.id } } });
  }
  ctx.allocator.recoverResources(offer.framework_id, offer.agent_id, offer.resources, undefined, ctx.now);
  trace(ctx, {
    type: 'offer_rescinded',
    offer_id: offer.id,
    framework_id: offer.framework_id,
    agent_id: offer.agent_id,
    reason,
  });
}

/** Takes back every outstanding offer of a framework. */
export function rescindFrameworkOffers(
  ctx: Ctx,
  framework: FrameworkRecord,
  reason: string,
  rescind: boolean,
): void {
  for (const id of [...framework.offers]) rescindOffer(ctx, ctx.state.offers.get(id)!, reason, rescind);
}

/** Takes back every outstanding offer on an agent. */
export function rescindAgentOffers(ctx: Ctx, agent: AgentRecord, reason: string): void {
  for (const id of [...agent.offers]) rescindOffer(ctx, ctx.state.offers.get(id)!, reason, true);
}

/** DECLINE: returns each listed offer of the framework with its filter; unknown ids are ignored. */
export function decline(
  ctx: Ctx,
  framework: FrameworkRecord,
  offerIds: readonly Id[],
  filters: Filters | undefined,
): void {
  const filter: OfferFilter = { refuse_seconds: refuseSeconds(filters) };
  for (const offerId of offerIds) {
    const offer = ctx.state.offers.get(offerId?.value);
    if (offer === undefined || offer.framework_id !== framework.id) {
      ignore(ctx, 'DECLINE', `offer ${offerId?.value} is not an outstanding offer of ${framework.id}`);
      continue;
    }
    removeOffer(ctx, offer);
    ctx.allocator.recoverResources(framework.id, offer.agent_id, offer.resources, filter, ctx.now);
    trace(ctx, {
      type: 'offer_declined',
      offer_id: offer.id,
      framework_id: framework.id,
      agent_id: offer.agent_id,
      refuse_seconds: filter.refuse_seconds,
    });
  }
}

/** The offer timeout fired: rescind the offer if it is still outstanding. */
export function offerTimedOut(ctx: Ctx, offerId: string): void {
  const offer = ctx.state.offers.get(offerId);
  if (offer !== undefined) rescindOffer(ctx, offer, 'offer timeout', true);
}
