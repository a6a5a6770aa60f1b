// The live agent with the linux launcher on the machine's real cgroups, against a fake master: a
// task over its memory is reported TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY, a task of
// a user the agent lacks fails naming it, /monitor/statistics reads the cgroups, a hard link planted
// in a sandbox is not served by /files/read, 200 tasks leave no process and no cgroup behind, and
// ended sandboxes are removed after --gc_delay and when the disk is short of headroom.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AgentOptions } from '../../runtime/agent/agent.ts';
import {
  commandTask,
  eventually,
  type FakeMaster,
  frameworkInfo,
  getJson,
  type Json,
  rawRequest,
  Started,
} from './agent-harness.ts';
import { cgroups_v1_usable, leftCgroups, removeCgroupsRoot, uniqueCgroupsRoot } from './cgroup-fixture.ts';

const started = new Started();
afterEach(() => started.cleanup());
const root = uniqueCgroupsRoot('agent');
afterAll(() => removeCgroupsRoot(root));

/** A fake master and an agent with the linux launcher, registered. */
async function cluster(isolation: string, extra: Partial<AgentOptions> = {}) {
  const master = await started.fakeMaster();
  const work_dir = await started.dir();
  const agent = await started.agent({
    master: master.address,
    work_dir,
    isolation: { isolation, cgroups_root: root },
    ...extra,
  });
  await agent.registered();
  return { master, agent, work_dir };
}

/**
 * The status update of `task_id` in `state`. Every update seen meanwhile is acknowledged, as the
 * master forwards a framework's acknowledgements: the agent sends a task's next update only then.
 */
async function update(
  master: FakeMaster,
  task_id: string,
  state: string,
  timeout_ms = 10_000,
): Promise<Json> {
  const acked = ackedBy(master);
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    acknowledgeAll(master, acked);
    const found = master.messages.items.find(
      (m) => m.type === 'status_update' && m.status.task_id.value === task_id && m.status.state === state,
    );
    if (found !== undefined) return found.status;
    if (Date.now() > deadline) throw new Error(`no ${state} update of ${task_id} within ${timeout_ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const acked_sets = new WeakMap<FakeMaster, Set<string>>();
/** The uuids of the updates already acknowledged to this master's agent. */
function ackedBy(master: FakeMaster): Set<string> {
  const acked = acked_sets.get(master) ?? new Set<string>();
  acked_sets.set(master, acked);
  return acked;
}

/** Acknowledges every update of the fake master so far (so executors complete). */
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

/** A command task with its own cpus and mem. */
function task(task_id: string, command: string, cpus: number, mem: number, extra: Json = {}): Json {
  return {
    ...commandTask(task_id, command, extra),
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: cpus }, role: '*', allocation_info: { role: '*' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: mem }, role: '*', allocation_info: { role: '*' } },
    ],
  };
}

/** Processes whose command line holds `marker`. */
function processesWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^[0-9]+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.runIf(cgroups_v1_usable)('the agent with cgroups and namespaces', () => {
  const isolation = 'cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid,filesystem/linux';

  it('reports a task over its memory as TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY, naming the limit', async () => {
    const { master } = await cluster(isolation);
    const hog = 'python3 -c "b = bytearray(200 * 1024 * 1024); import time; time.sleep(5)"';
    master.send({ type: 'run_task', framework_info: frameworkInfo('F1'), task: task('hog', hog, 0.5, 64) });
    const failed = await update(master, 'hog', 'TASK_FAILED');
    expect(failed.reason).toBe('REASON_CONTAINER_LIMITATION_MEMORY');
    expect(failed.message).toMatch(/^Memory limit exceeded: Requested: 64MB/);
    await eventually(() => leftCgroups(root).length === 0, 5000, 'the container removed');
  });

  it('fails a task of a user the agent does not have, naming the user', async () => {
    const { master } = await cluster(isolation);
    const info = frameworkInfo('F1', { user: 'no-such-user-q7' });
    master.send({ type: 'run_task', framework_info: info, task: task('who', 'true', 0.1, 32) });
    const failed = await update(master, 'who', 'TASK_FAILED');
    expect(failed.message).toMatch(/user 'no-such-user-q7' does not exist on the agent/);
  });

  it('serves /monitor/statistics from the cgroups of running containers', async () => {
    const { master, agent } = await cluster(isolation, {
      isolation: { isolation, cgroups_root: root, cgroups_enable_cfs: true },
    });
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1'),
      task: task('busy', 'while :; do :; done', 0.25, 48),
    });
    await update(master, 'busy', 'TASK_RUNNING');
    let stats: Json = {};
    await eventually(
      async () => {
        stats = (await getJson(agent.port, '/monitor/statistics'))[0]?.statistics ?? {};
        return stats.cpus_nr_throttled > 0 && stats.cpus_user_time_secs > 0;
      },
      8000,
      'throttling seen',
    );
    expect(stats.cpus_limit).toBe(0.25);
    expect(stats.mem_limit_bytes).toBe(48 * 1024 * 1024);
    expect(stats.processes).toBeGreaterThanOrEqual(1);
    expect(stats.cpus_nr_periods).toBeGreaterThan(0);
    master.send({
      type: 'kill_task',
      framework_id: { value: 'F1' },
      task_id: { value: 'busy' },
      kill_policy: { grace_period: { nanoseconds: 50e6 } },
    });
    await update(master, 'busy', 'TASK_KILLED');
    await eventually(() => leftCgroups(root).length === 0, 5000, 'the container removed');
  });

  it('leaves no process and no cgroup behind after 200 tasks, each of which left a process running', async () => {
    const { master } = await cluster('cgroups/cpu,cgroups/mem,cgroups/pids', {
      resources: 'cpus:200;mem:8192',
    });
    const marker = `${process.pid}${Date.now() % 100_000}`;
    // The left process is detached (a session of its own), as a daemon would be.
    const command = `setsid sleep 1000.${marker} > /dev/null 2>&1 & true`;
    for (let i = 0; i < 200; i++) {
      master.send({
        type: 'run_task',
        framework_info: frameworkInfo('F1'),
        task: task(`t${i}`, command, 0.1, 16),
      });
    }
    const finished = (): number => {
      acknowledgeAll(master, ackedBy(master));
      return master.messages.items.filter(
        (m) => m.type === 'status_update' && m.status.state === 'TASK_FINISHED',
      ).length;
    };
    await eventually(() => finished() === 200, 60_000, '200 tasks finished');
    await eventually(() => leftCgroups(root).length === 0, 10_000, 'every container removed');
    expect(processesWith(`1000.${marker}`)).toEqual([]);
    const failed = master.messages.items.filter(
      (m) => m.type === 'status_update' && m.status.state === 'TASK_FAILED',
    );
    expect(failed).toEqual([]);
  });

  it('refuses through /files/read a hard link a task planted to a file outside its sandbox', async () => {
    const { master, agent, work_dir } = await cluster('cgroups/mem');
    const secret = join(work_dir, 'secret');
    await writeFile(secret, 'root only\n', { mode: 0o600 });
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1'),
      task: task('ln', `ln ${secret} passwd`, 0.1, 32),
    });
    await update(master, 'ln', 'TASK_FINISHED');
    const state = await getJson(agent.port, '/state');
    const executor = [...state.frameworks, ...state.completed_frameworks]
      .flatMap((f: Json) => [...f.executors, ...f.completed_executors])
      .find((e: Json) => e.id === 'ln');
    const linked = join(executor.directory, 'passwd');
    expect(existsSync(linked)).toBe(true);
    const read = await rawRequest(
      agent.port,
      'GET',
      `/files/read?path=${encodeURIComponent(linked)}&offset=0`,
    );
    expect(read.status).toBe(403);
    expect(read.body).toMatch(/hard links/);
  });

  it('removes ended sandboxes after --gc_delay, and at once when the disk lacks headroom', async () => {
    const timed = await cluster('cgroups/mem', { gc_delay_ms: 300 });
    timed.master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1'),
      task: task('gc1', 'true', 0.1, 32),
    });
    await update(timed.master, 'gc1', 'TASK_FINISHED');
    acknowledgeAll(timed.master, ackedBy(timed.master));
    const executors = join(timed.work_dir, 'slaves', 'fake-master-S0', 'frameworks', 'F1', 'executors');
    await eventually(() => existsSync(join(executors, 'gc1', 'runs')), 2000, 'the sandbox made');
    await eventually(() => !existsSync(join(executors, 'gc1')), 5000, 'the sandbox removed after gc_delay');

    // A week's delay, but no headroom wanted beyond a full disk: the disk watch removes it at once.
    const full = await cluster('cgroups/mem', { gc_disk_headroom: 1, disk_watch_interval_ms: 100 });
    full.master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1'),
      task: task('gc2', 'true', 0.1, 32),
    });
    await update(full.master, 'gc2', 'TASK_FINISHED');
    acknowledgeAll(full.master, ackedBy(full.master));
    const dir = join(full.work_dir, 'slaves', 'fake-master-S0', 'frameworks', 'F1', 'executors', 'gc2');
    await eventually(() => !existsSync(dir), 5000, 'the sandbox removed by the disk watch');
  });
});
