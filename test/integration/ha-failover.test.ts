// Master failover against a real three-server ZooKeeper ensemble: two `meso master --zk`
// processes, an agent and a framework that follow the leader through zk://. The leader is killed
// with SIGKILL while a task runs; the standby leads, the agent re-registers, the framework
// re-subscribes with its id, and the task runs on to FINISHED with each update delivered.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import { startEnsemble, type ZooKeeperEnsemble } from '../../runtime/zk/ensemble.ts';
import { commandTasks, testFrameworkInfo } from './e2e-agent.ts';
import { eventually, freePort, getJson, type Json, Processes, startTestFramework } from './e2e-harness.ts';
import { awaitLeader, group_path, leaderByMesosLayout, startHaMaster } from './ha-harness.ts';

const procs = new Processes();
const clients: SchedulerClient[] = [];
let zk: ZooKeeperEnsemble;

beforeAll(async () => {
  zk = await startEnsemble({ servers: 3 });
}, 60_000);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await procs.cleanup();
});
afterAll(async () => {
  await zk?.stop();
});

async function activeAgents(port: number): Promise<number> {
  return (await getJson(port, '/master/state')).slaves.filter((s: Json) => s.active).length;
}

describe('master failover with ZooKeeper', () => {
  it('kill -9 of the leader: the standby leads and the running task finishes', async () => {
    const a = await startHaMaster(procs, zk);
    const b = await startHaMaster(procs, zk);
    const leader = await awaitLeader(zk, [a, b]);
    const standby = leader === a ? b : a;

    // The standby redirects to the leader and shows the leader's info, without an election time.
    const redirect = await fetch(`http://127.0.0.1:${standby.port}/master/redirect`, { redirect: 'manual' });
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe(`//127.0.0.1:${leader.port}`);
    const call = await fetch(`http://127.0.0.1:${standby.port}/api/v1/scheduler`, {
      method: 'POST',
      redirect: 'manual',
      body: '{}',
    });
    expect(call.status).toBe(307);
    expect(call.headers.get('location')).toBe(`//127.0.0.1:${leader.port}/api/v1/scheduler`);
    const shown = await getJson(standby.port, '/master/state');
    expect(shown.elected_time).toBeUndefined();
    expect(shown.leader_info.address.port).toBe(leader.port);
    const info = await leaderByMesosLayout(zk.connect);
    expect(info).toMatchObject({
      port: leader.port,
      pid: `master@127.0.0.1:${leader.port}`,
      hostname: '127.0.0.1',
    });
    expect(info?.ip).toBe(0x0100007f);

    const work_dir = `${await procs.dir()}/agent`;
    procs.meso([
      'agent',
      `--master=${zk.url(group_path)}`,
      `--port=${await freePort()}`,
      `--work_dir=${work_dir}`,
      '--resources=cpus:2;mem:512;disk:512',
      '--log_level=warn',
    ]);
    await eventually(async () => (await activeAgents(leader.port)) === 1, 20_000, 'the agent registering');
    const fw = await startTestFramework(
      zk.url(group_path),
      { ...testFrameworkInfo('ha', true), failover_timeout: 120 },
      clients,
    );
    const offer = await fw.offer();
    await fw.client.launch([offer.id], commandTasks(offer, { t1: 'sleep 4' }), { refuse_seconds: 0 });
    await fw.update('t1', 'TASK_RUNNING');
    const subscribed_to = fw.client.subscription?.master;

    leader.process.child.kill('SIGKILL');
    const next = await awaitLeader(zk, [standby], 20_000);
    expect(next).toBe(standby);
    await eventually(
      async () => (await activeAgents(standby.port)) === 1,
      20_000,
      'the agent re-registering',
    );
    await eventually(
      () => fw.client.subscription?.master === `127.0.0.1:${standby.port}`,
      20_000,
      'the framework re-subscribing',
    );
    expect(subscribed_to).toBe(`127.0.0.1:${leader.port}`);
    expect(fw.client.frameworkId).toBe(fw.id);
    await fw.update('t1', 'TASK_FINISHED', 20_000);
    const state = await getJson(standby.port, '/master/state');
    const framework = [...state.frameworks, ...state.completed_frameworks].find((f: Json) => f.id === fw.id);
    expect(framework).toBeDefined();
    const finished = fw.events.filter(
      (e) => e.type === 'UPDATE' && e.update.status.state === 'TASK_FINISHED',
    );
    expect(finished.length).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
