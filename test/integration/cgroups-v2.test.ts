// The cgroup v2 code against a temporary tree with v2's file layout (cgroup-v2-tree.ts), since this
// machine's unified hierarchy cannot hold containers: detection from cgroup.controllers, the
// controllers enabled down the subtree, the limit files written (cpu.weight, cpu.max, memory.max,
// memory.swap.max, memory.oom.group, pids.max), usage read back from cpu.stat, memory.stat and
// memory.events, and the linux launcher's containers on it: joined, killed through cgroup.kill,
// reported for an OOM kill, recovered, and removed after.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cgroups } from '../../runtime/agent/cgroups.ts';
import { cpuWeightOfShares } from '../../runtime/agent/cgroups-v2.ts';
import { detectCgroups } from '../../runtime/agent/isolation.ts';
import type { LaunchRequest } from '../../runtime/agent/launcher.ts';
import { createLinuxLauncher } from '../../runtime/agent/linux-launcher.ts';
import { makeV2Tree, treeFile, type V2Tree } from './cgroup-v2-tree.ts';
import { eventually, isGone } from './e2e-harness.ts';

const trees: V2Tree[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const tree of trees.splice(0)) tree.close();
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const all = ['cpu', 'memory', 'pids'] as const;
const flag = '--isolation=cgroups/cpu,cgroups/mem,cgroups/pids';

/** A v2 tree and its cgroups under the root `meso/agent`. */
function v2(): { tree: V2Tree; cgroups: Cgroups; root: string } {
  const tree = makeV2Tree();
  trees.push(tree);
  const cgroups = detectCgroups(all, 'meso/agent', tree.mount, flag, [
    { path: tree.mount, version: 2, controllers: [] },
  ]);
  return { tree, cgroups, root: join(tree.mount, 'meso', 'agent') };
}

async function sandbox(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'meso-v2-sandbox-'));
  dirs.push(dir);
  return dir;
}

function request(sandbox_dir: string, value: string, container: LaunchRequest['container']): LaunchRequest {
  return {
    sandbox_dir,
    command: { value, shell: true, arguments: [] },
    env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
    container,
  };
}

const no_namespaces = { pid: false, mount: false, ipc: false, uts: false, net: false };

describe('cgroup v2, on a tree with its layout', () => {
  it('is detected from cgroup.controllers, and a missing controller is named', async () => {
    const { cgroups, tree } = v2();
    expect(cgroups.version).toBe(2);
    expect(cgroups.controllers).toEqual(all);
    await writeFile(join(tree.mount, 'cgroup.controllers'), 'cpu memory\n');
    expect(() =>
      detectCgroups(all, 'meso/agent', tree.mount, flag, [{ path: tree.mount, version: 2, controllers: [] }]),
    ).toThrow(
      /needs the cgroup controller\(s\) pids, which the cgroup v2 hierarchy at .* does not offer \(its cgroup.controllers: cpu memory\)/,
    );
  });

  it('enables the controllers down to the root and writes the limits into the v2 files', async () => {
    const { cgroups, tree, root } = v2();
    await cgroups.create('c1', {
      cpu_shares: 512,
      cfs_quota_us: 50_000,
      cfs_period_us: 100_000,
      mem_limit_bytes: 64 * 1024 * 1024,
      swap_limit_bytes: 0,
      pids_max: 64,
    });
    for (const dir of [tree.mount, join(tree.mount, 'meso'), root])
      expect(treeFile(join(dir, 'cgroup.subtree_control'))).toBe('+cpu +memory +pids');
    const file = (f: string): string => treeFile(join(root, 'c1', f));
    expect(file('cpu.weight')).toBe(String(cpuWeightOfShares(512)));
    expect(cpuWeightOfShares(1024)).toBe(39);
    expect(cpuWeightOfShares(2)).toBe(1);
    expect(cpuWeightOfShares(262_144)).toBe(10_000);
    expect(file('cpu.max')).toBe('50000 100000');
    expect(file('memory.max')).toBe(String(64 * 1024 * 1024));
    expect(file('memory.swap.max')).toBe('0');
    expect(file('memory.oom.group')).toBe('1');
    expect(file('pids.max')).toBe('64');
    // Swap not limited: memory.swap.max says so; no CFS: cpu.max is left to the kernel's default.
    await cgroups.create('c2', { cpu_shares: 1024, mem_limit_bytes: 32 * 1024 * 1024 });
    expect(treeFile(join(root, 'c2', 'memory.swap.max'))).toBe('max');
    expect(treeFile(join(root, 'c2', 'cpu.max'))).toBe('');
    expect((await cgroups.list()).sort()).toEqual(['c1', 'c2']);
    await cgroups.find('c1')!.remove();
    expect(await cgroups.list()).toEqual(['c2']);
  });

  it('reads usage, limits and OOM kills from cpu.stat, memory.stat, memory.events and the limit files', async () => {
    const { cgroups, root } = v2();
    const cgroup = await cgroups.create('c1', {
      cpu_shares: 512,
      cfs_quota_us: 50_000,
      cfs_period_us: 100_000,
      mem_limit_bytes: 64 * 1024 * 1024,
      pids_max: 64,
    });
    const dir = join(root, 'c1');
    await writeFile(
      join(dir, 'cpu.stat'),
      'usage_usec 2000000\nuser_usec 1500000\nsystem_usec 500000\nnr_periods 10\nnr_throttled 3\nthrottled_usec 250000\n',
    );
    await writeFile(join(dir, 'memory.stat'), 'anon 1048576\nfile 2097152\nkernel 4096\n');
    await writeFile(join(dir, 'memory.current'), '3200000\n');
    await writeFile(join(dir, 'memory.swap.current'), '0\n');
    await writeFile(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 7\noom 1\noom_kill 0\n');
    expect(await cgroup.statistics()).toEqual({
      cpus_user_time_secs: 1.5,
      cpus_system_time_secs: 0.5,
      cpus_limit: 0.5,
      cpus_nr_periods: 10,
      cpus_nr_throttled: 3,
      cpus_throttled_time_secs: 0.25,
      mem_total_bytes: 3_200_000,
      mem_rss_bytes: 1_048_576,
      mem_cache_bytes: 2_097_152,
      mem_swap_bytes: 0,
      mem_limit_bytes: 64 * 1024 * 1024,
      processes: 0,
      pids_limit: 64,
    });
    expect(await cgroup.oomKills()).toBe(0);
    await writeFile(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n');
    expect(await cgroup.oomKills()).toBe(2);
    // Without a quota the limit is the weight's share (cpu.max as the kernel shows it unlimited).
    await writeFile(join(dir, 'cpu.max'), 'max 100000\n');
    expect((await cgroup.statistics()).cpus_limit).toBeCloseTo(0.5, 1);
  });

  it("runs the linux launcher's containers on it: joined, killed through cgroup.kill, removed after", async () => {
    const { cgroups, root, tree } = v2();
    const launcher = createLinuxLauncher({
      isolation: 'cgroups/cpu,cgroups/mem,cgroups/pids',
      cgroups,
      namespaces: no_namespaces,
      enable_cfs: true,
      limit_swap: true,
      pids_max: 32,
    });
    const container = await launcher.launch(request(await sandbox(), 'sleep 30', { cpus: 0.5, mem_mb: 64 }));
    const dir = join(root, container.record.cgroup!);
    expect(treeFile(join(dir, 'cpu.max'))).toBe('50000 100000');
    expect(treeFile(join(dir, 'memory.swap.max'))).toBe('0');
    expect(treeFile(join(dir, 'pids.max'))).toBe('32');
    // The first process joins before it runs the command: its pid is the container's.
    await eventually(
      () => treeFile(join(dir, 'cgroup.procs')).trim() === String(container.pid),
      5000,
      'joined',
    );
    expect(await container.kill(0)).toHaveProperty('signal');
    expect(tree.killed).toContain(dir);
    expect(isGone(container.pid)).toBe(true);
    await eventually(async () => (await cgroups.list()).length === 0, 5000, 'the cgroup removed');
  });

  it('reports an OOM kill the cgroup counts as the memory limitation, naming the limit', async () => {
    const { cgroups, root } = v2();
    const launcher = createLinuxLauncher({
      isolation: 'cgroups/mem',
      cgroups,
      namespaces: no_namespaces,
      enable_cfs: false,
      limit_swap: true,
      pids_max: 32,
    });
    const container = await launcher.launch(request(await sandbox(), 'sleep 30', { mem_mb: 64 }));
    const dir = join(root, container.record.cgroup!);
    await writeFile(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 40\noom 1\noom_kill 1\n');
    const limitation = await container.limited!;
    expect(limitation.reason).toBe('REASON_CONTAINER_LIMITATION_MEMORY');
    expect(limitation.message).toMatch(/^Memory limit exceeded: Requested: 64MB .*\(limit 67108864 bytes\)$/);
    await container.kill(0);
    await eventually(async () => (await cgroups.list()).length === 0, 5000, 'the cgroup removed');
  });

  it('recovers a container from its record in a new launcher and destroys an orphan', async () => {
    const { cgroups } = v2();
    const options = {
      isolation: 'cgroups/cpu',
      cgroups,
      namespaces: no_namespaces,
      enable_cfs: false,
      limit_swap: true,
      pids_max: 32,
    };
    const first = createLinuxLauncher(options);
    const kept = await first.launch(request(await sandbox(), 'sleep 30', { cpus: 0.1 }));
    const orphan = await first.launch(request(await sandbox(), 'sleep 30', { cpus: 0.1 }));
    kept.release();
    orphan.release();
    const restarted = createLinuxLauncher(options);
    const recovered = await restarted.recover(kept.record);
    expect(recovered?.running()).toBe(true);
    expect(await restarted.destroyOrphans!([kept.record])).toEqual([orphan.record.cgroup]);
    expect(isGone(orphan.pid)).toBe(true);
    await recovered!.kill(100);
    expect(recovered!.running()).toBe(false);
    expect(await cgroups.list()).toEqual([]);
    expect(await restarted.recover(kept.record)).toBeUndefined();
  });
});
