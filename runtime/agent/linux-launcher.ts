// The linux launcher, behind the Launcher interface of launcher.ts (the posix launcher is its twin):
// each container gets a cgroup of its own (cgroups.ts) that holds its limits and all of its
// processes, and, as its isolators ask, namespaces entered through util-linux `unshare`. The first
// process is forked by the container forker (container-forker.ts), and writes its own pid into the
// container's cgroup.procs files before it execs anything, so no process of the container ever runs
// outside its cgroup (without perl for the forker, the agent forks a shell that does the same):
//   forked child (joins the cgroups) -> [exit-status wrapper] -> [unshare ... sh (hostname, /tmp, lo)] -> [setpriv] -> command
// The launch resolves once the command is about to run inside its cgroups and namespaces (the last
// process before it says so on a pipe, ready_fd), which is when the agent reports TASK_RUNNING.
// With namespaces/pid the command is pid 1 of its namespace, with a /proc of its own; as pid 1 it
// receives a SIGTERM only if it handles it, so a kill's grace-period SIGKILL ends one that does not.
// A kill signals every process in the cgroup, and its SIGKILL freezes the cgroup first; once the
// first process has ended the container is destroyed (what is left is killed, the cgroups removed).
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  cfs_period_us_default,
  cgroup_oom_poll_ms,
  cgroup_watch_poll_ms,
  cpu_shares_per_cpu,
} from '../constants.ts';
import type { Cgroup, CgroupLimits, Cgroups } from './cgroups.ts';
import { createContainerForker } from './container-forker.ts';
import {
  findTool,
  ready_fd,
  type SpawnedProcess,
  spawnForm,
  spawnInSandbox,
  userCommand,
  validateRequest,
  withRecordedStatus,
} from './container-process.ts';
import type {
  ContainerLimitation,
  ExitResult,
  LaunchCommand,
  LaunchedContainer,
  Launcher,
  LaunchRequest,
  RecoveredContainer,
} from './launcher.ts';
import { recoverPosix } from './posix-launcher.ts';
import {
  bootId,
  type ContainerRecord,
  containerRecordOf,
  createKiller,
  type ResourceUsage,
} from './process-groups.ts';

/** The namespaces a container gets, by isolator. */
export interface ContainerNamespaces {
  /** namespaces/pid: its own pid namespace and /proc. */
  readonly pid: boolean;
  /** filesystem/linux: its own mount namespace with a private /tmp. */
  readonly mount: boolean;
  /** namespaces/ipc. */
  readonly ipc: boolean;
  /** namespaces/uts: its own hostname. */
  readonly uts: boolean;
  /** network/none: its own network namespace with only loopback. */
  readonly net: boolean;
}

/** What the linux launcher is made with (isolation.ts builds it from the agent's flags). */
export interface LinuxLauncherOptions {
  readonly isolation: string;
  readonly cgroups: Cgroups;
  readonly namespaces: ContainerNamespaces;
  /** --cgroups_enable_cfs: a hard CPU quota from the container's cpus. */
  readonly enable_cfs: boolean;
  /** --cgroups_limit_swap: no swap beyond the memory limit. */
  readonly limit_swap: boolean;
  readonly pids_max: number;
  /**
   * The perl that runs the container forker (container-forker.ts); without one the agent forks
   * each container's first process itself (a shell that joins the cgroups, slower to start).
   */
  readonly perl?: string;
}

/**
 * The script run as the first process of the container's namespaces (root, before the user
 * switch): hostname (written into the UTS namespace's /proc/sys/kernel/hostname, as sethostname(2)
 * does), a private /tmp (the sandbox, when it lies under /tmp, mounted again at its own path inside,
 * from the working directory the tmpfs hid), loopback up (brought up while /tmp is mounted); then
 * it writes its ready line on ready_fd (the command is about to run), and execs the command without
 * that fd.
 */
const namespace_init = [
  'h=$1; s=$2; t=$3; n=$4; mount_tool=$5; ip_tool=$6; ready=$7; shift 7',
  'if [ "$n" = 1 ]; then "$ip_tool" link set lo up & lo=$!; fi',
  `if [ -n "$h" ]; then printf '%s' "$h" > /proc/sys/kernel/hostname || exit 125; fi`,
  'if [ "$t" = 1 ]; then',
  '  "$mount_tool" -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp || exit 125',
  '  case "$s" in /tmp/*) mkdir -p "$s" && "$mount_tool" -c --bind . "$s" && cd "$s" || exit 125;; esac',
  'fi',
  'if [ "$n" = 1 ]; then wait "$lo" || exit 125; fi',
  `printf '%s\\n' "$ready" >&${ready_fd}`,
  `exec ${ready_fd}>&- "$@"`,
].join('\n');

/**
 * The first process when the agent forks it itself (a machine without perl for the forker of
 * container-forker.ts): joins every cgroup.procs file given, then execs the rest; when nothing
 * comes between it and the command ($1 = 1), it is the one that says on ready_fd that the command
 * is about to run, else it hands that fd on to the namespaces' first process.
 */
const cgroup_join = [
  'r=$1; n=$2; shift 2',
  'while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 126; shift; n=$((n - 1)); done',
  `if [ "$r" = 1 ]; then printf . >&${ready_fd}; exec ${ready_fd}>&- "$@"; fi`,
  'exec "$@"',
].join('\n');

/** A hostname made of a task's name: letters, digits and '-', at most 63 characters. */
export function hostnameOf(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return cleaned === '' ? 'container' : cleaned;
}

/** The cgroup limits of a container's resources. */
export function limitsOf(request: LaunchRequest, options: LinuxLauncherOptions): CgroupLimits {
  const cpus = request.container?.cpus;
  const mem_mb = request.container?.mem_mb;
  return {
    ...(cpus === undefined || !(cpus > 0) ? {} : { cpu_shares: cpus * cpu_shares_per_cpu }),
    ...(cpus === undefined || !(cpus > 0) || !options.enable_cfs
      ? {}
      : { cfs_quota_us: cpus * cfs_period_us_default, cfs_period_us: cfs_period_us_default }),
    ...(mem_mb === undefined || !(mem_mb > 0)
      ? {}
      : {
          mem_limit_bytes: Math.round(mem_mb * 1024 * 1024),
          ...(options.limit_swap ? { swap_limit_bytes: 0 } : {}),
        }),
    pids_max: options.pids_max,
  };
}

/** The system tools the namespaces need, found at start; throws naming one that is missing. */
function namespaceTools(namespaces: ContainerNamespaces): Record<'unshare' | 'mount' | 'ip', string> {
  const need = (name: string, wanted: boolean, why: string): string => {
    if (!wanted) return '';
    const path = findTool(name);
    if (path === undefined)
      throw new Error(`${why} needs '${name}' (util-linux or iproute2), not found on the agent`);
    return path;
  };
  const any = Object.values(namespaces).some(Boolean);
  return {
    unshare: need('unshare', any, 'a container with namespaces'),
    mount: need('mount', namespaces.mount, 'filesystem/linux'),
    ip: need('ip', namespaces.net, 'network/none'),
  };
}

/** The command in its namespaces: `unshare <flags> sh -c <init> ... command`. */
function inNamespaces(
  command: LaunchCommand,
  request: LaunchRequest,
  namespaces: ContainerNamespaces,
  tools: Record<'unshare' | 'mount' | 'ip', string>,
  ready_line: string,
): LaunchCommand {
  if (!Object.values(namespaces).some(Boolean)) return command;
  const flags = [
    ...(namespaces.pid ? ['--pid', '--fork', '--mount-proc', '--kill-child'] : []),
    ...(namespaces.mount ? ['--mount'] : []),
    ...(namespaces.ipc ? ['--ipc'] : []),
    ...(namespaces.uts ? ['--uts'] : []),
    ...(namespaces.net ? ['--net'] : []),
  ];
  const inner = command.shell
    ? ['/bin/sh', '-c', command.value]
    : [command.value, ...command.arguments.slice(1)];
  const init = [
    '/bin/sh',
    '-c',
    namespace_init,
    'meso-init',
    namespaces.uts ? hostnameOf(request.container?.hostname ?? 'container') : '',
    request.sandbox_dir,
    namespaces.mount ? '1' : '0',
    namespaces.net ? '1' : '0',
    tools.mount,
    tools.ip,
    ready_line,
  ];
  const args = [tools.unshare, ...flags, '--', ...init, ...inner];
  return { value: tools.unshare, shell: false, arguments: args };
}

/**
 * The limitation a container hit, from its cgroup's OOM count (read before the cgroup goes). A
 * container recovered after a restart has no request at hand: its cgroup's limit is what was asked.
 */
async function memoryLimitation(
  cgroup: Cgroup,
  request_mb: number | undefined,
): Promise<ContainerLimitation | undefined> {
  if ((await cgroup.oomKills().catch(() => 0)) === 0) return undefined;
  const stats = await cgroup.statistics().catch(() => undefined);
  const used = stats?.mem_max_usage_bytes ?? stats?.mem_total_bytes;
  const mb = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))}MB`;
  const requested =
    request_mb !== undefined
      ? `${request_mb}MB`
      : stats?.mem_limit_bytes === undefined
        ? 'unknown'
        : mb(stats.mem_limit_bytes);
  return {
    reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
    message:
      `Memory limit exceeded: Requested: ${requested}` +
      `${used === undefined ? '' : ` Maximum Used: ${mb(used)}`}` +
      (stats?.mem_limit_bytes === undefined ? '' : ` (limit ${stats.mem_limit_bytes} bytes)`),
  };
}

/** Kills what is left in a cgroup and removes it. */
async function destroy(cgroup: Cgroup): Promise<void> {
  await cgroup.killAll();
  await cgroup.remove();
}

/** Usage of a container read from its cgroup. */
async function cgroupUsage(cgroup: Cgroup): Promise<ResourceUsage> {
  return cgroup.statistics();
}

/** The killer of a cgroup: SIGTERM to each process, SIGKILL through the freezer. */
function cgroupKiller(cgroup: Cgroup, running: () => boolean) {
  return createKiller({
    liveMembers: async () =>
      running() ? Math.max(1, (await cgroup.pids()).length) : (await cgroup.pids()).length,
    signal: (name) => (name === 'SIGKILL' ? cgroup.killAll() : cgroup.signalAll(name)),
  });
}

/**
 * Puts a just-spawned first process into its cgroups from the agent's side as well, so a launch
 * resolves only once the container's processes are counted, limited and reachable by a kill (the
 * first process joins them itself before it execs the task, so the task never runs outside them;
 * whichever write comes second changes nothing). A process that has already exited is no error.
 */
async function placeInCgroup(pid: number, cgroup: Cgroup): Promise<void> {
  for (const file of cgroup.procs_files) {
    try {
      await writeFile(file, String(pid));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

/** Creates the linux launcher over the given cgroups and namespaces. */
export function createLinuxLauncher(options: LinuxLauncherOptions): Launcher {
  const tools = namespaceTools(options.namespaces);
  const { cgroups } = options;

  const forker = options.perl === undefined ? undefined : createContainerForker(options.perl);
  const in_namespaces = Object.values(options.namespaces).some(Boolean);

  const launch = async (request: LaunchRequest): Promise<LaunchedContainer> => {
    await validateRequest(request);
    const fork_id = forker?.nextId();
    const command = inNamespaces(
      await userCommand(request, request.sandbox_dir),
      request,
      options.namespaces,
      tools,
      fork_id === undefined ? '.' : forker!.readyLine(fork_id),
    );
    const form = spawnForm(request, command);
    const status_file = form.wrapped ? request.exit_status_file : undefined;
    const cgroup = await cgroups.create(randomUUID(), limitsOf(request, options));
    let spawned: SpawnedProcess;
    try {
      if (forker !== undefined && fork_id !== undefined) {
        // The forker's child joins the cgroups itself, then execs the first program.
        const forked = await forker
          .fork(fork_id, {
            cwd: request.sandbox_dir,
            stdout_file: join(request.sandbox_dir, 'stdout'),
            stderr_file: join(request.sandbox_dir, 'stderr'),
            env: request.env,
            file: form.file,
            argv0: form.argv0,
            args: form.args,
            procs_files: cgroup.procs_files,
            ready_in_child: !in_namespaces,
          })
          .catch((error: Error) => {
            throw new Error(
              `cannot launch '${request.command.value}' in '${request.sandbox_dir}': ${error.message}`,
            );
          });
        spawned = { ...forked, exited: withRecordedStatus(forked.exited, status_file) };
      } else {
        const joined = {
          file: '/bin/sh',
          args: [
            '-c',
            cgroup_join,
            'meso-container',
            in_namespaces ? '0' : '1',
            String(cgroup.procs_files.length),
            ...cgroup.procs_files,
            form.file,
            ...form.args,
          ],
          argv0: 'sh',
        };
        spawned = await spawnInSandbox(request, joined, status_file, true);
        await placeInCgroup(spawned.pid, cgroup);
      }
    } catch (error) {
      await destroy(cgroup).catch(() => {});
      throw error;
    }
    return trackLaunched(spawned, cgroup, request);
  };

  const trackLaunched = (
    spawned: SpawnedProcess,
    cgroup: Cgroup,
    request: LaunchRequest,
  ): LaunchedContainer => {
    const record: ContainerRecord = { ...containerRecordOf(spawned.pid), cgroup: cgroup.name };
    let result: ExitResult | undefined;
    let limitation: ContainerLimitation | undefined;
    let hit: (limit: ContainerLimitation) => void = () => {};
    const limited = new Promise<ContainerLimitation>((resolve) => {
      hit = resolve;
    });
    // The OOM killer may take a child and leave the first process running: the watch sees it.
    const watch = cgroups.controllers.includes('memory')
      ? setInterval(() => {
          void memoryLimitation(cgroup, request.container?.mem_mb).then((limit) => {
            if (limit === undefined || limitation !== undefined || result !== undefined) return;
            limitation = limit;
            hit(limit);
          });
        }, cgroup_oom_poll_ms)
      : undefined;
    watch?.unref();
    const exited = spawned.exited.then(async (exit) => {
      clearInterval(watch);
      limitation ??= await memoryLimitation(cgroup, request.container?.mem_mb);
      if (limitation !== undefined) hit(limitation);
      result = exit;
      await destroy(cgroup);
      return exit;
    });
    const kill = cgroupKiller(cgroup, () => result === undefined);
    let killing: Promise<ExitResult> | undefined;
    return {
      pid: spawned.pid,
      record,
      exited,
      limited,
      limitation: () => limitation,
      exit: () => result,
      running: () => result === undefined,
      release: () => {
        clearInterval(watch);
        spawned.release();
      },
      kill(grace_ms) {
        const done = kill(grace_ms);
        killing ??= done.then(() => exited);
        return killing;
      },
      usage: () => cgroupUsage(cgroup),
    };
  };

  const recover = async (record: ContainerRecord): Promise<RecoveredContainer | undefined> => {
    if (record.cgroup === undefined) return recoverPosix(record);
    const cgroup = cgroups.find(record.cgroup);
    if (cgroup === undefined) return undefined;
    const gone = record.boot_id !== '' && bootId() !== '' && record.boot_id !== bootId();
    if (gone || (await cgroup.pids()).length === 0) {
      await cgroup.remove().catch(() => {});
      return undefined;
    }
    return trackRecovered(record, cgroup, cgroups.controllers.includes('memory'));
  };

  return {
    isolation: options.isolation,
    launch,
    recover,
    forkerPid: () => forker?.pid(),
    async destroyOrphans(known) {
      const named = new Set(known.map((record) => record.cgroup).filter((name) => name !== undefined));
      const orphans = (await cgroups.list()).filter((name) => !named.has(name));
      for (const name of orphans) {
        const cgroup = cgroups.find(name);
        if (cgroup !== undefined) await destroy(cgroup);
      }
      return orphans;
    },
  };
}

/**
 * A container found again after a restart: its cgroup is watched until it empties, then removed.
 * Its memory is watched as a launched container's is, since the OOM killer may take a child and
 * leave the first process running.
 */
function trackRecovered(record: ContainerRecord, cgroup: Cgroup, watch_memory: boolean): RecoveredContainer {
  let alive = true;
  let limitation: ContainerLimitation | undefined;
  let hit: (limit: ContainerLimitation) => void = () => {};
  const limited = new Promise<ContainerLimitation>((resolve) => {
    hit = resolve;
  });
  const watch = watch_memory
    ? setInterval(() => {
        void memoryLimitation(cgroup, undefined).then((limit) => {
          if (limit === undefined || limitation !== undefined || !alive) return;
          limitation = limit;
          hit(limit);
        });
      }, cgroup_oom_poll_ms)
    : undefined;
  watch?.unref();
  const ended = new Promise<void>((resolve) => {
    const check = (): void => {
      void cgroup.pids().then(async (pids) => {
        if (pids.length > 0) {
          setTimeout(check, cgroup_watch_poll_ms).unref();
          return;
        }
        clearInterval(watch);
        limitation ??= await memoryLimitation(cgroup, undefined);
        if (limitation !== undefined) hit(limitation);
        await cgroup.remove().catch(() => {});
        alive = false;
        resolve();
      });
    };
    check();
  });
  const kill = cgroupKiller(cgroup, () => false);
  let killing: Promise<void> | undefined;
  return {
    pid: record.pid,
    record,
    ended,
    limited,
    limitation: () => limitation,
    running: () => alive,
    release: () => clearInterval(watch),
    kill(grace_ms) {
      const done = kill(grace_ms);
      killing ??= done.then(() => ended);
      return killing;
    },
    usage: () => cgroupUsage(cgroup),
  };
}
