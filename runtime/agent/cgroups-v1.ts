// cgroup v1: a hierarchy per controller (cpu, cpuacct, memory, pids, freezer), each mounted on its
// own. A container's cgroup is `<root>/<name>` in every hierarchy it needs; the freezer's is the one
// that says which processes are the container's, and the one that stops them all for a kill.
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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

/** Where each v1 hierarchy the containers need is mounted. */
export interface CgroupV1Mounts {
  readonly freezer: string;
  readonly cpu?: string;
  readonly cpuacct?: string;
  readonly memory?: string;
  readonly pids?: string;
}

/** Reads a cgroup file ('' when it is absent, as an optional controller file may be). */
async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

/** A number from a one-value cgroup file; undefined when absent or not a number. */
async function readNumber(path: string): Promise<number | undefined> {
  const text = (await readText(path)).trim();
  return /^-?[0-9]+$/.test(text) ? Number(text) : undefined;
}

/** Removes a cgroup directory, retrying while the kernel still counts an exiting process in it. */
async function removeDirectory(path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(path);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 50) throw new Error(`cannot remove cgroup ${path}: ${code}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** The limits written into each hierarchy, in order (memory's limit before memory+swap's). */
function limitWrites(mounts: CgroupV1Mounts, dir: (mount: string) => string, limits: CgroupLimits) {
  const writes: Array<[string, string]> = [];
  if (mounts.cpu !== undefined) {
    const cpu = dir(mounts.cpu);
    if (limits.cpu_shares !== undefined)
      writes.push([join(cpu, 'cpu.shares'), String(Math.max(2, Math.round(limits.cpu_shares)))]);
    if (limits.cfs_quota_us !== undefined && limits.cfs_period_us !== undefined) {
      writes.push([join(cpu, 'cpu.cfs_period_us'), String(limits.cfs_period_us)]);
      writes.push([join(cpu, 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round(limits.cfs_quota_us)))]);
    }
  }
  if (mounts.memory !== undefined && limits.mem_limit_bytes !== undefined) {
    const memory = dir(mounts.memory);
    writes.push([join(memory, 'memory.limit_in_bytes'), String(limits.mem_limit_bytes)]);
    if (limits.swap_limit_bytes !== undefined) {
      writes.push([
        join(memory, 'memory.memsw.limit_in_bytes'),
        String(limits.mem_limit_bytes + limits.swap_limit_bytes),
      ]);
    }
  }
  if (mounts.pids !== undefined && limits.pids_max !== undefined) {
    writes.push([join(dir(mounts.pids), 'pids.max'), String(limits.pids_max)]);
  }
  return writes;
}

/** The cgroups of a v1 machine under `root` (a path below each hierarchy's mount). */
export function createCgroupsV1(
  mounts: CgroupV1Mounts,
  root: string,
  controllers: readonly CgroupController[],
): Cgroups {
  const used: CgroupV1Mounts = {
    freezer: mounts.freezer,
    ...(controllers.includes('cpu') ? { cpu: mounts.cpu, cpuacct: mounts.cpuacct } : {}),
    ...(controllers.includes('memory') ? { memory: mounts.memory } : {}),
    ...(controllers.includes('pids') ? { pids: mounts.pids } : {}),
  };
  // Co-mounted controllers (cpu,cpuacct) share one directory: each is made and removed once.
  const hierarchies = [...new Set(Object.values(used).filter((m): m is string => m !== undefined))];
  const cgroupOf = (name: string): Cgroup => {
    const dir = (mount: string): string => join(mount, root, name);
    return v1Cgroup(name, used, hierarchies.map(dir), dir);
  };
  return {
    version: 1,
    controllers,
    async create(name, limits) {
      const cgroup = cgroupOf(name);
      try {
        // The hierarchies are independent: their directories are made, and their limits written, at
        // once; within one hierarchy the limits keep their order.
        await Promise.all(hierarchies.map((h) => mkdir(join(h, root, name), { recursive: true })));
        const by_dir = new Map<string, Array<[string, string]>>();
        for (const write of limitWrites(used, (m) => join(m, root, name), limits)) {
          const writes = by_dir.get(dirname(write[0])) ?? [];
          writes.push(write);
          by_dir.set(dirname(write[0]), writes);
        }
        await allOrFirstError(
          [...by_dir.values()].map(async (writes) => {
            for (const [file, value] of writes) {
              await writeFile(file, value).catch((error: NodeJS.ErrnoException) => {
                throw new Error(`cannot write ${value} into ${file}: ${error.code ?? error.message}`);
              });
            }
          }),
        );
      } catch (error) {
        await cgroup.remove().catch(() => {});
        throw error;
      }
      return cgroup;
    },
    find(name) {
      return cgroupOf(name);
    },
    async list() {
      const entries = await readdir(join(mounts.freezer, root), { withFileTypes: true }).catch(() => []);
      return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    },
  };
}

/** One container's v1 cgroup. */
function v1Cgroup(
  name: string,
  mounts: CgroupV1Mounts,
  dirs: readonly string[],
  dir: (mount: string) => string,
): Cgroup {
  const freezer = dir(mounts.freezer);
  const pids = async (): Promise<number[]> => parsePids(await readText(join(freezer, 'cgroup.procs')));
  const freezerState = async (): Promise<string> => (await readText(join(freezer, 'freezer.state'))).trim();
  return {
    name,
    procs_files: dirs.map((d) => join(d, 'cgroup.procs')),
    pids,
    async signalAll(signal) {
      signalPids(await pids(), signal);
    },
    async killAll() {
      // Frozen, no process can fork a child that the SIGKILLs would miss.
      await writeFile(join(freezer, 'freezer.state'), 'FROZEN').catch(() => {});
      await pollUntil(
        async () => (await freezerState()) !== 'FREEZING',
        'freezing',
        cgroup_freeze_wait_ms,
      ).catch(() => {});
      signalPids(await pids(), 'SIGKILL');
      await writeFile(join(freezer, 'freezer.state'), 'THAWED').catch(() => {});
      await pollUntil(
        async () => (await pids()).length === 0,
        `emptying cgroup ${freezer}`,
        cgroup_empty_wait_ms,
      );
    },
    async remove() {
      for (const d of dirs) await removeDirectory(d);
    },
    async oomKills() {
      if (mounts.memory === undefined) return 0;
      return (
        parseKeyValues(await readText(join(dir(mounts.memory), 'memory.oom_control'))).get('oom_kill') ?? 0
      );
    },
    statistics: () => v1Statistics(mounts, dir, pids),
  };
}

/** Usage and limits from the v1 files (cpuacct in ns where the kernel has it, memory.stat's totals). */
async function v1Statistics(
  mounts: CgroupV1Mounts,
  dir: (mount: string) => string,
  pids: () => Promise<number[]>,
): Promise<CgroupStatistics> {
  const processes = (await pids()).length;
  let user_secs = 0;
  let system_secs = 0;
  if (mounts.cpuacct !== undefined) {
    const acct = dir(mounts.cpuacct);
    const user_ns = await readNumber(join(acct, 'cpuacct.usage_user'));
    const system_ns = await readNumber(join(acct, 'cpuacct.usage_sys'));
    if (user_ns !== undefined && system_ns !== undefined) {
      user_secs = user_ns / 1e9;
      system_secs = system_ns / 1e9;
    } else {
      // USER_HZ is 100 on every Linux build the agent runs on.
      const stat = parseKeyValues(await readText(join(acct, 'cpuacct.stat')));
      user_secs = (stat.get('user') ?? 0) / 100;
      system_secs = (stat.get('system') ?? 0) / 100;
    }
  }
  const cpu: Partial<CgroupStatistics> = {};
  if (mounts.cpu !== undefined) {
    const d = dir(mounts.cpu);
    const stat = parseKeyValues(await readText(join(d, 'cpu.stat')));
    const quota = await readNumber(join(d, 'cpu.cfs_quota_us'));
    const period = await readNumber(join(d, 'cpu.cfs_period_us'));
    const shares = await readNumber(join(d, 'cpu.shares'));
    Object.assign(cpu, {
      cpus_limit: quota !== undefined && quota > 0 && period ? quota / period : (shares ?? 1024) / 1024,
      cpus_nr_periods: stat.get('nr_periods') ?? 0,
      cpus_nr_throttled: stat.get('nr_throttled') ?? 0,
      cpus_throttled_time_secs: (stat.get('throttled_time') ?? 0) / 1e9,
    });
  }
  const mem: Partial<CgroupStatistics> = {};
  let rss = 0;
  if (mounts.memory !== undefined) {
    const d = dir(mounts.memory);
    const stat = parseKeyValues(await readText(join(d, 'memory.stat')));
    rss = stat.get('total_rss') ?? stat.get('rss') ?? 0;
    Object.assign(mem, {
      mem_total_bytes: (await readNumber(join(d, 'memory.usage_in_bytes'))) ?? 0,
      mem_cache_bytes: stat.get('total_cache') ?? 0,
      mem_swap_bytes: stat.get('total_swap') ?? 0,
      mem_limit_bytes: (await readNumber(join(d, 'memory.limit_in_bytes'))) ?? 0,
      mem_max_usage_bytes: (await readNumber(join(d, 'memory.max_usage_in_bytes'))) ?? 0,
    });
  }
  const pids_limit =
    mounts.pids === undefined ? undefined : await readNumber(join(dir(mounts.pids), 'pids.max'));
  return {
    cpus_user_time_secs: user_secs,
    cpus_system_time_secs: system_secs,
    ...cpu,
    mem_rss_bytes: rss,
    ...mem,
    processes,
    ...(pids_limit === undefined ? {} : { pids_limit }),
  };
}
