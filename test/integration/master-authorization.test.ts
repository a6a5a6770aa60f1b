// Mesos's ACLs on a live master with authentication on: each rule the master enforces is tried by a
// principal it allows and by one it denies. A denied call is 403 with a message and changes nothing;
// /master/state leaves out the frameworks a principal may not view.
import { afterEach, describe, expect, it } from 'vitest';
import { authorized, parseAcls } from '../../runtime/master/acls.ts';
import { basicAuthorization } from '../../runtime/wire/credentials.ts';
import { LiveMaster } from './live-master.ts';
import {
  connectAgent,
  type Json,
  masterState,
  openStream,
  postJson,
  rawRequest,
  registerAgent,
  subscribeCall,
} from './master-client.ts';

const live = new LiveMaster(45);
afterEach(() => live.cleanup());

const people = ['ops', 'dev', 'agent'].map((p) => ({ principal: p, secret: `${p}-secret` }));
const as = (principal: string) => ({
  Authorization: basicAuthorization({ principal, secret: `${principal}-secret` }),
});
const ops = { values: ['ops'] };
const acls = parseAcls(
  JSON.stringify({
    permissive: false,
    register_frameworks: [{ principals: { type: 'ANY' }, roles: { values: ['prod'] } }],
    teardown_frameworks: [{ principals: ops, framework_principals: { type: 'ANY' } }],
    update_weights: [{ principals: ops, roles: { type: 'ANY' } }],
    update_quotas: [{ principals: ops, roles: { values: ['prod'] } }],
    reserve_resources: [{ principals: ops, roles: { values: ['prod'] } }],
    unreserve_resources: [{ principals: ops, reserver_principals: { type: 'ANY' } }],
    create_volumes: [{ principals: ops, roles: { type: 'ANY' } }],
    destroy_volumes: [{ principals: ops, creator_principals: { type: 'ANY' } }],
    view_frameworks: [{ principals: ops, users: { type: 'ANY' } }],
    get_endpoints: [{ principals: ops, paths: { values: ['/metrics', '/metrics/snapshot'] } }],
  }),
);

async function start() {
  const m = await live.start({
    credentials: people,
    acls,
    authenticate_frameworks: true,
    authenticate_agents: true,
  });
  const agent = await connectAgent(m.port, as('agent'));
  live.agents.push(agent);
  const agent_id = { value: await registerAgent(agent, 'a1', 'cpus:4;mem:4096;disk:2048') };
  return { m, agent_id };
}

const reserved = (name: string, value: number, role = 'prod'): Json => ({
  name,
  type: 'SCALAR',
  scalar: { value },
  reservations: [{ type: 'DYNAMIC', role, principal: 'ops' }],
});

describe('ACLs', () => {
  it('evaluate as Mesos: the first matching rule decides, else permissive', () => {
    const list = parseAcls(
      '{"register_frameworks":[{"principals":{"values":["a"]},"roles":{"type":"NONE"}},{"principals":{"type":"ANY"},"roles":{"values":["r"]}}]}',
    );
    expect(authorized(list, 'register_frameworks', 'a', 'r')).toBe(false);
    expect(authorized(list, 'register_frameworks', 'b', 'r')).toBe(true);
    expect(authorized(list, 'register_frameworks', 'b', 'x')).toBe(true);
    expect(authorized({ ...list, permissive: false }, 'register_frameworks', 'b', 'x')).toBe(false);
    expect(() => parseAcls('{"launch_rockets":[]}')).toThrow(/unknown action 'launch_rockets'/);
    expect(() => parseAcls('{"update_weights":[{"roles":{"type":"SOME"}}]}')).toThrow(
      /type must be ANY or NONE/,
    );
  });

  it('register_frameworks by role; teardown_frameworks by framework principal', async () => {
    const { m } = await start();
    const denied = await openStream(
      m.port,
      '/api/v1/scheduler',
      subscribeCall('f', { roles: ['dev'] }),
      as('dev'),
    );
    live.streams.push(denied);
    expect([denied.status]).toEqual([403]);
    const allowed = await openStream(
      m.port,
      '/api/v1/scheduler',
      subscribeCall('f', { roles: ['prod'] }),
      as('dev'),
    );
    live.streams.push(allowed);
    expect(allowed.status).toBe(200);
    const id = (await allowed.events.next((e) => e.type === 'SUBSCRIBED')).item.subscribed.framework_id;
    const teardown = { type: 'TEARDOWN', teardown: { framework_id: id } };
    const no = await postJson(m.port, '/api/v1', teardown, as('dev'));
    expect([no.status, no.body]).toEqual([403, expect.stringMatching(/may not teardown frameworks/)]);
    expect((await masterState(m.port, as('ops'))).frameworks).toHaveLength(1);
    expect((await postJson(m.port, '/api/v1', teardown, as('ops'))).status).toBe(200);
    expect((await masterState(m.port, as('ops'))).frameworks).toHaveLength(0);
  });

  it('update_weights and update_quotas', async () => {
    const { m } = await start();
    const weights = {
      type: 'UPDATE_WEIGHTS',
      update_weights: { weight_infos: [{ role: 'prod', weight: 2 }] },
    };
    expect((await postJson(m.port, '/api/v1', weights, as('dev'))).status).toBe(403);
    expect((await masterState(m.port, as('ops'))).weights ?? []).toEqual([]);
    expect((await postJson(m.port, '/api/v1', weights, as('ops'))).status).toBe(200);
    const quota = (role: string) => ({
      type: 'UPDATE_QUOTA',
      update_quota: {
        quota_configs: [{ role, guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 1 } } }],
      },
    });
    expect((await postJson(m.port, '/api/v1', quota('prod'), as('dev'))).status).toBe(403);
    expect((await postJson(m.port, '/api/v1', quota('dev'), as('ops'))).status).toBe(403);
    expect((await postJson(m.port, '/api/v1', quota('prod'), as('ops'))).status).toBe(200);
    const got = JSON.parse(
      (await postJson(m.port, '/api/v1', { type: 'GET_QUOTA' }, as('ops'))).body,
    ) as Json;
    expect(got.get_quota.status.configs.map((c: Json) => c.role)).toEqual(['prod']);
  });

  it('reserve, create, destroy and unreserve resources', async () => {
    const { m, agent_id } = await start();
    const reserve = {
      type: 'RESERVE_RESOURCES',
      reserve_resources: { agent_id, resources: [reserved('disk', 512)] },
    };
    expect((await postJson(m.port, '/api/v1', reserve, as('dev'))).status).toBe(403);
    const devRole = {
      type: 'RESERVE_RESOURCES',
      reserve_resources: { agent_id, resources: [reserved('disk', 512, 'dev')] },
    };
    expect((await postJson(m.port, '/api/v1', devRole, as('ops'))).status).toBe(403);
    expect((await masterState(m.port, as('ops'))).slaves[0].reserved_resources).toEqual({});
    expect((await postJson(m.port, '/api/v1', reserve, as('ops'))).status).toBe(202);
    const volume = {
      ...reserved('disk', 512),
      disk: { persistence: { id: 'v1', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } },
    };
    const create = { type: 'CREATE_VOLUMES', create_volumes: { agent_id, volumes: [volume] } };
    const destroy = { type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id, volumes: [volume] } };
    const unreserve = {
      type: 'UNRESERVE_RESOURCES',
      unreserve_resources: { agent_id, resources: [reserved('disk', 512)] },
    };
    for (const call of [create, destroy, unreserve]) {
      expect((await postJson(m.port, '/api/v1', call, as('dev'))).status).toBe(403);
      expect((await postJson(m.port, '/api/v1', call, as('ops'))).status).toBe(202);
    }
    expect((await masterState(m.port, as('ops'))).slaves[0].reserved_resources).toEqual({});
  });

  it('view_frameworks filters /master/state; get_endpoints guards /metrics/snapshot', async () => {
    const { m } = await start();
    const f = await openStream(
      m.port,
      '/api/v1/scheduler',
      subscribeCall('f', { roles: ['prod'] }),
      as('dev'),
    );
    live.streams.push(f);
    await f.events.next((e) => e.type === 'SUBSCRIBED');
    expect((await masterState(m.port, as('ops'))).frameworks).toHaveLength(1);
    expect((await masterState(m.port, as('dev'))).frameworks).toHaveLength(0);
    expect((await masterState(m.port)).frameworks).toHaveLength(0);
    const get = (headers: Record<string, string>) =>
      rawRequest(m.port, { method: 'GET', path: '/metrics/snapshot', headers });
    expect((await get(as('dev'))).status).toBe(403);
    expect((await get(as('ops'))).status).toBe(200);
  });
});
