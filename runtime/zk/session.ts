// One ZooKeeper session over node-zookeeper-client, with the few calls meso makes as promises.
// Opening fails with a message naming the ensemble when no server answers in time, so a wrong
// `--zk` is reported instead of retried silently for ever. A call cut by a lost connection (the
// server it went through died, the session moves to another) is made again once the session is
// connected, for as long as the session can still live; only an expired session or an ensemble
// gone past the session timeout fails it. Calls are retried only where doing one twice is
// harmless: reads, removes (a node already gone counts as removed) and creates of a named node
// (NODE_EXISTS after a retry is left to the caller, which can tell its own node by its content).
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
  /** Sets the node's data if its version is `version`; resolves with the new version. */
  setData(path: string, data: Buffer, version: number): Promise<number>;
  close(): void;
}

/** The `NO_NODE` error code. */
export const no_node = zookeeper.Exception.NO_NODE;
export const node_exists = zookeeper.Exception.NODE_EXISTS;
export const bad_version = zookeeper.Exception.BAD_VERSION;
export const ephemeral_sequential = zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL;
export const persistent = zookeeper.CreateMode.PERSISTENT;
export const connection_loss = zookeeper.Exception.CONNECTION_LOSS;

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

/** Resolves once `client` is connected, or rejects when its session expires or `by_ms` passes. */
function connected(client: Client, by_ms: number): Promise<void> {
  if (client.getState() === zookeeper.State.SYNC_CONNECTED) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      clearTimeout(timer);
      client.removeListener('connected', onConnected);
      client.removeListener('expired', onExpired);
      if (err) reject(err);
      else resolve();
    };
    const onConnected = (): void => done();
    const onExpired = (): void => done(new Error('the ZooKeeper session expired'));
    const timer = setTimeout(
      () => done(new Error('no ZooKeeper server answered within the session timeout')),
      Math.max(0, by_ms - Date.now()),
    );
    client.on('connected', onConnected);
    client.on('expired', onExpired);
  });
}

/**
 * Makes `call` again after each lost connection until the session is connected, within the session
 * timeout from the first loss; `retried` tells `call` whether an earlier attempt may have applied.
 */
async function withReconnects<T>(client: Client, call: (retried: boolean) => Promise<T>): Promise<T> {
  let by_ms: number | undefined;
  for (;;) {
    try {
      return await call(by_ms !== undefined);
    } catch (err) {
      if (zkCode(err) !== connection_loss) throw err;
      by_ms ??= Date.now() + client.getSessionTimeout();
      if (Date.now() >= by_ms) throw err;
      await connected(client, by_ms).catch(() => {
        throw err;
      });
    }
  }
}

function sessionOf(client: Client): ZkSession {
  const again = <T>(call: (retried: boolean) => Promise<T>): Promise<T> => withReconnects(client, call);
  return {
    client,
    session_timeout_ms: client.getSessionTimeout(),
    // A sequential node cannot be told from another's, so its creation is never made twice.
    create: (path, data, mode) =>
      mode === ephemeral_sequential
        ? promised((cb) => client.create(path, data, mode, cb))
        : again(() => promised((cb) => client.create(path, data, mode, cb))),
    mkdirp: (path) => again(() => promised<string>((cb) => client.mkdirp(path, cb))).then(() => undefined),
    children: (path, watch) =>
      again(() =>
        promised<string[]>((cb) =>
          watch ? client.getChildren(path, watch, cb) : client.getChildren(path, cb),
        ),
      ),
    read: (path, watch) => again(() => read(client, path, watch)),
    exists: (path) =>
      again(() => promised<Stat>((cb) => client.exists(path, cb))).then((stat) => stat ?? undefined),
    remove: (path, version = -1) =>
      again((retried) =>
        promised<void>((cb) => client.remove(path, version, (err) => cb(err, undefined))).catch(
          (err: unknown) => {
            if (retried && zkCode(err) === no_node) return;
            throw err;
          },
        ),
      ),
    setData: (path, data, version) =>
      again(() =>
        promised<Stat>((cb) => client.setData(path, data, version, cb)).then((stat) => stat.version),
      ),
    close: () => client.close(),
  };
}

function read(
  client: Client,
  path: string,
  watch: ((event: Event) => void) | undefined,
): Promise<{ data: Buffer; version: number } | undefined> {
  return new Promise((resolve, reject) => {
    const cb = (err: ZkError, data: Buffer, stat: Stat): void => {
      if (err && zkCode(err) === no_node) resolve(undefined);
      else if (err) reject(err);
      else resolve({ data: data ?? Buffer.alloc(0), version: stat.version });
    };
    if (watch) client.getData(path, watch, cb);
    else client.getData(path, cb);
  });
}
