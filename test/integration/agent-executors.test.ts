// Custom executors on the live agent: a real executor process (a small Node script using only
// node:http) started with the Mesos environment, subscribing to the executor API, receiving its
// tasks, kills, messages and shutdown; an executor that dies or never subscribes; the validation of
// executor calls; and task groups under the default executor.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agent_request_body_bytes_max } from '../../runtime/constants.ts';
import {
  commandTask,
  eventually,
  type FakeMaster,
  frameworkInfo,
  getJson,
  type Json,
  postJson,
  rawRequest,
  Started,
} from './agent-harness.ts';
import { customExecutorTask, read_events_js } from './custom-executor.ts';

const started = new Started();
afterEach(() => started.cleanup());

// The executor: records its environment and every event, answers LAUNCH with TASK_RUNNING (and
// TASK_FINISHED for a task whose data says 'finish'), KILL with TASK_KILLED, echoes MESSAGE back,
// exits with the code a task's data names ('crash:N'), and exits 0 on SHUTDOWN.
const executor_script = String.raw`
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
${read_events_js}
writeFileSync('env.json', JSON.stringify(env));
function post(body) {
  return new Promise((resolve) => {
    const r = request({ host, port, method: 'POST', path: '/api/v1/executor', headers: { 'Content-Type': 'application/json' } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    r.end(JSON.stringify({ ...ids, ...body }));
  });
}
function update(task_id, state) {
  const uuid = randomBytes(16).toString('base64');
  appendFileSync('sent.log', JSON.stringify({ task_id: task_id.value, state, uuid }) + '\n');
  return post({ type: 'UPDATE', update: { status: { task_id, state, source: 'SOURCE_EXECUTOR', uuid } } });
}
async function handle(event) {
  appendFileSync('events.log', JSON.stringify(event) + '\n');
  if (event.type === 'LAUNCH') {
    const task = event.launch.task;
    const data = task.data ? Buffer.from(task.data, 'base64').toString() : '';
    await update(task.task_id, 'TASK_RUNNING');
    if (data === 'finish') await update(task.task_id, 'TASK_FINISHED');
    if (data.startsWith('crash:')) process.exit(Number(data.slice(6)));
  } else if (event.type === 'KILL') {
    await update(event.kill.task_id, 'TASK_KILLED');
  } else if (event.type === 'MESSAGE') {
    await post({ type: 'MESSAGE', message: { data: event.message.data } });
  } else if (event.type === 'SHUTDOWN') {
    process.exit(0);
  }
}
const r = request({ host, port, method: 'POST', path: '/api/v1/executor', headers: { 'Content-Type': 'application/json', Accept: 'application/json' } }, (res) => {
  readEvents(res, handle);
  res.on('end', () => process.exit(3));
});
r.end(JSON.stringify({ ...ids, type: 'SUBSCRIBE', subscribe: { unacknowledged_tasks: [], unacknowledged_updates: [] } }));
`;

/** A fake master, an agent registered with it, and the executor script on disk. */
async function cluster(extra: Json = {}) {
  const master = await started.fakeMaster();
  const work_dir = await started.dir();
  const agent = await started.agent({ master: master.address, work_dir, ...extra });
  await agent.registered();
  const script = join(await started.dir('meso-executor-'), 'executor.mjs');
  await writeFile(script, executor_script);
  return { master, agent, work_dir, script };
}

/** A task for the custom executor `executor_id` (holding 16 MB) running `command`. */
function executorTask(task_id: string, executor_id: string, command: string, data?: string): Json {
  const resources = [
    { name: 'mem', type: 'SCALAR', scalar: { value: 16 }, role: '*', allocation_info: { role: '*' } },
  ];
  return customExecutorTask(task_id, executor_id, command, resources, data);
}

/** The node command running the executor script. */
function nodeCommand(script: string): string {
  return `'${process.execPath}' '${script}'`;
}

/** Waits for an update of `task_id` in `state`. */
async function update(master: FakeMaster, task_id: string, state: string): Promise<Json> {
  const { item } = await master.messages.next(
    (m) => m.type === 'status_update' && m.status.task_id.value === task_id && m.status.state === state,
  );
  return item;
}

/** Acknowledges an update as the master forwards a framework's acknowledgement. */
function ack(master: FakeMaster, message: Json): void {
  master.send({
    type: 'acknowledge',
    framework_id: { value: message.framework_id },
    task_id: message.status.task_id,
    uuid: message.status.uuid,
  });
}

/** The lines of a JSON-lines file in a sandbox (none while it does not exist). */
async function jsonLines(file: string): Promise<Json[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Json);
}

describe('custom executors', () => {
  it('starts the executor with the Mesos environment and relays its tasks, kills, messages and shutdown', async () => {
    const { master, agent, script } = await cluster();
    const framework_info = frameworkInfo('F1');
    master.send({ type: 'run_task', framework_info, task: executorTask('t1', 'E1', nodeCommand(script)) });
    const running = await update(master, 't1', 'TASK_RUNNING');
    expect(running.status).toMatchObject({
      source: 'SOURCE_EXECUTOR',
      executor_id: { value: 'E1' },
      agent_id: { value: 'fake-master-S0' },
    });
    const state = await getJson(agent.port, '/state');
    const executor = state.frameworks[0].executors[0];
    expect(executor).toMatchObject({ id: 'E1', type: 'CUSTOM' });
    const dir = executor.directory as string;
    const env = JSON.parse(await readFile(join(dir, 'env.json'), 'utf8')) as Record<string, string>;
    expect(env).toMatchObject({
      MESOS_FRAMEWORK_ID: 'F1',
      MESOS_EXECUTOR_ID: 'E1',
      MESOS_DIRECTORY: dir,
      MESOS_SANDBOX: dir,
      MESOS_AGENT_ENDPOINT: `127.0.0.1:${agent.port}`,
      MESOS_SLAVE_ID: 'fake-master-S0',
      MESOS_CHECKPOINT: '0',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
    });
    const sent = await jsonLines(join(dir, 'sent.log'));
    // The agent passes the executor's own uuid on, and acknowledges it to the executor.
    expect(running.status.uuid).toBe(sent[0]!.uuid);
    await eventually(async () =>
      (await jsonLines(join(dir, 'events.log'))).some((e) => e.type === 'ACKNOWLEDGED'),
    );
    const events = await jsonLines(join(dir, 'events.log'));
    expect(events[0]!.type).toBe('SUBSCRIBED');
    expect(events[0]!.subscribed).toMatchObject({
      executor_info: { executor_id: { value: 'E1' }, framework_id: { value: 'F1' } },
      framework_info: { id: { value: 'F1' } },
      agent_info: { hostname: 'agent.test', port: agent.port, id: { value: 'fake-master-S0' } },
      container_id: { value: executor.container },
    });
    expect(events[1]).toMatchObject({ type: 'LAUNCH', launch: { task: { task_id: { value: 't1' } } } });
    expect(events.find((e) => e.type === 'ACKNOWLEDGED')!.acknowledged).toEqual({
      task_id: { value: 't1' },
      uuid: sent[0]!.uuid,
    });
    ack(master, running);

    // A second task goes straight to the subscribed executor.
    master.send({ type: 'run_task', framework_info, task: executorTask('t2', 'E1', 'unused', 'finish') });
    ack(master, await update(master, 't2', 'TASK_RUNNING'));
    ack(master, await update(master, 't2', 'TASK_FINISHED'));
    // A framework message reaches the executor, whose answer reaches the master.
    master.send({
      type: 'framework_message',
      framework_id: { value: 'F1' },
      executor_id: { value: 'E1' },
      data: 'aGk=',
    });
    const echoed = await master.messages.next((m) => m.type === 'executor_message');
    expect(echoed.item).toEqual({
      type: 'executor_message',
      framework_id: 'F1',
      executor_id: 'E1',
      data: 'aGk=',
    });
    master.send({ type: 'kill_task', framework_id: { value: 'F1' }, task_id: { value: 't1' } });
    ack(master, await update(master, 't1', 'TASK_KILLED'));
    master.send({ type: 'shutdown_executor', framework_id: { value: 'F1' }, executor_id: { value: 'E1' } });
    const exited = await master.messages.next((m) => m.type === 'executor_exited');
    expect(exited.item).toEqual({
      type: 'executor_exited',
      framework_id: 'F1',
      executor_id: 'E1',
      status: 0,
    });
    await eventually(async () => (await getJson(agent.port, '/state')).frameworks.length === 0);
  });

  it('fails the tasks of an executor that dies, and reports its exit status', async () => {
    const { master, script } = await cluster();
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1'),
      task: executorTask('t1', 'E1', nodeCommand(script), 'crash:2'),
    });
    ack(master, await update(master, 't1', 'TASK_RUNNING'));
    const failed = await update(master, 't1', 'TASK_FAILED');
    expect(failed.status).toMatchObject({ source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_TERMINATED' });
    expect(failed.status.message).toBe('Executor terminated: exited with status 2');
    const exited = await master.messages.next((m) => m.type === 'executor_exited');
    expect(exited.item.status).toBe(2 * 256);
  });

  it('destroys an executor that does not subscribe in time', async () => {
    const { master, agent } = await cluster({ executor_registration_timeout_ms: 300 });
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1'),
      task: executorTask('t1', 'E1', 'echo $$ > pid; exec sleep 100'),
    });
    const failed = await update(master, 't1', 'TASK_FAILED');
    expect(failed.status.reason).toBe('REASON_EXECUTOR_REGISTRATION_TIMEOUT');
    const dir = (await getJson(agent.port, '/state')).frameworks[0].executors[0].directory as string;
    const pid = Number(await readFile(join(dir, 'pid'), 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('the executor API', () => {
  it('checks calls as Mesos does', async () => {
    const { agent } = await cluster();
    const path = '/api/v1/executor';
    const ids = { framework_id: { value: 'F1' }, executor_id: { value: 'E1' } };
    const status = (state: string, extra: Json = {}) => ({
      task_id: { value: 't1' },
      state,
      source: 'SOURCE_EXECUTOR',
      uuid: Buffer.alloc(16, 7).toString('base64'),
      ...extra,
    });
    expect((await rawRequest(agent.port, 'GET', path)).status).toBe(405);
    expect((await rawRequest(agent.port, 'POST', path, {}, '{}')).status).toBe(400);
    expect((await rawRequest(agent.port, 'POST', path, { 'Content-Type': 'text/plain' }, '{}')).status).toBe(
      415,
    );
    expect(
      (await rawRequest(agent.port, 'POST', path, { 'Content-Type': 'application/json' }, '{nope')).status,
    ).toBe(400);
    // A body over the agent's limit is refused with 413, and the agent goes on serving.
    const oversize = `{"type":"SUBSCRIBE","pad":"${'x'.repeat(agent_request_body_bytes_max)}"}`;
    const tooLarge = await rawRequest(
      agent.port,
      'POST',
      path,
      { 'Content-Type': 'application/json' },
      oversize,
    );
    expect(tooLarge).toMatchObject({ status: 413, body: 'Request body is too large' });
    const noExecutor = await postJson(agent.port, path, { type: 'SUBSCRIBE', framework_id: { value: 'F1' } });
    expect(noExecutor).toMatchObject({ status: 400, body: "Expecting 'executor_id' to be present" });
    const badUuid = await postJson(agent.port, path, {
      ...ids,
      type: 'UPDATE',
      update: { status: status('TASK_RUNNING', { uuid: 'abc' }) },
    });
    expect(badUuid.status).toBe(400);
    const badSource = await postJson(agent.port, path, {
      ...ids,
      type: 'UPDATE',
      update: { status: status('TASK_RUNNING', { source: 'SOURCE_AGENT' }) },
    });
    expect(badSource).toMatchObject({ status: 400, body: 'Received Call from executor with invalid source' });
    const staging = await postJson(agent.port, path, {
      ...ids,
      type: 'UPDATE',
      update: { status: status('TASK_STAGING') },
    });
    expect(staging).toMatchObject({ status: 400, body: 'Received TASK_STAGING from executor' });
    const html = await postJson(agent.port, path, { ...ids, type: 'SUBSCRIBE' }, { Accept: 'text/html' });
    expect(html.status).toBe(406);
    const unknown = await postJson(agent.port, path, { ...ids, type: 'SUBSCRIBE' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('not known');
    const valid = await postJson(agent.port, path, {
      ...ids,
      type: 'UPDATE',
      update: { status: status('TASK_RUNNING') },
    });
    expect(valid.status).toBe(400);
  });

  it('streams SUBSCRIBED, queued LAUNCHes and HEARTBEATs, and acknowledges updates once each', async () => {
    const { master, agent } = await cluster({ executor_heartbeat_interval_ms: 100 });
    // The executor process never subscribes itself: the test subscribes in its place.
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1'),
      task: executorTask('t1', 'E1', 'sleep 100'),
    });
    await eventually(async () => (await getJson(agent.port, '/state')).frameworks.length === 1);
    const ids = { framework_id: { value: 'F1' }, executor_id: { value: 'E1' } };
    // Real clients send unset fields as null.
    const stream = await started.stream(agent.port, '/api/v1/executor', {
      ...ids,
      type: 'SUBSCRIBE',
      subscribe: null,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('application/json');
    expect((await stream.events.next(() => true)).item.type).toBe('SUBSCRIBED');
    expect((await stream.events.next(() => true, 1)).item).toMatchObject({
      type: 'LAUNCH',
      launch: { task: { task_id: { value: 't1' } } },
    });
    await stream.events.next((e) => e.type === 'HEARTBEAT', 2);
    const uuid = Buffer.alloc(16, 9).toString('base64');
    const call = {
      ...ids,
      type: 'UPDATE',
      update: {
        status: {
          task_id: { value: 't1' },
          state: 'TASK_RUNNING',
          source: 'SOURCE_EXECUTOR',
          uuid,
          data: null,
        },
      },
    };
    expect((await postJson(agent.port, '/api/v1/executor', call)).status).toBe(202);
    expect((await postJson(agent.port, '/api/v1/executor', call)).status).toBe(202);
    const { index } = await stream.events.next((e) => e.type === 'ACKNOWLEDGED');
    await stream.events.next((e) => e.type === 'ACKNOWLEDGED', index + 1);
    const forwarded = await update(master, 't1', 'TASK_RUNNING');
    expect(forwarded.status.uuid).toBe(uuid);
    expect(master.messages.items.filter((m) => m.type === 'status_update')).toHaveLength(1);
    const message = await postJson(agent.port, '/api/v1/executor', {
      ...ids,
      type: 'MESSAGE',
      message: { data: 'eA==' },
    });
    expect(message.status).toBe(202);
    await master.messages.next((m) => m.type === 'executor_message' && m.data === 'eA==');
  });
});

describe('task groups under the default executor', () => {
  it('runs each task in its own sandbox, and kills the rest of the group when one fails', async () => {
    const { master, agent } = await cluster();
    const executor = { executor_id: { value: 'G1' }, type: 'DEFAULT', resources: [] };
    const tasks = [
      commandTask('g-fail', 'sleep 0.2; exit 1'),
      commandTask('g-sleep', 'echo in-group; sleep 100'),
    ];
    master.send({
      type: 'run_task_group',
      framework_info: frameworkInfo('F1'),
      executor,
      task_group: { tasks },
    });
    for (const id of ['g-fail', 'g-sleep']) ack(master, await update(master, id, 'TASK_STARTING'));
    for (const id of ['g-fail', 'g-sleep']) ack(master, await update(master, id, 'TASK_RUNNING'));
    const failed = await update(master, 'g-fail', 'TASK_FAILED');
    const killed = await update(master, 'g-sleep', 'TASK_KILLED');
    expect(failed.status.message).toBe('Command exited with status 1');
    expect(killed.status.executor_id).toEqual({ value: 'G1' });
    const dir = (await getJson(agent.port, '/state')).frameworks[0].executors[0].directory as string;
    expect(await readFile(join(dir, 'tasks', 'g-sleep', 'stdout'), 'utf8')).toBe('in-group\n');
    expect((await stat(join(dir, 'tasks', 'g-fail'))).isDirectory()).toBe(true);
    const exited = await master.messages.next((m) => m.type === 'executor_exited');
    expect(exited.item).toMatchObject({ framework_id: 'F1', executor_id: 'G1', status: 0 });
    ack(master, failed);
    ack(master, killed);
    await eventually(async () => (await getJson(agent.port, '/state')).frameworks.length === 0);
  });
});
