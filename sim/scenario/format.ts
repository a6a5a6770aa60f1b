// How a scenario shows what happened: one line per event worth reading, in the order the master
// produced them, in the scenario's names. Heartbeats, pings and TASK_STARTING are left out: they
// happen every time and say nothing a reader needs.
import type { ResourceSummary, TraceEvent } from '../../engine/events.ts';
import type { MasterEffect } from '../../engine/master/effects.ts';
import type { Offer, Unavailability } from '../../engine/master/v1.ts';
import { formatResources, normalize, type Resources, unallocate } from '../../engine/resources.ts';
import type { ScenarioNames } from './names.ts';
import { formatDuration } from './values.ts';

/** Resources as the scenario prints them: the agent flag form, without allocation roles. */
export function showResources(resources: Resources): string {
  const text = formatResources(unallocate(normalize(resources)));
  return text === '' ? '(nothing)' : text;
}

/** A flat summary as `cpus:1;mem:4096`, leaving out zeros. */
function showSummary(summary: ResourceSummary): string {
  const parts = Object.keys(summary)
    .sort()
    .filter((name) => summary[name] !== 0 && summary[name] !== '' && summary[name] !== '[]')
    .map((name) => `${name}:${summary[name]}`);
  return parts.length === 0 ? '(nothing)' : parts.join(';');
}

/** One offer as `offer O1 a1 -> A (role *): cpus:9;mem:18432`, and its machine's unavailability. */
function showOffer(offer: Offer, names: ScenarioNames): string {
  const id = names.offer(offer.id.value);
  const agent = names.agent(offer.agent_id.value);
  const framework = names.framework(offer.framework_id.value);
  const unavailable =
    offer.unavailability === undefined ? '' : ` [${showUnavailability(offer.unavailability)}]`;
  return `offer ${id} ${agent} -> ${framework} (role ${offer.allocation_info.role}): ${showResources(offer.resources)}${unavailable}`;
}

/** An unavailability as `unavailable at 10s for 1h` (scenario time: ns since the simulation began). */
export function showUnavailability(u: Unavailability): string {
  const start = formatDuration(Math.round(u.start.nanoseconds / 1e6));
  const duration =
    u.duration === undefined ? '' : ` for ${formatDuration(Math.round(u.duration.nanoseconds / 1e6))}`;
  return `unavailable at ${start}${duration}`;
}

/** Refuse seconds as the scenario writes durations. */
function showSeconds(seconds: number): string {
  return formatDuration(Math.round(seconds * 1000));
}

/** The line for a trace event, or undefined when it is not shown. */
function showTrace(event: TraceEvent, names: ScenarioNames): string | undefined {
  switch (event.type) {
    case 'agent_added':
      names.learnAgent(event.agent_id, event.hostname);
      return `agent ${event.hostname} ${event.reregistered ? 're-registered' : 'registered'}: ${showSummary(event.resources)}`;
    case 'agent_removed':
      return `agent ${names.agent(event.agent_id)} ${event.unreachable ? 'unreachable' : 'removed'}: ${event.reason}`;
    case 'framework_added':
      names.learnFramework(event.framework_id, event.name);
      return `framework ${event.name} ${event.how} (roles ${event.roles.join(',')})`;
    case 'framework_disconnected':
      return `framework ${names.framework(event.framework_id)} disconnected (failover timeout ${showSeconds(event.failover_timeout_seconds)})`;
    case 'framework_removed':
      return `framework ${names.framework(event.framework_id)} removed: ${event.reason}`;
    case 'offer_made':
    case 'allocation_cycle':
      // Offers are shown from the OFFERS events, with their full resources.
      return undefined;
    case 'offer_accepted':
      return `${names.framework(event.framework_id)} accepts ${names.offer(event.offer_id)}: ${event.tasks_launched} task${event.tasks_launched === 1 ? '' : 's'}`;
    case 'offer_declined':
      return `${names.framework(event.framework_id)} declines ${names.offer(event.offer_id)} (refuse ${showSeconds(event.refuse_seconds)})`;
    case 'offer_rescinded':
      return `rescind ${names.offer(event.offer_id)} from ${names.framework(event.framework_id)}: ${event.reason}`;
    case 'task_launched':
      return `launch ${event.task_id} on ${names.agent(event.agent_id)}: ${showSummary(event.resources)}`;
    case 'task_status': {
      if (event.state === 'TASK_STARTING' || event.state === 'TASK_STAGING') return undefined;
      const reason = event.reason === undefined ? '' : ` (${event.reason})`;
      return `task ${event.task_id} on ${names.agent(event.agent_id)}: ${event.state}${reason}`;
    }
    case 'input_ignored':
      return `ignored ${event.input}: ${event.reason}`;
    default:
      return `trace ${(event as { type: string }).type}`;
  }
}

/** The lines for one master effect (none for most). */
export function showEffect(effect: MasterEffect, names: ScenarioNames): string[] {
  switch (effect.type) {
    case 'trace': {
      const line = showTrace(effect.event, names);
      return line === undefined ? [] : [line];
    }
    case 'framework_event':
      if (effect.event.type === 'OFFERS') return effect.event.offers.offers.map((o) => showOffer(o, names));
      if (effect.event.type === 'INVERSE_OFFERS') {
        return effect.event.inverse_offers.inverse_offers.map(
          (o) =>
            `inverse offer ${names.offer(o.id.value)} ${names.agent(o.agent_id.value)} -> ${names.framework(o.framework_id.value)}: ${showUnavailability(o.unavailability)}`,
        );
      }
      if (effect.event.type === 'RESCIND_INVERSE_OFFER') {
        const id = effect.event.rescind_inverse_offer.inverse_offer_id.value;
        return [`rescind inverse offer ${names.offer(id)} from ${names.framework(effect.framework_id)}`];
      }
      if (effect.event.type === 'ERROR')
        return [`error to ${names.framework(effect.framework_id)}: ${effect.event.error.message}`];
      return [];
    case 'call_error':
      return [`call refused (${effect.status}): ${effect.message}`];
    case 'agent_message': {
      const message = effect.message;
      if (message.type !== 'apply_operation') return [];
      const op = message.operation;
      const resources =
        op.reserve?.resources ??
        op.unreserve?.resources ??
        op.create?.volumes ??
        op.destroy?.volumes ??
        [op.grow_volume?.volume ?? op.shrink_volume?.volume].filter((r) => r !== undefined);
      const by =
        message.framework_id === undefined ? 'the operator' : names.framework(message.framework_id.value);
      return [`${names.agent(effect.agent_id)} applies ${op.type} of ${by}: ${showResources(resources)}`];
    }
    default:
      return [];
  }
}
