// A temporary tree with cgroup v2's file layout, for the v2 code on a machine whose unified
// hierarchy cannot hold containers (this one's offers only hugetlb). The files are plain files, so
// the tree's `kernel` plays the few parts of the kernel the agent relies on: cgroup.procs lists only
// live processes, cgroup.kill SIGKILLs them, cgroup.freeze shows as `frozen 1` in cgroup.events.
// It is a twin of the real hierarchy, used only where the real one cannot serve.
import {
  closeSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGone } from './e2e-harness.ts';

/** The controllers a v2 root offers, as a machine with cpu, memory and pids delegated lists them. */
const root_controllers = 'cpuset cpu io memory hugetlb pids rdma misc';

/** A v2 tree in a temp dir, with a kernel twin ticking every few milliseconds. */
export interface V2Tree {
  readonly mount: string;
  /** The cgroups whose cgroup.kill the agent wrote, in order. */
  readonly killed: string[];
  /** Removes the tree and stops the kernel twin. */
  close(): void;
}

/** Reads a file of the tree ('' when absent). */
export function treeFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Every cgroup directory under `dir`, deepest last. */
function cgroupDirs(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name));
  } catch {
    return [];
  }
  return entries.flatMap((d) => [d, ...cgroupDirs(d)]);
}

/** One tick of the kernel twin in one cgroup. */
function tick(dir: string, killed: string[], seen: Set<string>): void {
  // The kernel makes a cgroup's files with the directory; the twin makes cgroup.events on first sight.
  if (!seen.has(dir)) {
    seen.add(dir);
    try {
      writeFileSync(join(dir, 'cgroup.events'), 'populated 0\nfrozen 0\n');
    } catch {
      return;
    }
  }
  const procs = treeFile(join(dir, 'cgroup.procs'));
  const pids = procs
    .split('\n')
    .filter((line) => /^[0-9]+$/.test(line))
    .map(Number);
  if (treeFile(join(dir, 'cgroup.kill')).trim() === '1') {
    if (!killed.includes(dir)) killed.push(dir);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  const live = pids.filter((pid) => !isGone(pid));
  // Only files that exist are rewritten (flag r+), so that a cgroup being removed is never refilled.
  const rewrite = (name: string, text: string): void => {
    try {
      const fd = openSync(join(dir, name), 'r+');
      try {
        ftruncateSync(fd);
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
    } catch {
      // The cgroup was removed meanwhile.
    }
  };
  if (live.length !== pids.length) rewrite('cgroup.procs', live.map((p) => `${p}\n`).join(''));
  const frozen = treeFile(join(dir, 'cgroup.freeze')).trim() === '1' ? 1 : 0;
  rewrite('cgroup.events', `populated ${live.length > 0 ? 1 : 0}\nfrozen ${frozen}\n`);
}

/** Makes a v2 tree whose root offers cpu, memory and pids. */
export function makeV2Tree(): V2Tree {
  const mount = mkdtempSync(join(tmpdir(), 'meso-cgroup-v2-'));
  writeFileSync(join(mount, 'cgroup.controllers'), `${root_controllers}\n`);
  writeFileSync(join(mount, 'cgroup.subtree_control'), '');
  writeFileSync(join(mount, 'cgroup.procs'), '');
  const killed: string[] = [];
  const seen = new Set<string>();
  const kernel = setInterval(() => {
    for (const dir of cgroupDirs(mount)) tick(dir, killed, seen);
  }, 5);
  return {
    mount,
    killed,
    close() {
      clearInterval(kernel);
      rmSync(mount, { recursive: true, force: true });
    },
  };
}
