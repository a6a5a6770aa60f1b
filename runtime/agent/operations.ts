// `apply_operation` from the master: a framework's or an operator's RESERVE, UNRESERVE, CREATE or
// DESTROY, or an operator's GROW_VOLUME or SHRINK_VOLUME, was applied to this agent's resources. The agent checks the message (a malformed one is logged and dropped),
// checkpoints the new total it carries and reports that total from then on; CREATE makes each
// volume's directory, DESTROY removes it (unless a task here still uses the volume, which the master
// should have prevented: data is never removed from under a running task).
import { contains, formatResources, normalize, type Resources, unallocate } from '../../engine/resources.ts';
import { type AgentCore, track } from './core.ts';
import { isTerminalState } from './executors.ts';
import { checkpointResources, incompatibility } from './resource-checkpoint.ts';
import {
  createVolume,
  destroyVolume,
  persistentVolumes,
  type VolumeUse,
  volumeDirectory,
} from './volumes.ts';

/** The operation types the master applies to an agent's resources, and the body list each carries. */
const operation_bodies = {
  RESERVE: ['reserve', 'resources'],
  UNRESERVE: ['unreserve', 'resources'],
  CREATE: ['create', 'volumes'],
  DESTROY: ['destroy', 'volumes'],
  GROW_VOLUME: ['grow_volume', 'volume'],
  SHRINK_VOLUME: ['shrink_volume', 'volume'],
} as const;

type OperationType = keyof typeof operation_bodies;

/** A checked apply_operation message. */
export interface AppliedOperation {
  /** undefined for an operator's operation. */
  readonly framework_id: string | undefined;
  readonly type: OperationType;
  /** The operation's id, when the framework gave one. */
  readonly id: string | undefined;
  /** The resources the operation converted (for CREATE and DESTROY, the volumes), unallocated. */
  readonly converted: Resources;
  /** The volumes of a CREATE or DESTROY. */
  readonly volumes: readonly VolumeUse[];
  /** The agent's whole new total, unallocated. */
  readonly total: Resources;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Resources of a message field in normal, unallocated form, or why they are not resources. */
function resourcesOf(list: unknown, what: string): Resources | string {
  if (!Array.isArray(list)) return `'${what}' must be a list of resources`;
  try {
    return unallocate(normalize(list));
  } catch (error) {
    return `'${what}' is invalid: ${(error as Error).message}`;
  }
}

/** Checks an apply_operation message (raw JSON from the master). */
export function parseApplyOperation(message: unknown): AppliedOperation | { readonly error: string } {
  if (!isObject(message)) return { error: 'the message must be an object' };
  const framework = message.framework_id;
  if (
    framework !== undefined &&
    (!isObject(framework) || typeof framework.value !== 'string' || framework.value === '')
  ) {
    return { error: "'framework_id' must be {value} with a non-empty value" };
  }
  const operation = message.operation;
  if (!isObject(operation)) return { error: "'operation' must be an Operation object" };
  const type = operation.type;
  if (typeof type !== 'string' || !Object.hasOwn(operation_bodies, type)) {
    return {
      error: `'operation.type' must be one of ${Object.keys(operation_bodies).join(', ')}, got ${JSON.stringify(type)}`,
    };
  }
  const [field, list] = operation_bodies[type as OperationType];
  const body = operation[field];
  // GROW_VOLUME and SHRINK_VOLUME name one volume, the others a list; the directory stays as it is.
  const named = isObject(body) ? body[list] : undefined;
  const converted = resourcesOf(isObject(named) ? [named] : named, `operation.${field}.${list}`);
  if (typeof converted === 'string') return { error: converted };
  if (converted.length === 0) return { error: `'operation.${field}.${list}' names no resources` };
  const total = resourcesOf(message.resources, 'resources');
  if (typeof total === 'string') return { error: total };
  const id =
    isObject(operation.id) && typeof operation.id.value === 'string' ? operation.id.value : undefined;
  const volumes = type === 'CREATE' || type === 'DESTROY' ? persistentVolumes(converted) : [];
  if ((type === 'CREATE' || type === 'DESTROY') && volumes.length !== converted.length) {
    return { error: `a ${type} must name persistent volumes only (disk with disk.persistence)` };
  }
  // Each volume must name a directory of its own (any work_dir serves for the check).
  for (const volume of volumes) {
    try {
      volumeDirectory('/', volume.role, volume.persistence_id);
    } catch (error) {
      return { error: (error as Error).message };
    }
  }
  // What a RESERVE or CREATE makes is in the new total.
  const made = type === 'RESERVE' || type === 'CREATE' ? converted : [];
  if (!contains(total, made)) {
    return { error: `the new total ${formatResources(total)} does not hold ${formatResources(made)}` };
  }
  const framework_id = isObject(framework) ? (framework.value as string) : undefined;
  return { framework_id, type: type as OperationType, id, converted, volumes, total };
}

/** The volumes (role and persistence id) that live tasks and executors on the agent use. */
function volumesInUse(core: AgentCore): Set<string> {
  const used = new Set<string>();
  const note = (resources: unknown): void => {
    for (const v of persistentVolumes(resources)) used.add(`${v.role}\u0000${v.persistence_id}`);
  };
  for (const framework of core.book.frameworks.values()) {
    for (const executor of framework.executors.values()) {
      if (executor.phase === 'terminated') continue;
      note(executor.info.resources);
      for (const task of [...executor.tasks.values(), ...executor.queued.values()]) {
        if (!isTerminalState(task.state)) note(task.info.resources);
      }
    }
  }
  return used;
}

/** Volume directories are made and removed one after another, in the order of the operations. */
const volume_work = new WeakMap<AgentCore, Promise<void>>();

/** Runs a volume step after the ones before it. */
function inOrder(core: AgentCore, what: string, step: () => Promise<void>): void {
  const next = (volume_work.get(core) ?? Promise.resolve()).then(step).catch((error: unknown) => {
    core.log.error(`${what} failed`, { error: (error as Error).message });
  });
  volume_work.set(core, next);
  track(core, what, next);
}

/** Handles apply_operation: checks it, checkpoints the new total, makes or removes volume directories. */
export function applyOperation(core: AgentCore, message: unknown): void {
  const parsed = parseApplyOperation(message);
  if ('error' in parsed) {
    core.log.error('a malformed apply_operation from the master is dropped', { error: parsed.error });
    return;
  }
  const conflict = incompatibility(core.flag_resources, parsed.total);
  if (conflict !== undefined) {
    core.log.error("an apply_operation whose total does not fit the agent's resources is dropped", {
      operation: parsed.type,
      total: formatResources(parsed.total),
      flags: formatResources(core.flag_resources),
      error: conflict,
    });
    return;
  }
  const work_dir = core.settings.work_dir;
  try {
    checkpointResources(work_dir, parsed.total);
  } catch (error) {
    // The agent goes on with the new total; a restart would report the old one (the master keeps
    // the new one in its registry and applies it again).
    core.log.error('checkpointing the resources failed', { error: (error as Error).message });
  }
  core.resources = parsed.total;
  core.log.info('applied an offer operation', {
    ...(parsed.framework_id === undefined ? { by: 'operator' } : { framework_id: parsed.framework_id }),
    operation: parsed.type,
    ...(parsed.id === undefined ? {} : { id: parsed.id }),
    resources: formatResources(parsed.converted),
  });
  for (const volume of parsed.volumes) {
    const name = `${volume.role}/${volume.persistence_id}`;
    if (parsed.type === 'CREATE') {
      inOrder(core, `creating volume ${name}`, async () => {
        await createVolume(work_dir, volume);
      });
      continue;
    }
    if (volumesInUse(core).has(`${volume.role}\u0000${volume.persistence_id}`)) {
      core.log.warn('a destroyed volume is still in use by a task here; its directory is kept', {
        volume: name,
      });
      continue;
    }
    inOrder(core, `removing volume ${name}`, () => destroyVolume(work_dir, volume));
  }
}
