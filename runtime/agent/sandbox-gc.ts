// Sandbox garbage collection, as Mesos's agent does it: the sandbox of an executor run that ended is
// removed --gc_delay after its end, and sooner when the disk fills. Every --disk_watch_interval the
// agent reads its work_dir's disk usage and removes at once every ended sandbox older than
// gc_delay * max(0, 1 - gc_disk_headroom - usage). After a restart the sandboxes no recovered
// executor owns are scheduled by their age on disk. The run's checkpoints went when it ended
// (checkpoint.ts); what goes here is the sandbox and the directories it leaves empty.
import { lstat, readdir, readlink, rm, rmdir, statfs, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AgentLog } from './registration.ts';

/** The longest a timer can wait (Node fires a longer one at once). */
const timer_ms_max = 2_147_483_647;

/** What the collector is made with. */
export interface SandboxGcOptions {
  readonly work_dir: string;
  readonly delay_ms: number;
  readonly disk_watch_interval_ms: number;
  /** Fraction of the disk to keep free (Mesos: --gc_disk_headroom, 0.1). */
  readonly disk_headroom: number;
  readonly log: AgentLog;
}

/** The sandbox collector of one agent. */
export interface SandboxGc {
  /** Schedules an ended run's sandbox for removal, aged from `ended_ms` (default: now). */
  schedule(sandbox_dir: string, ended_ms?: number): void;
  /** Removes every scheduled sandbox older than `max_age_ms`; answers those removed. */
  prune(max_age_ms: number): Promise<string[]>;
  /** Schedules the sandboxes under work_dir that no live run owns (after a restart's recovery). */
  scheduleUnowned(owned: ReadonlySet<string>): Promise<number>;
  /** Sandboxes waiting for removal. */
  pending(): number;
  stop(): void;
}

/** The fraction of the disk holding `path` that is used. */
export async function diskUsage(path: string): Promise<number> {
  const fs = await statfs(path);
  return fs.blocks === 0 ? 0 : 1 - fs.bavail / fs.blocks;
}

/** How old an ended sandbox may get at this disk usage (Mesos's formula). */
export function maxSandboxAgeMs(delay_ms: number, headroom: number, usage: number): number {
  return delay_ms * Math.max(0, 1 - headroom - usage);
}

/** Removes a run's sandbox, its executor's `latest` link if it named this run, and emptied parents. */
async function removeRun(sandbox_dir: string, stop_at: string): Promise<void> {
  await rm(sandbox_dir, { recursive: true, force: true });
  const runs = dirname(sandbox_dir);
  const latest = join(runs, 'latest');
  if ((await readlink(latest).catch(() => undefined)) === basename(sandbox_dir))
    await unlink(latest).catch(() => {});
  // runs/, the executor's directory, executors/, the framework's directory: each only once empty.
  let dir = runs;
  while (dir.startsWith(`${stop_at}/`) && dir !== stop_at) {
    const removed = await rmdir(dir).then(
      () => true,
      () => false,
    );
    if (!removed) break;
    dir = dirname(dir);
  }
}

/** The run directories under work_dir: slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<run>. */
async function runDirectories(work_dir: string): Promise<string[]> {
  const below = async (dir: string): Promise<string[]> =>
    (await readdir(dir, { withFileTypes: true }).catch(() => []))
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(dir, entry.name));
  const runs: string[] = [];
  for (const agent of await below(join(work_dir, 'slaves'))) {
    for (const framework of await below(join(agent, 'frameworks'))) {
      for (const executor of await below(join(framework, 'executors'))) {
        runs.push(...(await below(join(executor, 'runs'))));
      }
    }
  }
  return runs;
}

/** Creates the collector and starts its disk watch. */
export function createSandboxGc(options: SandboxGcOptions): SandboxGc {
  const scheduled = new Map<string, { ended_ms: number; timer: NodeJS.Timeout }>();
  const slaves = join(options.work_dir, 'slaves');
  const remove = async (sandbox_dir: string): Promise<void> => {
    const entry = scheduled.get(sandbox_dir);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    scheduled.delete(sandbox_dir);
    try {
      await removeRun(sandbox_dir, slaves);
    } catch (error) {
      options.log.warn('a sandbox could not be removed', { sandbox_dir, error: (error as Error).message });
    }
  };
  const gc: SandboxGc = {
    schedule(sandbox_dir, ended_ms = Date.now()) {
      if (scheduled.has(sandbox_dir)) return;
      const wait_ms = Math.min(timer_ms_max, Math.max(0, ended_ms + options.delay_ms - Date.now()));
      const timer = setTimeout(() => void remove(sandbox_dir), wait_ms);
      timer.unref();
      scheduled.set(sandbox_dir, { ended_ms, timer });
    },
    async prune(max_age_ms) {
      const now = Date.now();
      const old = [...scheduled]
        .filter(([, entry]) => now - entry.ended_ms >= max_age_ms)
        .map(([dir]) => dir);
      for (const dir of old) await remove(dir);
      return old;
    },
    async scheduleUnowned(owned) {
      let count = 0;
      for (const run of await runDirectories(options.work_dir)) {
        if (owned.has(run)) continue;
        const info = await lstat(run).catch(() => undefined);
        if (info === undefined) continue;
        gc.schedule(run, info.mtimeMs);
        count++;
      }
      return count;
    },
    pending: () => scheduled.size,
    stop() {
      clearInterval(watch);
      for (const entry of scheduled.values()) clearTimeout(entry.timer);
      scheduled.clear();
    },
  };
  const watch = setInterval(() => {
    void diskUsage(options.work_dir)
      .then(async (usage) => {
        const max_age_ms = maxSandboxAgeMs(options.delay_ms, options.disk_headroom, usage);
        const removed = await gc.prune(max_age_ms);
        if (removed.length > 0) {
          options.log.info('sandboxes removed early: the disk is filling', {
            usage,
            removed: removed.length,
          });
        }
      })
      .catch((error: unknown) =>
        options.log.warn('disk usage unreadable', { error: (error as Error).message }),
      );
  }, options.disk_watch_interval_ms);
  watch.unref();
  return gc;
}
