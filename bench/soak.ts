// A soak of the live master: a bounded churn for --minutes against a master in a child process
// (bench/runtime-master.ts, so that its heap, RSS and descriptors are its own), with its heap (after
// a full garbage collection), RSS and open descriptors sampled before the churn, every minute, at
// its end, and once more after the last frameworks have left.
//
// The churn, all of it on real loopback sockets:
//   agents      --agents emulated agents (bench/runtime-agents.ts: executors that finish tasks at
//               once) and --real-agents real agents (runtime/agent, the posix launcher: each task
//               runs `true` in its sandbox). One emulated agent flaps every 10 s (its connection
//               closes and it re-registers with its id); one real agent flaps every 45 s (it stops,
//               killing its tasks, and starts again on its work_dir, re-registering with its id).
//   frameworks  --frameworks frameworks on the scheduler API (bench/runtime-frameworks.ts), each
//               living 20-40 s, then leaving by TEARDOWN or by closing its stream (removed at once,
//               failover_timeout 0), and replaced by a new one.
//   tasks       --rate tasks a second in all, launched one per accept on the offers the frameworks
//               hold, acknowledged on every update.
// The master keeps at most 100 completed tasks per framework and 10 completed frameworks, so that
// its bounded history fills within the first minutes and what grows after that is not history.
//
//   npm run bench:soak                       10 minutes
//   npm run bench:soak -- --minutes 2 --json one JSON line per sample, then the summary
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type RunningAgent, startAgent } from '../runtime/agent/agent.ts';
import { type AgentPool, startAgentPool } from './runtime-agents.ts';
import { type ChildMaster, startChildMaster, stopChildMaster } from './runtime-child.ts';
import { BenchFramework } from './runtime-frameworks.ts';
import { getTimed } from './runtime-measure.ts';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    agents: { type: 'string', default: '20' },
    'real-agents': { type: 'string', default: '2' },
    frameworks: { type: 'string', default: '4' },
    rate: { type: 'string', default: '40' },
  },
});

/** A positive number from a flag, or an error naming it. */
function positive(name: keyof typeof values, integer = false): number {
  const raw = String(values[name]);
  const n = Number(raw);
  if (!(Number.isFinite(n) && n > 0 && (!integer || Number.isInteger(n))))
    throw new Error(`--${name} must be a positive ${integer ? 'whole ' : ''}number, got '${raw}'`);
  return n;
}

const minutes = positive('minutes');
const emulated_count = positive('agents', true);
const real_count = positive('real-agents', true);
const framework_count = positive('frameworks', true);
const rate = positive('rate');
const completed_tasks_max = 100;
const completed_frameworks_max = 10;
const tick_ms = 100;
const emulated_flap_every_s = 10;
const real_flap_every_s = 45;

const out = values.json ? undefined : console.log;
const emit = (figure: Record<string, unknown>): void => {
  if (values.json) console.log(JSON.stringify({ bench: 'soak', ...figure }));
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One sample of the master process. */
interface Sample {
  readonly label: string;
  readonly at_s: number;
  readonly heap_used_mb: number;
  readonly heap_total_mb: number;
  readonly rss_mb: number;
  readonly fds: number;
  /** What the master holds, from /metrics. */
  readonly master: Record<string, number>;
}

/** The gauges of /metrics (Prometheus text) named here, without their prefix. */
const gauges = [
  'frameworks_active',
  'frameworks_inactive',
  'frameworks_completed',
  'agents_active',
  'agents_inactive',
  'tasks_active',
  'offers_outstanding',
  'scheduler_streams',
  'agent_connections',
  'timers_armed',
];

async function masterGauges(port: number): Promise<Record<string, number>> {
  const page = (await getTimed(port, '/metrics', true)).body!.toString();
  const found: Record<string, number> = {};
  for (const name of gauges) {
    const match = new RegExp(`^meso_master_${name} (\\S+)$`, 'm').exec(page);
    if (match !== null) found[name] = Number(match[1]);
  }
  return found;
}

/** The child's memory after a full collection (it runs with --expose-gc). */
function childMemory(m: ChildMaster): Promise<NodeJS.MemoryUsage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      m.lines.delete(listen);
      reject(new Error('the master did not report its memory within 30 s'));
    }, 30_000);
    function listen(line: string): void {
      if (!line.startsWith('{"memory"')) {
        process.stderr.write(`master: ${line}\n`);
        return;
      }
      clearTimeout(timer);
      m.lines.delete(listen);
      resolve((JSON.parse(line) as { memory: NodeJS.MemoryUsage }).memory);
    }
    m.lines.add(listen);
    m.child.stdin!.write('memory\n');
  });
}

/** RSS (VmRSS) of a process, in MB. */
function rssMbOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

const mb = (bytes: number): number => bytes / 2 ** 20;
const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

async function sample(m: ChildMaster, label: string, started_ms: number): Promise<Sample> {
  const pid = m.child.pid!;
  const memory = await childMemory(m);
  const s: Sample = {
    label,
    at_s: round((Date.now() - started_ms) / 1000, 0),
    heap_used_mb: round(mb(memory.heapUsed)),
    heap_total_mb: round(mb(memory.heapTotal)),
    rss_mb: round(rssMbOf(pid)),
    fds: readdirSync(`/proc/${pid}/fd`).length,
    master: await masterGauges(m.port),
  };
  emit({ figure: 'sample', ...s });
  out?.(
    `  ${label.padEnd(9)} ${String(s.at_s).padStart(5)} s  heap ${s.heap_used_mb.toFixed(1).padStart(6)} MB` +
      `  rss ${s.rss_mb.toFixed(1).padStart(6)} MB  fds ${String(s.fds).padStart(4)}  ${JSON.stringify(s.master)}`,
  );
  return s;
}

/** Least-squares slope of `y` over `x`. */
function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

/** A real agent that can be stopped and started again on its work_dir. */
class RealAgent {
  agent: RunningAgent | undefined;
  flaps = 0;
  readonly #url: string;
  readonly #work_dir: string;
  readonly #index: number;

  constructor(url: string, work_dir: string, index: number) {
    this.#url = url;
    this.#work_dir = work_dir;
    this.#index = index;
  }

  async start(): Promise<void> {
    this.agent = await startAgent({
      master: this.#url.replace(/^http:\/\//, ''),
      port: 0,
      hostname: `soak-real-${this.#index}`,
      work_dir: this.#work_dir,
      resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31100]',
      switch_user: false,
      gc_delay_ms: 60_000,
      log_level: 'error',
    });
    await this.agent.registered();
  }

  async flap(): Promise<void> {
    await this.agent?.stop();
    this.agent = undefined;
    await sleep(2000);
    await this.start();
    this.flaps++;
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'meso-soak-'));
  const m = await startChildMaster(repo, completed_tasks_max, false, {
    nodeArgs: ['--expose-gc'],
    masterArgs: [
      '--allocation-interval-ms',
      '200',
      '--completed-frameworks-max',
      String(completed_frameworks_max),
    ],
  });
  const started_ms = Date.now();
  let pool: AgentPool | undefined;
  const reals: RealAgent[] = [];
  const live: Array<{ framework: BenchFramework; leaves_ms: number }> = [];
  const gone: BenchFramework[] = [];
  let subscribed = 0;
  let torn_down = 0;
  let disconnected = 0;
  let emulated_flaps = 0;
  const errors: string[] = [];
  try {
    out?.(
      `soak: ${minutes} min, ${emulated_count} emulated + ${real_count} real agents, ` +
        `${framework_count} frameworks at a time, ${rate} tasks/s (master pid ${m.child.pid})`,
    );
    pool = await startAgentPool({
      url: m.url,
      agents: emulated_count,
      resources: 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]',
    });
    for (let i = 0; i < real_count; i++) {
      const real = new RealAgent(m.url, join(dir, `agent-${i}`), i);
      await real.start();
      reals.push(real);
    }
    const samples: Sample[] = [await sample(m, 'start', started_ms)];

    // Framework k lives 20-40 s; odd ones leave by TEARDOWN, even ones by closing their stream.
    let next_framework = 0;
    const subscribeOne = async (): Promise<void> => {
      const k = next_framework++;
      const framework = new BenchFramework(m.port, `soak-f${k}`, { cpus: 0.1, mem_mb: 32 });
      framework.mode = 'paced';
      await framework.subscribe();
      subscribed++;
      live.push({ framework, leaves_ms: Date.now() + 20_000 + ((k * 7919) % 21) * 1000 });
    };
    const leave = async (index: number): Promise<void> => {
      const [entry] = live.splice(index, 1);
      const framework = entry!.framework;
      gone.push(framework);
      if (gone.length % 2 === 1) {
        await framework.teardown();
        torn_down++;
      } else {
        framework.close();
        disconnected++;
      }
    };
    for (let i = 0; i < framework_count; i++) await subscribeOne();

    const end_ms = started_ms + minutes * 60_000;
    let next_sample_ms = started_ms + 60_000;
    let next_emulated_flap_ms = Date.now() + emulated_flap_every_s * 1000;
    let next_real_flap_ms = Date.now() + real_flap_every_s * 1000;
    let real_flapping: Promise<void> | undefined;
    let launch_credit = 0;
    let turn = 0;
    while (Date.now() < end_ms) {
      await sleep(tick_ms);
      const now = Date.now();
      // Paced launches: `rate` a second, one per accept, taken in turn from the frameworks' offers.
      launch_credit += (rate * tick_ms) / 1000;
      for (let tries = 0; launch_credit >= 1 && tries < live.length * 2; tries++) {
        const f = live[turn++ % live.length]?.framework;
        if (f !== undefined && f.launchHeld(1) === 1) launch_credit -= 1;
      }
      launch_credit = Math.min(launch_credit, rate);
      for (let i = live.length - 1; i >= 0; i--) {
        if (live[i]!.leaves_ms <= now) {
          await leave(i);
          await subscribeOne();
        }
      }
      if (now >= next_emulated_flap_ms) {
        next_emulated_flap_ms += emulated_flap_every_s * 1000;
        await pool.flap(emulated_flaps++ % emulated_count).catch((err: Error) => errors.push(err.message));
      }
      if (now >= next_real_flap_ms && real_flapping === undefined && reals.length > 0) {
        next_real_flap_ms += real_flap_every_s * 1000;
        const real = reals[reals.reduce((a, r) => a + r.flaps, 0) % reals.length]!;
        real_flapping = real
          .flap()
          .catch((err: Error) => {
            errors.push(`real agent: ${err.message}`);
          })
          .finally(() => {
            real_flapping = undefined;
          });
      }
      if (now >= next_sample_ms && now < end_ms - 5000) {
        next_sample_ms += 60_000;
        samples.push(await sample(m, `minute ${Math.round((now - started_ms) / 60_000)}`, started_ms));
      }
    }
    await real_flapping;
    samples.push(await sample(m, 'end', started_ms));
    const frameworks = [...gone, ...live.map((l) => l.framework)];
    // The last frameworks leave; the agents stay connected.
    while (live.length > 0) await leave(live.length - 1);
    await sleep(5000);
    const quiesced = await sample(m, 'quiesced', started_ms);

    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    const warm = samples.filter((s) => s.at_s >= 60);
    const per_min = (key: 'heap_used_mb' | 'rss_mb' | 'fds') =>
      round(slope(warm.map((s) => [s.at_s / 60, s[key]] as const)), 2);
    const agentCounts = pool.counts();
    const summary = {
      minutes,
      agents: {
        emulated: emulated_count,
        real: real_count,
        emulated_flaps,
        real_flaps: reals.reduce((a, r) => a + r.flaps, 0),
      },
      frameworks: { at_a_time: framework_count, subscribed, torn_down, disconnected },
      tasks: {
        launched: frameworks.reduce((a, f) => a + f.launched, 0),
        finished: frameworks.reduce((a, f) => a + f.finished, 0),
        ended_otherwise: frameworks.reduce((a, f) => a + f.lost, 0),
        emulated_run: agentCounts.tasks_run,
      },
      call_failures: frameworks.reduce((a, f) => a + f.failures, 0),
      errors,
      heap_used_mb: { start: first.heap_used_mb, end: last.heap_used_mb, quiesced: quiesced.heap_used_mb },
      rss_mb: { start: first.rss_mb, end: last.rss_mb, quiesced: quiesced.rss_mb },
      fds: { start: first.fds, end: last.fds, quiesced: quiesced.fds },
      slope_after_minute_1: {
        heap_mb_per_min: per_min('heap_used_mb'),
        rss_mb_per_min: per_min('rss_mb'),
        fds_per_min: per_min('fds'),
      },
      conditions: {
        node: process.version,
        cores: os.cpus().length,
        load_average: os.loadavg().map((l) => round(l, 2)),
        date: new Date().toISOString(),
      },
    };
    emit({ figure: 'summary', ...summary });
    out?.(`summary: ${JSON.stringify(summary, null, 2)}`);
  } finally {
    for (const { framework } of live) framework.close();
    for (const real of reals) await real.agent?.stop().catch(() => undefined);
    await pool?.close();
    await stopChildMaster(m);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
