// Master failover, timed: a real three-server ZooKeeper ensemble, two `meso master --zk` processes,
// emulated agents and frameworks that follow the leader through the group. The leader is killed
// (SIGKILL, a crash) or stopped (SIGTERM, which deletes its node), and from that instant the
// benchmark times
//   elected     the standby says it leads (master/elected in its /metrics/snapshot);
//   agents      every agent is re-registered with the new leader;
//   offered     every framework has re-subscribed with its id and received an offer from it.
// The agents are the agent's own master link (runtime/agent/registration.ts: it follows the
// detector, dials, re-registers with backoff) with no containerizer behind it, sharing one
// detector; each framework is the SDK's scheduler client following `zk://` with its own session,
// as separate framework processes would. Masters run with Mesos's defaults but the session timeout.
//
//   npm run bench:failover                                  100, 1,000, 4,000 agents; 2 s and 10 s
//   npm run bench:failover -- --agents 100 --sessions 2     one size, one timeout
//   npm run bench:failover -- --stops kill                  only kill -9 (kill, term, or kill,term)
//   npm run bench:failover -- --json                        one JSON line per run
// MESO_BENCH_PROF=DIR profiles both masters (node --cpu-prof; written when they stop).
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Offer } from '../engine/master/v1.ts';
import { createMasterLink, type MasterLink } from '../runtime/agent/registration.ts';
import { SchedulerClient } from '../runtime/sdk/scheduler-client.ts';
import { createZkMasterDetector, type ZkMasterDetector } from '../runtime/zk/detector.ts';
import { startEnsemble, type ZooKeeperEnsemble } from '../runtime/zk/ensemble.ts';
import { waitFor } from './runtime-measure.ts';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '100,1000,4000' },
    sessions: { type: 'string', default: '2,10' },
    stops: { type: 'string', default: 'kill,term' },
    frameworks: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  },
});

/** Positive integers from a comma list, or an error naming the flag. */
function counts(name: 'agents' | 'sessions' | 'frameworks'): number[] {
  return values[name].split(',').map((raw) => {
    const n = Number(raw);
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`--${name} takes positive integers, got '${raw}'`);
    return n;
  });
}

type Stop = 'kill' | 'term';
const stops = values.stops.split(',').map((s) => {
  if (s !== 'kill' && s !== 'term') throw new Error(`--stops takes kill and term, got '${s}'`);
  return s as Stop;
});
const agentCounts = counts('agents');
const sessions_s = counts('sessions');
const frameworkCount = counts('frameworks')[0] ?? 10;

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const resources = 'cpus:8;mem:16384;disk:65536';

/** A master process. */
interface Master {
  readonly port: number;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts `meso master --zk` on a free port; its stderr is kept for a failure message. */
async function startMaster(zk: ZooKeeperEnsemble, path: string, session_s: number): Promise<Master> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...(process.env.MESO_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.MESO_BENCH_PROF}`] : []),
      join(repo, 'bin', 'meso.js'),
      'master',
      '--ip=127.0.0.1',
      `--port=${port}`,
      `--zk=${zk.url(path)}`,
      `--zk_session_timeout=${session_s}secs`,
      '--agent_reregister_timeout=60secs',
      '--log_level=warn',
    ],
    {
      cwd: repo,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (const deadline = Date.now() + 30_000; !(await answers(port)); ) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`master on port ${port} did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, child, exited };
}

/** Whether `port` answers /health. */
async function answers(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** Whether the master on `port` says it leads and acts. */
async function elected(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics/snapshot`, {
      signal: AbortSignal.timeout(1000),
    });
    return ((await res.json()) as Record<string, number>)['master/elected'] === 1;
  } catch {
    return false;
  }
}

/** Emulated agents: the agent's master link, answering pings, with no tasks. */
interface Agents {
  readonly links: MasterLink[];
  /** When each agent last heard `registered` or `reregistered`, ms since the epoch. */
  readonly registered_at: number[];
  stop(): Promise<void>;
}

function startAgents(detector: ZkMasterDetector, count: number): Agents {
  const registered_at: number[] = new Array(count).fill(0);
  const ids: (string | undefined)[] = new Array(count).fill(undefined);
  const links: MasterLink[] = [];
  for (let i = 0; i < count; i++) {
    const agent_info = { hostname: `failover-agent-${i}`, port: 5051, resources };
    const link: MasterLink = createMasterLink({
      master: detector,
      log: silent,
      hello: () =>
        ids[i] === undefined
          ? { type: 'register', agent_info }
          : { type: 'reregister', agent_info: { ...agent_info, id: { value: ids[i]! } } },
      onMessage: (m) => {
        if (m.type === 'registered' || m.type === 'reregistered') {
          ids[i] = m.agent_id.value;
          registered_at[i] = Date.now();
        } else if (m.type === 'ping') link.send({ type: 'pong' });
      },
      onDisconnected: () => undefined,
    });
    links.push(link);
  }
  return {
    links,
    registered_at,
    stop: async () => {
      await Promise.all(links.map((l) => l.stop()));
    },
  };
}

/** An emulated framework: subscribes through zk://, declines every offer, records when offers came. */
interface Framework {
  readonly client: SchedulerClient;
  /** The master and time of the newest OFFERS event. */
  last_offer: { master: string | undefined; at: number } | undefined;
}

function startFramework(url: string, i: number): Framework {
  const client = new SchedulerClient({
    master: url,
    framework_info: { user: 'bench', name: `failover-framework-${i}`, failover_timeout: 3600 },
    log: silent,
  });
  const fw: Framework = { client, last_offer: undefined };
  client.on('event', (event) => {
    if (event.type !== 'OFFERS') return;
    fw.last_offer = { master: client.subscription?.master, at: Date.now() };
    const offers = event.offers.offers as Offer[];
    client
      .decline(
        offers.map((o) => o.id),
        { refuse_seconds: 1 },
      )
      .catch(() => undefined);
  });
  return fw;
}

/** One measured failover. */
interface Run {
  readonly stop: Stop;
  readonly session_s: number;
  readonly agents: number;
  readonly frameworks: number;
  readonly elected_ms: number;
  readonly agents_ms: number;
  readonly offered_ms: number;
}

async function runOnce(
  zk: ZooKeeperEnsemble,
  n: number,
  stop: Stop,
  session_s: number,
  agents: number,
): Promise<Run> {
  const path = `/meso-bench-failover-${process.pid}-${n}`;
  const masters = [await startMaster(zk, path, session_s)];
  // The first leads; the second waits as its standby.
  const detector = createZkMasterDetector({ servers: zk.connect.split(','), path, log: undefined });
  const ok = await waitFor(() => detector.leader()?.port === masters[0]!.port, 30_000);
  if (!ok) throw new Error('the first master did not lead');
  masters.push(await startMaster(zk, path, session_s));
  const [leader, standby] = masters as [Master, Master];
  const pool = startAgents(detector, agents);
  const frameworks = Array.from({ length: frameworkCount }, (_, i) => startFramework(zk.url(path), i));
  const to = (m: Master): string => `127.0.0.1:${m.port}`;
  try {
    const ready = await waitFor(
      () =>
        pool.registered_at.every((t) => t > 0) &&
        frameworks.every((f) => f.last_offer?.master === to(leader)),
      120_000,
    );
    if (!ready) throw new Error('agents and frameworks did not all start on the first leader');

    const t0 = Date.now();
    leader.child.kill(stop === 'kill' ? 'SIGKILL' : 'SIGTERM');
    let elected_at = 0;
    const polling = (async () => {
      while (elected_at === 0 && Date.now() - t0 < 120_000) {
        if (await elected(standby.port)) elected_at = Date.now();
        else await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const done = await waitFor(
      () =>
        elected_at > 0 &&
        pool.registered_at.every((t) => t > t0) &&
        frameworks.every(
          (f) => f.last_offer !== undefined && f.last_offer.at > t0 && f.last_offer.master === to(standby),
        ),
      120_000,
    );
    await polling;
    if (!done) throw new Error('the failover did not complete within 120 s');
    return {
      stop,
      session_s,
      agents,
      frameworks: frameworkCount,
      elected_ms: elected_at - t0,
      agents_ms: Math.max(...pool.registered_at) - t0,
      offered_ms: Math.max(...frameworks.map((f) => f.last_offer!.at)) - t0,
    };
  } finally {
    await Promise.all(frameworks.map((f) => f.client.close().catch(() => undefined)));
    await pool.stop();
    await detector.stop();
    for (const m of masters) if (m.child.exitCode === null) m.child.kill('SIGTERM');
    // A stopped master writes its profile (MESO_BENCH_PROF); one that hangs is killed after 5 s.
    await Promise.race([Promise.all(masters.map((m) => m.exited)), new Promise((r) => setTimeout(r, 5000))]);
    for (const m of masters) if (m.child.exitCode === null) m.child.kill('SIGKILL');
    await Promise.all(masters.map((m) => m.exited));
  }
}

async function main(): Promise<void> {
  const zk = await startEnsemble({ servers: 3 });
  const runs: Run[] = [];
  try {
    let n = 0;
    for (const session_s of sessions_s) {
      for (const agents of agentCounts) {
        for (const stop of stops) {
          const run = await runOnce(zk, n++, stop, session_s, agents);
          runs.push(run);
          if (values.json) process.stdout.write(`${JSON.stringify(run)}\n`);
          else
            process.stderr.write(
              `${stop === 'kill' ? 'kill -9' : 'SIGTERM'}, session ${session_s} s, ${agents} agents: ` +
                `elected ${run.elected_ms} ms, agents ${run.agents_ms} ms, offered ${run.offered_ms} ms\n`,
            );
        }
      }
    }
  } finally {
    await zk.stop();
  }
  if (values.json) return;
  console.log(
    '| stop | session | agents | frameworks | elected | agents re-registered | frameworks offered | target (offered) |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    const target = r.stop === 'kill' ? `${r.session_s + 1} s` : '0.5 s';
    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      `| ${r.stop === 'kill' ? 'kill -9' : 'SIGTERM'} | ${r.session_s} s | ${r.agents.toLocaleString('en-US')} | ${r.frameworks} | ${s(r.elected_ms)} | ${s(r.agents_ms)} | ${s(r.offered_ms)} | ${target} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:failover: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
