// The live master's read paths over real sockets: operator events and GET_TASKS carry the real
// statuses (uuid, message, reason) and the tasks' labels and containers, GET_EXECUTORS the whole
// ExecutorInfo, /master/state keeps as many completed tasks as the master is told to and reads the
// same when asked twice at once, and /metrics counts from the master's lookups.
import { afterEach, describe, expect, it } from 'vitest';
import { LiveMaster } from './live-master.ts';
import {
  acceptLaunchCall,
  commandTaskInfo,
  type Json,
  masterState,
  metricValue,
  openStream,
  postJson,
  rawRequest,
  sendStatusUpdate,
} from './master-client.ts';

const live = new LiveMaster(5);
afterEach(() => live.cleanup());

/** A framework and an agent with an offer between them. */
async function cluster() {
  const framework = await live.framework('reads');
  return { ...framework, ...(await live.agent('agent-reads', 'cpus:8;mem:8192;disk:1000')) };
}

/** A command task of 0.5 cpus and 64 MB on `agentId`, with labels and a container. */
function task(id: string, agentId: string, extra: Json = {}): Json {
  return {
    ...commandTaskInfo(id, agentId),
    labels: { labels: [{ key: 'team', value: 'search' }] },
    container: { type: 'MESOS' },
    ...extra,
  };
}

/** Waits for the next offer on the stream (from event index `from`) and launches `tasks` on it. */
async function launch(
  c: Awaited<ReturnType<typeof cluster>>,
  tasks: Json[],
  from = 0,
): Promise<{ index: number }> {
  const { item, index } = await c.stream.events.next((e) => e.type === 'OFFERS', from);
  const res = await c.call(
    acceptLaunchCall(item.offers.offers[0].id, tasks, { filters: { refuse_seconds: 0 } }),
  );
  expect(res.status).toBe(202);
  return { index };
}

/** Sends a status update from the agent; returns its uuid. */
function update(
  c: Awaited<ReturnType<typeof cluster>>,
  taskId: string,
  state: string,
  extra: Json = {},
): string {
  return sendStatusUpdate(c.agent, c.frameworkId, taskId, state, extra);
}

describe('operator reads of tasks', () => {
  it('carry the real statuses, labels and containers', async () => {
    const m = await live.start();
    const ops = await openStream(m.port, '/api/v1', { type: 'SUBSCRIBE' });
    live.streams.push(ops);
    const c = await cluster();
    await launch(c, [task('web-1', c.agentId, { command: { value: 'serve', user: 'www' } })]);
    const added = await ops.events.next((e) => e.type === 'TASK_ADDED');
    expect(added.item.task_added.task).toMatchObject({
      task_id: { value: 'web-1' },
      state: 'TASK_STAGING',
      labels: { labels: [{ key: 'team', value: 'search' }] },
      container: { type: 'MESOS' },
      user: 'www',
    });
    const uuid = update(c, 'web-1', 'TASK_FAILED', {
      message: 'Command exited with status 3',
      reason: 'REASON_COMMAND_EXECUTOR_FAILED',
    });
    const updated = await ops.events.next((e) => e.type === 'TASK_UPDATED');
    expect(updated.item.task_updated).toMatchObject({
      framework_id: { value: c.frameworkId },
      state: 'TASK_FAILED',
      status: {
        task_id: { value: 'web-1' },
        state: 'TASK_FAILED',
        uuid,
        message: 'Command exited with status 3',
        reason: 'REASON_COMMAND_EXECUTOR_FAILED',
        source: 'SOURCE_EXECUTOR',
        agent_id: { value: c.agentId },
      },
    });
    const res = await postJson(m.port, '/api/v1', { type: 'GET_TASKS' });
    const [listed] = JSON.parse(res.body).get_tasks.tasks;
    expect(listed).toMatchObject({
      task_id: { value: 'web-1' },
      state: 'TASK_FAILED',
      labels: { labels: [{ key: 'team', value: 'search' }] },
      status_update_state: 'TASK_FAILED',
      status_update_uuid: uuid,
    });
    expect(listed.statuses.at(-1)).toMatchObject({
      state: 'TASK_FAILED',
      uuid,
      message: 'Command exited with status 3',
    });
    const page = await masterState(m.port);
    expect(page.frameworks[0].tasks[0]).toMatchObject({
      id: 'web-1',
      state: 'TASK_FAILED',
      labels: [{ key: 'team', value: 'search' }],
      container: { type: 'MESOS' },
    });
  });

  it('answer GET_EXECUTORS with the whole ExecutorInfo', async () => {
    const m = await live.start();
    const c = await cluster();
    const executor = {
      executor_id: { value: 'exec-1' },
      command: { value: './run-executor' },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }],
      labels: { labels: [{ key: 'kind', value: 'custom' }] },
    };
    const { labels: _labels, container: _container, command: _command, ...plain } = task('t-exec', c.agentId);
    await launch(c, [{ ...plain, executor }]);
    await c.agent.messages.next((msg) => msg.type === 'run_task');
    const res = await postJson(m.port, '/api/v1', { type: 'GET_EXECUTORS' });
    const [seen] = JSON.parse(res.body).get_executors.executors;
    expect(seen).toMatchObject({
      agent_id: { value: c.agentId },
      executor_info: {
        executor_id: { value: 'exec-1' },
        framework_id: { value: c.frameworkId },
        command: { value: './run-executor' },
        labels: { labels: [{ key: 'kind', value: 'custom' }] },
      },
    });
    expect(seen.executor_info.resources[0]).toMatchObject({
      name: 'cpus',
      scalar: { value: 0.1 },
      role: '*',
    });
  });
});

describe('/master/state and /metrics of a master with finished tasks', () => {
  it('keeps the configured number of completed tasks, reads the same twice at once, and counts', async () => {
    const m = await live.start({ completed_tasks_per_framework_max: 2 });
    const c = await cluster();
    let from = 0;
    for (let i = 0; i < 4; i++) {
      const { index } = await launch(c, [task(`done-${i}`, c.agentId)], from);
      from = index + 1;
      for (const state of ['TASK_RUNNING', 'TASK_FINISHED']) {
        const uuid = update(c, `done-${i}`, state);
        await c.stream.events.next((e) => e.type === 'UPDATE' && e.update.status.uuid === uuid);
        const ack = await c.call({
          type: 'ACKNOWLEDGE',
          acknowledge: { agent_id: { value: c.agentId }, task_id: { value: `done-${i}` }, uuid },
        });
        expect(ack.status).toBe(202);
      }
    }
    await launch(c, [task('live', c.agentId)], from);
    update(c, 'live', 'TASK_RUNNING');
    await c.stream.events.next((e) => e.type === 'UPDATE' && e.update.status.task_id.value === 'live');
    const [first, second] = await Promise.all([
      rawRequest(m.port, { method: 'GET', path: '/master/state' }),
      rawRequest(m.port, { method: 'GET', path: '/master/state' }),
    ]);
    expect(first!.status).toBe(200);
    expect(Number(first!.headers['content-length'])).toBe(Buffer.byteLength(first!.body));
    expect(second!.body).toBe(first!.body);
    const page = JSON.parse(first!.body);
    expect(page.flags.max_completed_tasks_per_framework).toBe('2');
    const [framework] = page.frameworks;
    expect(framework.completed_tasks.map((t: Json) => t.id)).toEqual(['done-2', 'done-3']);
    expect(framework.completed_tasks.map((t: Json) => t.state)).toEqual(['TASK_FINISHED', 'TASK_FINISHED']);
    expect(framework.tasks.map((t: Json) => [t.id, t.state])).toEqual([['live', 'TASK_RUNNING']]);
    const metrics = (await rawRequest(m.port, { method: 'GET', path: '/metrics' })).body;
    const value = (series: string) => metricValue(metrics, series);
    expect(value('meso_master_tasks_active')).toBe(1);
    expect(value('meso_master_agents_active')).toBe(1);
    expect(value('meso_master_resources{resource="cpus",kind="total"}')).toBe(8);
    expect(value('meso_master_resources{resource="cpus",kind="used"}')).toBe(0.5);
    expect(value('meso_master_resources{resource="gpus",kind="total"}')).toBe(0);
    expect(value('meso_master_task_status_updates_total{state="TASK_FINISHED"}')).toBe(4);
  });
});
