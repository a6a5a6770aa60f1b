// The agent's containerizer, chosen by Mesos's flags: --isolation (a comma-separated list of
// isolators), --launcher=linux|posix, --cgroups_root, --cgroups_hierarchy, --cgroups_enable_cfs,
// --cgroups_limit_swap. Posix isolation (Mesos's default, posix/cpu,posix/mem) runs only when asked
// or by default: an agent asked for cgroups or namespaces that the machine cannot give fails at
// start, naming what is missing, rather than running its tasks unisolated.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { cgroups_hierarchy_default, cgroups_pids_max_default, cgroups_root_default } from '../constants.ts';
import {
  type CgroupController,
  type CgroupMount,
  type Cgroups,
  machineCgroupMounts,
  validateCgroupName,
} from './cgroups.ts';
import { type CgroupV1Mounts, createCgroupsV1 } from './cgroups-v1.ts';
import { createCgroupsV2 } from './cgroups-v2.ts';
import { findTool } from './container-process.ts';
import type { Launcher } from './launcher.ts';
import { type ContainerNamespaces, createLinuxLauncher } from './linux-launcher.ts';
import { createPosixLauncher } from './posix-launcher.ts';

/** The isolators meso knows, by the --isolation names (Mesos's, plus namespaces/uts and network/none). */
export const isolators = [
  'posix/cpu',
  'posix/mem',
  'cgroups/cpu',
  'cgroups/mem',
  'cgroups/pids',
  'cgroups/all',
  'namespaces/pid',
  'namespaces/ipc',
  'namespaces/uts',
  'filesystem/linux',
  'network/none',
] as const;

/** The containerizer flags, as startAgent takes them. */
export interface IsolationOptions {
  /** Comma-separated isolators (default: posix/cpu,posix/mem). */
  readonly isolation?: string;
  /** linux (cgroups and namespaces) or posix (process groups); default: linux when an isolator needs it. */
  readonly launcher?: string;
  readonly cgroups_root?: string;
  /** Where the cgroup hierarchies are mounted (default /sys/fs/cgroup). */
  readonly cgroups_hierarchy?: string;
  readonly cgroups_enable_cfs?: boolean;
  /** No swap beyond a container's memory limit (default true: swap is off unless asked). */
  readonly cgroups_limit_swap?: boolean;
  readonly cgroups_pids_max?: number;
}

/** The parsed --isolation list; throws naming an unknown isolator. */
export function parseIsolation(text: string): string[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of names) {
    if (!(isolators as readonly string[]).includes(name)) {
      throw new Error(`--isolation: unknown isolator '${name}'; known: ${isolators.join(', ')}`);
    }
  }
  return [...new Set(names)];
}

/** The cgroup controllers the isolators ask for. */
function controllersOf(names: readonly string[]): CgroupController[] {
  const all = names.includes('cgroups/all');
  const wanted: CgroupController[] = [];
  if (all || names.includes('cgroups/cpu')) wanted.push('cpu');
  if (all || names.includes('cgroups/mem')) wanted.push('memory');
  if (all || names.includes('cgroups/pids')) wanted.push('pids');
  return wanted;
}

/** Checks that the agent can make cgroups in `dir` (by making and removing one), naming what it lacks. */
function requireWritable(dir: string, what: string): void {
  const probe = join(dir, `.meso-probe-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (error) {
    throw new Error(
      `${what}: cannot create cgroups in ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ` +
        'the agent needs root, or a delegated cgroup it may write named by --cgroups_root',
    );
  }
}

/** The v1 mounts of the controllers asked for, under the hierarchy; throws naming one that is missing. */
function v1Mounts(
  mounts: readonly CgroupMount[],
  wanted: readonly CgroupController[],
  flag: string,
): CgroupV1Mounts {
  const find = (controller: string): string | undefined =>
    mounts.find((m) => m.version === 1 && m.controllers.includes(controller))?.path;
  const needed = ['freezer', ...wanted.flatMap((c) => (c === 'cpu' ? ['cpu', 'cpuacct'] : [c]))];
  const missing = needed.filter((c) => find(c) === undefined);
  if (missing.length > 0) {
    throw new Error(
      `${flag} needs the cgroup controller(s) ${missing.join(', ')}, which no cgroup v1 hierarchy ` +
        'holds and no cgroup v2 hierarchy offers: mount them, or run the agent with --isolation=posix/cpu,posix/mem',
    );
  }
  return {
    freezer: find('freezer')!,
    ...(wanted.includes('cpu') ? { cpu: find('cpu')!, cpuacct: find('cpuacct')! } : {}),
    ...(wanted.includes('memory') ? { memory: find('memory')! } : {}),
    ...(wanted.includes('pids') ? { pids: find('pids')! } : {}),
  };
}

/** The controllers a v2 hierarchy offers at `path` (its cgroup.controllers). */
function v2Controllers(path: string): string[] {
  try {
    return readFileSync(join(path, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
  } catch {
    return [];
  }
}

/**
 * The machine's cgroups for the controllers asked for: v2 when a unified hierarchy under
 * `hierarchy` offers them all, else v1 (a v1 machine may also mount an empty v2 hierarchy).
 */
export function detectCgroups(
  wanted: readonly CgroupController[],
  root: string,
  hierarchy: string,
  flag: string,
  mounts: readonly CgroupMount[] = machineCgroupMounts(),
): Cgroups {
  const under = mounts.filter((m) => m.path === hierarchy || m.path.startsWith(`${hierarchy}/`));
  if (under.length === 0) {
    throw new Error(
      `${flag} needs cgroups, but nothing is mounted at ${hierarchy} (--cgroups_hierarchy): ` +
        'mount cgroup v1 or v2 there, or run the agent with --isolation=posix/cpu,posix/mem',
    );
  }
  // v2's core (cgroup.kill, cgroup.freeze) needs no controller; pids, cpu and memory must be offered.
  const unified = under.find(
    (m) => m.version === 2 && wanted.every((c) => v2Controllers(m.path).includes(c)),
  );
  const has_v1 = under.some((m) => m.version === 1);
  if (unified !== undefined && (!has_v1 || wanted.length > 0)) {
    requireWritable(join(unified.path, root), flag);
    return createCgroupsV2(unified.path, root, wanted);
  }
  const v2_only = under.find((m) => m.version === 2);
  if (!has_v1 && v2_only !== undefined) {
    const offered = v2Controllers(v2_only.path);
    throw new Error(
      `${flag} needs the cgroup controller(s) ${wanted.filter((c) => !offered.includes(c)).join(', ')}, ` +
        `which the cgroup v2 hierarchy at ${v2_only.path} does not offer (its cgroup.controllers: ` +
        `${offered.join(' ') || 'none'}): enable them in its parent's cgroup.subtree_control, or run ` +
        'the agent with --isolation=posix/cpu,posix/mem',
    );
  }
  const v1 = v1Mounts(under, wanted, flag);
  for (const path of new Set(Object.values(v1))) requireWritable(join(path, root), flag);
  return createCgroupsV1(v1, root, wanted);
}

/** The launcher the flags ask for; throws naming a flag or a missing piece of the machine. */
export function createLauncher(options: IsolationOptions = {}): Launcher {
  const names = parseIsolation(options.isolation ?? 'posix/cpu,posix/mem');
  const linux_only = names.filter((name) => !name.startsWith('posix/'));
  const launcher = options.launcher ?? (linux_only.length > 0 ? 'linux' : 'posix');
  if (launcher !== 'linux' && launcher !== 'posix') {
    throw new Error(`--launcher must be linux or posix, got '${launcher}'`);
  }
  if (launcher === 'posix') {
    if (linux_only.length > 0) {
      throw new Error(
        `--isolation=${linux_only.join(',')} needs --launcher=linux (the posix launcher isolates nothing)`,
      );
    }
    return createPosixLauncher();
  }
  if (process.platform !== 'linux') throw new Error('--launcher=linux needs Linux');
  const root = options.cgroups_root ?? cgroups_root_default;
  validateCgroupName('--cgroups_root', root);
  const hierarchy = options.cgroups_hierarchy ?? cgroups_hierarchy_default;
  if (!existsSync(hierarchy)) throw new Error(`--cgroups_hierarchy ${hierarchy} does not exist`);
  accessSync(hierarchy, constants.R_OK);
  const flag = `--isolation=${names.join(',')}`;
  const pids_max = options.cgroups_pids_max ?? cgroups_pids_max_default;
  if (!Number.isInteger(pids_max) || pids_max < 1) {
    throw new Error(`--cgroups_pids_max must be a whole number from 1, got ${pids_max}`);
  }
  const namespaces: ContainerNamespaces = {
    pid: names.includes('namespaces/pid'),
    mount: names.includes('filesystem/linux'),
    ipc: names.includes('namespaces/ipc'),
    uts: names.includes('namespaces/uts'),
    net: names.includes('network/none'),
  };
  if (Object.values(namespaces).some(Boolean) && process.getuid?.() !== 0) {
    throw new Error(`${flag}: entering namespaces needs the agent to run as root`);
  }
  return createLinuxLauncher({
    isolation: names.join(','),
    cgroups: detectCgroups(controllersOf(names), root, hierarchy, flag),
    namespaces,
    enable_cfs: options.cgroups_enable_cfs ?? false,
    limit_swap: options.cgroups_limit_swap ?? true,
    pids_max,
    ...(findTool('perl') === undefined ? {} : { perl: findTool('perl') }),
  });
}
