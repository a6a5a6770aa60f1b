// An HA cluster for the failover tests: a real ZooKeeper ensemble, `meso master --zk` processes
// and `meso agent --master zk://` processes, and a reader of the group that knows only Mesos's
// layout (its own ZooKeeper client: list the path, take the lowest json.info_, read it).
import zookeeper from 'node-zookeeper-client';
import { startEnsemble, type ZooKeeperEnsemble } from '../../runtime/zk/ensemble.ts';
import { eventually, freePort, getJson, type Json, type Processes, type Spawned } from './e2e-harness.ts';

/** The path masters contend under in these tests. */
export const group_path = '/meso-test';

/** A master process and its port. */
export interface HaMaster {
  readonly port: number;
  readonly process: Spawned;
}

/** The arguments of an HA master. */
export function haMasterArgs(zk: ZooKeeperEnsemble, port: number, extra: readonly string[] = []): string[] {
  return [
    'master',
    `--port=${port}`,
    `--zk=${zk.url(group_path)}`,
    '--zk_session_timeout=2secs',
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
): Promise<HaMaster> {
  const port = await freePort();
  const process = procs.meso(haMasterArgs(zk, port, extra));
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
