// The live agent against a fake master over a real WebSocket: registration and its checkpoint,
// command tasks through the built-in command executor (updates in order, one in flight per task,
// re-sent until acknowledged), kills of process trees, and the sandbox endpoints.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentCheckpointPath } from '../../runtime/agent/agent.ts';
import {
  commandTask,
  eventually,
  type FakeMaster,
  frameworkInfo,
  getJson,
  isGone,
  type Json,
  rawRequest,
  Started,
} from './agent-harness.ts';

const started = new Started();
afterEach(() => started.cleanup());

const base64_uuid = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

/** The status updates the fake master received for one task. */
/** Every state the agent's /state shows for a task, wherever it lists it. */
function agentTaskStates(state: Json, task_id: string): string[] {
  const states: string[] = [];
  for (const framework of [...state.frameworks, ...state.completed_frameworks]) {
    for (const executor of [...framework.executors, ...framework.completed_executors]) {
      for (const task of [...executor.tasks, ...executor.queued_tasks, ...executor.completed_tasks]) {
        if (task.id === task_id) states.push(task.state);
      }
    }
  }
  return states;
}

function updatesOf(master: FakeMaster, task_id: string): Json[] {
  return master.messages.items.filter(
    (m) => m.type === 'status_update' && m.status.task_id.value === task_id,
  );
}

/** Waits for the update of `task_id` in `state`, then acknowledges it as the master would forward. */
async function ackState(
  master: FakeMaster,
  framework_id: string,
  task_id: string,
  state: string,
): Promise<Json> {
  const { item } = await master.messages.next(
    (m) => m.type === 'status_update' && m.status.task_id.value === task_id && m.status.state === state,
  );
  master.send({
    type: 'acknowledge',
    framework_id: { value: framework_id },
    task_id: { value: task_id },
    uuid: item.status.uuid,
  });
  return item;
}

/** Starts a fake master and an agent registered with it. */
async function cluster(extra: Json = {}) {
  const master = await started.fakeMaster();
  const work_dir = await started.dir();
  const agent = await started.agent({ master: master.address, work_dir, ...extra });
  await agent.registered();
  return { master, agent, work_dir };
}

describe('agent registration', () => {
  it('registers with its resources and attributes, checkpoints its id and re-registers with it after a restart', async () => {
    const master = await started.fakeMaster({ agent_id: 'M1-S7' });
    const work_dir = await started.dir();
    const agent = await started.agent({
      master: master.address,
      work_dir,
      resources: 'cpus:3;mem:2048',
      attributes: 'rack:r1;zone:a;level:2',
    });
    expect(await agent.registered()).toBe('M1-S7');
    const register = (await master.messages.next((m) => m.type === 'register')).item;
    expect(register.agent_info.hostname).toBe('agent.test');
    expect(register.agent_info.port).toBe(agent.port);
    const names = register.agent_info.resources.map((r: Json) => r.name).sort();
    // cpus and mem come from the flag; disk is detected and ports get Mesos's default range.
    expect(names).toEqual(['cpus', 'disk', 'mem', 'ports']);
    const ports = register.agent_info.resources.find((r: Json) => r.name === 'ports');
    expect(ports.ranges.range).toEqual([{ begin: 31000, end: 32000 }]);
    expect(register.agent_info.attributes).toContainEqual({
      name: 'rack',
      type: 'TEXT',
      text: { value: 'r1' },
    });
    expect(register.agent_info.attributes).toContainEqual({
      name: 'level',
      type: 'SCALAR',
      scalar: { value: 2 },
    });
    await eventually(async () =>
      (await readFile(agentCheckpointPath(work_dir), 'utf8').catch(() => '')).includes('M1-S7'),
    );
    const state = await getJson(agent.port, '/state');
    expect(state.id).toBe('M1-S7');
    expect(state.resources).toMatchObject({ cpus: 3, mem: 2048, ports: '[31000-32000]' });
    expect(state.attributes).toEqual({ rack: 'r1', zone: 'a', level: '2' });

    await agent.stop();
    const again = await started.agent({ master: master.address, work_dir });
    expect(await again.registered()).toBe('M1-S7');
    const reregister = (await master.messages.next((m) => m.type === 'reregister')).item;
    expect(reregister.agent_info.id).toEqual({ value: 'M1-S7' });
    expect(reregister.tasks).toEqual([]);
  });

  it('re-registers on a new connection after losing the master, and again when a ping says it is not connected', async () => {
    const { master } = await cluster();
    master.dropConnection();
    const { index } = await master.messages.next((m) => m.type === 'reregister');
    expect(master.connections()).toBe(2);
    master.send({ type: 'ping', connected: false });
    await master.messages.next((m) => m.type === 'pong', index);
    await master.messages.next((m) => m.type === 'reregister', index + 1);
  });

  it('keeps retrying the introduction until the master answers', async () => {
    const master = await started.fakeMaster({ answer: false });
    const work_dir = await started.dir();
    await started.agent({ master: master.address, work_dir });
    const first = await master.messages.next((m) => m.type === 'register');
    const second = await master.messages.next((m) => m.type === 'register', first.index + 1);
    const third = await master.messages.next((m) => m.type === 'register', second.index + 1);
    // The same introduction each time, as a new agent (no id), and nothing else meanwhile.
    expect(second.item).toEqual(first.item);
    expect(third.item).toEqual(first.item);
    expect(first.item.agent_info.id).toBeUndefined();
    expect(master.messages.items.map((m) => m.type)).toEqual(master.messages.items.map(() => 'register'));
  });

  it('shuts down when the master says so, and forgets its id', async () => {
    const { master, agent, work_dir } = await cluster();
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1'),
      task: commandTask('t-sleep', 'sleep 100'),
    });
    const running = await master.messages.next(
      (m) => m.type === 'status_update' && m.status.state === 'TASK_STARTING',
    );
    expect(running.item.status.task_id.value).toBe('t-sleep');
    await eventually(async () => (await getJson(agent.port, '/monitor/statistics')).length === 1);
    const stats = await getJson(agent.port, '/monitor/statistics');
    master.send({ type: 'shutdown', message: 'removed' });
    await agent.stopped;
    await expect(readFile(agentCheckpointPath(work_dir), 'utf8')).rejects.toThrow();
    expect(stats[0].statistics.processes).toBeGreaterThan(0);
  });
});

describe('the command executor', () => {
  it('runs echo hello: STARTING, RUNNING, FINISHED, one in flight at a time, and /files/read returns stdout', async () => {
    const { master, agent } = await cluster();
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1'),
      task: commandTask('t-echo', 'echo hello'),
    });
    const starting = await master.messages.next(
      (m) => m.type === 'status_update' && m.status.state === 'TASK_STARTING',
    );
    // The task finishes at once (the agent's /state shows it), but nothing after STARTING goes out
    // before STARTING is acknowledged.
    await eventually(async () =>
      agentTaskStates(await getJson(agent.port, '/state'), 't-echo').includes('TASK_FINISHED'),
    );
    expect(updatesOf(master, 't-echo').map((m) => m.status.state)).toEqual(['TASK_STARTING']);
    const first = await ackState(master, 'F1', 't-echo', 'TASK_STARTING');
    const runningUpdate = await ackState(master, 'F1', 't-echo', 'TASK_RUNNING');
    const finished = await ackState(master, 'F1', 't-echo', 'TASK_FINISHED');
    expect(first).toBe(starting.item);
    expect(finished.status.message).toBe('Command exited with status 0');
    const uuids = [first, runningUpdate, finished].map((m) => m.status.uuid);
    for (const uuid of uuids) expect(uuid).toMatch(base64_uuid);
    expect(new Set(uuids).size).toBe(3);
    expect(finished.status).toMatchObject({
      source: 'SOURCE_EXECUTOR',
      agent_id: { value: 'fake-master-S0' },
      executor_id: { value: 't-echo' },
      task_id: { value: 't-echo' },
    });
    expect(finished.framework_id).toBe('F1');

    const state = await getJson(agent.port, '/state');
    const executor =
      [...state.frameworks, ...state.completed_frameworks][0].completed_executors[0] ??
      state.frameworks[0].executors[0];
    expect(executor.id).toBe('t-echo');
    expect(executor.directory).toContain('/slaves/fake-master-S0/frameworks/F1/executors/t-echo/runs/');
    const read = await getJson(
      agent.port,
      `/files/read?path=${encodeURIComponent(join(executor.directory, 'stdout'))}&offset=0`,
    );
    expect(read).toEqual({ data: 'hello\n', offset: 0 });
    const browse = await getJson(agent.port, `/files/browse?path=${encodeURIComponent(executor.directory)}`);
    expect(browse.map((f: Json) => f.path.split('/').at(-1))).toEqual(['stderr', 'stdout']);
    const outside = await rawRequest(agent.port, 'GET', '/files/read?path=/etc/passwd&offset=0');
    expect(outside.status).toBe(403);
  });

  it('re-sends an unacknowledged update with the same uuid, and again after re-registration', async () => {
    const { master } = await cluster({ status_update_retry_ms_min: 100, status_update_retry_ms_max: 400 });
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1'),
      task: commandTask('t-r', 'sleep 30'),
    });
    await eventually(() => updatesOf(master, 't-r').length >= 3, 5000, 'three sends of TASK_STARTING');
    const sends = updatesOf(master, 't-r');
    expect(new Set(sends.map((m) => m.status.uuid)).size).toBe(1);
    expect(new Set(sends.map((m) => m.status.state))).toEqual(new Set(['TASK_STARTING']));
    const before = master.messages.items.length;
    master.dropConnection();
    const { index } = await master.messages.next((m) => m.type === 'reregister', before);
    const reregister = master.messages.items[index]!;
    expect(reregister.tasks).toHaveLength(1);
    expect(reregister.tasks[0]).toMatchObject({
      task_id: { value: 't-r' },
      framework_id: { value: 'F1' },
      status_update_uuid: sends[0]!.status.uuid,
    });
    expect(reregister.frameworks).toEqual([frameworkInfo('F1')]);
    // Command executors are not reported: the master does not keep them.
    expect(reregister.executors).toEqual([]);
    const resent = await master.messages.next((m) => m.type === 'status_update', index);
    expect(resent.item.status.uuid).toBe(sends[0]!.status.uuid);
  });

  it('reports a non-zero exit as TASK_FAILED with Mesos wording', async () => {
    const { master } = await cluster();
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1'),
      task: commandTask('t-3', 'exit 3'),
    });
    await ackState(master, 'F1', 't-3', 'TASK_STARTING');
    await ackState(master, 'F1', 't-3', 'TASK_RUNNING');
    const failed = await ackState(master, 'F1', 't-3', 'TASK_FAILED');
    expect(failed.status.message).toBe('Command exited with status 3');
  });

  it('kills a process tree with SIGTERM: TASK_KILLED, and every process of the task ends', async () => {
    const { master, agent } = await cluster();
    const task = commandTask('t-kill', 'sleep 100 & echo $! > child.pid; wait');
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1', { capabilities: [{ type: 'TASK_KILLING_STATE' }] }),
      task,
    });
    await ackState(master, 'F1', 't-kill', 'TASK_STARTING');
    await ackState(master, 'F1', 't-kill', 'TASK_RUNNING');
    const state = await getJson(agent.port, '/state');
    const directory = state.frameworks[0].executors[0].directory as string;
    let child = 0;
    await eventually(async () => {
      child = Number(await readFile(join(directory, 'child.pid'), 'utf8').catch(() => '0'));
      return child > 0;
    });
    expect(isGone(child)).toBe(false);
    master.send({ type: 'kill_task', framework_id: { value: 'F1' }, task_id: { value: 't-kill' } });
    await ackState(master, 'F1', 't-kill', 'TASK_KILLING');
    const killed = await ackState(master, 'F1', 't-kill', 'TASK_KILLED');
    expect(killed.status.message).toBe('Command terminated with signal Terminated');
    await eventually(() => isGone(child), 3000, 'the child to end');
  });

  it('escalates to SIGKILL after the kill policy grace period when SIGTERM is ignored', async () => {
    const { master, agent } = await cluster();
    const task = commandTask('t-stubborn', "trap '' TERM; touch ready; sleep 100 & wait; sleep 100");
    master.send({ type: 'run_task', framework_info: frameworkInfo('F1'), task });
    await ackState(master, 'F1', 't-stubborn', 'TASK_STARTING');
    await ackState(master, 'F1', 't-stubborn', 'TASK_RUNNING');
    // Kill only once the shell ignores SIGTERM.
    const directory = (await getJson(agent.port, '/state')).frameworks[0].executors[0].directory as string;
    await eventually(
      async () => (await readFile(join(directory, 'ready')).catch(() => undefined)) !== undefined,
    );
    const at = Date.now();
    master.send({
      type: 'kill_task',
      framework_id: { value: 'F1' },
      task_id: { value: 't-stubborn' },
      kill_policy: { grace_period: { nanoseconds: 300e6 } },
    });
    const killed = await ackState(master, 'F1', 't-stubborn', 'TASK_KILLED');
    expect(Date.now() - at).toBeGreaterThanOrEqual(250);
    expect(killed.status.message).toBe('Command terminated with signal Killed');
  });

  it('answers reconcile_tasks with the latest state, and TASK_LOST for an unknown task (no uuid)', async () => {
    const { master } = await cluster();
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1'),
      task: commandTask('t-live', 'sleep 30'),
    });
    await ackState(master, 'F1', 't-live', 'TASK_STARTING');
    await ackState(master, 'F1', 't-live', 'TASK_RUNNING');
    const before = master.messages.items.length;
    master.send({
      type: 'reconcile_tasks',
      framework_id: { value: 'F1' },
      tasks: [
        { task_id: { value: 't-live' }, state: 'TASK_STAGING' },
        { task_id: { value: 't-ghost' }, state: 'TASK_RUNNING' },
      ],
    });
    const live = await master.messages.next(
      (m) => m.type === 'status_update' && m.status.task_id.value === 't-live',
      before,
    );
    const ghost = await master.messages.next(
      (m) => m.type === 'status_update' && m.status.task_id.value === 't-ghost',
      before,
    );
    expect(live.item.status).toMatchObject({ state: 'TASK_RUNNING', reason: 'REASON_RECONCILIATION' });
    expect(ghost.item.status).toMatchObject({ state: 'TASK_LOST', reason: 'REASON_RECONCILIATION' });
    expect(live.item.status.uuid).toBeUndefined();
    expect(ghost.item.status.uuid).toBeUndefined();
  });

  it('shutdown_framework kills its tasks; stop kills what is left', async () => {
    const { master, agent } = await cluster();
    const command = 'echo $$ > task.pid; exec sleep 100';
    master.send({ type: 'run_task', framework_info: frameworkInfo('F1'), task: commandTask('t-a', command) });
    master.send({ type: 'run_task', framework_info: frameworkInfo('F2'), task: commandTask('t-b', command) });
    await ackState(master, 'F1', 't-a', 'TASK_STARTING');
    await ackState(master, 'F2', 't-b', 'TASK_STARTING');
    await eventually(async () => (await getJson(agent.port, '/monitor/statistics')).length === 2);
    const stats = await getJson(agent.port, '/monitor/statistics');
    expect(stats.map((s: Json) => s.statistics.mem_limit_bytes)).toEqual([
      32 * 1024 * 1024,
      32 * 1024 * 1024,
    ]);
    const state = await getJson(agent.port, '/state');
    const pidOf = async (framework_id: string): Promise<number> => {
      const framework = state.frameworks.find((f: Json) => f.id === framework_id);
      const file = join(framework.executors[0].directory, 'task.pid');
      let pid = 0;
      await eventually(async () => {
        pid = Number(await readFile(file, 'utf8').catch(() => '0'));
        return pid > 0;
      });
      return pid;
    };
    const [a, b] = [await pidOf('F1'), await pidOf('F2')];
    expect(isGone(a) || isGone(b)).toBe(false);
    master.send({ type: 'shutdown_framework', framework_id: { value: 'F1' } });
    await eventually(async () => (await getJson(agent.port, '/state')).frameworks.length === 1);
    const left = await getJson(agent.port, '/state');
    expect(left.frameworks[0].id).toBe('F2');
    expect(left.completed_frameworks.map((f: Json) => f.id)).toEqual(['F1']);
    expect(isGone(a)).toBe(true);
    expect(isGone(b)).toBe(false);
    // F1's updates are no longer sent after the shutdown: its framework is gone.
    expect(updatesOf(master, 't-a').map((m) => m.status.state)).not.toContain('TASK_KILLED');
    await agent.stop();
    expect(isGone(b)).toBe(true);
    await expect(rawRequest(agent.port, 'GET', '/health')).rejects.toThrow();
  });
});
