// An agent id stays bound to the principal that registered it across a master's restart on its
// --work_dir (killed with SIGKILL) and across a ZooKeeper failover: the principal is kept in the
// registry the master persists, and the master built from that registry refuses a connection
// authenticated as another principal that re-registers with the agent's id, while the agent's own
// principal re-registers it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { basicAuthorization } from '../../runtime/wire/credentials.ts';
import { startEnsemble, type ZooKeeperEnsemble } from '../../runtime/zk/ensemble.ts';
import { createZkRegistryStore } from '../../runtime/zk/registry-store.ts';
import { openSession } from '../../runtime/zk/session.ts';
import { eventually, freePort, getJson, type Json, Processes, type Spawned } from './e2e-harness.ts';
import { awaitLeader, group_path, startHaMaster } from './ha-harness.ts';
import { connectAgent, type FakeAgent, registerAgent } from './master-client.ts';

const procs = new Processes();
const agents: FakeAgent[] = [];
let zk: ZooKeeperEnsemble | undefined;

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  await procs.cleanup();
});
afterAll(async () => {
  await zk?.stop();
});

const p1 = { principal: 'p1', secret: 'p1-secret' };
const p2 = { principal: 'p2', secret: 'p2-secret' };
const auth = (c: { principal: string; secret: string }) => ({ Authorization: basicAuthorization(c) });

/** The master flags requiring agents to authenticate as one of p1 and p2. */
async function securityFlags(): Promise<string[]> {
  const path = join(await procs.dir(), 'credentials.json');
  writeFileSync(path, JSON.stringify({ credentials: [p1, p2] }), { mode: 0o600 });
  return [`--credentials=${path}`, '--authenticate_agents=true'];
}

async function connected(port: number, who: typeof p1): Promise<FakeAgent> {
  const agent = await connectAgent(port, auth(who));
  agents.push(agent);
  return agent;
}

function reregister(agent: FakeAgent, id: string): void {
  agent.send({
    type: 'reregister',
    agent_info: { id: { value: id }, hostname: 'a1', port: 5051, resources: 'cpus:4;mem:4096' },
  });
}

/** p2 re-registering with `id` is refused; then p1 re-registers it and it is active. */
async function onlyItsPrincipalReregisters(port: number, id: string): Promise<void> {
  const impostor = await connected(port, p2);
  reregister(impostor, id);
  const { item } = await impostor.messages.next((m) => m.type === 'error');
  expect(item.message).toBe(`agent ${id} is registered by another principal; refusing to re-register it`);
  expect(impostor.messages.items.some((m) => m.type === 'reregistered')).toBe(false);
  const real = await connected(port, p1);
  reregister(real, id);
  const { item: answer } = await real.messages.next((m) => m.type === 'reregistered' || m.type === 'error');
  expect(answer).toMatchObject({ type: 'reregistered', agent_id: { value: id } });
  const state = await getJson(port, '/master/state');
  expect(state.slaves.map((s: Json) => [s.id, s.active])).toEqual([[id, true]]);
}

async function serving(port: number, master: Spawned): Promise<void> {
  await eventually(
    async () => (await fetch(`http://127.0.0.1:${port}/master/health`).catch(() => undefined))?.ok === true,
    15_000,
    'the master serving',
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${master.stderr()}`);
  });
}

describe("an agent's principal is kept in the registry", () => {
  it('binds the agent id to its principal after the master is killed and restarted on its --work_dir', async () => {
    const work_dir = join(await procs.dir(), 'master');
    const port = await freePort();
    const flags = [
      'master',
      `--port=${port}`,
      `--work_dir=${work_dir}`,
      '--agent_reregister_timeout=30secs',
      '--log_level=warn',
      ...(await securityFlags()),
    ];
    let master = procs.meso(flags);
    await serving(port, master);
    const id = await registerAgent(await connected(port, p1), 'a1');

    master.child.kill('SIGKILL');
    await master.exited;
    await Promise.all(agents.splice(0).map((a) => a.close()));
    master = procs.meso(flags);
    await serving(port, master);
    await onlyItsPrincipalReregisters(port, id);
  });

  it('binds the agent id to its principal on the master that leads after a failover', async () => {
    zk ??= await startEnsemble({ servers: 1 });
    const flags = await securityFlags();
    const a = await startHaMaster(procs, zk, flags);
    const b = await startHaMaster(procs, zk, flags);
    const leader = await awaitLeader(zk, [a, b]);
    const standby = leader === a ? b : a;
    const id = await registerAgent(await connected(leader.port, p1), 'a1');
    // A leader writes ZooKeeper behind the step: the kill waits for the binding to be there.
    const reader = await openSession(zk.connect, 5000);
    try {
      const store = createZkRegistryStore(reader, group_path, () => undefined);
      await eventually(
        async () => (await store.load())?.agent_principals?.some((e) => e.agent_id === id) === true,
        15_000,
        'the registry in ZooKeeper holding the agent with its principal',
      );
      expect((await store.load())?.agent_principals).toEqual([{ agent_id: id, principal: 'p1' }]);
    } finally {
      reader.close();
    }

    leader.process.child.kill('SIGKILL');
    await leader.process.exited;
    await Promise.all(agents.splice(0).map((agent) => agent.close()));
    expect(await awaitLeader(zk, [standby], 30_000)).toBe(standby);
    await onlyItsPrincipalReregisters(standby.port, id);
  }, 90_000);
});
