// Master failover against a real three-server ZooKeeper ensemble: two `meso master --zk`
// processes, an agent and a framework that follow the leader through zk://. The leader is killed
// with SIGKILL while tasks run: the standby leads, the agent re-registers, the framework
// re-subscribes with its id, every task runs on to FINISHED with no update lost or duplicated
// beyond what acknowledgements allow, and reconciliation answers on the new leader. A leader
// stopped with SIGTERM deletes its node, so the standby leads without waiting out the session.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TaskStatus } from '../../engine/master/v1.ts';
import type { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import { startEnsemble, type ZooKeeperEnsemble } from '../../runtime/zk/ensemble.ts';
import { commandTasks } from './e2e-agent.ts';
import { eventually, getJson, type Json, Processes, type TestFramework } from './e2e-harness.ts';
import { awaitFailover, leaderByMesosLayout, offerSince, startHaCluster } from './ha-harness.ts';

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

/** The updates the agent sent for each task (reconciliation answers aside), in order. */
function agentUpdates(fw: TestFramework): TaskStatus[] {
  return fw.events.flatMap((e) =>
    e.type === 'UPDATE' && e.update.status.reason !== 'REASON_RECONCILIATION'
      ? [e.update.status as TaskStatus]
      : [],
  );
}

/**
 * Waits for the agent's own update of `task_id` in `state`. A reconciliation answer may say the
 * same earlier: an update sent while the framework had not yet re-subscribed is dropped by the
 * master, and the agent resends it after its retry interval (10 s, as Mesos's).
 */
async function agentUpdate(fw: TestFramework, task_id: string, state: string): Promise<void> {
  await eventually(
    () => agentUpdates(fw).some((s) => s.task_id.value === task_id && s.state === state),
    30_000,
    `${state} of ${task_id} from the agent`,
  );
}

/** Waits for a reconciliation answer about `task_id` after `from` events; returns its state. */
async function reconciled(fw: TestFramework, task_id: string, from: number): Promise<string> {
  let state: string | undefined;
  await eventually(
    () => {
      for (const e of fw.events.slice(from)) {
        if (e.type !== 'UPDATE') continue;
        const s = e.update.status;
        if (s.reason === 'REASON_RECONCILIATION' && s.task_id.value === task_id) state = s.state;
      }
      return state !== undefined;
    },
    20_000,
    `a reconciliation answer for ${task_id}`,
  );
  return state!;
}

describe('master failover with ZooKeeper', () => {
  it('kill -9 of the leader: the standby leads, every task finishes, reconciliation answers', async () => {
    const { leader, standby, fw } = await startHaCluster(procs, zk, clients);

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

    const offer = await fw.offer();
    const tasks = { t1: 'sleep 4', t2: 'sleep 4', t3: 'sleep 4', long: 'sleep 60' };
    await fw.client.launch([offer.id], commandTasks(offer, tasks), { refuse_seconds: 0 });
    for (const id of Object.keys(tasks)) await fw.update(id, 'TASK_RUNNING');
    const subscribed_to = fw.client.subscription?.master;

    leader.process.child.kill('SIGKILL');
    await awaitFailover(zk, standby, fw);
    expect(subscribed_to).toBe(`127.0.0.1:${leader.port}`);
    expect(fw.client.frameworkId).toBe(fw.id);

    // Reconciliation on the new leader: explicit (a known task, an unknown one) and implicit.
    const agent_id = offer.agent_id;
    let from = fw.events.length;
    await fw.client.reconcile([{ task_id: { value: 'long' }, agent_id }]);
    expect(await reconciled(fw, 'long', from)).toBe('TASK_RUNNING');
    from = fw.events.length;
    await fw.client.reconcile([{ task_id: { value: 'no-such-task' }, agent_id }]);
    expect(await reconciled(fw, 'no-such-task', from)).toBe('TASK_LOST');
    from = fw.events.length;
    await fw.client.reconcile();
    expect(await reconciled(fw, 'long', from)).toBe('TASK_RUNNING');

    for (const id of ['t1', 't2', 't3']) await agentUpdate(fw, id, 'TASK_FINISHED');
    await fw.client.kill({ value: 'long' }, agent_id);
    await agentUpdate(fw, 'long', 'TASK_KILLED');

    // Every task went RUNNING then terminal, in that order; an update seen twice is the same
    // update (one uuid) resent because its acknowledgement did not reach the agent.
    const updates = agentUpdates(fw);
    for (const [id, end] of [
      ['t1', 'TASK_FINISHED'],
      ['t2', 'TASK_FINISHED'],
      ['t3', 'TASK_FINISHED'],
      ['long', 'TASK_KILLED'],
    ] as const) {
      const mine = updates.filter((s) => s.task_id.value === id);
      const states = [...new Set(mine.map((s) => s.state))];
      expect(states.filter((s) => s !== 'TASK_STARTING')).toEqual(['TASK_RUNNING', end]);
      for (const state of states) {
        expect(new Set(mine.filter((s) => s.state === state).map((s) => s.uuid)).size).toBe(1);
      }
    }
    const state = await getJson(standby.port, '/master/state');
    const framework = state.frameworks.find((f: Json) => f.id === fw.id);
    expect(framework).toBeDefined();
  }, 120_000);

  it('SIGTERM of the leader: its node goes at once, so the standby leads within the session', async () => {
    // A session far longer than the wait below: a standby that had to wait for it would fail.
    const { leader, standby, fw } = await startHaCluster(procs, zk, clients, '60secs');
    leader.process.child.kill('SIGTERM');
    expect((await leader.process.exited).code).toBe(0);
    const info = await leaderByMesosLayout(zk.connect);
    expect(info?.address?.port).toBe(standby.port);
    const from = fw.events.length;
    await awaitFailover(zk, standby, fw);
    expect((await offerSince(fw, from)).agent_id.value).toBeDefined();
  }, 90_000);
});
