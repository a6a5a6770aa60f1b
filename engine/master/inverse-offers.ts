// Inverse offers: after each allocation cycle, every active framework that uses or holds resources
// on an agent of a DRAINING machine is asked to give them back before the machine's
// unavailability, once per (agent, framework) until it answers. Its answer (ACCEPT or DECLINE) is
// recorded for the maintenance status and, with filters, keeps further inverse offers for that
// agent away for refuse_seconds. Inverse offers leave when answered, when the unavailability
// changes (rescinded), when the agent goes away (rescinded) or when the framework does (dropped).
// Mesos asks every framework with resources there; no framework capability gates it.
import { type Ctx, ignore, sendEvent } from './context.ts';
import { nextOfferId } from './ids.ts';
import { agentMachineKey } from './machines.ts';
import { refuseSeconds } from './offers.ts';
import type { InverseOffersBody } from './scheduler-api.ts';
import type { AgentRecord, FrameworkRecord, InverseOfferRecord, MaintenanceState } from './state.ts';
import type { InverseOffer, Unavailability } from './v1.ts';

function pairKey(agentId: string, frameworkId: string): string {
  return `${agentId}\n${frameworkId}`;
}

/** Frameworks with resources used or offered on an agent, in a fixed order (used first). */
function frameworksOn(ctx: Ctx, agent: AgentRecord): string[] {
  const ids = new Set<string>(agent.used.keys());
  for (const offerId of agent.offers) {
    const offer = ctx.state.offers.get(offerId);
    if (offer !== undefined) ids.add(offer.framework_id);
  }
  return [...ids];
}

/** Sends inverse offers for agents of DRAINING machines (after an allocation cycle). */
export function sendInverseOffers(ctx: Ctx): void {
  const maintenance = ctx.state.maintenance;
  if (maintenance.machines.size === 0) return;
  const byFramework = new Map<FrameworkRecord, InverseOffer[]>();
  for (const agent of ctx.state.agents.values()) {
    if (!agent.connected) continue;
    const machine = maintenance.machines.get(agentMachineKey(agent));
    if (machine === undefined || machine.mode !== 'DRAINING') continue;
    for (const frameworkId of frameworksOn(ctx, agent)) {
      const framework = ctx.state.frameworks.get(frameworkId);
      if (framework === undefined || framework.streamId === undefined) continue;
      if (maintenance.inverseOfferByPair.has(pairKey(agent.id, frameworkId))) continue;
      const until = maintenance.filters.get(agent.id)?.get(frameworkId);
      if (until !== undefined && until > ctx.now) continue;
      const record = makeInverseOffer(ctx, agent, framework, machine.unavailability);
      const list = byFramework.get(framework);
      if (list === undefined) byFramework.set(framework, [record.inverse_offer]);
      else list.push(record.inverse_offer);
    }
  }
  for (const [framework, inverse_offers] of byFramework) {
    sendEvent(ctx, framework, { type: 'INVERSE_OFFERS', inverse_offers: { inverse_offers } });
  }
}

/** Records one new inverse offer (its id from the offers' counter, as Mesos's). */
function makeInverseOffer(
  ctx: Ctx,
  agent: AgentRecord,
  framework: FrameworkRecord,
  unavailability: Unavailability,
): InverseOfferRecord {
  const id = nextOfferId(ctx.options.masterId, ctx.state.ids);
  const inverse_offer: InverseOffer = {
    id: { value: id },
    url: {
      scheme: 'http',
      address: { hostname: agent.hostname, ip: agent.ip, port: agent.port },
      path: '/slave(1)',
    },
    framework_id: { value: framework.id },
    agent_id: { value: agent.id },
    unavailability,
    resources: [],
  };
  const record: InverseOfferRecord = { id, framework_id: framework.id, agent_id: agent.id, inverse_offer };
  ctx.state.maintenance.inverseOffers.set(id, record);
  ctx.state.maintenance.inverseOfferByPair.set(pairKey(agent.id, framework.id), id);
  return record;
}

/** Forgets an inverse offer; tells its framework when `rescind` (and it is connected). */
function removeInverseOffer(ctx: Ctx, record: InverseOfferRecord, rescind: boolean): void {
  const maintenance = ctx.state.maintenance;
  maintenance.inverseOffers.delete(record.id);
  maintenance.inverseOfferByPair.delete(pairKey(record.agent_id, record.framework_id));
  const framework = ctx.state.frameworks.get(record.framework_id);
  if (rescind && framework !== undefined) {
    sendEvent(ctx, framework, {
      type: 'RESCIND_INVERSE_OFFER',
      rescind_inverse_offer: { inverse_offer_id: { value: record.id } },
    });
  }
}

/** Rescinds every inverse offer about an agent, and forgets its answers and filters. */
export function resetAgentMaintenance(ctx: Ctx, agentId: string): void {
  const maintenance = ctx.state.maintenance;
  for (const record of [...maintenance.inverseOffers.values()]) {
    if (record.agent_id === agentId) removeInverseOffer(ctx, record, true);
  }
  maintenance.statuses.delete(agentId);
  maintenance.filters.delete(agentId);
}

/**
 * After any input: inverse offers whose agent is gone or disconnected are rescinded, those whose
 * framework is gone or disconnected dropped; answers of frameworks that are gone are forgotten.
 */
export function pruneInverseOffers(ctx: Ctx): void {
  const maintenance: MaintenanceState = ctx.state.maintenance;
  for (const record of [...maintenance.inverseOffers.values()]) {
    const agent = ctx.state.agents.get(record.agent_id);
    const framework = ctx.state.frameworks.get(record.framework_id);
    if (framework === undefined || framework.streamId === undefined) removeInverseOffer(ctx, record, false);
    else if (agent === undefined || !agent.connected) removeInverseOffer(ctx, record, true);
  }
  for (const [agentId, statuses] of maintenance.statuses) {
    if (!ctx.state.agents.has(agentId)) {
      maintenance.statuses.delete(agentId);
      maintenance.filters.delete(agentId);
      continue;
    }
    for (const frameworkId of statuses.keys()) {
      if (!ctx.state.frameworks.has(frameworkId)) statuses.delete(frameworkId);
    }
  }
}

/** ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS: each listed inverse offer of the framework is answered. */
export function answerInverseOffers(
  ctx: Ctx,
  framework: FrameworkRecord,
  body: InverseOffersBody,
  status: 'ACCEPT' | 'DECLINE',
): void {
  const maintenance = ctx.state.maintenance;
  const call = status === 'ACCEPT' ? 'ACCEPT_INVERSE_OFFERS' : 'DECLINE_INVERSE_OFFERS';
  for (const id of body.inverse_offer_ids) {
    const record = maintenance.inverseOffers.get(id?.value);
    if (record === undefined || record.framework_id !== framework.id) {
      ignore(ctx, call, `inverse offer ${id?.value} is not an outstanding inverse offer of ${framework.id}`);
      continue;
    }
    removeInverseOffer(ctx, record, false);
    let statuses = maintenance.statuses.get(record.agent_id);
    if (statuses === undefined) {
      statuses = new Map();
      maintenance.statuses.set(record.agent_id, statuses);
    }
    statuses.set(framework.id, {
      status,
      framework_id: { value: framework.id },
      timestamp: { nanoseconds: ctx.now * 1e6 },
    });
    // Without filters the framework is asked again at the next allocation cycle (as Mesos).
    if (body.filters !== undefined && body.filters !== null) {
      let filters = maintenance.filters.get(record.agent_id);
      if (filters === undefined) {
        filters = new Map();
        maintenance.filters.set(record.agent_id, filters);
      }
      filters.set(framework.id, ctx.now + refuseSeconds(body.filters) * 1000);
    }
  }
}
