// Which machine an agent runs on, as maintenance matches them: the hostname it announced
// (case-insensitive) and the IP it came from, both as given. Kept apart from the offers and inverse
// offers that use it, so neither imports the other.
import type { Ctx } from './context.ts';
import type { AgentRecord } from './state.ts';
import type { Unavailability } from './v1.ts';

/** The key of a machine: its hostname (case-insensitive) and IP, as Mesos matches them. */
export function machineKey(id: { readonly hostname?: string; readonly ip?: string }): string {
  return `${(id.hostname ?? '').toLowerCase()}\n${id.ip ?? ''}`;
}

/** The key of the machine an agent runs on: the hostname it announced and the IP it came from. */
export function agentMachineKey(agent: Pick<AgentRecord, 'hostname' | 'ip'>): string {
  return machineKey({ hostname: agent.hostname, ip: agent.ip });
}

/** The unavailability of an agent's machine, when it is scheduled for maintenance. */
export function agentUnavailability(ctx: Ctx, agent: AgentRecord): Unavailability | undefined {
  const machines = ctx.state.maintenance.machines;
  if (machines.size === 0) return undefined;
  return machines.get(agentMachineKey(agent))?.unavailability;
}
