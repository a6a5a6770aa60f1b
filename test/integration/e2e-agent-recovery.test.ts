// End to end with real processes: agent recovery. An agent killed outright (SIGKILL) and started
// again with the same work_dir takes back the tasks of a checkpointing framework: a task still
// running stays TASK_RUNNING on the same agent id (and can still be killed, process tree and all),
// and one that ended while the agent was down is reported with its real exit status. The tasks of
// a framework that does not checkpoint are not recovered: the restarted agent kills their
// processes and the master reports them lost. Against a fake master: updates left unacknowledged
// are sent again after the restart, a custom executor that outlived the agent subscribes again, and
// an agent that exits on SIGTERM leaves a checkpointing framework's task running for its next start.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Offer } from '../../engine/master/v1.ts';
import { readCheckpointedAgentId } from '../../runtime/agent/agent.ts';
import { createPosixLauncher } from '../../runtime/agent/posix-launcher.ts';
import type { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import { commandTask, type FakeMaster, frameworkInfo, startFakeMaster } from './agent-harness.ts';
import { customExecutorTask, read_events_js } from './custom-executor.ts';
import {
  commandRunning,
  commandTasks,
  executorSandbox,
  masterTask,
  restartAgent,
  testFrameworkInfo,
} from './e2e-agent.ts';
import {
  agentArgs,
  type Cluster,
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
const procs = new Processes();
const clients: SchedulerClient[] = [];
const masters: FakeMaster[] = [];
/** Sandboxes of the tasks started here: whatever still runs in them is killed after each test. */
const sandboxes: string[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  // A failed test may leave a recovered task running, which no agent would kill: end it here.
  for (const dir of sandboxes.splice(0)) {
    for (const pid of pidsWithCwd(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // It ended meanwhile.
      }
    }
  }
  await procs.cleanup();
  await Promise.all(masters.splice(0).map((master) => master.stop()));
});

/** A subscribed framework that acknowledges every update and keeps every event. */
async function startFramework(cluster: Cluster, name: string, checkpoint: boolean) {
  const framework = await startTestFramework(
    cluster.master_port,
    testFrameworkInfo(name, checkpoint),
    clients,
  );
  /** Launches command tasks on an offer, one slice of it each. */
  const launch = async (commands: Record<string, string>): Promise<Offer> => {
    const offer = await framework.offer();
    await framework.client.launch([offer.id], commandTasks(offer, commands), { refuse_seconds: 0 });
    return offer;
  };
  return { ...framework, launch };
}

/** An executor's sandbox, as the agent's /state shows it; whatever runs in it is killed after the test. */
async function sandboxOf(agent_port: number, executor_id: string): Promise<string> {
  const directory = await executorSandbox(agent_port, executor_id);
  sandboxes.push(directory);
  return directory;
}

/** Kills the agent outright and waits until the master sees it gone. */
async function killAgent(cluster: Cluster): Promise<void> {
  const agent = cluster.agents[0]!;
  process.kill(agent.pid, 'SIGKILL');
  expect((await agent.exited).signal).toBe('SIGKILL');
  await eventually(
    async () => (await getJson(cluster.master_port, '/master/state')).slaves[0]?.active === false,
    10_000,
    'the master deactivating the killed agent',
  );
}

describe('agent recovery after a SIGKILL', () => {
  it("takes back a checkpointing framework's tasks: the running one runs on, the ended one reports its exit", async () => {
    const cluster = await startCluster(procs, { agents: 1, resources });
    const agent_id = (await getJson(cluster.master_port, '/master/state')).slaves[0].id as string;
    const framework = await startFramework(cluster, 'recovery test', true);
    await framework.launch({ long: 'sleep 30', short: 'sleep 3; exit 3' });
    await framework.update('long', 'TASK_RUNNING');
    await framework.update('short', 'TASK_RUNNING');
    const long_sandbox = await sandboxOf(cluster.agent_ports[0]!, 'long');
    const short_sandbox = await sandboxOf(cluster.agent_ports[0]!, 'short');
    const sleeper = (await commandRunning(long_sandbox, 'sleep 30', 'the long task sleeping')).pid;

    await killAgent(cluster);
    // The tasks outlive the agent; the short one ends while the agent is down.
    expect(isGone(sleeper)).toBe(false);
    await eventually(() => pidsWithCwd(short_sandbox).length === 0, 10_000, 'the short task ending');
    await restartAgent(procs, cluster, resources);

    const failed = await framework.update('short', 'TASK_FAILED');
    expect(failed.message).toBe('Command exited with status 3');
    expect(failed.agent_id?.value).toBe(agent_id);
    await eventually(
      async () => (await masterTask(cluster.master_port, 'short'))?.state === 'TASK_FAILED',
      10_000,
      'the master recording the short task as failed',
    );
    const long = await masterTask(cluster.master_port, 'long');
    expect(long?.state).toBe('TASK_RUNNING');
    expect(long?.slave_id).toBe(agent_id);
    const state = await getJson(cluster.master_port, '/master/state');
    expect(state.slaves).toHaveLength(1);
    expect(state.slaves[0].id).toBe(agent_id);
    expect(isGone(sleeper)).toBe(false);
    // The long task was never reported lost or ended while the agent was away.
    const long_states = framework.events.flatMap((e) =>
      e.type === 'UPDATE' && e.update.status.task_id.value === 'long' ? [e.update.status.state] : [],
    );
    expect(long_states.filter((s) => s !== 'TASK_STARTING' && s !== 'TASK_RUNNING')).toEqual([]);

    // A kill of the recovered task ends its whole process tree.
    await framework.client.kill({ value: 'long' }, { value: agent_id });
    const killed = await framework.update('long', 'TASK_KILLED');
    expect(killed.message).toBe('Command terminated with signal Terminated');
    await eventually(() => isGone(sleeper), 5000, 'the long task process ending');
    await eventually(
      () => pidsWithCwd(long_sandbox).length === 0,
      5000,
      'every process of the long task ending',
    );
  });

  it('kills the tasks of a framework that does not checkpoint, and the master reports them lost', async () => {
    const cluster = await startCluster(procs, { agents: 1, resources });
    const framework = await startFramework(cluster, 'no checkpoint', false);
    await framework.launch({ plain: 'sleep 30' });
    await framework.update('plain', 'TASK_RUNNING');
    const sandbox = await sandboxOf(cluster.agent_ports[0]!, 'plain');
    const { pids } = await commandRunning(sandbox, 'sleep 30', 'the task sleeping');

    await killAgent(cluster);
    expect(pids.every((pid) => !isGone(pid))).toBe(true);
    await restartAgent(procs, cluster, resources);

    await eventually(() => pids.every(isGone), 10_000, 'the restarted agent killing the task');
    const lost = await framework.update('plain', 'TASK_LOST');
    // The agent answers the master's reconciliation of a task it does not hold (a master that
    // removes a non-checkpointing framework's tasks when the agent disconnects, as Mesos's does,
    // reports them lost earlier, for the disconnection).
    expect(['REASON_RECONCILIATION', 'REASON_AGENT_DISCONNECTED']).toContain(lost.reason);
    await eventually(
      async () => (await masterTask(cluster.master_port, 'plain'))?.state === 'TASK_LOST',
      10_000,
      'the master recording the task as lost',
    );
  });
});

// A custom executor written against the raw executor API that, like Mesos's executors of
// checkpointing frameworks, subscribes again when its stream to the agent breaks (every 100 ms,
// for at most 20 s), sending the updates the agent has not acknowledged. It answers LAUNCH with
// TASK_RUNNING and KILL with TASK_KILLED, and logs every event to events.log in its sandbox.
const executor_script = String.raw`
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
${read_events_js}
const unacknowledged = new Map();
let attempts = 0;
function post(body) {
  return new Promise((resolve) => {
    const r = request({ host, port, method: 'POST', path: '/api/v1/executor', headers: { 'Content-Type': 'application/json' } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    r.on('error', () => resolve(0));
    r.end(JSON.stringify({ ...ids, ...body }));
  });
}
function update(task_id, state) {
  const status = { task_id, state, source: 'SOURCE_EXECUTOR', uuid: randomBytes(16).toString('base64') };
  unacknowledged.set(status.uuid, status);
  return post({ type: 'UPDATE', update: { status } });
}
async function handle(event) {
  if (event.type === 'SUBSCRIBED') attempts = 0;
  appendFileSync('events.log', JSON.stringify(event) + '\n');
  if (event.type === 'LAUNCH') await update(event.launch.task.task_id, 'TASK_RUNNING');
  else if (event.type === 'KILL') await update(event.kill.task_id, 'TASK_KILLED');
  else if (event.type === 'ACKNOWLEDGED') unacknowledged.delete(event.acknowledged.uuid);
  else if (event.type === 'SHUTDOWN') process.exit(0);
}
function subscribe() {
  let done = false;
  const again = () => {
    if (done) return;
    done = true;
    if (++attempts > 200) process.exit(3);
    setTimeout(subscribe, 100);
  };
  const r = request({ host, port, method: 'POST', path: '/api/v1/executor', headers: { 'Content-Type': 'application/json', Accept: 'application/json' } }, (res) => {
    readEvents(res, handle);
    res.on('end', again);
    res.on('close', again);
    res.on('error', again);
  });
  r.on('error', again);
  const updates = [...unacknowledged.values()].map((status) => ({ status }));
  r.end(JSON.stringify({ ...ids, type: 'SUBSCRIBE', subscribe: { unacknowledged_tasks: [], unacknowledged_updates: updates } }));
}
subscribe();
`;

/** A `meso agent` process following a fake master (which answers register with `fake-master-S0`). */
async function agentWithFakeMaster() {
  const master = await startFakeMaster();
  masters.push(master);
  const work_dir = join(await procs.dir(), 'agent');
  const port = await freePort();
  const start = (): Spawned => procs.meso(agentArgs(master.port, port, work_dir, resources));
  let agent = start();
  await master.messages.next((m) => m.type === 'register', 0, 15_000);
  await eventually(
    async () => (await readCheckpointedAgentId(work_dir)) === 'fake-master-S0',
    5000,
    'the agent checkpointing its id',
  );
  return {
    master,
    port,
    /** Kills the agent, runs `meanwhile`, starts it again, and returns the index of its re-registration. */
    async restart(
      meanwhile: () => Promise<void> = async () => {},
      signal: NodeJS.Signals = 'SIGKILL',
    ): Promise<number> {
      process.kill(agent.pid, signal);
      await agent.exited;
      await meanwhile();
      const from = master.messages.items.length;
      agent = start();
      const { index } = await master.messages.next((m) => m.type === 'reregister', from, 15_000);
      return index;
    },
  };
}

/**
 * Writes the executor script, and has the fake master run `task_id` of F1 under the custom executor
 * `executor_id`.
 */
async function runOnCustomExecutor(master: FakeMaster, task_id: string, executor_id: string): Promise<void> {
  const script = join(await procs.dir('meso-executor-'), 'executor.mjs');
  await writeFile(script, executor_script);
  master.send({
    type: 'run_task',
    framework_info: frameworkInfo('F1', { checkpoint: true }),
    task: customExecutorTask(task_id, executor_id, `'${process.execPath}' '${script}'`, []),
  });
}

/** The status update of `task_id` in `state` from message index `from` on. */
async function statusFrom(master: FakeMaster, task_id: string, state: string, from = 0) {
  return master.messages.next(
    (m) => m.type === 'status_update' && m.status.task_id.value === task_id && m.status.state === state,
    from,
    15_000,
  );
}

/** Forwards a framework's acknowledgement of an update message. */
function acknowledge(master: FakeMaster, message: Json): void {
  master.send({
    type: 'acknowledge',
    framework_id: { value: message.framework_id },
    task_id: message.status.task_id,
    uuid: message.status.uuid,
  });
}

describe('agent recovery against a fake master', () => {
  it('sends the updates left unacknowledged again after the restart, in order, with their uuids', async () => {
    const { master, port, restart } = await agentWithFakeMaster();
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1', { checkpoint: true }),
      task: commandTask('waiting', 'sleep 30'),
    });
    // TASK_STARTING is never acknowledged, so TASK_RUNNING stays queued behind it.
    const starting = (await statusFrom(master, 'waiting', 'TASK_STARTING')).item;
    const sandbox = await sandboxOf(port, 'waiting');
    await commandRunning(sandbox, 'sleep 30', 'the task sleeping');

    const index = await restart();
    const reregister = master.messages.items[index]!;
    expect(reregister.agent_info.id.value).toBe('fake-master-S0');
    expect(reregister.frameworks.map((f: Json) => f.id.value)).toEqual(['F1']);
    const reported = reregister.tasks.find((t: Json) => t.task_id.value === 'waiting');
    expect(reported).toMatchObject({ state: 'TASK_RUNNING', status_update_state: 'TASK_STARTING' });
    expect(reported.status_update_uuid).toBe(starting.status.uuid);

    const again = await statusFrom(master, 'waiting', 'TASK_STARTING', index);
    expect(again.item.status.uuid).toBe(starting.status.uuid);
    acknowledge(master, again.item);
    const running = await statusFrom(master, 'waiting', 'TASK_RUNNING', again.index);
    acknowledge(master, running.item);
    master.send({ type: 'kill_task', framework_id: { value: 'F1' }, task_id: { value: 'waiting' } });
    await statusFrom(master, 'waiting', 'TASK_KILLED', running.index);
    await eventually(() => pidsWithCwd(sandbox).length === 0, 5000, 'every process of the task ending');
  });

  // An agent killed outright, or one that exits on SIGTERM and leaves the executor running.
  it.each(['SIGKILL', 'SIGTERM'] as const)(
    'lets a custom executor that outlived the agent (%s) subscribe again, and relays a kill to it',
    async (signal) => {
      const { master, port, restart } = await agentWithFakeMaster();
      await runOnCustomExecutor(master, 'served', 'E1');
      const running = await statusFrom(master, 'served', 'TASK_RUNNING');
      acknowledge(master, running.item);
      const sandbox = await sandboxOf(port, 'E1');
      const executor_pids = pidsWithCwd(sandbox);
      expect(executor_pids.length).toBeGreaterThan(0);

      const index = await restart(async () => {}, signal);
      const reregister = master.messages.items[index]!;
      expect(reregister.executors.map((e: Json) => e.executor_id.value)).toEqual(['E1']);
      expect(reregister.tasks.map((t: Json) => [t.task_id.value, t.state])).toEqual([
        ['served', 'TASK_RUNNING'],
      ]);
      // The executor process is the one started before the restart, subscribed again.
      await eventually(
        () => readFileSync(join(sandbox, 'events.log'), 'utf8').split('"SUBSCRIBED"').length === 3,
        10_000,
        'the executor subscribing again',
      );
      expect(executor_pids.every((pid) => !isGone(pid))).toBe(true);

      master.send({ type: 'kill_task', framework_id: { value: 'F1' }, task_id: { value: 'served' } });
      const killed = await statusFrom(master, 'served', 'TASK_KILLED', index);
      expect(killed.item.status.source).toBe('SOURCE_EXECUTOR');
      expect(
        master.messages.items.some(
          (m, i) =>
            i > index &&
            m.type === 'status_update' &&
            m.status.task_id.value === 'served' &&
            m.status.state === 'TASK_FAILED',
        ),
      ).toBe(false);
    },
  );

  it('fails the tasks of a custom executor that died while the agent was down, and tells the master', async () => {
    const { master, port, restart } = await agentWithFakeMaster();
    await runOnCustomExecutor(master, 'orphaned', 'E2');
    acknowledge(master, (await statusFrom(master, 'orphaned', 'TASK_RUNNING')).item);
    const sandbox = await sandboxOf(port, 'E2');
    const executor_pids = pidsWithCwd(sandbox);
    expect(executor_pids.length).toBeGreaterThan(0);

    const index = await restart(async () => {
      for (const pid of executor_pids) process.kill(pid, 'SIGKILL');
      await eventually(() => executor_pids.every(isGone), 5000, 'the executor dying');
    });
    expect(master.messages.items[index]!.executors).toEqual([]);
    const failed = await statusFrom(master, 'orphaned', 'TASK_FAILED', index);
    expect(failed.item.status).toMatchObject({
      reason: 'REASON_EXECUTOR_TERMINATED',
      message: 'Executor terminated while the agent was down',
      source: 'SOURCE_AGENT',
    });
    await master.messages.next((m) => m.type === 'executor_exited' && m.executor_id === 'E2', index, 10_000);
  });

  it('leaves the task of a checkpointing framework running through a SIGTERM, and takes it back', async () => {
    const { master, port, restart } = await agentWithFakeMaster();
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1', { checkpoint: true }),
      task: commandTask('stopped', 'sleep 30'),
    });
    acknowledge(master, (await statusFrom(master, 'stopped', 'TASK_STARTING')).item);
    acknowledge(master, (await statusFrom(master, 'stopped', 'TASK_RUNNING')).item);
    const sandbox = await sandboxOf(port, 'stopped');
    const { pids } = await commandRunning(sandbox, 'sleep 30', 'the task sleeping');
    // An agent that exits on SIGTERM leaves the work of checkpointing frameworks running.
    const index = await restart(async () => {
      expect(pids.every((pid) => !isGone(pid))).toBe(true);
    }, 'SIGTERM');
    const reported = master.messages.items[index]!.tasks.find((t: Json) => t.task_id.value === 'stopped');
    expect(reported.state).toBe('TASK_RUNNING');
    expect(pids.every((pid) => !isGone(pid))).toBe(true);
    master.send({ type: 'kill_task', framework_id: { value: 'F1' }, task_id: { value: 'stopped' } });
    const killed = await statusFrom(master, 'stopped', 'TASK_KILLED', index);
    expect(killed.item.status.message).toBe('Command terminated with signal Terminated');
    await eventually(() => pids.every(isGone), 5000, 'every process of the task ending');
  });
});

describe('agent recovery of a task group', () => {
  it('reports a task that failed while the agent was down, and kills the rest of its group', async () => {
    const { master, port, restart } = await agentWithFakeMaster();
    master.send({
      type: 'run_task_group',
      framework_info: frameworkInfo('F1', { checkpoint: true }),
      executor: { executor_id: { value: 'G1' }, type: 'DEFAULT', resources: [] },
      task_group: { tasks: [commandTask('g-long', 'sleep 30'), commandTask('g-short', 'sleep 2; exit 2')] },
    });
    for (const task_id of ['g-long', 'g-short']) {
      acknowledge(master, (await statusFrom(master, task_id, 'TASK_STARTING')).item);
      acknowledge(master, (await statusFrom(master, task_id, 'TASK_RUNNING')).item);
    }
    const directory = await sandboxOf(port, 'G1');
    const long_pids = pidsWithCwd(join(directory, 'tasks', 'g-long'));
    expect(long_pids.length).toBeGreaterThan(0);

    const index = await restart();
    expect(master.messages.items[index]!.executors.map((e: Json) => e.executor_id.value)).toEqual(['G1']);
    const failed = await statusFrom(master, 'g-short', 'TASK_FAILED', index);
    expect(failed.item.status.message).toBe('Command exited with status 2');
    acknowledge(master, failed.item);
    const killed = await statusFrom(master, 'g-long', 'TASK_KILLED', index);
    acknowledge(master, killed.item);
    await eventually(() => long_pids.every(isGone), 5000, 'the rest of the group ending');
    await master.messages.next((m) => m.type === 'executor_exited' && m.executor_id === 'G1', index, 10_000);
  });
});

describe('the exit status wrapper and recovered containers', () => {
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin' };

  it('records how a command ended, and runs an exec-form program rather than a shell builtin', async () => {
    const dir = await procs.dir('meso-wrapper-');
    const launcher = createPosixLauncher();
    const file = join(dir, 'exit_status');
    const failed = await launcher.launch({
      sandbox_dir: dir,
      command: { value: 'exit 3', shell: true, arguments: [] },
      env,
      exit_status_file: file,
    });
    expect(await failed.exited).toEqual({ code: 3 });
    expect(readFileSync(file, 'utf8')).toBe('3\n');
    const echoed = await launcher.launch({
      sandbox_dir: dir,
      command: { value: 'echo', shell: false, arguments: ['echo', 'a\\nb'] },
      env,
      exit_status_file: file,
    });
    expect(await echoed.exited).toEqual({ code: 0 });
    expect(readFileSync(join(dir, 'stdout'), 'utf8')).toBe('a\\nb\n');
  });

  it('delivers a kill that comes right after the launch to the command, not only to its wrapper', async () => {
    const dir = await procs.dir('meso-wrapper-');
    sandboxes.push(dir);
    const launcher = createPosixLauncher();
    for (let i = 0; i < 20; i++) {
      const file = join(dir, `exit_status_${i}`);
      const container = await launcher.launch({
        sandbox_dir: dir,
        command: { value: 'sleep 30', shell: true, arguments: [] },
        env,
        exit_status_file: file,
      });
      // Lost on the way, the SIGTERM would leave the command to the SIGKILL after the grace period.
      expect(await container.kill(5000)).toEqual({ signal: 'SIGTERM' });
    }
  });

  it('finds a live group again by its record, kills it, and refuses a record of another process', async () => {
    const dir = await procs.dir('meso-wrapper-');
    sandboxes.push(dir);
    const launcher = createPosixLauncher();
    const file = join(dir, 'exit_status');
    const container = await launcher.launch({
      sandbox_dir: dir,
      command: { value: 'sleep 30', shell: true, arguments: [] },
      env,
      exit_status_file: file,
    });
    expect(
      await launcher.recover({ ...container.record, start_ticks: container.record.start_ticks + 1 }),
    ).toBeUndefined();
    const found = (await launcher.recover(container.record))!;
    expect(found.running()).toBe(true);
    await found.kill(2000);
    expect(found.running()).toBe(false);
    expect(await container.exited).toEqual({ signal: 'SIGTERM' });
    expect(readFileSync(file, 'utf8')).toBe('143\n');
    expect(await launcher.recover(container.record)).toBeUndefined();
  });
});
