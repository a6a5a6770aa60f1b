// One ZooKeeper session over node-zookeeper-client, with the few calls meso makes as promises.
// Opening fails with a message naming the ensemble when no server answers in time, so a wrong
// `--zk` is reported instead of retried silently for ever.
import zookeeper, { type Client, type Event, type Stat } from 'node-zookeeper-client';

/** A connected session. */
export interface ZkSession {
  readonly client: Client;
  /** The session timeout the ensemble granted, in ms. */
  readonly session_timeout_ms: number;
  create(path: string, data: Buffer, mode: number): Promise<string>;
  mkdirp(path: string): Promise<void>;
  children(path: string, watch?: (event: Event) => void): Promise<string[]>;
  /** The node's data and version, or undefined when it does not exist. */
  read(path: string, watch?: (event: Event) => void): Promise<{ data: Buffer; version: number } | undefined>;
  exists(path: string): Promise<Stat | undefined>;
  remove(path: string, version?: number): Promise<void>;
  close(): void;
}

/** The `NO_NODE` error code. */
export const no_node = zookeeper.Exception.NO_NODE;
export const node_exists = zookeeper.Exception.NODE_EXISTS;
export const bad_version = zookeeper.Exception.BAD_VERSION;
export const ephemeral_sequential = zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL;
export const persistent = zookeeper.CreateMode.PERSISTENT;

/** The ZooKeeper error code of `err`, if it is one. */
export function zkCode(err: unknown): number | undefined {
  return err instanceof zookeeper.Exception ? err.getCode() : undefined;
}

type ZkError = Error | zookeeper.Exception | null;

function promised<T>(call: (cb: (err: ZkError, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    call((err, value) => (err ? reject(err) : resolve(value)));
  });
}

/** Opens a session to `servers` (`h1:p1,h2:p2`); rejects after `connect_timeout_ms` without one. */
export function openSession(
  servers: string,
  session_timeout_ms: number,
  connect_timeout_ms = Math.max(session_timeout_ms, 5000),
): Promise<ZkSession> {
  const client = zookeeper.createClient(servers, {
    sessionTimeout: session_timeout_ms,
    spinDelay: 100,
    retries: 0,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`no ZooKeeper server of '${servers}' answered within ${connect_timeout_ms} ms`));
    }, connect_timeout_ms);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(sessionOf(client));
    });
    client.connect();
  });
}

function sessionOf(client: Client): ZkSession {
  return {
    client,
    session_timeout_ms: client.getSessionTimeout(),
    create: (path, data, mode) => promised((cb) => client.create(path, data, mode, cb)),
    mkdirp: (path) => promised<string>((cb) => client.mkdirp(path, cb)).then(() => undefined),
    children: (path, watch) =>
      promised<string[]>((cb) =>
        watch ? client.getChildren(path, watch, cb) : client.getChildren(path, cb),
      ),
    read: (path, watch) =>
      new Promise((resolve, reject) => {
        const cb = (err: ZkError, data: Buffer, stat: Stat): void => {
          if (err && zkCode(err) === no_node) resolve(undefined);
          else if (err) reject(err);
          else resolve({ data: data ?? Buffer.alloc(0), version: stat.version });
        };
        if (watch) client.getData(path, watch, cb);
        else client.getData(path, cb);
      }),
    exists: (path) => promised<Stat>((cb) => client.exists(path, cb)).then((stat) => stat ?? undefined),
    remove: (path, version = -1) =>
      promised<void>((cb) => client.remove(path, version, (err) => cb(err, undefined))),
    close: () => client.close(),
  };
}
