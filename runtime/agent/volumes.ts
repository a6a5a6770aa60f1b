// Persistent volumes on the agent, laid out as Mesos lays them out: the volume with persistence id
// `<id>` of role `<role>` is the directory `<work_dir>/volumes/roles/<role>/<id>`, made on CREATE and
// removed on DESTROY. A task (or executor) whose resources hold a volume finds it in its sandbox at
// the volume's container_path: without mount namespaces the posix isolation links it there, as
// Mesos's posix disk isolator does. A container_path must therefore be relative and stay inside the
// sandbox. The sandbox belongs to the task, which may plant symlinks in it, so the link is made only
// through real directories.
import { lstatSync, mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, normalize as normalizePath } from 'node:path';
import { type Resource, reservationRole } from '../../engine/resources.ts';

/** A persistent volume as a task or an operation names it. */
export interface VolumeUse {
  readonly role: string;
  readonly persistence_id: string;
  /** Where the task sees it, relative to its sandbox (absent in a malformed resource). */
  readonly container_path: string | undefined;
}

/** Whether `name` can be one path component: non-empty, not '.' or '..', without '/' or NUL. */
function isComponent(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/**
 * `<work_dir>/volumes/roles/<role>/<persistence id>`. A hierarchical role's '/' becomes a space, as in
 * Mesos (roles hold no whitespace), so that a role's volumes never mix with a sub-role's.
 */
export function volumeDirectory(work_dir: string, role: string, persistence_id: string): string {
  const role_dir = role.replaceAll('/', ' ');
  if (!isComponent(role_dir) || role === '*') {
    throw new Error(`role '${role}' cannot own a persistent volume: it must be a reserved role`);
  }
  if (!isComponent(persistence_id)) {
    throw new Error(
      `persistence id '${persistence_id}' cannot name a volume directory: it must be non-empty, not '.' or '..', without '/' or NUL`,
    );
  }
  return join(work_dir, 'volumes', 'roles', role_dir, persistence_id);
}

/** The persistent volumes among resources (a raw list, as a TaskInfo or an operation carries it). */
export function persistentVolumes(resources: unknown): VolumeUse[] {
  if (!Array.isArray(resources)) return [];
  const out: VolumeUse[] = [];
  for (const res of resources as Resource[]) {
    const id = res?.disk?.persistence?.id;
    if (res?.name !== 'disk' || typeof id !== 'string') continue;
    const path = res.disk?.volume?.container_path;
    out.push({
      role: reservationRole(res),
      persistence_id: id,
      container_path: typeof path === 'string' ? path : undefined,
    });
  }
  return out;
}

/** Why a container_path cannot be linked into a sandbox, if it cannot. */
export function containerPathError(container_path: string | undefined): string | undefined {
  if (container_path === undefined || container_path === '') {
    return 'a persistent volume needs disk.volume.container_path';
  }
  if (container_path.includes('\0')) return `container path '${container_path}' holds a NUL character`;
  if (container_path.startsWith('/')) {
    return `absolute container path '${container_path}' is not supported without a container file system: use a path relative to the sandbox`;
  }
  const normal = normalizePath(container_path).replace(/\/+$/, '');
  if (normal === '.' || normal === '..' || normal.startsWith('../')) {
    return `container path '${container_path}' does not lie inside the sandbox`;
  }
  return undefined;
}

/** Makes a volume's directory (if it is not there yet); returns its path. */
export async function createVolume(work_dir: string, volume: VolumeUse): Promise<string> {
  const dir = volumeDirectory(work_dir, volume.role, volume.persistence_id);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Removes a volume's directory and everything in it (symlinks inside are removed, not followed). */
export async function destroyVolume(work_dir: string, volume: VolumeUse): Promise<void> {
  await rm(volumeDirectory(work_dir, volume.role, volume.persistence_id), { recursive: true, force: true });
}

/**
 * Links every persistent volume of `resources` into `sandbox` at its container_path (making the
 * volume's directory if it is missing). Synchronous, so that it fits between receiving a task and
 * handing it over; throws with a message fit for the task's failure.
 */
export function linkVolumes(work_dir: string, sandbox: string, resources: unknown): void {
  for (const volume of persistentVolumes(resources)) {
    const error = containerPathError(volume.container_path);
    if (error !== undefined) throw new Error(error);
    const target = volumeDirectory(work_dir, volume.role, volume.persistence_id);
    mkdirSync(target, { recursive: true });
    linkInside(sandbox, normalizePath(volume.container_path!).replace(/\/+$/, ''), target);
  }
}

/** The reason of a task refused for a persistent volume it cannot use, as Mesos's launch failure. */
export const volume_failure_reason = 'REASON_CONTAINER_LAUNCH_FAILED';

/** Why a task (or its executor) cannot use the persistent volumes its resources name, if it cannot. */
export function volumeRefusal(...resources: unknown[]): string | undefined {
  for (const list of resources) {
    for (const volume of persistentVolumes(list)) {
      const error = containerPathError(volume.container_path);
      if (error !== undefined) return `Invalid persistent volume: ${error}`;
    }
  }
  return undefined;
}

/** Links the volumes of `resources` into `directory`; returns why it could not (a task's failure message). */
export function volumeLinkError(work_dir: string, directory: string, resources: unknown): string | undefined {
  try {
    linkVolumes(work_dir, directory, resources);
    return undefined;
  } catch (error) {
    return `Failed to prepare a persistent volume: ${(error as Error).message}`;
  }
}

/** Makes `sandbox/<relative>` a symlink to `target`, through real directories only. */
function linkInside(sandbox: string, relative: string, target: string): void {
  const parts = relative.split('/');
  let dir = sandbox;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    const info = lstatSync(dir, { throwIfNoEntry: false });
    if (info === undefined) mkdirSync(dir);
    else if (!info.isDirectory()) {
      throw new Error(`cannot link a volume at '${relative}': '${part}' in the sandbox is not a directory`);
    }
  }
  const path = join(dir, parts[parts.length - 1]!);
  const info = lstatSync(path, { throwIfNoEntry: false });
  if (info === undefined) {
    symlinkSync(target, path);
    return;
  }
  // Another task of the same executor linked the same volume already.
  if (info.isSymbolicLink() && readlinkSync(path) === target) return;
  throw new Error(`cannot link a volume at '${relative}': something else is already there in the sandbox`);
}
