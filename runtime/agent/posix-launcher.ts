// The launcher starts and destroys the processes of a container, as Mesos's launcher does; the
// posix launcher isolates nothing beyond a process group of its own. Each container is a detached
// process (setsid, so its pid is also its process group id) whose descendants stay in that group
// unless they leave it on purpose, so signalling the group reaches the whole process tree.
// A later launcher adds cgroups and namespaces behind the same interface.
import { execFileSync, spawn } from 'node:child_process';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

/** How a process ended: its exit status, or the signal that ended it (a name like 'SIGTERM'). */
export type ExitResult = { readonly code: number } | { readonly signal: string };

/** The command to run, as Mesos's CommandInfo says it. */
export interface LaunchCommand {
  readonly value: string;
  /** true: run `sh -c value` (arguments ignored); false: exec `value` with argv = arguments. */
  readonly shell: boolean;
  /** With shell false, the whole argv: arguments[0] is argv[0], as execlp(value, arguments...). */
  readonly arguments: readonly string[];
}

/** What a launcher needs to start a container's process. */
export interface LaunchRequest {
  /** The sandbox directory: the working directory, and where files `stdout` and `stderr` go. */
  readonly sandbox_dir: string;
  readonly command: LaunchCommand;
  /** The whole environment of the process: nothing is inherited from the agent. */
  readonly env: Readonly<Record<string, string>>;
}

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

/** A container the launcher started: its process group and the means to end it. */
export interface LaunchedContainer {
  /** Pid of the container's first process, which is also its process group id. */
  readonly pid: number;
  /** Resolves when the first process ends (other processes of the group may outlive it). */
  readonly exited: Promise<ExitResult>;
  /** How the first process ended, once it has. */
  exit(): ExitResult | undefined;
  /** SIGTERM to the group, SIGKILL to it after `grace_ms` if any of it still runs; resolves on exit. */
  kill(grace_ms?: number): Promise<ExitResult>;
  /** Current resource usage of the group's processes. */
  usage(): Promise<ResourceUsage>;
}

/** Starts containers; the posix launcher here, cgroups and namespaces in another. */
export interface Launcher {
  /** The isolation this launcher provides ('posix'). */
  readonly isolation: string;
  launch(request: LaunchRequest): Promise<LaunchedContainer>;
}

/** Grace period between SIGTERM and SIGKILL when none is given (Mesos's command executor: 3 s). */
export const kill_grace_ms_default = 3000;
/** How often a kill checks whether the group has ended. */
const kill_poll_ms = 20;
/** How long a kill waits for the group to vanish after SIGKILL before it gives up waiting. */
const kill_reap_wait_ms = 2000;

/** Creates the posix launcher: a process group per container, no resource isolation. */
export function createPosixLauncher(): Launcher {
  return { isolation: 'posix', launch: launchPosix };
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

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields follow the last ')'. */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const pid = Number.parseInt(text, 10);
  const fields = text
    .slice(close + 2)
    .trim()
    .split(' ');
  // fields[0] is field 3 of proc(5), so field n is fields[n - 3].
  const field = (n: number): number => Number(fields[n - 3]);
  if (close < 0 || !Number.isInteger(pid) || fields.length < 22) {
    throw new Error(`unreadable /proc stat line: '${text.slice(0, 120)}'`);
  }
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
function isLive(proc: ProcStat): boolean {
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

/** Checks a launch request, with messages naming what is wrong. */
async function validateRequest(request: LaunchRequest): Promise<void> {
  const { sandbox_dir, command } = request;
  if (!isAbsolute(sandbox_dir)) throw new Error(`sandbox directory must be absolute, got '${sandbox_dir}'`);
  const info = await stat(sandbox_dir).catch(() => undefined);
  if (!info?.isDirectory())
    throw new Error(`sandbox directory '${sandbox_dir}' does not exist or is not a directory`);
  if (command.value === '') throw new Error('the command has no value: nothing to run');
  for (const [name, value] of Object.entries(request.env)) {
    if (name === '' || name.includes('=') || name.includes('\0') || value.includes('\0')) {
      throw new Error(`bad environment variable '${name}': names hold no '=' and neither holds NUL`);
    }
  }
}

/** Starts the request's command in a new process group, with stdout and stderr into the sandbox. */
async function launchPosix(request: LaunchRequest): Promise<LaunchedContainer> {
  await validateRequest(request);
  const { sandbox_dir, command } = request;
  // Append, so that an executor and the task it runs can share the sandbox's files.
  const stdout = await open(join(sandbox_dir, 'stdout'), 'a');
  const stderr = await open(join(sandbox_dir, 'stderr'), 'a').catch(async (error: unknown) => {
    await stdout.close();
    throw error;
  });
  const file = command.shell ? '/bin/sh' : command.value;
  const args = command.shell ? ['-c', command.value] : command.arguments.slice(1);
  const argv0 = command.shell ? 'sh' : (command.arguments[0] ?? command.value);
  try {
    const child = spawn(file, args, {
      argv0,
      cwd: sandbox_dir,
      env: { ...request.env },
      detached: true,
      stdio: ['ignore', stdout.fd, stderr.fd],
    });
    // Listen for the exit before anything else can run, and keep an error listener for the
    // child's whole life: an 'error' event without one would throw in the agent.
    const exited = new Promise<ExitResult>((resolve) => {
      child.once('exit', (code, signal) =>
        resolve(code !== null ? { code } : { signal: signal ?? 'UNKNOWN' }),
      );
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.on('error', (error) =>
        reject(new Error(`cannot launch '${command.value}' in '${sandbox_dir}': ${error.message}`)),
      );
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`launch of '${command.value}' reported no pid`);
    return trackContainer(pid, exited);
  } finally {
    // The child holds its own copies of the descriptors.
    await Promise.allSettled([stdout.close(), stderr.close()]);
  }
}

/** Waits `ms` milliseconds. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The handle of a started process group: exit tracking, kill with escalation, usage. */
function trackContainer(pid: number, exited: Promise<ExitResult>): LaunchedContainer {
  let result: ExitResult | undefined;
  void exited.then((exit) => {
    result = exit;
  });
  let killing: Promise<ExitResult> | undefined;
  let deadline_ms = 0;

  // Live members of the group. While the first process is unreaped it is a member, and the group
  // id cannot be reused while any member exists, so the group we signal is always the one we made.
  const liveMembers = async (): Promise<number> => {
    if (result === undefined) return 1;
    const members = await readProcessGroups(new Set([pid]));
    return members.filter(isLive).length;
  };
  const signalGroup = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    if ((await liveMembers()) === 0) return;
    try {
      process.kill(-pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  const waitUntil = async (until: () => number): Promise<boolean> => {
    while (Date.now() < until()) {
      if ((await liveMembers()) === 0) return true;
      await sleep(Math.min(kill_poll_ms, Math.max(1, until() - Date.now())));
    }
    return (await liveMembers()) === 0;
  };
  const escalate = async (): Promise<ExitResult> => {
    await signalGroup('SIGTERM');
    if (!(await waitUntil(() => deadline_ms))) {
      await signalGroup('SIGKILL');
      const reap_by_ms = Date.now() + kill_reap_wait_ms;
      await waitUntil(() => reap_by_ms);
    }
    return exited;
  };

  return {
    pid,
    exited,
    exit: () => result,
    kill(grace_ms = kill_grace_ms_default): Promise<ExitResult> {
      if (!Number.isFinite(grace_ms) || grace_ms < 0) {
        throw new Error(`kill grace period must be a non-negative number of ms, got ${grace_ms}`);
      }
      // A second kill may shorten the grace period but never lengthen it (as Mesos does).
      const requested_ms = Date.now() + grace_ms;
      if (killing) {
        deadline_ms = Math.min(deadline_ms, requested_ms);
        return killing;
      }
      deadline_ms = requested_ms;
      killing = escalate();
      return killing;
    },
    async usage(): Promise<ResourceUsage> {
      const usage = await readGroupUsage(new Set([pid]));
      return usage.get(pid)!;
    },
  };
}
