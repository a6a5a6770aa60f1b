// The agent's checkpointed resources, as Mesos checkpoints them in `meta/resources`: after an offer
// operation (RESERVE, UNRESERVE, CREATE, DESTROY) the master sends the agent its whole new total,
// which the agent writes to `<work_dir>/meta/resources/resources.json` and reports from then on,
// across restarts, instead of only what its flags give. The checkpoint must stay compatible with the
// flags: with its dynamic reservations and volumes taken off it must be exactly the flags' resources
// (Mesos's default reconfiguration policy, `equal`); otherwise the agent refuses to start rather
// than announce resources it no longer has. The checkpoint outlives the agent's id, as in Mesos:
// the volumes' data stays on disk, and so does what says which role owns it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeOperations } from '../../engine/master/recorded-operations.ts';
import {
  equals,
  formatResources,
  normalize,
  type Resource,
  type Resources,
  unallocate,
} from '../../engine/resources.ts';
import { writeCheckpoint } from './checkpoint.ts';

/** `<work_dir>/meta/resources/resources.json`. */
export function resourcesCheckpointPath(work_dir: string): string {
  return join(work_dir, 'meta', 'resources', 'resources.json');
}

/** What the checkpoint file holds. */
interface ResourcesCheckpoint {
  readonly resources: readonly Resource[];
}

/** Writes the agent's total (aside, then renamed over the old checkpoint). */
export function checkpointResources(work_dir: string, total: Resources): void {
  writeCheckpoint(resourcesCheckpointPath(work_dir), { resources: total } satisfies ResourcesCheckpoint);
}

/** The checkpointed total, if there is one; throws naming the file when it cannot be read. */
export async function readCheckpointedResources(work_dir: string): Promise<Resources | undefined> {
  const path = resourcesCheckpointPath(work_dir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the checkpointed resources ${path}: ${(error as Error).message}`);
  }
  try {
    const list = (JSON.parse(text) as Partial<ResourcesCheckpoint> | null)?.resources;
    if (!Array.isArray(list)) throw new Error("it holds no 'resources' list");
    return unallocate(normalize(list));
  } catch (error) {
    throw new Error(
      `the checkpointed resources ${path} are corrupt (${(error as Error).message}): remove the file to start with the flags' resources (its reservations and volumes are then forgotten)`,
    );
  }
}

/** Resources with their dynamic reservations and volumes taken off. */
export function withoutOperations(resources: Resources): Resources {
  return normalize(unallocate(resources).map(beforeOperations));
}

/** Why `total` cannot be this agent's, given the resources of its flags (undefined: it can). */
export function incompatibility(flags: Resources, total: Resources): string | undefined {
  const base = withoutOperations(total);
  const expected = withoutOperations(flags);
  if (equals(base, expected)) return undefined;
  return `without their dynamic reservations and volumes they are ${formatResources(base)}, not ${formatResources(expected)}`;
}

/**
 * The agent's total at start: the checkpointed one when there is one, which must be compatible with
 * the flags' resources. Throws a message naming the conflict and the fix.
 */
export function startingTotal(
  work_dir: string,
  flags: Resources,
  checkpointed: Resources | undefined,
): Resources {
  if (checkpointed === undefined) return flags;
  const conflict = incompatibility(flags, checkpointed);
  if (conflict === undefined) return checkpointed;
  const path = resourcesCheckpointPath(work_dir);
  throw new Error(
    `the checkpointed resources ${formatResources(checkpointed)} (in ${path}) are incompatible with the agent's resources (--resources, or detected) ${formatResources(flags)}: ${conflict}. Start the agent with the resources it had, or remove ${path} to start with the new ones (the reservations and volumes it holds are then forgotten)`,
  );
}
