// Operator calls that change the form of an agent's resources (RESERVE_RESOURCES,
// UNRESERVE_RESOURCES, CREATE_VOLUMES, DESTROY_VOLUMES, GROW_VOLUME, SHRINK_VOLUME). As Mesos's
// master does, the agent's outstanding offers are rescinded first, so that the operation works on
// resources no framework holds; then the operation is checked against what is free on the agent and
// applied to the agent's total, in the allocator, in the registry, and on the agent. A bad request
// answers 400 (409 when the agent lacks the free resources) and changes nothing.
import {
  add,
  contains,
  formatResources,
  isPersistentVolume,
  normalize,
  type Resource,
  type Resources,
  reservationRole,
  subtract,
  unallocate,
} from '../resources.ts';
import { allocatorAgent } from './agents.ts';
import { type Ctx, callError, sendAgent } from './context.ts';
import { agentAllocated, rescindAgentOffers, wireResources } from './offers.ts';
import { recordOperation } from './operation-feedback.ts';
import { popReservation, stripVolume, volumeError, volumeIds } from './operations.ts';
import { keepDeactivated } from './operator-agents.ts';
import type { AgentRecord } from './state.ts';
import type { Operation } from './v1.ts';
import { parseWireResources } from './validation.ts';

/** What an operator operation converts on the agent, or why it cannot. */
type Conversion = { readonly from: Resources; readonly to: Resources } | { readonly error: string };

/** Wire resources in normal, unallocated form, or why they are not usable. */
function resourcesOf(list: unknown, what: string): Resources | { error: string } {
  const parsed = parseWireResources(list, what);
  if ('error' in parsed) return parsed;
  const resources = unallocate(parsed.resources);
  if (resources.length === 0) return { error: `${what} names no resources` };
  return resources;
}

/** The last reservation of a resource, when it is dynamic. */
function dynamicTop(res: Resource): boolean {
  const stack = res.reservations ?? [];
  return stack[stack.length - 1]?.type === 'DYNAMIC';
}

function reserve(op: Operation): Conversion {
  const to = resourcesOf(op.reserve?.resources, 'reserve_resources.resources');
  if ('error' in to) return to;
  for (const res of to) {
    const text = formatResources([res]);
    if (!dynamicTop(res)) return { error: `${text} does not carry a dynamic reservation to make` };
    if (isPersistentVolume(res)) return { error: `${text} is a persistent volume: reserve plain disk` };
  }
  return { from: normalize(to.map(popReservation)), to };
}

function unreserve(op: Operation): Conversion {
  const from = resourcesOf(op.unreserve?.resources, 'unreserve_resources.resources');
  if ('error' in from) return from;
  for (const res of from) {
    const text = formatResources([res]);
    if (!dynamicTop(res)) return { error: `${text} is not dynamically reserved` };
    if (isPersistentVolume(res)) return { error: `${text} is a persistent volume: destroy it first` };
  }
  return { from, to: normalize(from.map(popReservation)) };
}

function create(agent: AgentRecord, op: Operation): Conversion {
  const to = resourcesOf(op.create?.volumes, 'create_volumes.volumes');
  if ('error' in to) return to;
  const ids = volumeIds(agent.total);
  for (const res of op.create!.volumes) {
    const error = volumeError(res);
    if (error !== undefined) return { error };
    const key = `${reservationRole(res)}\u0000${res.disk!.persistence!.id}`;
    if (ids.has(key)) {
      return { error: `persistence id '${res.disk!.persistence!.id}' is already used on the agent` };
    }
    ids.add(key);
    if (reservationRole(res) === '*') {
      return { error: `persistent volume ${formatResources([res])} must be made of reserved disk` };
    }
  }
  return { from: normalize(to.map(stripVolume)), to };
}

function destroy(agent: AgentRecord, op: Operation): Conversion {
  const from = resourcesOf(op.destroy?.volumes, 'destroy_volumes.volumes');
  if ('error' in from) return from;
  for (const res of from) {
    const error = volumeError(res);
    if (error !== undefined) return { error };
  }
  if (!contains(agent.total, from))
    return { error: `the agent has no persistent volume ${formatResources(from)}` };
  return { from, to: normalize(from.map(stripVolume)) };
}

/** A single disk resource of a grow or shrink call, or why it is not one. */
function oneDisk(value: unknown, what: string): Resource | { error: string } {
  const parsed = resourcesOf(value === undefined ? undefined : [value], what);
  if ('error' in parsed) return parsed;
  const res = parsed[0]!;
  if (parsed.length !== 1 || res.name !== 'disk' || res.scalar === undefined) {
    return { error: `${what} must be one scalar disk resource` };
  }
  return res;
}

/** `volume` with its size changed by `delta` MB. */
function resized(volume: Resource, delta: number): Resource {
  return { ...volume, scalar: { value: volume.scalar!.value + delta } };
}

function grow(op: Operation): Conversion {
  const volume = oneDisk(op.grow_volume?.volume, 'grow_volume.volume');
  if ('error' in volume) return volume;
  const addition = oneDisk(op.grow_volume?.addition, 'grow_volume.addition');
  if ('error' in addition) return addition;
  const error = volumeError(volume);
  if (error !== undefined) return { error };
  if (isPersistentVolume(addition) || reservationRole(addition) !== reservationRole(volume)) {
    return { error: 'grow_volume.addition must be plain disk reserved as the volume is' };
  }
  const from = normalize([volume, addition]);
  return { from, to: [resized(volume, addition.scalar!.value)] };
}

function shrink(op: Operation): Conversion {
  const volume = oneDisk(op.shrink_volume?.volume, 'shrink_volume.volume');
  if ('error' in volume) return volume;
  const error = volumeError(volume);
  if (error !== undefined) return { error };
  const amount = op.shrink_volume?.subtract?.value;
  if (
    typeof amount !== 'number' ||
    !Number.isFinite(amount) ||
    amount <= 0 ||
    amount >= volume.scalar!.value
  ) {
    return { error: 'shrink_volume.subtract.value must be a number above 0 and below the volume size' };
  }
  const freed = stripVolume({ ...volume, scalar: { value: amount } });
  return { from: [volume], to: normalize([resized(volume, -amount), freed]) };
}

/** The conversion of one operator operation on an agent. */
function conversionOf(agent: AgentRecord, op: Operation): Conversion {
  switch (op.type) {
    case 'RESERVE':
      return reserve(op);
    case 'UNRESERVE':
      return unreserve(op);
    case 'CREATE':
      return create(agent, op);
    case 'DESTROY':
      return destroy(agent, op);
    case 'GROW_VOLUME':
      return grow(op);
    case 'SHRINK_VOLUME':
      return shrink(op);
    default:
      return { error: `operation ${op.type} is not an operator resource operation` };
  }
}

/** Resources of the agent that no task, executor or offer holds. */
function freeResources(ctx: Ctx, agent: AgentRecord): Resources {
  return subtract(agent.total, unallocate(agentAllocated(ctx, agent)));
}

/** Applies an operator's resource operation to an agent (see the file comment). */
export function operatorOperation(ctx: Ctx, agentId: string, op: Operation): void {
  const agent = ctx.state.agents.get(agentId);
  if (agent === undefined) {
    callError(ctx, 400, `No agent found with specified ID ${agentId}`);
    return;
  }
  const conversion = conversionOf(agent, op);
  if ('error' in conversion) {
    callError(ctx, 400, `Invalid ${op.type} operation: ${conversion.error}`);
    return;
  }
  rescindAgentOffers(ctx, agent, `operator ${op.type} on the agent`);
  const free = freeResources(ctx, agent);
  if (!contains(free, conversion.from)) {
    callError(
      ctx,
      409,
      `Agent ${agentId} has no free ${formatResources(conversion.from)} (free: ${formatResources(free)})`,
    );
    return;
  }
  agent.total = add(subtract(agent.total, conversion.from), conversion.to);
  agent.info = { ...agent.info, resources: agent.total };
  // The allocator takes the agent afresh with its new total; what frameworks use there is unchanged.
  ctx.allocator.removeAgent(agent.id);
  ctx.allocator.addAgent(agent.id, allocatorAgent(agent), agent.total, agent.used);
  keepDeactivated(ctx, agent.id);
  sendAgent(ctx, agent, { type: 'apply_operation', operation: op, resources: wireResources(agent.total) });
  ctx.out.push({ type: 'registry', op: 'agent_admitted', agent_id: agent.id, agent_info: agent.info });
  recordOperation(ctx, undefined, agent.id, op, 'OPERATION_FINISHED', undefined);
}
