// Timer keys. The master names each timer it sets; the host fires `{type:'timer', key}` at `at_ms`.
// A key names one timer: setting it again replaces the earlier one.

/** A parsed timer key. */
export type TimerKey =
  | { readonly kind: 'allocation' }
  | { readonly kind: 'agent_reregister_timeout' }
  | { readonly kind: 'agent_ping'; readonly id: string }
  | { readonly kind: 'framework_failover'; readonly id: string }
  | { readonly kind: 'heartbeat'; readonly id: string }
  | { readonly kind: 'offer_timeout'; readonly id: string };

/** Key of the allocation tick. */
export const allocationTimer = 'allocation';
/** Key of the deadline for recovered agents to re-register. */
export const agentReregisterTimer = 'agent_reregister_timeout';

/** Key of an agent's health-check timer. */
export function agentPingTimer(agentId: string): string {
  return `agent_ping:${agentId}`;
}

/** Key of a disconnected framework's failover timer. */
export function frameworkFailoverTimer(frameworkId: string): string {
  return `framework_failover:${frameworkId}`;
}

/** Key of a framework's heartbeat timer. */
export function heartbeatTimer(frameworkId: string): string {
  return `heartbeat:${frameworkId}`;
}

/** Key of an offer's timeout. */
export function offerTimeoutTimer(offerId: string): string {
  return `offer_timeout:${offerId}`;
}

/** Parses a key the master made; undefined for any other string. */
export function parseTimerKey(key: string): TimerKey | undefined {
  if (key === allocationTimer) return { kind: 'allocation' };
  if (key === agentReregisterTimer) return { kind: 'agent_reregister_timeout' };
  const colon = key.indexOf(':');
  if (colon <= 0) return undefined;
  const kind = key.slice(0, colon);
  const id = key.slice(colon + 1);
  if (id === '') return undefined;
  switch (kind) {
    case 'agent_ping':
    case 'framework_failover':
    case 'heartbeat':
    case 'offer_timeout':
      return { kind, id };
    default:
      return undefined;
  }
}
