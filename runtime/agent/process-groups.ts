// Process groups as the posix launcher sees them through /proc: who is in a group, what it uses,
// signalling a whole group with escalation (SIGTERM, then SIGKILL after a grace period), and the
// record that lets a restarted agent find a group again and be sure it is still the one it made.
// A zombie counts as ended: it only waits for a reaper, and an orphan's reaper (init, in some
// containers) may never reap it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { group_watch_poll_ms, kill_grace_ms_default, kill_poll_ms, kill_reap_wait_ms } from '../constants.ts';

/** Resource usage of a container's processes, for /monitor/statistics. */
export interface ResourceUsage {
  /** User CPU seconds of the live processes, plus that of the children they have reaped. */
  readonly cpus_user_time_secs: number;
  readonly cpus_system_time_secs: number;
  /** Resident memory of the live processes. */
  readonly mem_rss_bytes: number;
  /** Live (not zombie) processes in the group. */
  readonly processes: number;
}

/** The fields of /proc/<pid>/stat that the launcher reads. */
export interface ProcStat {
  readonly pid: number;
  /** One letter: R running, S sleeping, Z zombie, X dead, ... */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly utime_ticks: number;
  readonly stime_ticks: number;
  readonly cutime_ticks: number;
  readonly cstime_ticks: number;
  readonly rss_pages: number;
}

/** The fields of a /proc stat line after the command name; field n of proc(5) is fields[n - 3]. */
function statFields(text: string): { pid: number; fields: string[] } {
  const close = text.lastIndexOf(')');
  const pid = Number.parseInt(text, 10);
  const fields = text
    .slice(close + 2)
    .trim()
    .split(' ');
  if (close < 0 || !Number.isInteger(pid) || fields.length < 22) {
    throw new Error(`unreadable /proc stat line: '${text.slice(0, 120)}'`);
  }
  return { pid, fields };
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields follow the last ')'. */
export function parseProcStat(text: string): ProcStat {
  const { pid, fields } = statFields(text);
  const field = (n: number): number => Number(fields[n - 3]);
  return {
    pid,
    state: fields[0] ?? '?',
    ppid: field(4),
    pgrp: field(5),
    utime_ticks: field(14),
    stime_ticks: field(15),
    cutime_ticks: field(16),
    cstime_ticks: field(17),
    rss_pages: field(24),
  };
}

/** Whether a process in this state still runs (a zombie has ended and only awaits its reaper). */
export function isLive(proc: ProcStat): boolean {
  return proc.state !== 'Z' && proc.state !== 'X';
}

/** Reads /proc/<pid>/stat of every process whose process group is in `pgids`. */
export async function readProcessGroups(pgids: ReadonlySet<number>): Promise<ProcStat[]> {
  const names = await readdir('/proc');
  const reads = names
    .filter((name) => /^[0-9]+$/.test(name))
    .map(async (name) => {
      try {
        return parseProcStat(await readFile(`/proc/${name}/stat`, 'latin1'));
      } catch {
        // The process ended between the listing and the read.
        return undefined;
      }
    });
  const procs = await Promise.all(reads);
  return procs.filter((proc): proc is ProcStat => proc !== undefined && pgids.has(proc.pgrp));
}

/** Number of live processes in the group `pgid`. */
export async function liveGroupMembers(pgid: number): Promise<number> {
  return (await readProcessGroups(new Set([pgid]))).filter(isLive).length;
}

let system_units: { ticks_per_second: number; page_bytes: number } | undefined;

/** Clock ticks per second and page size, asked of getconf once (Linux defaults if it fails). */
function systemUnits(): { ticks_per_second: number; page_bytes: number } {
  if (system_units) return system_units;
  const ask = (name: string, fallback: number): number => {
    try {
      const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
      return Number.isInteger(value) && value > 0 ? value : fallback;
    } catch {
      return fallback;
    }
  };
  system_units = { ticks_per_second: ask('CLK_TCK', 100), page_bytes: ask('PAGESIZE', 4096) };
  return system_units;
}

/** Sums the resource usage of the processes of each process group in `pgids`, keyed by group. */
export async function readGroupUsage(pgids: ReadonlySet<number>): Promise<Map<number, ResourceUsage>> {
  const { ticks_per_second, page_bytes } = systemUnits();
  const sums = new Map<number, { user: number; system: number; rss: number; live: number }>();
  for (const pgid of pgids) sums.set(pgid, { user: 0, system: 0, rss: 0, live: 0 });
  for (const proc of await readProcessGroups(pgids)) {
    const sum = sums.get(proc.pgrp)!;
    sum.user += proc.utime_ticks + proc.cutime_ticks;
    sum.system += proc.stime_ticks + proc.cstime_ticks;
    if (isLive(proc)) {
      sum.rss += proc.rss_pages;
      sum.live += 1;
    }
  }
  const usage = new Map<number, ResourceUsage>();
  for (const [pgid, sum] of sums) {
    usage.set(pgid, {
      cpus_user_time_secs: sum.user / ticks_per_second,
      cpus_system_time_secs: sum.system / ticks_per_second,
      mem_rss_bytes: sum.rss * page_bytes,
      processes: sum.live,
    });
  }
  return usage;
}

/** Waits `ms` milliseconds. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How a kill reaches a container: what is left of it, and the signal to all of it. */
export interface KillTarget {
  /** Counts what is left of the container. */
  liveMembers(): Promise<number>;
  /** Sends the signal to every process of the container. */
  signal(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Awaited before the SIGTERM, if given. */
  beforeTerm?(): Promise<void>;
}

/**
 * The kill of a container: SIGTERM, then SIGKILL once `grace_ms` passed with any of it left. A
 * second kill may shorten the grace period but never lengthen it (as Mesos does); every kill
 * resolves when the first one's work is done.
 */
export function createKiller(target: KillTarget): (grace_ms?: number) => Promise<void> {
  let killing: Promise<void> | undefined;
  let deadline_ms = 0;
  const signal = async (name: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    if ((await target.liveMembers()) > 0) await target.signal(name);
  };
  const waitUntil = async (until: () => number): Promise<boolean> => {
    while (Date.now() < until()) {
      if ((await target.liveMembers()) === 0) return true;
      await sleep(Math.min(kill_poll_ms, Math.max(1, until() - Date.now())));
    }
    return (await target.liveMembers()) === 0;
  };
  const escalate = async (): Promise<void> => {
    await target.beforeTerm?.();
    await signal('SIGTERM');
    if (!(await waitUntil(() => deadline_ms))) {
      await signal('SIGKILL');
      const reap_by_ms = Date.now() + kill_reap_wait_ms;
      await waitUntil(() => reap_by_ms);
    }
  };
  return (grace_ms = kill_grace_ms_default) => {
    if (!Number.isFinite(grace_ms) || grace_ms < 0) {
      throw new Error(`kill grace period must be a non-negative number of ms, got ${grace_ms}`);
    }
    const requested_ms = Date.now() + grace_ms;
    if (killing) {
      deadline_ms = Math.min(deadline_ms, requested_ms);
      return killing;
    }
    deadline_ms = requested_ms;
    killing = escalate();
    return killing;
  };
}

/**
 * The kill of a process group (createKiller's escalation, by group signals). `liveMembers` counts
 * what is left; `beforeTerm`, if given, is awaited before the SIGTERM.
 */
export function createGroupKiller(
  pgid: number,
  liveMembers: () => Promise<number>,
  beforeTerm?: () => Promise<void>,
): (grace_ms?: number) => Promise<void> {
  // Signalling group 0 or -1 would reach this process's own group or every process there is.
  if (!Number.isInteger(pgid) || pgid <= 1) throw new Error(`not a container's process group: ${pgid}`);
  return createKiller({
    liveMembers,
    async signal(name) {
      try {
        process.kill(-pgid, name);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    },
    ...(beforeTerm === undefined ? {} : { beforeTerm }),
  });
}

/**
 * What identifies a container's process group across an agent restart: the pid of its first
 * process (also the group id), that process's start time and the boot it ran in. A pid alone could
 * name another process by then.
 */
export interface ContainerRecord {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
  readonly start_ticks: number;
  /** /proc/sys/kernel/random/boot_id: after a reboot nothing of the container is left. */
  readonly boot_id: string;
  /** The container's cgroup under the linux launcher's root (absent: a posix process group). */
  readonly cgroup?: string;
}

let boot_id: string | undefined;

/** This boot's id ('' when the kernel does not tell). */
export function bootId(): string {
  if (boot_id !== undefined) return boot_id;
  try {
    boot_id = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
  } catch {
    boot_id = '';
  }
  return boot_id;
}

/** The start time of a process, in clock ticks since boot, or undefined when it is gone. */
export function processStartTicks(pid: number): number | undefined {
  try {
    const ticks = Number(statFields(readFileSync(`/proc/${pid}/stat`, 'latin1')).fields[19]);
    return Number.isInteger(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/** The record of a container whose first process is `pid` (read at once, while it surely exists). */
export function containerRecordOf(pid: number): ContainerRecord {
  return { pid, start_ticks: processStartTicks(pid) ?? -1, boot_id: bootId() };
}

/** Checks the shape of a record read back from disk. */
export function isContainerRecord(value: unknown): value is ContainerRecord {
  const r = value as Partial<ContainerRecord> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    Number.isInteger(r.pid) &&
    (r.pid ?? 0) > 1 &&
    Number.isInteger(r.start_ticks) &&
    typeof r.boot_id === 'string' &&
    (r.cgroup === undefined || (typeof r.cgroup === 'string' && /^[A-Za-z0-9_.-]+$/.test(r.cgroup)))
  );
}

/**
 * Whether the recorded group still holds live processes of the container: the same boot, and the
 * first process, while it exists (a zombie included), the one recorded. Once that process is gone
 * its pid cannot be reused while the group still has members, so members with its group id are
 * the container's.
 */
export async function recordedGroupLives(record: ContainerRecord): Promise<boolean> {
  if (record.boot_id !== '' && bootId() !== '' && record.boot_id !== bootId()) return false;
  const ticks = processStartTicks(record.pid);
  if (ticks !== undefined && record.start_ticks >= 0 && ticks !== record.start_ticks) return false;
  return (await liveGroupMembers(record.pid)) > 0;
}

const watched = new Map<number, Array<() => void>>();
let watch_timer: NodeJS.Timeout | undefined;

/** One check of every watched group: a group with no live member has ended. */
async function checkWatchedGroups(): Promise<void> {
  const pgids = [...watched.keys()];
  if (pgids.length === 0) return;
  const members = await readProcessGroups(new Set(pgids));
  const live = new Set(members.filter(isLive).map((proc) => proc.pgrp));
  for (const pgid of pgids) {
    if (live.has(pgid)) continue;
    const waiters = watched.get(pgid) ?? [];
    watched.delete(pgid);
    for (const waiter of waiters) waiter();
  }
}

/** Polls the watched groups until none is left (one /proc scan per round, whatever their number). */
function scheduleWatch(): void {
  if (watch_timer !== undefined || watched.size === 0) return;
  watch_timer = setTimeout(() => {
    void checkWatchedGroups()
      .catch(() => {})
      .finally(() => {
        watch_timer = undefined;
        scheduleWatch();
      });
  }, group_watch_poll_ms);
  // Watching alone does not keep the process alive.
  watch_timer.unref();
}

/** Resolves once the group `pgid` has no live member (its processes are not this process's children). */
export function groupEnded(pgid: number): Promise<void> {
  return new Promise((resolve) => {
    const waiters = watched.get(pgid) ?? [];
    waiters.push(resolve);
    watched.set(pgid, waiters);
    scheduleWatch();
  });
}
