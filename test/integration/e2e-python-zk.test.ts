// The Python example given `--master zk://`: with the ZooKeeper client kazoo it reads the leader
// from a real ensemble as Mesos's layout has it (two masters in the group, one agent following it)
// and runs its tasks to TASK_FINISHED; a Python without kazoo says what it needs and exits 1.
// Skipped, with a message, when no python3 on this machine has kazoo (Debian: python3-kazoo).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEnsemble, type ZooKeeperEnsemble } from '../../runtime/zk/ensemble.ts';
import { eventually, freePort, getJson, Processes, repo_root } from './e2e-harness.ts';
import { awaitLeader, group_path, startHaMaster } from './ha-harness.ts';

const script = join(repo_root, 'examples', 'python', 'framework.py');
const imports = (python: string, module: string): boolean =>
  spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
const pythons = ['python3', '/usr/bin/python3'].filter((p) => imports(p, 'json'));
const with_kazoo = pythons.find((p) => imports(p, 'kazoo.client'));
const without_kazoo = pythons.find((p) => !imports(p, 'kazoo.client'));
if (with_kazoo === undefined)
  console.warn('e2e-python-zk: no python3 here has kazoo; the zk:// run is skipped');

const procs = new Processes();
let zk: ZooKeeperEnsemble;
beforeAll(async () => {
  if (pythons.length > 0) zk = await startEnsemble({ servers: 1 });
}, 60_000);
afterEach(() => procs.cleanup());
afterAll(async () => {
  await zk?.stop();
});

describe.skipIf(pythons.length === 0)('the Python example with --master zk://', () => {
  it.skipIf(with_kazoo === undefined)(
    'finds the leader in ZooKeeper and runs its tasks',
    async () => {
      const masters = [await startHaMaster(procs, zk), await startHaMaster(procs, zk)];
      const leader = await awaitLeader(zk, masters);
      procs.meso([
        'agent',
        `--master=${zk.url(group_path)}`,
        `--port=${await freePort()}`,
        `--work_dir=${await procs.dir()}`,
        '--resources=cpus:2;mem:1024;disk:1024',
        '--log_level=warn',
      ]);
      await eventually(
        async () => (await getJson(leader.port, '/master/state')).slaves.length === 1,
        20_000,
        'the agent registering',
      );
      const framework = procs.spawn(with_kazoo!, [
        script,
        `--master=${zk.url(group_path)}`,
        '--tasks=2',
        '--timeout=60',
      ]);
      const { code } = await framework.exited;
      const stdout = framework.stdout();
      expect(code, `${stdout}\n${framework.stderr()}`).toBe(0);
      expect(stdout).toContain(`The leading master in ${zk.url(group_path)} is at 127.0.0.1:${leader.port}`);
      expect(stdout).toMatch(/^All 2 tasks finished$/m);
    },
    60_000,
  );

  it.skipIf(without_kazoo === undefined)('says what it needs without kazoo, and exits 1', () => {
    const run = spawnSync(without_kazoo!, [script, `--master=${zk.url(group_path)}`], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('--master zk://... needs the Python ZooKeeper client kazoo');
  });
});
