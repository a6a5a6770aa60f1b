// Faults around an HA cluster on a real three-server ZooKeeper ensemble: a leader frozen with
// SIGSTOP past its session timeout (it must not act once resumed, and it exits); one ZooKeeper
// server of three killed (the cluster carries on); the whole ensemble stopped and started again
// (the masters wait, then one leads from the registry with the framework and agent kept); and a
// `--zk` that is malformed or names no server (a clear message, never a crash).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import { startEnsemble, type ZooKeeperEnsemble } from '../../runtime/zk/ensemble.ts';
import { commandTasks } from './e2e-agent.ts';
import { eventually, freePort, getJson, Processes } from './e2e-harness.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

import {
  activeAgents,
  awaitFailover,
  awaitLeader,
  group_path,
  type HaMaster,
  offerSince,
  startHaCluster,
} from './ha-harness.ts';

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

/** Whether a master still runs and says it leads (master/elected in its metrics). */
async function actingMaster(m: HaMaster): Promise<boolean> {
  if (m.process.done()) return false;
  try {
    const res = await fetch(`http://127.0.0.1:${m.port}/metrics/snapshot`, {
      signal: AbortSignal.timeout(1000),
    });
    return ((await res.json()) as Record<string, number>)['master/elected'] === 1;
  } catch {
    return false;
  }
}

describe('an HA cluster meets faults', () => {
  it('a leader frozen past its session timeout does not act when resumed, and exits', async () => {
    const { leader, standby, fw } = await startHaCluster(procs, zk, clients);
    const frozen_id: string = (await getJson(leader.port, '/master/state')).id;
    const offer = await fw.offer();
    await fw.client.launch([offer.id], commandTasks(offer, { t1: 'sleep 6' }), { refuse_seconds: 0 });
    await fw.update('t1', 'TASK_RUNNING');

    process.kill(leader.process.pid, 'SIGSTOP');
    await awaitFailover(zk, standby, fw);
    const from = fw.events.length;
    process.kill(leader.process.pid, 'SIGCONT');
    const exit = await leader.process.exited;
    expect(exit.code).toBe(1);
    expect(leader.process.stderr()).toMatch(/stops acting as leader/);
    await fw.update('t1', 'TASK_FINISHED', 20_000);
    // Nothing came from the resumed master: every offer since names the new leader.
    const offers = fw.events.slice(from).flatMap((e) => (e.type === 'OFFERS' ? e.offers.offers : []));
    expect(offers.filter((o) => o.id.value.startsWith(frozen_id))).toEqual([]);
    expect((await awaitLeader(zk, [standby])).port).toBe(standby.port);
  }, 90_000);

  it('one ZooKeeper server of three killed, then the whole ensemble stopped and started', async () => {
    const { leader, standby, fw } = await startHaCluster(procs, zk, clients);
    const elected = (await getJson(leader.port, '/master/state')).elected_time;

    // One server of three: a quorum is left, the same master leads and a task runs.
    await zk.kill(0);
    let offer = await fw.offer();
    await fw.client.launch([offer.id], commandTasks(offer, { t1: 'sleep 1' }), { refuse_seconds: 0 });
    await fw.update('t1', 'TASK_FINISHED', 20_000);
    expect((await getJson(leader.port, '/master/state')).elected_time).toBe(elected);
    expect(await activeAgents(leader.port)).toBe(1);
    await zk.start(0);

    // The whole ensemble, for longer than the session timeout: no master may act meanwhile;
    // once it is back a master leads from the registry, and the agent and framework come back.
    for (let i = 0; i < zk.size; i++) await zk.kill(i);
    // Within its lease the leader stops acting (it then exits, as a Mesos master does).
    await eventually(
      async () => !(await actingMaster(leader)) && !(await actingMaster(standby)),
      10_000,
      'every master to stop acting',
    );
    await sleep(3000);
    await Promise.all([0, 1, 2].map((i) => zk.start(i)));
    const from = fw.events.length;
    const next = await awaitLeader(zk, [leader, standby], 30_000);
    await awaitFailover(zk, next, fw);
    expect(fw.client.frameworkId).toBe(fw.id);
    offer = await offerSince(fw, from);
    await fw.client.launch([offer.id], commandTasks(offer, { t2: 'sleep 1' }), { refuse_seconds: 0 });
    await fw.update('t2', 'TASK_FINISHED', 20_000);
    const state = await getJson(next.port, '/master/state');
    expect(state.frameworks.map((f: { id: string }) => f.id)).toContain(fw.id);
  }, 120_000);

  it('a malformed or unreachable --zk gets a clear message; an agent keeps trying', async () => {
    const port = await freePort();
    const malformed = procs.meso(['master', `--port=${port}`, '--zk=zk://127.0.0.1:notaport/meso']);
    expect((await malformed.exited).code).not.toBe(0);
    expect(malformed.stderr()).toMatch(/--zk|zk:\/\//);
    expect(malformed.stderr()).not.toMatch(/^\s+at /m);

    const dead = await freePort();
    const unreachable = procs.meso([
      'master',
      `--port=${port}`,
      `--zk=zk://127.0.0.1:${dead}/meso`,
      '--zk_session_timeout=1secs',
    ]);
    expect((await unreachable.exited).code).not.toBe(0);
    expect(unreachable.stderr()).toContain(`127.0.0.1:${dead}`);
    expect(unreachable.stderr()).not.toMatch(/^\s+at /m);

    const agent = procs.meso([
      'agent',
      `--master=zk://127.0.0.1:${dead}${group_path}`,
      `--port=${await freePort()}`,
      `--work_dir=${await procs.dir()}/agent`,
      '--resources=cpus:1;mem:128',
    ]);
    await eventually(
      () => /ZooKeeper unreachable/.test(agent.stderr() + agent.stdout()),
      20_000,
      'a warning',
    );
    expect(agent.done()).toBe(false);
  }, 60_000);
});
