// End to end with real processes: the Python example framework (standard library only) runs
// against a `meso` master and agent, launching its tasks, acknowledging their updates and exiting 0
// once all finished; a failing command makes it exit 1. Skipped, with a message, without python3.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getJson, type Json, Processes, repo_root, startCluster } from './e2e-harness.ts';

const procs = new Processes();
afterEach(() => procs.cleanup());

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const has_python = python.status === 0;
if (!has_python) console.warn('e2e-python: python3 is not installed; the Python framework test is skipped');
const script = join(repo_root, 'examples', 'python', 'framework.py');

describe.skipIf(!has_python)('the Python example framework', () => {
  it('runs its tasks to TASK_FINISHED on a meso master and exits 0', async () => {
    const cluster = await startCluster(procs, { agents: 1, resources: 'cpus:2;mem:1024;disk:1024' });
    const framework = procs.spawn('python3', [
      script,
      `--master=127.0.0.1:${cluster.master_port}`,
      '--tasks=3',
      '--timeout=60',
    ]);
    const { code } = await framework.exited;
    const stdout = framework.stdout();
    expect(code, `${stdout}\n${framework.stderr()}`).toBe(0);
    const finished = [...stdout.matchAll(/^Task (\S+) is in state TASK_FINISHED/gm)].map((m) => m[1]);
    expect(finished.sort()).toEqual(['py-0', 'py-1', 'py-2']);
    expect(stdout).toMatch(/^All 3 tasks finished$/m);
    // It tore itself down after acknowledging every update: the master completed all three tasks.
    const state = await getJson(cluster.master_port, '/master/state');
    const done = state.completed_frameworks.find((f: Json) => f.name === 'meso python example');
    expect(done.completed_tasks.map((t: Json) => t.state)).toEqual(Array(3).fill('TASK_FINISHED'));
  });

  it('exits 1 when a task fails', async () => {
    const cluster = await startCluster(procs, { agents: 1, resources: 'cpus:2;mem:1024;disk:1024' });
    const framework = procs.spawn('python3', [
      script,
      `--master=127.0.0.1:${cluster.master_port}`,
      '--tasks=1',
      '--command=exit 4',
      '--timeout=60',
    ]);
    const { code } = await framework.exited;
    expect(code).toBe(1);
    expect(framework.stdout()).toMatch(/TASK_FAILED: Command exited with status 4/);
  });
});
