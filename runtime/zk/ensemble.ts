// A ZooKeeper ensemble on this machine, for tests, benchmarks and trying HA out: one server
// (standalone) or several (a quorum) on 127.0.0.1 with free ports, data under a directory of its
// own, each server a `java ... QuorumPeerMain zoo.cfg` child stopped by PID. It runs Debian's
// `zookeeper` package (its jars under /usr/share/java). Ticks are short so sessions may be short
// and elections quick; the session bounds are set apart so callers may ask for 200 ms to 60 s.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const jar_dir = '/usr/share/java';
const class_path = [
  'zookeeper.jar',
  'zookeeper-jute.jar',
  'slf4j-api.jar',
  'slf4j-simple.jar',
  'netty-all.jar',
]
  .map((name) => join(jar_dir, name))
  .join(':');
const install_line = 'apt-get install -y zookeeper';
const tick_ms = 100;
const ready_wait_ms = 30_000;
/** Starts tried on fresh ports when a port was taken between choosing it and binding it. */
const start_attempts_max = 3;
/** How much of a server's own output is kept for an error message. */
const output_tail_chars_max = 4000;

/** One server of the ensemble. */
interface ServerSlot {
  readonly id: number;
  readonly client_port: number;
  readonly peer_port: number;
  readonly election_port: number;
  readonly dir: string;
  child: ChildProcess | undefined;
  /** The end of what the server printed since it was last launched. */
  output: string;
}

/** A server that ended while starting; `port_taken` when it could not bind a port. */
export class ZooKeeperStartError extends Error {
  readonly port_taken: boolean;
  constructor(message: string, port_taken: boolean) {
    super(message);
    this.port_taken = port_taken;
    this.name = 'ZooKeeperStartError';
  }
}

/** A running ensemble. */
export interface ZooKeeperEnsemble {
  /** `127.0.0.1:p1,127.0.0.1:p2,...`, the connection string of every server. */
  readonly connect: string;
  /** `zk://<connect><path>`. */
  url(path: string): string;
  readonly size: number;
  /** The client port of server `i` (0-based). */
  port(i: number): number;
  /** Kills server `i` with SIGKILL (a crash). */
  kill(i: number): Promise<void>;
  /** Starts server `i` again on its data; resolves when it serves. */
  start(i: number): Promise<void>;
  /** Stops every server and removes the data (unless the directory was given). */
  stop(): Promise<void>;
}

/** Options of `startEnsemble`. */
export interface EnsembleOptions {
  /** Number of servers (1: standalone; default 1). */
  readonly servers?: number;
  /** Data directory (default: a fresh one under the OS temp dir, removed on stop). */
  readonly dir?: string;
}

/**
 * `count` distinct free TCP ports on 127.0.0.1, as the OS hands them out. Every listener is held
 * until all are chosen, so no two are the same; another process may still take one before the
 * server binds it, which `startEnsemble` meets by starting again on fresh ports.
 */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, '127.0.0.1', () => {
              const address = server.address();
              resolve(typeof address === 'object' && address !== null ? address.port : 0);
            });
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((server) => new Promise((r) => server.close(r))));
  }
}

/** Sends a four-letter word and resolves with the answer ('' on any error). */
export function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.end(word));
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
    });
    socket.on('error', () => resolve(''));
    socket.on('close', () => resolve(answer));
  });
}

function config(slot: ServerSlot, slots: readonly ServerSlot[]): string {
  const lines = [
    `tickTime=${tick_ms}`,
    'initLimit=50',
    'syncLimit=20',
    'minSessionTimeout=200',
    'maxSessionTimeout=60000',
    `dataDir=${slot.dir}`,
    `clientPort=${slot.client_port}`,
    'clientPortAddress=127.0.0.1',
    '4lw.commands.whitelist=ruok,srvr,stat,mntr',
    'admin.enableServer=false',
    'standaloneEnabled=true',
  ];
  if (slots.length > 1) {
    for (const s of slots) lines.push(`server.${s.id}=127.0.0.1:${s.peer_port}:${s.election_port}`);
  }
  return `${lines.join('\n')}\n`;
}

function launch(slot: ServerSlot): void {
  const child = spawn(
    'java',
    [
      '-Xmx192m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xshare:auto',
      '-Dzookeeper.admin.enableServer=false',
      '-cp',
      class_path,
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      join(slot.dir, 'zoo.cfg'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.on('error', () => undefined);
  slot.output = '';
  // Drained always (a full pipe would stall the server); the tail explains a failed start.
  const keep = (chunk: Buffer): void => {
    slot.output = (slot.output + chunk.toString('utf8')).slice(-output_tail_chars_max);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  slot.child = child;
}

/** Waits until server `slot` says it serves (standalone, leader or follower). */
async function serving(slot: ServerSlot, quorum: boolean): Promise<void> {
  const deadline = Date.now() + ready_wait_ms;
  while (Date.now() < deadline) {
    const code = slot.child?.exitCode;
    if (code !== null && code !== undefined) {
      // Let the pipes drain so the tail holds the server's last words.
      await new Promise((r) => setTimeout(r, 50));
      const tail = slot.output.trim().split('\n').slice(-12).join('\n');
      throw new ZooKeeperStartError(
        `ZooKeeper server ${slot.id} (ports ${slot.client_port}, ${slot.peer_port}, ${slot.election_port}) exited with code ${code} while starting; its last output:\n${tail}`,
        /BindException|Address already in use/i.test(slot.output),
      );
    }
    const srvr = await fourLetterWord(slot.client_port, 'srvr');
    if (/Mode: (standalone|leader|follower)/.test(srvr) && (quorum || /standalone/.test(srvr))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `ZooKeeper server ${slot.id} did not serve on port ${slot.client_port} within ${ready_wait_ms} ms`,
  );
}

function killSlot(slot: ServerSlot, signal: NodeJS.Signals): Promise<void> {
  const child = slot.child;
  slot.child = undefined;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Starts an ensemble and resolves once every server serves. */
export async function startEnsemble(options: EnsembleOptions = {}): Promise<ZooKeeperEnsemble> {
  if (!existsSync(join(jar_dir, 'zookeeper.jar'))) {
    throw new Error(
      `ZooKeeper is not installed (no ${jar_dir}/zookeeper.jar); install it as root: ${install_line}`,
    );
  }
  const size = options.servers ?? 1;
  if (!(Number.isInteger(size) && size >= 1 && size <= 9))
    throw new Error(`servers must be 1 to 9, got ${size}`);
  const owned = options.dir === undefined;
  const root = options.dir ?? mkdtempSync(join(tmpdir(), 'meso-zk-'));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(root, size, owned);
    } catch (err) {
      const retry = err instanceof ZooKeeperStartError && err.port_taken && attempt < start_attempts_max;
      if (!retry) {
        if (owned) rmSync(root, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

/** One start on fresh ports; on failure every server it launched is stopped. */
async function startOnce(root: string, size: number, owned: boolean): Promise<ZooKeeperEnsemble> {
  const ports = await freePorts(3 * size);
  const slots: ServerSlot[] = [];
  for (let id = 1; id <= size; id++) {
    const dir = join(root, `server-${id}`);
    mkdirSync(dir, { recursive: true });
    const [client_port, peer_port, election_port] = ports.slice(3 * (id - 1), 3 * id) as [
      number,
      number,
      number,
    ];
    slots.push({ id, dir, client_port, peer_port, election_port, child: undefined, output: '' });
  }
  for (const slot of slots) {
    writeFileSync(join(slot.dir, 'zoo.cfg'), config(slot, slots));
    writeFileSync(join(slot.dir, 'myid'), `${slot.id}\n`);
    launch(slot);
  }
  const halt = (): Promise<unknown> => Promise.all(slots.map((slot) => killSlot(slot, 'SIGTERM')));
  const stop = async (): Promise<void> => {
    await halt();
    if (owned) rmSync(root, { recursive: true, force: true });
  };
  try {
    await Promise.all(slots.map((slot) => serving(slot, size > 1)));
  } catch (err) {
    await halt();
    throw err;
  }
  const connect = slots.map((slot) => `127.0.0.1:${slot.client_port}`).join(',');
  const slotOf = (i: number): ServerSlot => {
    const slot = slots[i];
    if (slot === undefined) throw new Error(`no ZooKeeper server ${i} (the ensemble has ${size})`);
    return slot;
  };
  return {
    connect,
    url: (path) => `zk://${connect}${path}`,
    size,
    port: (i) => slotOf(i).client_port,
    kill: (i) => killSlot(slotOf(i), 'SIGKILL'),
    async start(i) {
      const slot = slotOf(i);
      if (slot.child !== undefined) return;
      launch(slot);
      await serving(slot, size > 1);
    },
    stop,
  };
}
