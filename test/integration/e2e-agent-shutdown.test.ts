// End to end with real processes: how a `meso agent` process ends. On SIGTERM it exits as Mesos's
// agent does, leaving the task of a checkpointing framework running (a restart with the same
// work_dir takes it back, on the same agent id) and killing the task of a framework that does not
// checkpoint. On SIGUSR1 it shuts down for good: it kills everything it launched and unregisters.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Offer } from '../../engine/master/v1.ts';
import type { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import {
  commandRunning,
  commandTasks,
  executorSandbox,
  masterTask,
  restartAgent,
  testFrameworkInfo,
} from './e2e-agent.ts';
import {
  eventually,
  getJson,
  isGone,
  type Json,
  Processes,
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

/** Launches one command task on a slice of `offer`; the rest is refused for a minute. */
async function launch(
  framework: TestFramework,
  offer: Offer,
  task_id: string,
  command: string,
): Promise<void> {
  // Refusing the rest lets the other framework have it.
  await framework.client.launch([offer.id], commandTasks(offer, { [task_id]: command }), {
    refuse_seconds: 60,
  });
}

/** The pid of `command` running in the sandbox of the command task `task_id`. */
async function taskProcess(agent_port: number, task_id: string, command: string): Promise<number> {
  const sandbox = await executorSandbox(agent_port, task_id);
  return (await commandRunning(sandbox, command, `${task_id} running '${command}'`)).pid;
}

const terminal = ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_GONE', 'TASK_DROPPED'];

describe('meso agent on SIGTERM and SIGUSR1', () => {
  it("leaves a checkpointing framework's task running through SIGTERM, takes it back, and ends it on SIGUSR1", async () => {
    const cluster = await startCluster(procs, { agents: 1, resources });
    const agent_id = (await getJson(cluster.master_port, '/master/state')).slaves[0].id as string;
    const agent_port = cluster.agent_ports[0]!;
    const keeper = await startTestFramework(cluster.master_port, testFrameworkInfo('keeper', true), clients);
    await launch(keeper, await keeper.offer(), 'kept', 'sleep 60');
    await keeper.update('kept', 'TASK_RUNNING');
    const plain = await startTestFramework(cluster.master_port, testFrameworkInfo('plain', false), clients);
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

    const second = await restartAgent(procs, cluster, resources);
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
