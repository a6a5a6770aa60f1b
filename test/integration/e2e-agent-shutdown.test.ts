// End to end with real processes: how a `meso agent` process ends. On SIGTERM it exits as Mesos's
// agent does, leaving the task of a checkpointing framework running (a restart with the same
// work_dir takes it back, on the same agent id) and killing the task of a framework that does not
// checkpoint. On SIGUSR1 it shuts down for good: it kills everything it launched and unregisters.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Offer, TaskInfo } from '../../engine/master/v1.ts';
import { carveTasks } from '../../examples/offer-carving.ts';
import type { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import {
  agentArgs,
  type Cluster,
  eventually,
  getJson,
  isGone,
  type Json,
  Processes,
  pidsWithCwd,
  startCluster,
  startTestFramework,
  type TestFramework,
} from './e2e-harness.ts';

const resources = 'cpus:2;mem:1024;disk:1024';
const procs = new Processes();
const clients: SchedulerClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await procs.cleanup();
});

/** The command line of a process ('' once it is gone). */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Launches one command task on a slice of `offer`; the rest is refused for a minute. */
async function launch(
  framework: TestFramework,
  offer: Offer,
  task_id: string,
  command: string,
): Promise<void> {
  const task: TaskInfo = {
    name: task_id,
    task_id: { value: task_id },
    agent_id: offer.agent_id,
    resources: carveTasks(offer.resources, { cpus: 0.1, mem: 32 }, 1)[0]!,
    command: { value: command, shell: true },
  };
  // Refusing the rest lets the other framework have it.
  await framework.client.launch([offer.id], [task], { refuse_seconds: 60 });
}

/** The pid of `command` running in the sandbox of the command task `task_id`. */
async function taskProcess(agent_port: number, task_id: string, command: string): Promise<number> {
  const state = await getJson(agent_port, '/state');
  const executor = state.frameworks
    .flatMap((f: Json) => f.executors as Json[])
    .find((e: Json) => e.id === task_id);
  if (executor === undefined) throw new Error(`the agent shows no executor ${task_id}`);
  let pid = 0;
  await eventually(
    () => {
      pid = pidsWithCwd(executor.directory as string).find((p) => cmdline(p) === command) ?? 0;
      return pid > 0;
    },
    5000,
    `${task_id} running '${command}'`,
  );
  return pid;
}

/** A task of /master/state, active or completed. */
async function masterTask(master_port: number, task_id: string): Promise<Json | undefined> {
  const state = await getJson(master_port, '/master/state');
  return (state.frameworks as Json[])
    .flatMap((f) => [...(f.tasks as Json[]), ...(f.completed_tasks as Json[])])
    .find((t) => t.id === task_id);
}

/** Starts the agent of `cluster` again with its work_dir and port, and waits until it is back. */
async function restartAgent(cluster: Cluster) {
  const agent = procs.meso(
    agentArgs(cluster.master_port, cluster.agent_ports[0]!, cluster.work_dirs[0]!, resources),
  );
  await eventually(
    async () => (await getJson(cluster.master_port, '/master/state')).slaves[0]?.active === true,
    15_000,
    'the restarted agent re-registering',
  ).catch((error: Error) => {
    throw new Error(`${error.message}; agent said: ${agent.stderr()}`);
  });
  return agent;
}

const terminal = ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_GONE', 'TASK_DROPPED'];

describe('meso agent on SIGTERM and SIGUSR1', () => {
  it("leaves a checkpointing framework's task running through SIGTERM, takes it back, and ends it on SIGUSR1", async () => {
    const cluster = await startCluster(procs, { agents: 1, resources });
    const agent_id = (await getJson(cluster.master_port, '/master/state')).slaves[0].id as string;
    const agent_port = cluster.agent_ports[0]!;
    const framework_info = (name: string, checkpoint: boolean) => ({
      user: 'root',
      name,
      roles: ['*'],
      checkpoint,
      capabilities: [{ type: 'MULTI_ROLE' }],
    });
    const keeper = await startTestFramework(cluster.master_port, framework_info('keeper', true), clients);
    await launch(keeper, await keeper.offer(), 'kept', 'sleep 60');
    await keeper.update('kept', 'TASK_RUNNING');
    const plain = await startTestFramework(cluster.master_port, framework_info('plain', false), clients);
    await launch(plain, await plain.offer(), 'plain', 'sleep 61');
    await plain.update('plain', 'TASK_RUNNING');
    const kept_pid = await taskProcess(agent_port, 'kept', 'sleep 60');
    const plain_pid = await taskProcess(agent_port, 'plain', 'sleep 61');

    const first = cluster.agents[0]!;
    process.kill(first.pid, 'SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    // The agent waited for what it killed before it exited.
    expect(isGone(plain_pid)).toBe(true);
    expect(isGone(kept_pid)).toBe(false);

    const second = await restartAgent(cluster);
    const kept = await masterTask(cluster.master_port, 'kept');
    expect(kept).toMatchObject({ state: 'TASK_RUNNING', slave_id: agent_id });
    expect((await getJson(cluster.master_port, '/master/state')).slaves[0].id).toBe(agent_id);
    await eventually(
      async () => terminal.includes((await masterTask(cluster.master_port, 'plain'))?.state),
      15_000,
      'the master ending the task of the framework that does not checkpoint',
    );
    const kept_states = keeper.events.flatMap((e) =>
      e.type === 'UPDATE' && e.update.status.task_id.value === 'kept' ? [e.update.status.state] : [],
    );
    expect(kept_states.filter((s) => s !== 'TASK_STARTING' && s !== 'TASK_RUNNING')).toEqual([]);
    expect(isGone(kept_pid)).toBe(false);
    expect(await taskProcess(agent_port, 'kept', 'sleep 60')).toBe(kept_pid);

    // SIGUSR1: everything the agent runs ends, and it leaves the cluster.
    process.kill(second.pid, 'SIGUSR1');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(isGone(kept_pid)).toBe(true);
    expect(existsSync(join(cluster.work_dirs[0]!, 'meta', 'agent.json'))).toBe(false);
    await eventually(
      async () => terminal.includes((await masterTask(cluster.master_port, 'kept'))?.state),
      15_000,
      'the master ending the task of the agent that left',
    );
    const state = await getJson(cluster.master_port, '/master/state');
    expect(state.slaves.filter((s: Json) => s.id === agent_id && s.active)).toEqual([]);
  });
});
