// The live master's operator side over real sockets: /master/state and its shape, the v1 operator
// API (reads and the event stream), health and redirect, /metrics, and the journal of inputs
// (replayed through a fresh engine master, it reproduces the live master's decisions).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJournal } from '../../engine/master/journal-format.ts';
import { silentLog } from '../../runtime/log.ts';
import {
  createStandaloneLeaderDetector,
  type StandaloneLeaderDetector,
} from '../../runtime/master/leader.ts';
import { startMaster } from '../../runtime/master/server.ts';
import { replayJournal } from '../../sim/replay/journal-replay.ts';
import { LiveMaster } from './live-master.ts';
import {
  acceptLaunchCall,
  commandTaskInfo,
  type EventStream,
  masterState,
  metricValue,
  openStream,
  postJson,
  rawRequest,
  sendStatusUpdate,
} from './master-client.ts';

const live = new LiveMaster(11);
const dirs: string[] = [];

afterEach(async () => {
  await live.cleanup();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A framework with an offer, a task launched on a fake agent and running. */
async function clusterWithTask(): Promise<{ stream: EventStream; frameworkId: string; agentId: string }> {
  const framework = await live.framework('ops', { roles: ['analytics'] });
  const { stream, frameworkId } = framework;
  const { agent, agentId } = await live.agent('agent-ops', 'cpus:8;mem:8192;disk:1000');
  const offer = (await stream.events.next((e) => e.type === 'OFFERS')).item.offers.offers[0];
  const web = { ...commandTaskInfo('web-1', agentId, { cpus: 2, mem: 512, command: 'serve' }), name: 'web' };
  const res = await framework.call(acceptLaunchCall(offer.id, [web]));
  expect(res.status).toBe(202);
  await agent.messages.next((m) => m.type === 'run_task');
  sendStatusUpdate(agent, frameworkId, 'web-1', 'TASK_RUNNING');
  await stream.events.next((e) => e.type === 'UPDATE');
  return { stream, frameworkId, agentId };
}

const state_keys = [
  'version',
  'id',
  'pid',
  'hostname',
  'start_time',
  'elected_time',
  'leader',
  'leader_info',
  'activated_slaves',
  'deactivated_slaves',
  'unreachable_slaves',
  'flags',
  'slaves',
  'frameworks',
  'completed_frameworks',
  'orphan_tasks',
  'unregistered_frameworks',
];
const slave_keys = [
  'id',
  'hostname',
  'port',
  'pid',
  'attributes',
  'registered_time',
  'resources',
  'used_resources',
  'offered_resources',
  'unreserved_resources',
  'reserved_resources',
  'active',
];
const framework_keys = [
  'id',
  'name',
  'user',
  'hostname',
  'roles',
  'active',
  'connected',
  'registered_time',
  'failover_timeout',
  'checkpoint',
  'used_resources',
  'offered_resources',
  'tasks',
  'completed_tasks',
  'unreachable_tasks',
  'offers',
  'executors',
];
const task_keys = [
  'id',
  'name',
  'framework_id',
  'executor_id',
  'slave_id',
  'state',
  'resources',
  'role',
  'statuses',
];

describe('GET /master/state', () => {
  it('has the shape of Mesos /state, with flat resource summaries', async () => {
    const m = await live.start();
    const { frameworkId, agentId } = await clusterWithTask();
    const res = await rawRequest(m.port, { method: 'GET', path: '/master/state' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).not.toContain('\n');
    const state = JSON.parse(res.body);
    expect(Object.keys(state)).toEqual(expect.arrayContaining(state_keys));
    expect(state.id).toBe(m.master_id);
    expect(state.pid).toBe(`master@127.0.0.1:${m.port}`);
    expect(state.leader).toBe(state.pid);
    expect(state.leader_info).toMatchObject({ id: m.master_id, port: m.port, hostname: '127.0.0.1' });
    expect(state.activated_slaves).toBe(1);
    const [slave] = state.slaves;
    expect(Object.keys(slave)).toEqual(expect.arrayContaining(slave_keys));
    expect(slave.id).toBe(agentId);
    expect(slave.resources).toEqual({ cpus: 8, mem: 8192, disk: 1000, gpus: 0, ports: '[31000-32000]' });
    expect(slave.used_resources).toMatchObject({ cpus: 2, mem: 512 });
    const [framework] = state.frameworks;
    expect(Object.keys(framework)).toEqual(expect.arrayContaining(framework_keys));
    expect(framework).toMatchObject({ id: frameworkId, name: 'ops', roles: ['analytics'], active: true });
    const [task] = framework.tasks;
    expect(Object.keys(task)).toEqual(expect.arrayContaining(task_keys));
    expect(task).toMatchObject({ id: 'web-1', slave_id: agentId, state: 'TASK_RUNNING', role: 'analytics' });
    expect(task.resources).toMatchObject({ cpus: 2, mem: 512 });
    expect(task.statuses.map((s: { state: string }) => s.state)).toEqual(['TASK_RUNNING']);
    const alias = JSON.parse((await rawRequest(m.port, { method: 'GET', path: '/master/state.json' })).body);
    expect(alias.slaves).toEqual(state.slaves);
  });

  it('refuses a port in use with a clear message', async () => {
    const m = await live.start();
    await expect(startMaster({ port: m.port, log: silentLog })).rejects.toThrow(/already in use/);
  });

  it('serves health, redirect, the index page and 404s', async () => {
    let detector: StandaloneLeaderDetector | undefined;
    const m = await live.start({
      leader: (self) => {
        detector = createStandaloneLeaderDetector(self);
        return detector;
      },
    });
    expect((await rawRequest(m.port, { method: 'GET', path: '/master/health' })).status).toBe(200);
    const redirect = await rawRequest(m.port, { method: 'GET', path: '/master/redirect' });
    expect(redirect.status).toBe(307);
    expect(redirect.headers.location).toBe(`//127.0.0.1:${m.port}`);
    const index = await rawRequest(m.port, { method: 'GET', path: '/' });
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toContain('text/html');
    expect((await rawRequest(m.port, { method: 'GET', path: '/no/such/page' })).status).toBe(404);
    detector!.appoint(undefined);
    expect((await rawRequest(m.port, { method: 'GET', path: '/master/redirect' })).status).toBe(503);
    expect((await rawRequest(m.port, { method: 'GET', path: '/master/state' })).status).toBe(503);
  });
});

describe('POST /api/v1', () => {
  it('answers the GET_* calls in the shapes of master.proto', async () => {
    const m = await live.start();
    const { frameworkId, agentId } = await clusterWithTask();
    const call = async (type: string) => {
      const res = await postJson(m.port, '/api/v1', { type });
      expect(res.status).toBe(200);
      const body = JSON.parse(res.body);
      expect(body.type).toBe(type);
      return body[type.toLowerCase()];
    };
    const state = await call('GET_STATE');
    expect(Object.keys(state).sort()).toEqual(['get_agents', 'get_executors', 'get_frameworks', 'get_tasks']);
    expect(state.get_agents.agents[0].agent_info.id.value).toBe(agentId);
    expect(state.get_frameworks.frameworks[0].framework_info.id.value).toBe(frameworkId);
    expect(state.get_tasks.tasks[0]).toMatchObject({ task_id: { value: 'web-1' }, state: 'TASK_RUNNING' });
    const agentsBody = await call('GET_AGENTS');
    expect(agentsBody.agents[0]).toMatchObject({ active: true, pid: `slave(1)@127.0.0.1:5051` });
    expect(agentsBody.agents[0].registered_time.nanoseconds).toBeGreaterThan(0);
    const frameworks = await call('GET_FRAMEWORKS');
    expect(frameworks.frameworks[0]).toMatchObject({ active: true, connected: true, recovered: false });
    const tasks = await call('GET_TASKS');
    expect(tasks.tasks.map((t: { task_id: { value: string } }) => t.task_id.value)).toEqual(['web-1']);
    const masterBody = await call('GET_MASTER');
    expect(masterBody.master_info).toMatchObject({ id: m.master_id, port: m.port, ip: 16777343 });
    expect(masterBody.start_time).toBeGreaterThan(0);
    expect(await call('GET_HEALTH')).toEqual({ healthy: true });
    expect((await call('GET_VERSION')).version_info.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('refuses what it does not serve with the right codes', async () => {
    const m = await live.start();
    expect((await rawRequest(m.port, { method: 'GET', path: '/api/v1' })).status).toBe(405);
    expect((await postJson(m.port, '/api/v1', { type: 'START_MAINTENANCE' })).status).toBe(400);
    expect((await postJson(m.port, '/api/v1', { type: 'GET_NOTHING' })).status).toBe(400);
    expect((await postJson(m.port, '/api/v1', { type: 7 })).status).toBe(400);
    const proto = await rawRequest(m.port, {
      path: '/api/v1',
      headers: { 'Content-Type': 'application/x-protobuf' },
      body: '\x08\x09',
    });
    expect(proto.status).toBe(415);
    const html = await postJson(m.port, '/api/v1', { type: 'GET_HEALTH' }, { Accept: 'text/html' });
    expect(html.status).toBe(406);
  });

  it('streams SUBSCRIBED, HEARTBEAT and events derived from the trace', async () => {
    const m = await live.start({ heartbeat_interval_seconds: 0.3 });
    const ops = await openStream(m.port, '/api/v1', { type: 'SUBSCRIBE' });
    expect(ops.status).toBe(200);
    const subscribed = (await ops.events.next(() => true)).item;
    expect(subscribed.type).toBe('SUBSCRIBED');
    expect(subscribed.subscribed.heartbeat_interval_seconds).toBe(0.3);
    expect(subscribed.subscribed.get_state.get_agents.agents).toEqual([]);
    expect((await ops.events.next(() => true, 1)).item.type).toBe('HEARTBEAT');

    const { frameworkId, agentId } = await clusterWithTask();
    const agentAdded = await ops.events.next((e) => e.type === 'AGENT_ADDED');
    expect(agentAdded.item.agent_added.agent.agent_info.id.value).toBe(agentId);
    const frameworkAdded = await ops.events.next((e) => e.type === 'FRAMEWORK_ADDED');
    expect(frameworkAdded.item.framework_added.framework.framework_info.id.value).toBe(frameworkId);
    const taskAdded = await ops.events.next((e) => e.type === 'TASK_ADDED');
    expect(taskAdded.item.task_added.task.task_id.value).toBe('web-1');
    const taskUpdated = await ops.events.next((e) => e.type === 'TASK_UPDATED');
    expect(taskUpdated.item.task_updated).toMatchObject({
      framework_id: { value: frameworkId },
      state: 'TASK_RUNNING',
    });

    const teardown = await postJson(m.port, '/api/v1', {
      type: 'TEARDOWN',
      teardown: { framework_id: { value: frameworkId } },
    });
    expect(teardown.status).toBe(200);
    const removed = await ops.events.next((e) => e.type === 'FRAMEWORK_REMOVED');
    expect(removed.item.framework_removed.framework_info.id.value).toBe(frameworkId);
    live.agents[0]!.send({ type: 'unregister' });
    const agentRemoved = await ops.events.next((e) => e.type === 'AGENT_REMOVED');
    expect(agentRemoved.item.agent_removed.agent_id.value).toBe(agentId);
    const beats = ops.events.items.filter((e) => e.type === 'HEARTBEAT').length;
    await ops.events.next((e) => e.type === 'HEARTBEAT', ops.events.items.length, 2000);
    expect(ops.events.items.filter((e) => e.type === 'HEARTBEAT').length).toBeGreaterThan(beats);
    ops.close();
  });
});

describe('GET /metrics', () => {
  it('reports counters and gauges in Prometheus text format', async () => {
    const m = await live.start();
    await clusterWithTask();
    await rawRequest(m.port, { method: 'GET', path: '/master/state' });
    const res = await rawRequest(m.port, { method: 'GET', path: '/metrics' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const value = (series: string) => metricValue(res.body, series);
    expect(value('meso_master_agents_active')).toBe(1);
    expect(value('meso_master_frameworks_active')).toBe(1);
    expect(value('meso_master_tasks_active')).toBe(1);
    expect(value('meso_master_elected')).toBe(1);
    expect(value('meso_master_resources{resource="cpus",kind="used"}')).toBe(2);
    expect(value('meso_master_trace_events_total{type="task_launched"}')).toBe(1);
    expect(value('meso_master_http_requests_total{route="state",code="200"}')).toBe(1);
    expect(value('meso_master_scheduler_events_sent_total{type="SUBSCRIBED"}')).toBe(1);
  });
});

describe('the journal', () => {
  it('holds every input with its time, and replays to the same decisions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meso-journal-'));
    dirs.push(dir);
    const file = join(dir, 'master.ndjson');
    const m = await live.start({ journal: file, policy: 'drf' });
    const { frameworkId, agentId } = await clusterWithTask();
    const liveState = await masterState(m.port);
    await live.stop();
    const { header, entries } = parseJournal(readFileSync(file, 'utf8'));
    expect(header.master).toMatchObject({ master_id: m.master_id, port: m.port, policy: 'drf', seed: '11' });
    const types = entries.map((e) => e.input.type);
    expect(types[0]).toBe('start');
    for (const type of ['scheduler_call', 'agent_register', 'agent_status_update', 'timer']) {
      expect(types).toContain(type);
    }
    for (let i = 1; i < entries.length; i++)
      expect(entries[i]!.now).toBeGreaterThanOrEqual(entries[i - 1]!.now);

    const replay = replayJournal(readFileSync(file, 'utf8')).master;
    const view = replay.state();
    expect(view.frameworks.map((f) => f.id)).toEqual([frameworkId]);
    expect(view.agents.map((a) => a.id)).toEqual([agentId]);
    expect(view.frameworks[0]!.tasks.map((t) => [t.task_id, t.state])).toEqual([['web-1', 'TASK_RUNNING']]);
    expect(liveState.frameworks[0].tasks[0].state).toBe('TASK_RUNNING');
  });
});
