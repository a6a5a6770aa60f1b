// Control groups as the linux launcher uses them: one cgroup per container under the agent's
// --cgroups_root, holding the container's limits (cpu shares/weight and CFS quota, memory and swap,
// pids) and every process of the container, so that usage is read from the kernel's own counters
// and a kill reaches every process (freeze, SIGKILL, thaw) however it forked or detached. Both
// layouts are served behind one interface: v1 (a hierarchy per controller, cgroups-v1.ts) and v2
// (the unified hierarchy, cgroups-v2.ts). Which one the machine has is detected at start from the
// mounts, and a missing piece is named in the error.
import { readFileSync } from 'node:fs';

/** The controllers an --isolation of cgroups/* asks for (the freezer, or v2's core, is always used). */
export type CgroupController = 'cpu' | 'memory' | 'pids';

/** The limits a container's cgroup is made with; an absent limit is not set. */
export interface CgroupLimits {
  /** Proportional CPU share: cpus * 1024 (v1 cpu.shares; v2 turns it into cpu.weight). */
  readonly cpu_shares?: number;
  /** Hard CFS quota per period (--cgroups_enable_cfs): cpus * period. */
  readonly cfs_quota_us?: number;
  readonly cfs_period_us?: number;
  /** Hard memory limit. */
  readonly mem_limit_bytes?: number;
  /** Swap allowed beyond the memory limit (0: none, the default; undefined: unlimited). */
  readonly swap_limit_bytes?: number;
  readonly pids_max?: number;
}

/** Usage and limits of a container read from its cgroup, in Mesos's ResourceStatistics names. */
export interface CgroupStatistics {
  readonly cpus_user_time_secs: number;
  readonly cpus_system_time_secs: number;
  readonly cpus_limit?: number;
  readonly cpus_nr_periods?: number;
  readonly cpus_nr_throttled?: number;
  readonly cpus_throttled_time_secs?: number;
  readonly mem_total_bytes?: number;
  readonly mem_rss_bytes: number;
  readonly mem_cache_bytes?: number;
  readonly mem_swap_bytes?: number;
  readonly mem_limit_bytes?: number;
  /** Most memory the container used at once (v1 only: v2 keeps no such counter before 5.19). */
  readonly mem_max_usage_bytes?: number;
  readonly processes: number;
  readonly pids_limit?: number;
}

/** One container's cgroup (in each hierarchy the controllers live in). */
export interface Cgroup {
  /** Its name under the cgroups root. */
  readonly name: string;
  /** The `cgroup.procs` files a process writes its pid into to join the container. */
  readonly procs_files: readonly string[];
  /** Pids of the processes in it. */
  pids(): Promise<number[]>;
  /** Sends a signal to every process in it (without freezing: for the polite SIGTERM). */
  signalAll(signal: NodeJS.Signals): Promise<void>;
  /** Freezes it, SIGKILLs every process, thaws it, and waits until it is empty. */
  killAll(): Promise<void>;
  /** Removes it from every hierarchy (it must be empty); a cgroup already gone is no error. */
  remove(): Promise<void>;
  /** How many times the kernel's OOM killer killed a process in it. */
  oomKills(): Promise<number>;
  statistics(): Promise<CgroupStatistics>;
}

/** The cgroups of one machine under one root, v1 or v2. */
export interface Cgroups {
  readonly version: 1 | 2;
  /** The controllers containers are limited by. */
  readonly controllers: readonly CgroupController[];
  /** Creates a container's cgroup with its limits. */
  create(name: string, limits: CgroupLimits): Promise<Cgroup>;
  /** A container's cgroup if it still exists. */
  find(name: string): Cgroup | undefined;
  /** Names of every container cgroup under the root (to find orphans after a restart). */
  list(): Promise<string[]>;
}

/** A cgroup mount from /proc/self/mountinfo. */
export interface CgroupMount {
  readonly path: string;
  readonly version: 1 | 2;
  /** v1: the controllers the hierarchy holds (from its super options). */
  readonly controllers: readonly string[];
}

/** The cgroup mounts listed in a mountinfo text (proc(5): fields, '-', fstype, source, super options). */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) continue;
    const path = left.split(' ')[4];
    const [fstype, , options = ''] = right.split(' ');
    if (path === undefined) continue;
    const unescaped = path.replace(/\\([0-7]{3})/g, (_, octal: string) =>
      String.fromCharCode(Number.parseInt(octal, 8)),
    );
    if (fstype === 'cgroup2') mounts.push({ path: unescaped, version: 2, controllers: [] });
    if (fstype === 'cgroup') mounts.push({ path: unescaped, version: 1, controllers: options.split(',') });
  }
  return mounts;
}

/** The cgroup mounts of this machine. */
export function machineCgroupMounts(): CgroupMount[] {
  try {
    return parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return [];
  }
}

/** Whether a cgroup (or container) name is one path component the agent may use. */
export function validateCgroupName(what: string, name: string): void {
  if (
    !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(name) ||
    name.split('/').some((p) => p === '.' || p === '..')
  ) {
    throw new Error(
      `${what} '${name}' is not a usable cgroup path: letters, digits, '_', '.', '-' and '/' between parts`,
    );
  }
}

/** Polls `check` every `interval_ms` until it holds, or throws naming `what` after `timeout_ms`. */
export async function pollUntil(
  check: () => Promise<boolean>,
  what: string,
  timeout_ms: number,
  interval_ms = 5,
): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeout_ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, interval_ms));
  }
}

/**
 * Waits for every promise, then throws the first error (in the given order) if any failed: unlike
 * Promise.all, nothing is left running when the caller goes on to undo what they did.
 */
export async function allOrFirstError(promises: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/** Parses a `key value` per line file (memory.stat, cpu.stat, cpuacct.stat, memory.events). */
export function parseKeyValues(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^-?[0-9]+$/.test(value)) values.set(key, Number(value));
  }
  return values;
}

/** The pids listed in a cgroup.procs text. */
export function parsePids(text: string): number[] {
  return text
    .split('\n')
    .filter((line) => /^[0-9]+$/.test(line))
    .map(Number);
}

/** Signals each pid, ignoring those already gone. */
export function signalPids(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    if (!Number.isInteger(pid) || pid <= 1) continue;
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}
