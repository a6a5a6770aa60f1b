// End to end with real processes and the machine's real v1 cgroups: a `meso agent` with the linux
// launcher killed outright (SIGKILL) while its containers run, and started again on the same
// work_dir. It takes its containers back by their cgroups: tasks still running stay TASK_RUNNING
// and later finish, a memory limit set before the restart still holds after it (and is reported as
// Mesos reports it), a task whose process ended while the agent was down is reported with its exit
// status, a container no checkpoint names is destroyed, and nothing is left afterwards: no process
// in a sandbox, no cgroup under the run's cgroups root.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import {
  cgroups_v1_usable,
  killLeftCgroups,
  leftCgroups,
  removeCgroupsRoot,
  uniqueCgroupsRoot,
} from './cgroup-fixture.ts';
import { commandTasks, executorSandbox, masterTask, testFrameworkInfo } from './e2e-agent.ts';
import {
  agentArgs,
  eventually,
  freePort,
  getJson,
  isGone,
  type Json,
  Processes,
  pidsWithCwd,
  type Spawned,
  startCluster,
  startTestFramework,
} from './e2e-harness.ts';

const resources = 'cpus:2;mem:1024;disk:1024';
const isolation = 'cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid,filesystem/linux';
const root = uniqueCgroupsRoot('recovery');
const procs = new Processes();
const clients: SchedulerClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await procs.cleanup();
  // A failed test may leave recovered containers that no agent manages any more.
  killLeftCgroups(root);
});
afterAll(() => removeCgroupsRoot(root));

/** The freezer cgroup (its path below the hierarchy) of the processes in a sandbox. */
function freezerCgroupOf(sandbox: string): string[] {
  const paths = pidsWithCwd(sandbox).map((pid) => {
    try {
      const line = readFileSync(`/proc/${pid}/cgroup`, 'latin1')
        .split('\n')
        .find((l) => l.split(':')[1] === 'freezer');
      return line?.split(':')[2] ?? '';
    } catch {
      return '';
    }
  });
  return [...new Set(paths.filter((p) => p !== ''))];
}

/** A command that waits in its sandbox until the file `go` appears, then runs `then`. */
const waitForGo = (then: string): string => `while [ ! -e go ]; do sleep 0.05; done; ${then}`;

describe.runIf(cgroups_v1_usable)('agent recovery with running containers', () => {
  it('takes its containers back after a SIGKILL: no task lost, no update lost, no cgroup leaked', async () => {
    const cluster = await startCluster(procs, { agents: 0, resources });
    const agent_port = await freePort();
    const work_dir = join(await procs.dir(), 'agent');
    const start = (): Spawned => {
      const agent = procs.meso([
        ...agentArgs(cluster.master_port, agent_port, work_dir, resources),
        `--isolation=${isolation}`,
        `--cgroups_root=${root}`,
      ]);
      return agent;
    };
    const active = (what: string, agent: Spawned) =>
      eventually(
        async () => (await getJson(cluster.master_port, '/master/state')).slaves[0]?.active === true,
        15_000,
        what,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; agent said: ${agent.stderr()}`);
      });
    let agent = start();
    await active('the agent registering', agent);
    const agent_id = (await getJson(cluster.master_port, '/master/state')).slaves[0].id as string;

    const framework = await startTestFramework(
      cluster.master_port,
      testFrameworkInfo('container recovery', true),
      clients,
    );
    const offer = await framework.offer();
    // Each task gets 0.1 cpus and 32 MB. `hog` later asks for 200 MiB; the OOM killer takes only
    // python, so the container's destruction must come from the agent's watch, not its own end.
    const hog = 'python3 -c "b = bytearray(200 * 1024 * 1024); import time; time.sleep(5)"';
    const tasks = commandTasks(offer, {
      long: waitForGo('exit 0'),
      hog: waitForGo(`${hog}; sleep 60`),
      short: 'sleep 1; exit 3',
    });
    await framework.client.launch([offer.id], tasks, { refuse_seconds: 0 });
    for (const id of ['long', 'hog', 'short']) await framework.update(id, 'TASK_RUNNING');
    const sandbox: Record<string, string> = {};
    for (const id of ['long', 'hog', 'short']) sandbox[id] = await executorSandbox(agent_port, id);
    const cgroup: Record<string, string> = {};
    for (const id of ['long', 'hog']) {
      await eventually(() => freezerCgroupOf(sandbox[id]!).length === 1, 5000, `${id} in its cgroup`);
      cgroup[id] = freezerCgroupOf(sandbox[id]!)[0]!;
      expect(cgroup[id]).toMatch(new RegExp(`^/${root}/[0-9a-f-]{36}$`));
    }
    const memory_limit = join('/sys/fs/cgroup/memory', cgroup.hog!, 'memory.limit_in_bytes');
    expect(readFileSync(memory_limit, 'latin1').trim()).toBe(String(32 * 1024 * 1024));

    process.kill(agent.pid, 'SIGKILL');
    expect((await agent.exited).signal).toBe('SIGKILL');
    await eventually(
      async () => (await getJson(cluster.master_port, '/master/state')).slaves[0]?.active === false,
      10_000,
      'the master deactivating the killed agent',
    );
    // While the agent is down: `short` ends, and a container appears that no checkpoint names.
    await eventually(() => pidsWithCwd(sandbox.short!).length === 0, 10_000, 'the short task ending');
    const orphan = await orphanContainer();
    expect(pidsWithCwd(sandbox.long!).length).toBeGreaterThan(0);

    agent = start();
    await active('the restarted agent re-registering', agent);
    const short = await framework.update('short', 'TASK_FAILED');
    expect(short.message).toBe('Command exited with status 3');
    expect(short.agent_id?.value).toBe(agent_id);
    await eventually(() => isGone(orphan.pid), 10_000, 'the orphan container destroyed');
    expect(existsSync(join('/sys/fs/cgroup/freezer', root, orphan.name))).toBe(false);

    // The running containers are the same, in the same cgroups, with the same limits.
    for (const id of ['long', 'hog']) {
      expect((await masterTask(cluster.master_port, id))?.state).toBe('TASK_RUNNING');
      expect(freezerCgroupOf(sandbox[id]!)).toEqual([cgroup[id]]);
    }
    expect(readFileSync(memory_limit, 'latin1').trim()).toBe(String(32 * 1024 * 1024));
    const statistics = (await getJson(agent_port, '/monitor/statistics')) as Json[];
    expect(statistics.map((s) => s.executor_id).sort()).toEqual(['hog', 'long']);
    for (const s of statistics) expect(s.statistics.processes).toBeGreaterThan(0);

    await writeFile(join(sandbox.long!, 'go'), '');
    await writeFile(join(sandbox.hog!, 'go'), '');
    const finished = await framework.update('long', 'TASK_FINISHED');
    expect(finished.agent_id?.value).toBe(agent_id);
    const failed = await framework.update('hog', 'TASK_FAILED');
    expect(failed.reason).toBe('REASON_CONTAINER_LIMITATION_MEMORY');
    expect(failed.message).toMatch(/^Memory limit exceeded: Requested: 32MB/);

    // Every update reached the framework, none was a loss, and nothing is left behind.
    const states = (id: string): string[] =>
      framework.events.flatMap((e) =>
        e.type === 'UPDATE' && e.update.status.task_id.value === id ? [e.update.status.state] : [],
      );
    expect(states('long').filter((s) => s !== 'TASK_STARTING')).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(states('hog').filter((s) => s !== 'TASK_STARTING')).toEqual(['TASK_RUNNING', 'TASK_FAILED']);
    expect(states('short').filter((s) => s !== 'TASK_STARTING')).toEqual(['TASK_RUNNING', 'TASK_FAILED']);
    await eventually(() => leftCgroups(root).length === 0, 10_000, 'every container cgroup removed');
    for (const id of ['long', 'hog', 'short']) expect(pidsWithCwd(sandbox[id]!)).toEqual([]);
    await eventually(
      async () => (await masterTask(cluster.master_port, 'hog'))?.state === 'TASK_FAILED',
      10_000,
      'the master recording the hog as failed',
    );
  });
});

/** A cgroup under the run's root holding a sleeping process, as a container no record names. */
async function orphanContainer(): Promise<{ name: string; pid: number }> {
  const name = `orphan-${process.pid}`;
  for (const h of ['freezer', 'cpu', 'memory', 'pids']) await mkdir(join('/sys/fs/cgroup', h, root, name));
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid!;
  for (const h of ['freezer', 'cpu', 'memory', 'pids'])
    await writeFile(join('/sys/fs/cgroup', h, root, name, 'cgroup.procs'), String(pid));
  return { name, pid };
}
