// End to end with real processes: `meso master`, two `meso agent`s and `meso test-framework`, as
// Mesos's own test framework runs against a cluster. Five tasks of cpus:1 need both agents (three
// cpus each); every task finishes and the framework exits 0. A command that fails makes its task
// TASK_FAILED with Mesos's message, and the framework exits non-zero.
import { afterEach, describe, expect, it } from 'vitest';
import { getJson, type Json, Processes, startCluster } from './e2e-harness.ts';

const procs = new Processes();
afterEach(() => procs.cleanup());

/** The test framework's lines saying task N reached `state`. */
function tasksIn(stdout: string, state: string): string[] {
  const pattern = new RegExp(`^Task (\\S+) is in state ${state}\\b`, 'gm');
  return [...stdout.matchAll(pattern)].map((m) => m[1]!).sort();
}

describe('meso test-framework against a master and two agents', () => {
  it('runs five tasks to TASK_FINISHED over both agents and exits 0', async () => {
    const cluster = await startCluster(procs, { agents: 2, resources: 'cpus:3;mem:1024;disk:1024' });
    const framework = procs.meso([
      'test-framework',
      `--master=127.0.0.1:${cluster.master_port}`,
      '--timeout_seconds=60',
    ]);
    const { code } = await framework.exited;
    const output = `${framework.stdout()}\n${framework.stderr()}`;
    expect(code, output).toBe(0);
    expect(tasksIn(framework.stdout(), 'TASK_FINISHED')).toEqual(['0', '1', '2', '3', '4']);
    expect(tasksIn(framework.stdout(), 'TASK_FAILED')).toEqual([]);
    expect(framework.stdout()).toMatch(/^All 5 tasks finished$/m);

    // The framework tore itself down: the master keeps it among the completed, with its five tasks.
    const state = await getJson(cluster.master_port, '/master/state');
    expect(state.frameworks).toEqual([]);
    const done = state.completed_frameworks.find((f: Json) => f.name === 'meso test framework');
    expect(done).toBeDefined();
    const tasks = done.completed_tasks as Json[];
    expect(tasks.map((t) => t.state)).toEqual(Array(5).fill('TASK_FINISHED'));
    // Three cpus per agent: five one-cpu tasks cannot all have run on one of them.
    const agents = new Set(tasks.map((t) => t.slave_id));
    expect(agents).toEqual(new Set(state.slaves.map((s: Json) => s.id)));
    expect(agents.size).toBe(2);
  });

  it("reports a failing command's TASK_FAILED with its exit status and exits non-zero", async () => {
    const cluster = await startCluster(procs, { agents: 2, resources: 'cpus:3;mem:1024;disk:1024' });
    const framework = procs.meso([
      'test-framework',
      `--master=127.0.0.1:${cluster.master_port}`,
      '--command=exit 3',
      '--timeout_seconds=60',
    ]);
    const { code } = await framework.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const stdout = framework.stdout();
    expect(tasksIn(stdout, 'TASK_FAILED').length).toBeGreaterThan(0);
    expect(stdout).toMatch(/^Task \S+ is in state TASK_FAILED: Command exited with status 3$/m);
    expect(stdout).toMatch(
      /^Aborting because task \S+ is in unexpected state TASK_FAILED .*'Command exited with status 3'$/m,
    );
    expect(tasksIn(stdout, 'TASK_FINISHED')).toEqual([]);
    expect(stdout).not.toMatch(/All 5 tasks finished/);
  });
});
