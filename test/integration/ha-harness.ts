// An HA cluster for the failover tests: a real ZooKeeper ensemble, `meso master --zk` processes
// and `meso agent --master zk://` processes, and a reader of the group that knows only Mesos's
// layout (its own ZooKeeper client: list the path, take the lowest json.info_, read it).
import zookeeper from 'node-zookeeper-client';
import type { Offer } from '../../engine/master/v1.ts';
import type { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import type { ZooKeeperEnsemble } from '../../runtime/zk/ensemble.ts';
import { testFrameworkInfo } from './e2e-agent.ts';
import {
  eventually,
  freePort,
  getJson,
  type Json,
  type Processes,
  type Spawned,
  startTestFramework,
  type TestFramework,
} from './e2e-harness.ts';

/** The path masters contend under in these tests. */
export const group_path = '/meso-test';

/** A master process and its port. */
export interface HaMaster {
  readonly port: number;
  readonly process: Spawned;
}

/** The arguments of an HA master (its ZooKeeper session timeout `session`, 2 s unless given). */
export function haMasterArgs(
  zk: ZooKeeperEnsemble,
  port: number,
  extra: readonly string[] = [],
  session = '2secs',
): string[] {
  return [
    'master',
    `--port=${port}`,
    `--zk=${zk.url(group_path)}`,
    `--zk_session_timeout=${session}`,
    '--allocation_interval_ms=100',
    '--heartbeat_interval_seconds=1',
    '--agent_reregister_timeout=20secs',
    '--log_level=warn',
    ...extra,
  ];
}

/** Starts an HA master and waits until it knows who leads (its /master/redirect answers 307). */
export async function startHaMaster(
  procs: Processes,
  zk: ZooKeeperEnsemble,
  extra: readonly string[] = [],
  session?: string,
): Promise<HaMaster> {
  const port = await freePort();
  const process = procs.meso(haMasterArgs(zk, port, extra, session));
  await eventually(
    async () => {
      const url = `http://127.0.0.1:${port}/master/redirect`;
      return (await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2000) })).status === 307;
    },
    20_000,
    'a master knowing who leads',
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${process.stderr()}`);
  });
  return { port, process };
}

/** What a Mesos-only tool reads from the group: the leading MasterInfo, or undefined. */
export function leaderByMesosLayout(connect: string, path = group_path): Promise<Json | undefined> {
  const client = zookeeper.createClient(connect, { sessionTimeout: 2000, retries: 0 });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`ZooKeeper at ${connect} did not answer`)), 5000);
    const done = (err: Error | null, value?: Json): void => {
      clearTimeout(timer);
      client.close();
      if (err) reject(err);
      else resolve(value);
    };
    client.once('connected', () => {
      client.getChildren(path, (err, children) => {
        if (err) return done(err as Error);
        const members = children.filter((c) => /^json\.info_\d+$/.test(c)).sort();
        if (members.length === 0) return done(null, undefined);
        client.getData(`${path}/${members[0]}`, (err2, data) => {
          if (err2) return done(err2 as Error);
          done(null, JSON.parse(data.toString('utf8')) as Json);
        });
      });
    });
    client.connect();
  });
}

/** Waits until a Mesos-only reader finds a leader among `masters`; returns it. */
export async function awaitLeader(
  zk: ZooKeeperEnsemble,
  masters: readonly HaMaster[],
  timeout_ms = 20_000,
): Promise<HaMaster> {
  let found: HaMaster | undefined;
  await eventually(
    async () => {
      const info = await leaderByMesosLayout(zk.connect);
      found = masters.find((m) => m.port === info?.address?.port && !m.process.done());
      if (found === undefined) return false;
      // The leader has recovered and acts: its state page says when it was elected.
      return (await getJson(found.port, '/master/state')).elected_time !== undefined;
    },
    timeout_ms,
    'a leading master',
  );
  return found!;
}

/** The agents a master's state page shows active. */
export async function activeAgents(port: number): Promise<number> {
  return (await getJson(port, '/master/state')).slaves.filter((s: Json) => s.active).length;
}

/** Two HA masters (one leads), an agent and a framework, all following the group through zk://. */
export interface HaCluster {
  readonly leader: HaMaster;
  readonly standby: HaMaster;
  readonly agent: Spawned;
  readonly fw: TestFramework;
}

/** Starts an HA cluster and waits until the agent is registered and the framework subscribed. */
export async function startHaCluster(
  procs: Processes,
  zk: ZooKeeperEnsemble,
  clients: SchedulerClient[],
  session?: string,
): Promise<HaCluster> {
  const a = await startHaMaster(procs, zk, [], session);
  const b = await startHaMaster(procs, zk, [], session);
  const leader = await awaitLeader(zk, [a, b]);
  const standby = leader === a ? b : a;
  const agent = procs.meso([
    'agent',
    `--master=${zk.url(group_path)}`,
    `--port=${await freePort()}`,
    `--work_dir=${await procs.dir()}/agent`,
    '--resources=cpus:2;mem:512;disk:512',
    '--log_level=warn',
  ]);
  await eventually(async () => (await activeAgents(leader.port)) === 1, 20_000, 'the agent registering');
  const fw = await startTestFramework(
    zk.url(group_path),
    { ...testFrameworkInfo('ha', true), failover_timeout: 120 },
    clients,
  );
  return { leader, standby, agent, fw };
}

/** Waits until `master` leads with the agent re-registered and the framework subscribed to it. */
export async function awaitFailover(
  zk: ZooKeeperEnsemble,
  master: HaMaster,
  fw: TestFramework,
): Promise<void> {
  const next = await awaitLeader(zk, [master], 20_000);
  if (next !== master) throw new Error(`master ${next.port} leads, not ${master.port}`);
  await eventually(async () => (await activeAgents(master.port)) === 1, 20_000, 'the agent re-registering');
  await eventually(
    () => fw.client.subscription?.master === `127.0.0.1:${master.port}`,
    20_000,
    'the framework re-subscribing',
  );
}

/** Waits for an offer made after the framework's first `from` events (by whoever leads now). */
export async function offerSince(fw: TestFramework, from: number, timeout_ms = 20_000): Promise<Offer> {
  let found: Offer | undefined;
  await eventually(
    () => {
      for (const e of fw.events.slice(from)) if (e.type === 'OFFERS') found ??= e.offers.offers[0] as Offer;
      return found !== undefined;
    },
    timeout_ms,
    'an offer from the leading master',
  );
  return found!;
}
