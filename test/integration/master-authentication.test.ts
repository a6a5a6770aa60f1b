// The attacks a hostile client on loopback could make on an open master, each tried against a
// master with authentication on: a fake agent, a stolen agent id, a stolen framework, and operator
// calls and reads without credentials. Each is answered as Mesos would (401 with a challenge, 403,
// or a refused re-registration) and changes nothing; every realm is tried allowed and denied.

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
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

const live = new LiveMaster(43);
afterEach(() => live.cleanup());

const alice = { principal: 'alice', secret: 'alice-secret' };
const bob = { principal: 'bob', secret: 'bob-secret' };
const agent1 = { principal: 'agent1', secret: 'agent1-secret' };
const agent2 = { principal: 'agent2', secret: 'agent2-secret' };
const ops = { principal: 'ops', secret: 'ops-secret' };
const credentials = [alice, bob, agent1, agent2, ops];
const auth = (c: { principal: string; secret: string }) => ({ Authorization: basicAuthorization(c) });
const all_on = {
  credentials,
  authenticate_frameworks: true,
  authenticate_agents: true,
  authenticate_http_readonly: true,
  authenticate_http_readwrite: true,
};

/** The status line of an agent-channel upgrade refused before it opens. */
function upgradeStatus(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/agent`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', reject);
  });
}

describe('authentication', () => {
  it('refuses an agent without valid credentials (401) and admits one with them', async () => {
    const m = await live.start(all_on);
    expect(await upgradeStatus(m.port, {})).toBe(401);
    expect(await upgradeStatus(m.port, auth({ principal: 'agent1', secret: 'wrong' }))).toBe(401);
    expect(await upgradeStatus(m.port, { Authorization: 'Basic !!!' })).toBe(401);
    const agent = await connectAgent(m.port, auth(agent1));
    live.agents.push(agent);
    await registerAgent(agent, 'a1');
    expect((await masterState(m.port, auth(ops))).slaves).toHaveLength(1);
  });

  it('binds an agent id to its principal: another principal cannot re-register as it', async () => {
    const m = await live.start(all_on);
    const real = await connectAgent(m.port, auth(agent1));
    live.agents.push(real);
    const agentId = await registerAgent(real, 'a1');
    const impostor = await connectAgent(m.port, auth(agent2));
    live.agents.push(impostor);
    impostor.send({
      type: 'reregister',
      agent_info: { id: { value: agentId }, hostname: 'a1', port: 5051, resources: 'cpus:4;mem:4096' },
    });
    const { item } = await impostor.messages.next((msg) => msg.type === 'error');
    expect(item.message).toMatch(/registered by another principal/);
    const state = await masterState(m.port, auth(ops));
    expect(state.slaves.map((s: Json) => [s.id, s.active])).toEqual([[agentId, true]]);
    expect(impostor.messages.items.some((msg) => msg.type === 'reregistered')).toBe(false);
  });

  it('refuses a framework without credentials (401) or naming another principal (403)', async () => {
    const m = await live.start(all_on);
    const anonymous = await openStream(m.port, '/api/v1/scheduler', subscribeCall('f'));
    live.streams.push(anonymous);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Basic realm="mesos"');
    const mismatch = await openStream(
      m.port,
      '/api/v1/scheduler',
      subscribeCall('f', { principal: 'bob' }),
      auth(alice),
    );
    live.streams.push(mismatch);
    expect(mismatch.status).toBe(403);
    const ok = await openStream(m.port, '/api/v1/scheduler', subscribeCall('f'), auth(alice));
    live.streams.push(ok);
    expect(ok.status).toBe(200);
    const { item } = await ok.events.next((e) => e.type === 'SUBSCRIBED');
    const state = await masterState(m.port, auth(ops));
    expect(state.frameworks.map((f: Json) => [f.id, f.principal])).toEqual([
      [item.subscribed.framework_id.value, 'alice'],
    ]);
  });

  it('binds a framework id to its principal: another principal cannot take it over (403)', async () => {
    const m = await live.start(all_on);
    const victim = await openStream(m.port, '/api/v1/scheduler', subscribeCall('victim'), auth(alice));
    live.streams.push(victim);
    const subscribed = (await victim.events.next((e) => e.type === 'SUBSCRIBED')).item;
    const id = subscribed.subscribed.framework_id as Json;
    const takeover = subscribeCall('attacker', { id });
    takeover.framework_id = id;
    const attacker = await openStream(m.port, '/api/v1/scheduler', takeover, auth(bob));
    live.streams.push(attacker);
    expect(attacker.status).toBe(403);
    // Calls on the victim's stream by another principal are refused as well.
    const streamId = victim.headers['mesos-stream-id'] as string;
    const teardown = await postJson(
      m.port,
      '/api/v1/scheduler',
      { framework_id: id, type: 'TEARDOWN' },
      { 'Mesos-Stream-Id': streamId, ...auth(bob) },
    );
    expect(teardown.status).toBe(403);
    const state = await masterState(m.port, auth(ops));
    expect(state.frameworks.map((f: Json) => [f.name, f.active])).toEqual([['victim', true]]);
    // Its own principal may fail it over.
    victim.close();
    const again = await openStream(m.port, '/api/v1/scheduler', takeover, auth(alice));
    live.streams.push(again);
    expect(again.status).toBe(200);
  });

  it('guards the operator API (read-write) and reads (read-only); health stays open', async () => {
    const m = await live.start(all_on);
    const weights = { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'r', weight: 2 }] } };
    const denied = await postJson(m.port, '/api/v1', weights);
    expect([denied.status, denied.headers['www-authenticate']]).toEqual([401, 'Basic realm="mesos"']);
    expect((await postJson(m.port, '/api/v1', weights, auth({ ...ops, secret: 'x' }))).status).toBe(401);
    expect((await postJson(m.port, '/api/v1', weights, auth(ops))).status).toBe(200);
    const teardown = { type: 'TEARDOWN', teardown: { framework_id: { value: 'nope' } } };
    expect((await postJson(m.port, '/api/v1', teardown)).status).toBe(401);
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const legacy = { path: '/master/teardown', headers: form, body: 'frameworkId=nope' };
    expect((await rawRequest(m.port, legacy)).status).toBe(401);
    expect((await rawRequest(m.port, { ...legacy, headers: { ...form, ...auth(ops) } })).status).not.toBe(
      401,
    );
    for (const path of ['/master/state', '/metrics', '/weights', '/master/flags']) {
      expect((await rawRequest(m.port, { method: 'GET', path })).status).toBe(401);
      expect((await rawRequest(m.port, { method: 'GET', path, headers: auth(ops) })).status).toBe(200);
    }
    expect((await rawRequest(m.port, { method: 'GET', path: '/master/health' })).status).toBe(200);
    const state = await masterState(m.port, auth(ops));
    expect(JSON.stringify(state)).not.toMatch(/secret/);
    expect(state.flags.authenticate_agents).toBe('true');
  });

  it('leaves a realm open when its flag is off, yet checks credentials offered to it', async () => {
    const m = await live.start({ credentials, authenticate_frameworks: true });
    expect((await rawRequest(m.port, { method: 'GET', path: '/master/state' })).status).toBe(200);
    const bad = { Authorization: basicAuthorization({ principal: 'ops', secret: 'nope' }) };
    expect((await rawRequest(m.port, { method: 'GET', path: '/master/state', headers: bad })).status).toBe(
      401,
    );
    const agent = await connectAgent(m.port);
    live.agents.push(agent);
    await registerAgent(agent, 'a1');
  });

  it('refuses to start when a realm needs credentials and none are given', async () => {
    await expect(live.start({ authenticate_agents: true })).rejects.toThrow(
      /--authenticate_agents needs --credentials/,
    );
  });
});
