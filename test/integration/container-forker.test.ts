// The container forker's end while the agent runs, on the machine's real cgroups (run as root): a
// launch in flight when the forker is killed fails TASK_FAILED naming the forker, and leaves no
// process and no cgroup; a container already running goes on and is reported when it ends; the
// next launch starts a new forker and runs. A forker that cannot start fails its launch, never
// hangs. The forker is found through the launcher's handle, and killed by its pid.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createContainerForker } from '../../runtime/agent/container-forker.ts';
import { findTool } from '../../runtime/agent/container-process.ts';
import { createLauncher } from '../../runtime/agent/isolation.ts';
import type { Launcher } from '../../runtime/agent/launcher.ts';
import {
  commandTask,
  eventually,
  type FakeMaster,
  frameworkInfo,
  isGone,
  type Json,
  Started,
} from './agent-harness.ts';
import {
  cgroups_v1_usable,
  killLeftCgroups,
  leftCgroups,
  removeCgroupsRoot,
  uniqueCgroupsRoot,
} from './cgroup-fixture.ts';

const started = new Started();
const root = uniqueCgroupsRoot('forker');
const with_perl = findTool('perl') !== undefined;

/** Acknowledges every update so far (the agent sends a task's next update only then). */
function acknowledgeAll(master: FakeMaster, acked: Set<string>): void {
  for (const m of master.messages.items) {
    if (m.type !== 'status_update' || acked.has(m.status.uuid)) continue;
    acked.add(m.status.uuid);
    master.send({
      type: 'acknowledge',
      framework_id: { value: m.framework_id },
      task_id: m.status.task_id,
      uuid: m.status.uuid,
    });
  }
}

/** The updates of `task_id` so far. */
function updatesOf(master: FakeMaster, task_id: string): Json[] {
  return master.messages.items
    .filter((m) => m.type === 'status_update' && m.status.task_id.value === task_id)
    .map((m) => m.status);
}

/** The status update of `task_id` in `state`, acknowledging every update meanwhile. */
async function update(master: FakeMaster, acked: Set<string>, task_id: string, state: string): Promise<Json> {
  let found: Json | undefined;
  await eventually(
    () => {
      acknowledgeAll(master, acked);
      found = updatesOf(master, task_id).find((status) => status.state === state);
      return found !== undefined;
    },
    15_000,
    `${state} of ${task_id}`,
  );
  return found!;
}

/** The processes in the container cgroups under the test's root (freezer hierarchy). */
function containerPids(): number[] {
  return leftCgroups(root)
    .filter((dir) => dir.startsWith('/sys/fs/cgroup/freezer/'))
    .flatMap((dir) => {
      try {
        return readFileSync(join(dir, 'cgroup.procs'), 'latin1').split('\n').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
}

describe('a container forker that cannot start', () => {
  it('fails the fork naming the forker', async () => {
    const forker = createContainerForker('/nonexistent/perl');
    const fork = forker.fork(forker.nextId(), {
      cwd: '/',
      stdout_file: '/dev/null',
      stderr_file: '/dev/null',
      env: {},
      file: '/bin/true',
      argv0: 'true',
      args: [],
      procs_files: [],
      ready_in_child: true,
    });
    await expect(fork).rejects.toThrow(/the container forker .*could not run/);
    expect(forker.pid()).toBeUndefined();
  });
});

describe.runIf(cgroups_v1_usable && with_perl)('the agent when its container forker ends', () => {
  const launcher =
    cgroups_v1_usable && with_perl
      ? createLauncher({ isolation: 'cgroups/cpu,cgroups/mem,cgroups/pids', cgroups_root: root })
      : undefined;
  // A launch marked here finds its sandbox's stdout a FIFO nobody reads: the forked child blocks
  // opening it, after it joined its cgroups and before its command runs (the launch is in flight).
  const blocked = new Set<string>();
  const wrapped: Launcher | undefined =
    launcher === undefined
      ? undefined
      : {
          ...launcher,
          launch: async (request) => {
            if (blocked.has(request.command.value)) {
              await rm(join(request.sandbox_dir, 'stdout'), { force: true });
              execFileSync('mkfifo', [join(request.sandbox_dir, 'stdout')]);
            }
            return launcher.launch(request);
          },
        };

  afterAll(async () => {
    await started.cleanup();
    const pid = launcher?.forkerPid?.();
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
    killLeftCgroups(root);
    removeCgroupsRoot(root);
  });

  it('fails a launch in flight naming the forker, keeps running containers, and forks the next launch with a new forker', async () => {
    const master = await started.fakeMaster();
    const work_dir = await started.dir();
    const agent = await started.agent({ master: master.address, work_dir, launcher: wrapped! });
    await agent.registered();
    const acked = new Set<string>();
    const run = (task_id: string, command: string): void =>
      master.send({
        type: 'run_task',
        framework_info: frameworkInfo('F1', { checkpoint: true }),
        task: commandTask(task_id, command),
      });

    // A container that runs across both ends of the forker, and one that ends before them.
    run('long', 'sleep 1001; exit 3');
    await update(master, acked, 'long', 'TASK_RUNNING');
    run('first', 'true');
    await update(master, acked, 'first', 'TASK_FINISHED');

    // Between two launches: the forker is killed, the next launch starts another.
    const first_forker = launcher!.forkerPid!();
    expect(first_forker).toBeGreaterThan(0);
    process.kill(first_forker!, 'SIGKILL');
    await eventually(() => isGone(first_forker!) && launcher!.forkerPid!() === undefined);
    run('second', 'true');
    await update(master, acked, 'second', 'TASK_FINISHED');
    const second_forker = launcher!.forkerPid!();
    expect(second_forker).toBeGreaterThan(0);
    expect(second_forker).not.toBe(first_forker);

    // During a launch: its child has joined its cgroup and waits before its command runs.
    const long_pids = containerPids();
    expect(long_pids.length).toBeGreaterThan(0);
    const blocker = 'echo never';
    blocked.add(blocker);
    run('inflight', blocker);
    let child: number | undefined;
    await eventually(() => {
      child = containerPids().find((pid) => !long_pids.includes(pid));
      return child !== undefined;
    });
    expect(updatesOf(master, 'inflight').map((status) => status.state)).not.toContain('TASK_RUNNING');
    process.kill(second_forker!, 'SIGKILL');
    const failed = await update(master, acked, 'inflight', 'TASK_FAILED');
    expect(failed.message).toMatch(/container forker \(pid [0-9]+\) was killed by SIGKILL/);
    await eventually(() => isGone(child!), 8000, 'the in-flight child gone');
    await eventually(() => containerPids().every((pid) => long_pids.includes(pid)));
    await eventually(() => launcher!.forkerPid!() === undefined);

    run('third', 'true');
    await update(master, acked, 'third', 'TASK_FINISHED');
    expect(launcher!.forkerPid!()).not.toBe(second_forker);

    // The container that ran across both ends of the forker was left running, and is reported
    // as it ends, with the status its wrapper recorded (the framework checkpoints: the forker
    // that could tell how it ended is gone); then nothing of it is left.
    expect(updatesOf(master, 'long').map((status) => status.state)).toEqual([
      'TASK_STARTING',
      'TASK_RUNNING',
    ]);
    expect(long_pids.every((pid) => !isGone(pid))).toBe(true);
    // Its sleep ended, the shell exits 3.
    const sleep = long_pids.find(
      (pid) => readFileSync(`/proc/${pid}/cmdline`, 'latin1') === 'sleep\u00001001\u0000',
    );
    expect(sleep).toBeDefined();
    process.kill(sleep!, 'SIGKILL');
    const ended = await update(master, acked, 'long', 'TASK_FAILED');
    expect(ended.message).toBe('Command exited with status 3');
    await eventually(() => leftCgroups(root).length === 0, 8000, 'no cgroup left');
    expect(long_pids.every((pid) => isGone(pid))).toBe(true);
  });
});
