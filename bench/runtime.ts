// Task launches through the live master, end to end, and the time to read /master/state of a
// large cluster. The master runs in a child process (bench/runtime-master.ts); this process holds
// N emulated agents on real loopback WebSockets (bench/runtime-agents.ts, executors that finish
// tasks at once) and M frameworks on the real scheduler API (bench/runtime-frameworks.ts).
//
// For each agent count: the agents register, the frameworks subscribe, then
//   throughput  frameworks fill every offer with small tasks (0.1 cpus, 32 MB) as long as they
//               have fewer than --inflight tasks launched and not yet done (a closed loop: the
//               master stays saturated and its queues stay bounded). A task counts once the
//               acknowledgement of its TASK_FINISHED is answered (offer -> accept -> launch ->
//               TASK_RUNNING -> TASK_FINISHED -> acknowledged). Launch latency is accept to
//               TASK_RUNNING at the framework; saturated, it is mostly queueing (Little's law).
//               The master's CPU time over the window gives its cost per task.
//   paced       frameworks launch one task per accept at a fixed rate below saturation (a tenth
//               of the throughput just measured, or --paced-rate), recorded after --warmup-s: the
//               launch latency a framework sees when the master is not the bottleneck.
//   state       (the largest agent count only) the frameworks run tasks until the master holds
//               100,000 running and 100,000 completed tasks, go quiet, and GET /master/state and
//               GET /metrics are timed (first read, and the median of the reads after it).
//
//   npx tsx bench/runtime.ts                       1,000 and 10,000 agents, 10 frameworks
//   npx tsx bench/runtime.ts --agents 2000 --frameworks 4 --duration-s 10 --no-state
//   npx tsx bench/runtime.ts --state-inprocess     also time the state page of an engine built in-process
//   npx tsx bench/runtime.ts --profile             profile the master (node --cpu-prof), print hot spots
//   npx tsx bench/runtime.ts --json                one JSON line per figure (--verbose: progress on stderr)
// MESO_BENCH_MASTER_FLAGS passes node flags to the master (`--trace-gc`); MESO_BENCH_KEEP_PROFILE
// names a file to keep the master's CPU profile in.
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type AgentPool, startAgentPool } from './runtime-agents.ts';
import { type ChildMaster, profileHotSpots, startChildMaster, stopChildMaster } from './runtime-child.ts';
import { BenchFramework, type TaskShape } from './runtime-frameworks.ts';
import { cpuSecondsOf, getTimed, median, percentile, waitFor } from './runtime-measure.ts';
import { timeStatePageInProcess } from './runtime-state.ts';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    agents: { type: 'string', default: '1000,10000' },
    frameworks: { type: 'string', default: '10' },
    'duration-s': { type: 'string', default: '20' },
    'warmup-s': { type: 'string', default: '5' },
    inflight: { type: 'string', default: '4000' },
    'paced-rate': { type: 'string', default: 'auto' },
    'paced-s': { type: 'string', default: '10' },
    'state-running': { type: 'string', default: '100000' },
    'state-completed': { type: 'string', default: '100000' },
    'state-reads': { type: 'string', default: '7' },
    'no-state': { type: 'boolean', default: false },
    'state-inprocess': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

/** A positive number from a flag, or an error naming it. */
function positive(name: string): number {
  const raw = values[name as keyof typeof values] as string;
  const n = Number(raw);
  if (!(Number.isFinite(n) && n > 0)) throw new Error(`--${name} must be a positive number, got '${raw}'`);
  return n;
}

const agentCounts = values.agents.split(',').map((a) => {
  const n = Number(a);
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`--agents must be positive integers, got '${a}'`);
  return n;
});
const frameworkCount = positive('frameworks');
const duration_s = positive('duration-s');
const warmup_s = positive('warmup-s');
const inflight = positive('inflight');
/** Tasks per second of the paced phase; `auto` is a tenth of the throughput just measured. */
const paced_rate_flag = values['paced-rate'] === 'auto' ? undefined : positive('paced-rate');
/** Share of the measured throughput the paced phase launches at, by default. */
const paced_share = 0.1;
const paced_s = positive('paced-s');
const stateRunning = positive('state-running');
const stateCompleted = positive('state-completed');
const stateReads = positive('state-reads');
const stateAgents = Math.max(...agentCounts);

/** Each agent: Mesos's benchmark agent size, with room for 40 small tasks. */
const agent_resources = 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]';
const task_shape: TaskShape = { cpus: 0.1, mem_mb: 32 };
/** Nomad's C1M figure and meso's targets, for the table. */
const anchor_tasks_per_s = 3750;
const target_tasks_per_s = 4000;
const target_latency_p50_ms = 50;
const target_state_ms = 300;
const mesos_state_ms = 1860;

const out = values.json ? undefined : console.log;
const emit = (figure: Record<string, unknown>): void => {
  if (values.json) console.log(JSON.stringify(figure));
};

/** The machine and its load, printed with the figures. */
function conditions(): Record<string, unknown> {
  return {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    load_average: os.loadavg().map((l) => Number(l.toFixed(2))),
    date: new Date().toISOString(),
  };
}

/** Prints the master's hottest functions from its CPU profile, when it was profiled. */
function reportProfile(m: ChildMaster, agents: number): void {
  const top = profileHotSpots(m, repo, 20);
  if (top === undefined) return;
  emit({ figure: 'master_profile', agents, top });
  out?.(`  master CPU profile (${agents} agents), self time:`);
  for (const t of top)
    out?.(`    ${t.percent.toFixed(1).padStart(5)}%  ${t.ms.toFixed(0).padStart(6)} ms  ${t.where}`);
}

/** Sum of a field over the frameworks. */
function total(
  frameworks: readonly BenchFramework[],
  field: 'launched' | 'finished' | 'running' | 'lost' | 'failures',
): number {
  let n = 0;
  for (const f of frameworks) n += f[field];
  return n;
}

/** Waits until every launched task has ended (or `timeout_ms` passes); returns whether it did. */
function drained(frameworks: readonly BenchFramework[], timeout_ms: number): Promise<boolean> {
  return waitFor(
    () => total(frameworks, 'finished') + total(frameworks, 'lost') >= total(frameworks, 'launched'),
    timeout_ms,
  );
}

/** The saturated phase: tasks done per second and launch latency, with `inflight` tasks in flight. */
async function throughput(
  frameworks: readonly BenchFramework[],
  agents: number,
  pid: number,
): Promise<number> {
  for (const f of frameworks) {
    f.mode = 'greedy';
    f.inflight_max = Math.ceil(inflight / frameworks.length);
    f.refill();
  }
  await new Promise((r) => setTimeout(r, warmup_s * 1000));
  for (const f of frameworks) {
    f.latencies_ms.length = 0;
    f.recording = true;
  }
  const start = performance.now();
  const masterCpu = cpuSecondsOf(pid);
  const benchCpu = process.cpuUsage();
  await new Promise((r) => setTimeout(r, duration_s * 1000));
  const end = performance.now();
  const master_cpu_s = cpuSecondsOf(pid) - masterCpu;
  const benchUsed = process.cpuUsage(benchCpu);
  const bench_cpu_s = (benchUsed.user + benchUsed.system) / 1e6;
  for (const f of frameworks) {
    f.recording = false;
    f.setBudget(0);
  }
  await drained(frameworks, 120_000);
  let done = 0;
  for (const f of frameworks) for (const t of f.finished_at_ms) if (t >= start && t < end) done++;
  const latencies = frameworks.flatMap((f) => f.latencies_ms).sort((a, b) => a - b);
  const rate = done / ((end - start) / 1000);
  const figure = {
    figure: 'launch_throughput',
    agents,
    frameworks: frameworks.length,
    inflight,
    duration_s,
    tasks_done: done,
    tasks_per_s: Math.round(rate),
    latency_p50_ms: percentile(latencies, 0.5),
    latency_p99_ms: percentile(latencies, 0.99),
    latency_samples: latencies.length,
    master_cpu_s: Number(master_cpu_s.toFixed(2)),
    master_cpu_us_per_task: Math.round((master_cpu_s * 1e6) / Math.max(1, done)),
    bench_cpu_s: Number(bench_cpu_s.toFixed(2)),
    call_failures: total(frameworks, 'failures'),
    tasks_lost: total(frameworks, 'lost'),
  };
  emit(figure);
  out?.(
    `  cpu         master ${figure.master_cpu_s} s (${figure.master_cpu_us_per_task} us per task, so ` +
      `${Math.round(1e6 / figure.master_cpu_us_per_task)} tasks/s per core), agents and frameworks ${figure.bench_cpu_s} s, ` +
      `in ${duration_s} s`,
  );
  out?.(
    `  throughput  ${String(figure.tasks_per_s).padStart(6)} tasks/s end to end (${done} in ${duration_s} s, ` +
      `${inflight} in flight; Nomad C1M ${anchor_tasks_per_s}/s, target >= ${target_tasks_per_s}/s); ` +
      `accept -> RUNNING at saturation p50 ${figure.latency_p50_ms.toFixed(1)} ms, ` +
      `p99 ${figure.latency_p99_ms.toFixed(1)} ms`,
  );
  return rate;
}

/** The paced phase: launch latency below saturation, one task per accept at `paced_rate`. */
async function paced(
  frameworks: readonly BenchFramework[],
  agents: number,
  paced_rate: number,
): Promise<void> {
  for (const f of frameworks) {
    f.mode = 'paced';
    f.setBudget(Number.POSITIVE_INFINITY);
    f.latencies_ms.length = 0;
  }
  // Let an allocation cycle hand every framework offers to hold.
  await waitFor(() => frameworks.every((f) => f.offersHeld > 0), 10_000);
  const start = performance.now();
  let launched = 0;
  let turn = 0;
  // The first `warmup_s` are not recorded: the offers the throughput phase gave back return to the
  // allocator then, and offering every agent at once stalls the master (see BENCHMARKS.md).
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed_s = (performance.now() - start) / 1000;
      if (elapsed_s >= warmup_s) for (const f of frameworks) f.recording = true;
      const due = Math.floor(elapsed_s * paced_rate) - launched;
      for (let tries = 0; launched < Math.floor(elapsed_s * paced_rate) && tries < due * 2 + 1; tries++) {
        launched += frameworks[turn++ % frameworks.length]!.launchHeld(1);
      }
      if (elapsed_s >= warmup_s + paced_s) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  for (const f of frameworks) f.recording = false;
  for (const f of frameworks) f.setBudget(0);
  await drained(frameworks, 60_000);
  const latencies = frameworks.flatMap((f) => f.latencies_ms).sort((a, b) => a - b);
  const figure = {
    figure: 'launch_latency_paced',
    agents,
    frameworks: frameworks.length,
    rate_per_s: paced_rate,
    rate_chosen: paced_rate_flag === undefined ? `${paced_share} of the throughput` : 'flag',
    tasks: latencies.length,
    latency_p50_ms: percentile(latencies, 0.5),
    latency_p99_ms: percentile(latencies, 0.99),
    latency_max_ms: latencies.at(-1) ?? Number.NaN,
  };
  emit(figure);
  out?.(
    `  paced       ${latencies.length} tasks at ${paced_rate}/s, one per accept: accept -> RUNNING ` +
      `p50 ${figure.latency_p50_ms.toFixed(1)} ms, p99 ${figure.latency_p99_ms.toFixed(1)} ms, ` +
      `max ${figure.latency_max_ms.toFixed(0)} ms ` +
      `(target p50 < ${target_latency_p50_ms} ms)`,
  );
}

/** Runs tasks until the master holds the state's running and completed tasks; returns the times. */
async function buildState(frameworks: readonly BenchFramework[], pool: AgentPool): Promise<void> {
  const share = (n: number) => Math.ceil(n / frameworks.length);
  // Completed tasks: each framework finishes its share (the throughput phase has usually done so).
  pool.fate = 'finish';
  for (const f of frameworks) {
    f.mode = 'greedy';
    f.setBudget(Math.max(0, share(stateCompleted) - f.finished));
  }
  await waitFor(() => frameworks.every((f) => f.finished >= share(stateCompleted)), 300_000);
  await drained(frameworks, 60_000);
  // Running tasks: the agents keep them running from now on.
  pool.fate = 'hold';
  for (const f of frameworks) {
    f.holding = true;
    f.setBudget(share(stateRunning));
  }
  await waitFor(() => total(frameworks, 'running') >= share(stateRunning) * frameworks.length, 300_000);
  for (const f of frameworks) f.quiet();
  await new Promise((r) => setTimeout(r, 3000));
}

/** Times GET /master/state and GET /metrics on the built state. */
async function timeState(
  m: ChildMaster,
  frameworks: readonly BenchFramework[],
  agents: number,
): Promise<void> {
  const times: number[] = [];
  let bytes = 0;
  let last: Buffer | undefined;
  for (let i = 0; i < stateReads; i++) {
    const keep = i === stateReads - 1;
    const r = await getTimed(m.port, '/master/state', keep);
    if (r.status !== 200) throw new Error(`/master/state answered ${r.status}`);
    times.push(r.ms);
    bytes = r.bytes;
    if (keep) last = r.body;
  }
  const page = JSON.parse(last!.toString('utf8')) as {
    slaves: unknown[];
    frameworks: Array<{ tasks: unknown[]; completed_tasks: unknown[] }>;
  };
  const running = page.frameworks.reduce((n, f) => n + f.tasks.length, 0);
  const completed = page.frameworks.reduce((n, f) => n + f.completed_tasks.length, 0);
  const metrics: number[] = [];
  for (let i = 0; i < 5; i++) metrics.push((await getTimed(m.port, '/metrics', false)).ms);
  const later = times.slice(1);
  const figure = {
    figure: 'master_state_get',
    built: 'live master, real protocol',
    agents: page.slaves.length,
    tasks_running: running,
    tasks_completed: completed,
    bytes,
    first_ms: Math.round(times[0]!),
    median_ms: Math.round(median(later.length > 0 ? later : times)),
    reads: times.map((t) => Math.round(t)),
    metrics_median_ms: Number(median(metrics).toFixed(1)),
    frameworks: frameworks.length,
  };
  emit(figure);
  out?.(
    `  state       GET /master/state with ${page.slaves.length} agents, ${running} running + ${completed} completed ` +
      `tasks (${(bytes / 1e6).toFixed(1)} MB): first ${figure.first_ms} ms, then median ${figure.median_ms} ms ` +
      `(Mesos 1.7 ${mesos_state_ms} ms, target <= ${target_state_ms} ms); GET /metrics median ${figure.metrics_median_ms} ms`,
  );
  void agents;
}

let progress: NodeJS.Timeout | undefined;

/** With --verbose: what the frameworks and agents have done so far, on stderr. */
function showProgress(frameworks: readonly BenchFramework[], pool: AgentPool): void {
  const counts = pool.counts();
  process.stderr.write(
    `launched ${total(frameworks, 'launched')} running ${total(frameworks, 'running')} ` +
      `finished ${total(frameworks, 'finished')} lost ${total(frameworks, 'lost')} ` +
      `failures ${total(frameworks, 'failures')} | agents: run ${counts.tasks_run} updates ${counts.updates_sent} ` +
      `acks ${counts.acknowledgements} errors ${counts.errors}\n`,
  );
}

/** One agent count: master, agents, frameworks, the phases, and everything closed after. */
async function runSize(agents: number): Promise<void> {
  const withState = !values['no-state'] && agents === stateAgents;
  const completedMax = Math.max(1000, Math.ceil(stateCompleted / frameworkCount));
  const m = await startChildMaster(repo, completedMax, values.profile);
  let pool: AgentPool | undefined;
  const frameworks: BenchFramework[] = [];
  try {
    out?.(`\n${agents} agents, ${frameworkCount} frameworks (master pid ${m.child.pid}, ${m.url})`);
    const registering = performance.now();
    pool = await startAgentPool({ url: m.url, agents, resources: agent_resources, timeout_ms: 300_000 });
    const registered_s = (performance.now() - registering) / 1000;
    emit({ figure: 'agents_registered', agents, seconds: Number(registered_s.toFixed(2)) });
    out?.(`  agents      ${agents} registered over WebSockets in ${registered_s.toFixed(1)} s`);
    for (let i = 0; i < frameworkCount; i++)
      frameworks.push(new BenchFramework(m.port, `bench-fw-${i}`, task_shape));
    await Promise.all(frameworks.map((f) => f.subscribe()));
    if (values.verbose) progress = setInterval(() => showProgress(frameworks, pool!), 1000);
    const rate = await throughput(frameworks, agents, m.child.pid!);
    await paced(frameworks, agents, paced_rate_flag ?? Math.max(10, Math.round(rate * paced_share)));
    if (withState) {
      await buildState(frameworks, pool);
      await timeState(m, frameworks, agents);
    }
  } finally {
    clearInterval(progress);
    for (const f of frameworks) f.close();
    await pool?.close();
    await stopChildMaster(m);
  }
  reportProfile(m, agents);
}

/** The state page of an engine master built in-process through the same inputs (no sockets). */
function stateInProcess(): void {
  const figure = timeStatePageInProcess(
    {
      agents: stateAgents,
      frameworks: frameworkCount,
      running: stateRunning,
      completed: stateCompleted,
      agent_resources,
      task_cpus: task_shape.cpus,
      task_mem_mb: task_shape.mem_mb,
    },
    stateReads,
  );
  emit({ figure: 'master_state_page_inprocess', ...figure });
  out?.(
    `\nstate page in-process (engine built in ${figure.build_s} s): ${(figure.bytes / 1e6).toFixed(1)} MB, ` +
      `first ${figure.first_ms} ms, then median ${figure.median_ms} ms`,
  );
}

const before = conditions();
emit({ figure: 'conditions', ...before });
out?.(
  `meso runtime benchmark: node ${before.node}, ${before.cpu}, ${before.cores} cores, ` +
    `load average ${(before.load_average as number[]).join(' ')}, ${before.date}`,
);
for (const agents of agentCounts) await runSize(agents);
if (values['state-inprocess']) stateInProcess();
const after = conditions();
emit({ figure: 'conditions_after', load_average: after.load_average, date: after.date });
out?.(`\nload average at the end: ${(after.load_average as number[]).join(' ')}`);
