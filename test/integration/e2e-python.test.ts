// End to end with real processes: the Python example framework (standard library only) runs
// against a `meso` master and agent, launching its tasks, acknowledging their updates and exiting 0
// once all finished; a failing command makes it exit 1; against a master that authenticates
// frameworks it gets in with the right secret and is refused, with a message and exit 1, with a
// wrong one. Skipped, with a message, without python3.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  agentArgs,
  eventually,
  freePort,
  getJson,
  type Json,
  Processes,
  repo_root,
  startCluster,
} from './e2e-harness.ts';

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

  it('authenticates with --principal and --secret-file, and is refused with a wrong secret', async () => {
    const dir = await procs.dir();
    const credentials = join(dir, 'credentials.json');
    const secret = 'py-secret-4711';
    writeFileSync(credentials, JSON.stringify({ credentials: [{ principal: 'py', secret }] }), {
      mode: 0o600,
    });
    const right = join(dir, 'right.secret');
    const wrong = join(dir, 'wrong.secret');
    writeFileSync(right, `${secret}\n`, { mode: 0o600 });
    writeFileSync(wrong, 'not-the-secret\n', { mode: 0o600 });
    const master_port = await freePort();
    procs.meso([
      'master',
      `--port=${master_port}`,
      '--allocation_interval_ms=100',
      '--heartbeat_interval_seconds=1',
      '--log_level=warn',
      `--credentials=${credentials}`,
      '--authenticate_frameworks=true',
    ]);
    procs.meso(agentArgs(master_port, await freePort(), join(dir, 'agent'), 'cpus:2;mem:1024;disk:1024'));
    await eventually(
      async () => (await getJson(master_port, '/master/state')).slaves.length === 1,
      15_000,
      'the agent registering',
    );
    const run = (args: string[]) =>
      procs.spawn('python3', [
        script,
        `--master=127.0.0.1:${master_port}`,
        '--tasks=1',
        '--timeout=60',
        ...args,
      ]);

    const allowed = run(['--principal=py', `--secret-file=${right}`]);
    const ok = await allowed.exited;
    expect(ok.code, `${allowed.stdout()}\n${allowed.stderr()}`).toBe(0);
    expect(allowed.stdout()).toMatch(/^All 1 tasks finished$/m);
    const state = await getJson(master_port, '/master/state');
    const done = state.completed_frameworks.find((f: Json) => f.name === 'meso python example');
    expect(done.principal).toBe('py');

    const refused = run(['--principal=py', `--secret-file=${wrong}`]);
    expect((await refused.exited).code).toBe(1);
    expect(refused.stdout()).toMatch(/refused the credentials of principal 'py' \(401\)/);
    expect(refused.stdout() + refused.stderr()).not.toContain('not-the-secret');

    const anonymous = run([]);
    expect((await anonymous.exited).code).toBe(1);
    expect(anonymous.stdout()).toMatch(/requires authentication \(401\): give --principal and --secret-file/);
  });
});
