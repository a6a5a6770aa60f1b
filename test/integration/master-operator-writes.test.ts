// The live master's operator writes and older endpoints over real sockets: reservations, volumes,
// quota and weights set with v1 calls and with Mesos's older endpoints (form posts, /quota,
// /weights), agents deactivated, drained and marked gone, the logging level, and the reads
// (GET_FLAGS, GET_METRICS, GET_ROLES, GET_QUOTA, /metrics/snapshot, /master/state-summary, ...).
import { afterEach, describe, expect, it } from 'vitest';
import { LiveMaster } from './live-master.ts';
import {
  acceptLaunchCall,
  commandTaskInfo,
  type Json,
  postJson,
  rawRequest,
  sendStatusUpdate,
} from './master-client.ts';

const live = new LiveMaster(12);
afterEach(() => live.cleanup());

/** A v1 operator call; its status and parsed body. */
async function call(port: number, body: Json): Promise<{ status: number; body: Json | string }> {
  const res = await postJson(port, '/api/v1', body, { Accept: 'application/json' });
  let parsed: Json | string = res.body;
  try {
    parsed = JSON.parse(res.body);
  } catch {}
  return { status: res.status, body: parsed };
}

const get = async (port: number, path: string): Promise<{ status: number; body: Json }> => {
  const res = await rawRequest(port, { method: 'GET', path });
  return { status: res.status, body: res.status === 200 ? JSON.parse(res.body) : res.body };
};

const form = (port: number, path: string, fields: Record<string, string>) =>
  rawRequest(port, {
    path,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

const reserved = (name: string, value: number, role = 'prod'): Json => ({
  name,
  type: 'SCALAR',
  scalar: { value },
  reservations: [{ type: 'DYNAMIC', role }],
});

describe('operator writes on a live master', () => {
  it('reserves, makes and destroys volumes, unreserves: v1 calls and form posts', async () => {
    const m = await live.start();
    const { agent, agentId } = await live.agent('ops-1', 'cpus:4;mem:4096;disk:2048');
    const agent_id = { value: agentId };
    const r1 = await call(m.port, {
      type: 'RESERVE_RESOURCES',
      reserve_resources: { agent_id, resources: [reserved('cpus', 1), reserved('disk', 512)] },
    });
    expect(r1.status).toBe(202);
    const applied = await agent.messages.next((msg) => msg.type === 'apply_operation');
    expect(applied.item.framework_id).toBeUndefined();
    const volume = {
      ...reserved('disk', 512),
      disk: { persistence: { id: 'v1' }, volume: { container_path: 'data', mode: 'RW' } },
    };
    expect(
      (await call(m.port, { type: 'CREATE_VOLUMES', create_volumes: { agent_id, volumes: [volume] } }))
        .status,
    ).toBe(202);
    const agents = (await call(m.port, { type: 'GET_AGENTS' })).body as Json;
    const disks = agents.get_agents.agents[0].total_resources.filter((r: Json) => r.name === 'disk');
    expect(disks.map((r: Json) => [r.scalar.value, r.disk?.persistence?.id])).toEqual([
      [1536, undefined],
      [512, 'v1'],
    ]);
    const destroyed = await form(m.port, '/master/destroy-volumes', {
      slaveId: agentId,
      volumes: JSON.stringify([volume]),
    });
    expect(destroyed.status).toBe(202);
    const unreserved = await form(m.port, '/master/unreserve', {
      slaveId: agentId,
      resources: JSON.stringify([reserved('cpus', 1), reserved('disk', 512)]),
    });
    expect(unreserved.status).toBe(202);
    const slaves = await get(m.port, '/master/slaves');
    expect(slaves.body.slaves[0].reserved_resources).toEqual({});
    // Refusals name what is wrong.
    const tooMuch = await form(m.port, '/master/reserve', {
      slaveId: agentId,
      resources: JSON.stringify([reserved('cpus', 9)]),
    });
    expect([tooMuch.status, tooMuch.body]).toEqual([409, expect.stringMatching(/has no free cpus/)]);
    expect((await form(m.port, '/master/reserve', { resources: '[]' })).body).toMatch(/Missing 'slaveId'/);
    expect((await form(m.port, '/master/reserve', { slaveId: agentId, resources: '[{' })).body).toMatch(
      /not JSON/,
    );
    const noAgent = await call(m.port, { type: 'CREATE_VOLUMES', create_volumes: { volumes: [] } });
    expect([noAgent.status, noAgent.body]).toEqual([
      400,
      "Expecting 'create_volumes.agent_id' to be present",
    ]);
  });

  it('sets quota and weights live (v1 and /quota, /weights) and shows them in reads', async () => {
    const m = await live.start();
    const quota = { role: 'prod', guarantees: { cpus: { value: 2 } }, limits: { cpus: { value: 4 } } };
    expect(
      (await call(m.port, { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [quota] } })).status,
    ).toBe(200);
    const got = (await call(m.port, { type: 'GET_QUOTA' })).body as Json;
    expect(got.get_quota.status.configs).toEqual([quota]);
    const bad = await call(m.port, {
      type: 'UPDATE_QUOTA',
      update_quota: {
        quota_configs: [{ role: 'dev', guarantees: { cpus: { value: 5 } }, limits: { cpus: { value: 1 } } }],
      },
    });
    expect([bad.status, bad.body]).toEqual([400, expect.stringMatching(/exceeds its limit/)]);
    const post = await rawRequest(m.port, {
      path: '/quota',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        role: 'dev',
        guarantee: [{ name: 'mem', type: 'SCALAR', scalar: { value: 256 } }],
      }),
    });
    expect(post.status).toBe(200);
    expect((await get(m.port, '/quota')).body.configs.map((c: Json) => c.role)).toEqual(['dev', 'prod']);
    expect((await rawRequest(m.port, { method: 'DELETE', path: '/quota/dev' })).status).toBe(200);
    expect((await get(m.port, '/master/quota')).body.configs.map((c: Json) => c.role)).toEqual(['prod']);
    const put = await rawRequest(m.port, {
      method: 'PUT',
      path: '/weights',
      body: JSON.stringify([{ role: 'prod', weight: 3 }]),
    });
    expect(put.status).toBe(200);
    expect((await get(m.port, '/weights')).body).toEqual([{ role: 'prod', weight: 3 }]);
    const roles = (await call(m.port, { type: 'GET_ROLES' })).body as Json;
    expect(roles.get_roles.roles).toEqual([{ name: 'prod', weight: 3, frameworks: [], resources: [] }]);
    expect((await get(m.port, '/master/roles')).body.roles[0]).toMatchObject({ name: 'prod', weight: 3 });
  });

  it('deactivates, drains and marks an agent gone; its task ends TASK_GONE_BY_OPERATOR', async () => {
    const m = await live.start();
    const framework = await live.framework('drain', { roles: ['prod'] });
    const { agent, agentId } = await live.agent('ops-2', 'cpus:2;mem:1024');
    const offer = (await framework.stream.events.next((e) => e.type === 'OFFERS')).item.offers.offers[0];
    const task = commandTaskInfo('t1', agentId, { cpus: 1, mem: 128, command: 'sleep 100' });
    expect((await framework.call(acceptLaunchCall(offer.id, [task]))).status).toBe(202);
    await agent.messages.next((msg) => msg.type === 'run_task');
    sendStatusUpdate(agent, framework.frameworkId, 't1', 'TASK_RUNNING');
    const agent_id = { value: agentId };
    expect((await call(m.port, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id } })).status).toBe(
      200,
    );
    expect(((await call(m.port, { type: 'GET_AGENTS' })).body as Json).get_agents.agents[0].deactivated).toBe(
      true,
    );
    const drain = await call(m.port, {
      type: 'DRAIN_AGENT',
      drain_agent: { agent_id, max_grace_period: '2s' },
    });
    expect(drain.status).toBe(200);
    const kill = await agent.messages.next((msg) => msg.type === 'kill_task');
    expect(kill.item.kill_policy).toEqual({ grace_period: { nanoseconds: 2e9 } });
    const gone = await call(m.port, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id } });
    expect(gone.status).toBe(200);
    const update = await framework.stream.events.next(
      (e) => e.type === 'UPDATE' && e.update.status.state !== 'TASK_RUNNING',
    );
    expect(update.item.update.status.state).toBe('TASK_GONE_BY_OPERATOR');
    const again = await call(m.port, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id } });
    expect(again.status).toBe(400);
    const badDrain = await call(m.port, {
      type: 'DRAIN_AGENT',
      drain_agent: { agent_id, max_grace_period: 'soon' },
    });
    expect([badDrain.status, badDrain.body]).toEqual([400, expect.stringMatching(/max_grace_period/)]);
  });
});

describe('operator reads and older endpoints on a live master', () => {
  it('answers flags, metrics, logging level, operations, files and the older reads', async () => {
    const m = await live.start();
    await live.agent('ops-3', 'cpus:2;mem:1024');
    const flags = (await call(m.port, { type: 'GET_FLAGS' })).body as Json;
    expect(flags.get_flags.flags).toContainEqual({ name: 'allocator_policy', value: 'drf' });
    const metrics = (await call(m.port, { type: 'GET_METRICS', get_metrics: {} })).body as Json;
    expect(metrics.get_metrics.metrics).toContainEqual({ name: 'master/slaves_active', value: 1 });
    expect((await call(m.port, { type: 'GET_LOGGING_LEVEL' })).body).toEqual({
      type: 'GET_LOGGING_LEVEL',
      get_logging_level: { level: 0 },
    });
    const set = await call(m.port, {
      type: 'SET_LOGGING_LEVEL',
      set_logging_level: { level: 1, duration: { nanoseconds: 60e9 } },
    });
    expect(set.status).toBe(200);
    expect(((await call(m.port, { type: 'GET_LOGGING_LEVEL' })).body as Json).get_logging_level.level).toBe(
      1,
    );
    expect((await call(m.port, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: -1 } })).status).toBe(
      400,
    );
    expect(((await call(m.port, { type: 'GET_OPERATIONS' })).body as Json).get_operations).toEqual({
      operations: [],
    });
    const files = await call(m.port, { type: 'LIST_FILES', list_files: { path: '/master/log' } });
    expect([files.status, files.body]).toEqual([404, expect.stringMatching(/serves no files/)]);
    expect((await get(m.port, '/metrics/snapshot')).body['master/cpus_total']).toBe(2);
    const summary = (await get(m.port, '/master/state-summary')).body;
    expect(summary.slaves[0]).toMatchObject({ hostname: 'ops-3', TASK_RUNNING: 0, framework_ids: [] });
    expect((await get(m.port, '/master/frameworks')).body).toEqual({
      frameworks: [],
      completed_frameworks: [],
      unregistered_frameworks: [],
    });
    expect((await get(m.port, '/master/tasks?limit=5')).body).toEqual({ tasks: [] });
    expect((await get(m.port, '/master/tasks?limit=x')).status).toBe(400);
    expect((await get(m.port, '/master/flags')).body.flags.allocator_policy).toBe('drf');
    expect((await get(m.port, '/flags')).body.flags.allocator_policy).toBe('drf');
    expect((await get(m.port, '/version')).body.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await rawRequest(m.port, { method: 'DELETE', path: '/master/slaves' })).status).toBe(405);
    const teardown = await form(m.port, '/master/teardown', { frameworkId: 'nope' });
    expect([teardown.status, teardown.body]).toEqual([400, expect.stringMatching(/No framework found/)]);
  });
});

describe('operation feedback on a live master', () => {
  it('reports an operation with an id, takes its acknowledgement and reconciles it', async () => {
    await live.start();
    const framework = await live.framework('feedback', {
      roles: ['prod'],
      capabilities: [{ type: 'MULTI_ROLE' }],
    });
    await live.agent('ops-4', 'cpus:2;mem:1024');
    const offer = (await framework.stream.events.next((e) => e.type === 'OFFERS')).item.offers.offers[0];
    const reserve = {
      type: 'RESERVE',
      id: { value: 'op-1' },
      reserve: { resources: [{ ...reserved('cpus', 1), allocation_info: { role: 'prod' } }] },
    };
    const accepted = await framework.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [reserve] },
    });
    expect(accepted.status).toBe(202);
    const update = (await framework.stream.events.next((e) => e.type === 'UPDATE_OPERATION_STATUS')).item;
    const status = update.update_operation_status.status;
    expect([status.operation_id.value, status.state]).toEqual(['op-1', 'OPERATION_FINISHED']);
    const ack = await framework.call({
      type: 'ACKNOWLEDGE_OPERATION_STATUS',
      acknowledge_operation_status: {
        agent_id: status.agent_id,
        uuid: status.uuid.value,
        operation_id: { value: 'op-1' },
      },
    });
    expect(ack.status).toBe(202);
    const before = framework.stream.events.items.length;
    const rec = await framework.call({
      type: 'RECONCILE_OPERATIONS',
      reconcile_operations: { operations: [{ operation_id: { value: 'op-1' } }] },
    });
    expect(rec.status).toBe(202);
    const answer = (await framework.stream.events.next((e) => e.type === 'UPDATE_OPERATION_STATUS', before))
      .item;
    expect(answer.update_operation_status.status.state).toBe('OPERATION_FINISHED');
    expect(answer.update_operation_status.status.uuid).toBeUndefined();
  });
});
