// The cgroups of a test run on this machine: a cgroups root of the run's own (so that suites running
// at once never see each other's containers), what is left under it, and its removal at the end.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The v1 hierarchies the linux launcher uses. */
export const v1_hierarchies = ['freezer', 'cpu', 'cpuacct', 'memory', 'pids'].map(
  (c) => `/sys/fs/cgroup/${c}`,
);

/** Whether this machine lets the tests make v1 cgroups (root, with the freezer mounted). */
export const cgroups_v1_usable =
  process.getuid?.() === 0 && existsSync('/sys/fs/cgroup/freezer/cgroup.procs');

/** A cgroups root unique to this run. */
export function uniqueCgroupsRoot(what: string): string {
  return `meso-test-${what}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** Container cgroups left under `root`, in any hierarchy. */
export function leftCgroups(root: string): string[] {
  return v1_hierarchies.flatMap((h) => {
    const path = join(h, root);
    if (!existsSync(path)) return [];
    return readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(path, entry.name));
  });
}

/** Removes `root` from every hierarchy (it must be empty of containers by then). */
export function removeCgroupsRoot(root: string): void {
  for (const h of v1_hierarchies) if (existsSync(join(h, root))) rmdirSync(join(h, root));
}

/** SIGKILLs every process in the container cgroups left under `root`, then removes those cgroups. */
export function killLeftCgroups(root: string): void {
  const left = leftCgroups(root);
  for (const dir of left) {
    if (!dir.startsWith('/sys/fs/cgroup/freezer/')) continue;
    const pids = readFileSync(join(dir, 'cgroup.procs'), 'latin1').split('\n').filter(Boolean).map(Number);
    writeFileSync(join(dir, 'freezer.state'), 'FROZEN');
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // It ended meanwhile.
      }
    }
    writeFileSync(join(dir, 'freezer.state'), 'THAWED');
  }
  for (const dir of left) {
    for (let attempt = 0; attempt < 100 && existsSync(dir); attempt++) {
      try {
        rmdirSync(dir);
      } catch {
        // Still emptying: the SIGKILLed processes take a moment to leave.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      }
    }
  }
}
