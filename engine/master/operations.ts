// Offer operations that change the form of an agent's resources, applied inside ACCEPT as Mesos's
// master applies them: RESERVE pushes a dynamic reservation for the offer's role onto unreserved (or
// less refined) resources, UNRESERVE pops it, CREATE turns reserved disk into a persistent volume and
// DESTROY turns a volume back into reserved disk. Each operation is checked on its own against what
// remains of the accept's offers, in order: an invalid one is dropped (traced with its reason) and
// the operations after it go on, as Mesos drops them. A valid one converts the resources in what
// remains of the offers (so a later LAUNCH of the same accept can use them), in the agent's total
// and in the allocator, and the agent is told.
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
import { type Ctx, ignore, sendAgent } from './context.ts';
import { allocatedResources, type LaunchScope } from './launch-validation.ts';
import { wireResources } from './offers.ts';
import { recordOperation } from './operation-feedback.ts';
import type { Operation } from './v1.ts';

/** The operation types that convert resources. */
export const resource_operations: ReadonlySet<string> = new Set([
  'RESERVE',
  'UNRESERVE',
  'CREATE',
  'DESTROY',
]);

/** One valid operation: `from` (allocated, in the offers) becomes `to`; `wire` is what the agent is told. */
interface Conversion {
  readonly from: Resources;
  readonly to: Resources;
  readonly wire: Operation;
}

type Checked = Conversion | { readonly error: string };

/** Why a RESERVE, UNRESERVE, CREATE or DESTROY lacks its body, if it does. */
export function resourceOperationShapeError(op: Operation): string | undefined {
  switch (op.type) {
    case 'RESERVE':
      return Array.isArray(op.reserve?.resources) ? undefined : "Expecting 'reserve.resources' to be present";
    case 'UNRESERVE':
      return Array.isArray(op.unreserve?.resources)
        ? undefined
        : "Expecting 'unreserve.resources' to be present";
    case 'CREATE':
      return Array.isArray(op.create?.volumes) ? undefined : "Expecting 'create.volumes' to be present";
    case 'DESTROY':
      return Array.isArray(op.destroy?.volumes) ? undefined : "Expecting 'destroy.volumes' to be present";
    default:
      return `Operation ${op.type} does not convert resources`;
  }
}

/**
 * Applies one RESERVE, UNRESERVE, CREATE or DESTROY of an accept; returns whether it was applied.
 * The caller records the agent's new total in the registry once the accept is done.
 */
export function applyResourceOperation(ctx: Ctx, scope: LaunchScope, op: Operation): boolean {
  const checked = check(scope, op);
  if ('error' in checked) {
    ignore(
      ctx,
      'ACCEPT',
      `${op.type} operation of framework ${scope.framework.id} dropped: ${checked.error}`,
    );
    recordOperation(ctx, scope.framework.id, scope.agent.id, op, 'OPERATION_ERROR', checked.error);
    return false;
  }
  const { from, to } = checked;
  const agent = scope.agent;
  scope.remaining = add(subtractAll(scope.remaining, from), to);
  agent.total = add(subtractAll(agent.total, unallocate(from)), unallocate(to));
  agent.info = { ...agent.info, resources: agent.total };
  ctx.allocator.updateAllocation(scope.framework.id, agent.id, from, to);
  sendAgent(ctx, agent, {
    type: 'apply_operation',
    framework_id: { value: scope.framework.id },
    operation: checked.wire,
    resources: wireResources(agent.total),
  });
  recordOperation(ctx, scope.framework.id, agent.id, op, 'OPERATION_FINISHED', undefined);
  return true;
}

/** a - b where a must hold all of b. */
function subtractAll(a: Resources, b: Resources): Resources {
  if (!contains(a, b)) throw new Error(`${formatResources(a)} does not hold ${formatResources(b)}`);
  return subtract(a, b);
}

/** The conversion an operation asks for, or why it is invalid. */
function check(scope: LaunchScope, op: Operation): Checked {
  switch (op.type) {
    case 'RESERVE':
      return checkReserve(scope, op);
    case 'UNRESERVE':
      return checkUnreserve(scope, op);
    case 'CREATE':
      return checkCreate(scope, op);
    default:
      return checkDestroy(scope, op);
  }
}

/** The operation as the agent hears it: its type, id, and the converted resources in wire form. */
function wireOperation(
  op: Operation,
  field: 'reserve' | 'unreserve' | 'create' | 'destroy',
  resources: Resources,
): Operation {
  const base = op.id === undefined ? { type: op.type } : { type: op.type, id: op.id };
  const wire = wireResources(resources);
  if (field === 'reserve' || field === 'unreserve') return { ...base, [field]: { resources: wire } };
  return { ...base, [field]: { volumes: wire } };
}

/** The resources of an operation in allocated form, checked against the offers' roles. */
function operationResources(
  scope: LaunchScope,
  list: unknown,
  what: string,
): { resources: Resources; role: string } | { error: string } {
  const parsed = allocatedResources(list, scope.roles, what);
  if ('error' in parsed) return parsed;
  if (parsed.resources.length === 0) return { error: `${what} names no resources` };
  return parsed;
}

/** `res` with the last reservation of its stack popped (unreserved when it was the only one). */
export function popReservation(res: Resource): Resource {
  const stack = res.reservations ?? [];
  return { ...res, reservations: stack.length > 1 ? stack.slice(0, -1) : undefined };
}

/** A persistent volume as the plain disk it was made of (its disk source, if any, kept). */
export function stripVolume(res: Resource): Resource {
  const source = res.disk?.source;
  return { ...res, disk: source === undefined ? undefined : { source } };
}

/** Why what remains of the offers cannot give `from`, if it cannot. */
function offersLack(scope: LaunchScope, from: Resources): string | undefined {
  if (contains(scope.remaining, from)) return undefined;
  return `the offers do not hold ${formatResources(unallocate(from))} (they hold ${formatResources(unallocate(scope.remaining))})`;
}

function checkReserve(scope: LaunchScope, op: Operation): Checked {
  const parsed = operationResources(scope, op.reserve!.resources, 'reserve.resources');
  if ('error' in parsed) return parsed;
  const principal = scope.framework.info.principal;
  const from: Resource[] = [];
  for (const res of parsed.resources) {
    const text = formatResources(unallocate([res]));
    const stack = res.reservations ?? [];
    const last = stack[stack.length - 1];
    if (last === undefined || last.type !== 'DYNAMIC')
      return { error: `${text} is not dynamically reserved` };
    if (isPersistentVolume(res)) {
      return { error: `${text} is a persistent volume: reserve the disk first, then create the volume` };
    }
    if (last.role !== parsed.role) {
      return {
        error: `${text} is reserved for role '${last.role}', but the offer is for role '${parsed.role}': a framework reserves for the role it is offered resources as`,
      };
    }
    if (!scope.framework.roles.includes(last.role)) {
      return { error: `framework ${scope.framework.id} is not subscribed to role '${last.role}'` };
    }
    if (principal !== undefined && last.principal !== principal) {
      return {
        error: `${text} names principal '${last.principal ?? ''}', but the framework's principal is '${principal}'`,
      };
    }
    from.push(popReservation(res));
  }
  const fromNormal = normalize(from);
  const lack = offersLack(scope, fromNormal);
  if (lack !== undefined) return { error: lack };
  return { from: fromNormal, to: parsed.resources, wire: wireOperation(op, 'reserve', parsed.resources) };
}

function checkUnreserve(scope: LaunchScope, op: Operation): Checked {
  const parsed = operationResources(scope, op.unreserve!.resources, 'unreserve.resources');
  if ('error' in parsed) return parsed;
  const to: Resource[] = [];
  for (const res of parsed.resources) {
    const text = formatResources(unallocate([res]));
    const stack = res.reservations ?? [];
    if (stack[stack.length - 1]?.type !== 'DYNAMIC') return { error: `${text} is not dynamically reserved` };
    if (isPersistentVolume(res)) {
      return { error: `${text} is a persistent volume: destroy it first, then unreserve its disk` };
    }
    to.push(popReservation(res));
  }
  const lack = offersLack(scope, parsed.resources);
  if (lack !== undefined) return { error: lack };
  return {
    from: parsed.resources,
    to: normalize(to),
    wire: wireOperation(op, 'unreserve', parsed.resources),
  };
}

/** Why a volume of CREATE or DESTROY is not a usable persistent volume, if it is not. */
export function volumeError(res: Resource): string | undefined {
  const text = formatResources(unallocate([res]));
  const disk = res.disk;
  if (disk?.persistence === undefined) return `${text} is not a persistent volume (no disk.persistence)`;
  if (disk.volume === undefined) return `persistent volume ${text} needs disk.volume with a container_path`;
  if (disk.volume.mode === 'RO') return `persistent volume ${text} is read-only, which is not supported`;
  if (disk.volume.host_path !== undefined) return `persistent volume ${text} cannot have a host_path`;
  if (/[/\\\p{Cc}]/u.test(disk.persistence.id)) {
    return `persistence id '${disk.persistence.id}' contains '/', '\\' or a control character`;
  }
  // The id names a directory on the agent: '.' and '..' would name another one.
  if (disk.persistence.id === '' || disk.persistence.id === '.' || disk.persistence.id === '..') {
    return `persistence id '${disk.persistence.id}' cannot be empty, '.' or '..'`;
  }
  return undefined;
}

/** Persistence ids by role already used on the agent. */
export function volumeIds(total: Resources): Set<string> {
  const ids = new Set<string>();
  for (const res of total) {
    const id = res.disk?.persistence?.id;
    if (id !== undefined) ids.add(`${reservationRole(res)}\u0000${id}`);
  }
  return ids;
}

function checkCreate(scope: LaunchScope, op: Operation): Checked {
  const parsed = operationResources(scope, op.create!.volumes, 'create.volumes');
  if ('error' in parsed) return parsed;
  const principal = scope.framework.info.principal;
  const ids = volumeIds(scope.agent.total);
  const from: Resource[] = [];
  // Ids are checked on the list as sent: two equal volumes would merge into one in normal form.
  for (const raw of op.create!.volumes) {
    const id = raw.disk?.persistence?.id;
    if (id === undefined) continue;
    const key = `${reservationRole(raw)}\u0000${id}`;
    if (ids.has(key)) {
      return {
        error: `persistence id '${id}' is already used by role '${reservationRole(raw)}' on the agent`,
      };
    }
    ids.add(key);
  }
  for (const res of parsed.resources) {
    const error = volumeError(res);
    if (error !== undefined) return { error };
    const text = formatResources(unallocate([res]));
    if (reservationRole(res) === '*')
      return { error: `persistent volume ${text} must be made of reserved disk` };
    const volumePrincipal = res.disk!.persistence!.principal;
    if (principal !== undefined && volumePrincipal !== principal) {
      return {
        error: `persistent volume ${text} names principal '${volumePrincipal ?? ''}', but the framework's principal is '${principal}'`,
      };
    }
    from.push(stripVolume(res));
  }
  const fromNormal = normalize(from);
  const lack = offersLack(scope, fromNormal);
  if (lack !== undefined) return { error: lack };
  return { from: fromNormal, to: parsed.resources, wire: wireOperation(op, 'create', parsed.resources) };
}

function checkDestroy(scope: LaunchScope, op: Operation): Checked {
  const parsed = operationResources(scope, op.destroy!.volumes, 'destroy.volumes');
  if ('error' in parsed) return parsed;
  const agent = scope.agent;
  const to: Resource[] = [];
  for (const res of parsed.resources) {
    const error = volumeError(res);
    if (error !== undefined) return { error };
    const plain = unallocate([res]);
    if (!contains(agent.total, plain))
      return { error: `the agent has no persistent volume ${formatResources(plain)}` };
    for (const used of agent.used.values()) {
      if (contains(unallocate(used), plain))
        return { error: `persistent volume ${formatResources(plain)} is in use` };
    }
    to.push(stripVolume(res));
  }
  const lack = offersLack(scope, parsed.resources);
  if (lack !== undefined) return { error: lack };
  return { from: parsed.resources, to: normalize(to), wire: wireOperation(op, 'destroy', parsed.resources) };
}
