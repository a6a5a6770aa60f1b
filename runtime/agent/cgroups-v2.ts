// cgroup v2: one unified hierarchy. A container's cgroup is `<root>/<name>`; the controllers are
// enabled for the containers through each ancestor's cgroup.subtree_control. Limits go into
// cpu.weight and cpu.max, memory.max and memory.swap.max (memory.oom.group set, so that an OOM
// kill takes the whole container, as Mesos destroys it), and pids.max; a kill writes cgroup.kill
// (Linux 5.14), or freezes through cgroup.freeze where that file is missing.
import { statfsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroup_empty_wait_ms, cgroup_freeze_wait_ms } from '../constants.ts';
import {
  allOrFirstError,
  type Cgroup,
  type CgroupController,
  type CgroupLimits,
  type CgroupStatistics,
  type Cgroups,
  parseKeyValues,
  parsePids,
  pollUntil,
  signalPids,
} from './cgroups.ts';

/** statfs(2) type of a cgroup2 file system. */
const cgroup2_super_magic = 0x63677270;

/**
 * cpu.weight of v1 shares, by the conversion runc and systemd use (2..262144 onto 1..10000, the
 * quotient rounded down: 1024 shares, one cpu, is weight 39).
 */
export function cpuWeightOfShares(shares: number): number {
  const clamped = Math.min(262_144, Math.max(2, Math.round(shares)));
  return 1 + Math.floor(((clamped - 2) * 9999) / 262_142);
}

/** The files and values a container's limits are written as, in order. */
export function v2LimitWrites(
  limits: CgroupLimits,
  controllers: readonly CgroupController[],
): Array<[string, string]> {
  const writes: Array<[string, string]> = [];
  if (controllers.includes('cpu')) {
    if (limits.cpu_shares !== undefined)
      writes.push(['cpu.weight', String(cpuWeightOfShares(limits.cpu_shares))]);
    if (limits.cfs_quota_us !== undefined && limits.cfs_period_us !== undefined) {
      writes.push(['cpu.max', `${Math.max(1000, Math.round(limits.cfs_quota_us))} ${limits.cfs_period_us}`]);
    }
  }
  if (controllers.includes('memory') && limits.mem_limit_bytes !== undefined) {
    writes.push(['memory.max', String(limits.mem_limit_bytes)]);
    writes.push([
      'memory.swap.max',
      limits.swap_limit_bytes === undefined ? 'max' : String(limits.swap_limit_bytes),
    ]);
    writes.push(['memory.oom.group', '1']);
  }
  if (controllers.includes('pids') && limits.pids_max !== undefined)
    writes.push(['pids.max', String(limits.pids_max)]);
  return writes;
}

async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

/** The cgroups of a v2 machine: `mount` is the unified hierarchy, `root` the agent's path below it. */
export function createCgroupsV2(
  mount: string,
  root: string,
  controllers: readonly CgroupController[],
): Cgroups {
  // A tree that is not cgroupfs (a test's copy of the layout) holds plain files, removed with the directory.
  let real = false;
  try {
    real = statfsSync(mount).type === cgroup2_super_magic;
  } catch {
    real = false;
  }
  let enabled: Promise<void> | undefined;
  // Controllers reach a child only through every ancestor's subtree_control, from the mount down.
  const enableControllers = async (): Promise<void> => {
    const parts = root.split('/').filter((p) => p !== '');
    const line = controllers.map((c) => `+${c}`).join(' ');
    let dir = mount;
    await mkdir(join(mount, root), { recursive: true });
    for (const part of ['', ...parts]) {
      dir = part === '' ? dir : join(dir, part);
      if (line === '') break;
      await writeFile(join(dir, 'cgroup.subtree_control'), line).catch((error: NodeJS.ErrnoException) => {
        throw new Error(`cannot enable '${line}' in ${join(dir, 'cgroup.subtree_control')}: ${error.code}`);
      });
    }
  };
  const cgroupOf = (name: string): Cgroup => v2Cgroup(name, join(mount, root, name), real);
  return {
    version: 2,
    controllers,
    async create(name, limits) {
      enabled ??= enableControllers();
      await enabled;
      const cgroup = cgroupOf(name);
      const dir = join(mount, root, name);
      try {
        await mkdir(dir);
        // Each limit lives in a file of its own: they are written at once.
        await allOrFirstError(
          v2LimitWrites(limits, controllers).map(([file, value]) =>
            writeFile(join(dir, file), value).catch((error: NodeJS.ErrnoException) => {
              throw new Error(
                `cannot write ${value} into ${join(dir, file)}: ${error.code ?? error.message}`,
              );
            }),
          ),
        );
        // A tree without the kernel behind it lists nobody until a process is written in.
        if (!real) await writeFile(join(dir, 'cgroup.procs'), '');
      } catch (error) {
        await cgroup.remove().catch(() => {});
        throw error;
      }
      return cgroup;
    },
    find: cgroupOf,
    async list() {
      const entries = await readdir(join(mount, root), { withFileTypes: true }).catch(() => []);
      return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    },
  };
}

/** One container's v2 cgroup. */
function v2Cgroup(name: string, dir: string, real: boolean): Cgroup {
  const file = (f: string): string => join(dir, f);
  const pids = async (): Promise<number[]> => parsePids(await readText(file('cgroup.procs')));
  const freezeKill = async (): Promise<void> => {
    await writeFile(file('cgroup.freeze'), '1').catch(() => {});
    await pollUntil(
      async () => parseKeyValues(await readText(file('cgroup.events'))).get('frozen') === 1,
      'freezing',
      cgroup_freeze_wait_ms,
    ).catch(() => {});
    signalPids(await pids(), 'SIGKILL');
    await writeFile(file('cgroup.freeze'), '0').catch(() => {});
  };
  return {
    name,
    procs_files: [file('cgroup.procs')],
    pids,
    async signalAll(signal) {
      signalPids(await pids(), signal);
    },
    async killAll() {
      const killed = await writeFile(file('cgroup.kill'), '1').then(
        () => true,
        () => false,
      );
      if (!killed || !real) await freezeKill();
      await pollUntil(
        async () => (await pids()).length === 0,
        `emptying cgroup ${dir}`,
        cgroup_empty_wait_ms,
      );
    },
    async remove() {
      if (!real) {
        await rm(dir, { recursive: true, force: true });
        return;
      }
      await rmdir(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw new Error(`cannot remove cgroup ${dir}: ${error.code}`);
      });
    },
    async oomKills() {
      return parseKeyValues(await readText(file('memory.events'))).get('oom_kill') ?? 0;
    },
    statistics: () => v2Statistics(file, pids),
  };
}

/** Usage and limits from the v2 files. */
async function v2Statistics(
  file: (f: string) => string,
  pids: () => Promise<number[]>,
): Promise<CgroupStatistics> {
  const cpu = parseKeyValues(await readText(file('cpu.stat')));
  const memory = parseKeyValues(await readText(file('memory.stat')));
  const number = async (f: string): Promise<number | undefined> => {
    const text = (await readText(file(f))).trim();
    return /^[0-9]+$/.test(text) ? Number(text) : undefined;
  };
  const [quota, period] = (await readText(file('cpu.max'))).trim().split(' ');
  const weight = await number('cpu.weight');
  const cpus_limit =
    quota !== undefined && /^[0-9]+$/.test(quota) && period !== undefined && Number(period) > 0
      ? Number(quota) / Number(period)
      : weight === undefined
        ? undefined
        : (2 + ((weight - 1) * 262_142) / 9999) / 1024;
  const mem_limit_bytes = await number('memory.max');
  const pids_limit = await number('pids.max');
  return {
    cpus_user_time_secs: (cpu.get('user_usec') ?? 0) / 1e6,
    cpus_system_time_secs: (cpu.get('system_usec') ?? 0) / 1e6,
    ...(cpus_limit === undefined ? {} : { cpus_limit }),
    cpus_nr_periods: cpu.get('nr_periods') ?? 0,
    cpus_nr_throttled: cpu.get('nr_throttled') ?? 0,
    cpus_throttled_time_secs: (cpu.get('throttled_usec') ?? 0) / 1e6,
    mem_total_bytes: (await number('memory.current')) ?? 0,
    mem_rss_bytes: memory.get('anon') ?? 0,
    mem_cache_bytes: memory.get('file') ?? 0,
    mem_swap_bytes: (await number('memory.swap.current')) ?? 0,
    ...(mem_limit_bytes === undefined ? {} : { mem_limit_bytes }),
    processes: (await pids()).length,
    ...(pids_limit === undefined ? {} : { pids_limit }),
  };
}
