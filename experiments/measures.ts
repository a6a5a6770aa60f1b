// The metrics of one simulation run, as a flat record of numbers (null where a figure does not
// exist, e.g. locality when no task preferred a host). Standard metrics come from the run's summary
// and the simulator's job records; per-framework metrics are named `NAME.FRAMEWORK`. Every figure is
// a simulated quantity, so the same seed gives the same record.
import type { SimConfig } from '../sim/config.ts';
import { type JobRecord, utilisation_header } from '../sim/metrics.ts';
import type { RunResult } from '../sim/run.ts';
import type { Vars } from './template.ts';

/** Metrics of one run: name -> value (null when the run has no such figure). */
export type Metrics = Record<string, number | null>;

interface Distribution {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
}

/** The parts of the simulator's summary the metrics read. */
interface SummaryFields {
  readonly end_ms: number;
  readonly all_jobs_ended: boolean;
  readonly jobs: {
    readonly total: number;
    readonly finished: number;
    readonly failed: number;
    readonly unfinished: number;
  };
  readonly tasks: { readonly launched: number };
  readonly utilisation: Readonly<Record<string, number>>;
  readonly completion_ms: Distribution;
  readonly task_wait_ms: Distribution;
  readonly locality: { readonly node_local_fraction: number | null };
  readonly offers: {
    readonly made: number;
    readonly declined: number;
    readonly launch_latency_ms: Distribution;
  };
  readonly fairness: {
    readonly jain_index_mean: number | null;
    readonly mean_dominant_shares: Record<string, number>;
  };
  readonly invariants: { readonly violations: number };
}

/** Rounds to 6 decimals, so figures print the same everywhere. */
export function round6(x: number): number {
  const r = Math.round(x * 1e6) / 1e6;
  return Object.is(r, -0) ? 0 : r;
}

/** When a job could start: when its `after` job ended, else when it was submitted. */
function jobStart(job: JobRecord): number {
  return job.ready_ms ?? job.submitted_ms ?? job.submit_ms;
}

function frameworkMetrics(jobs: Iterable<JobRecord>, shares: Record<string, number>): Metrics {
  const sum = new Map<string, number>();
  const count = new Map<string, number>();
  const names = new Set<string>(Object.keys(shares));
  for (const job of jobs) {
    if (job.long_running) continue;
    names.add(job.framework);
    if (job.state !== 'finished' || job.ended_ms === undefined) continue;
    sum.set(job.framework, (sum.get(job.framework) ?? 0) + (job.ended_ms - jobStart(job)));
    count.set(job.framework, (count.get(job.framework) ?? 0) + 1);
  }
  let total = 0;
  let finished = 0;
  for (const name of names) {
    total += sum.get(name) ?? 0;
    finished += count.get(name) ?? 0;
  }
  const out: Metrics = {
    job_time_sum_s: finished === 0 ? null : round6(total / 1000),
    job_time_mean_s: finished === 0 ? null : round6(total / finished / 1000),
  };
  for (const name of [...names].sort()) {
    const n = count.get(name) ?? 0;
    out[`jobs_finished.${name}`] = n;
    out[`job_time_sum_s.${name}`] = n === 0 ? null : round6((sum.get(name) ?? 0) / 1000);
    out[`job_time_mean_s.${name}`] = n === 0 ? null : round6((sum.get(name) ?? 0) / n / 1000);
    out[`share_mean.${name}`] = shares[name] ?? 0;
  }
  return out;
}

/**
 * Mean utilisation of cpus and mem over the first `window_s` of the run, counting the time after the
 * run ended as idle, so runs of different lengths are compared over the same window.
 */
function windowUtilisation(rows: readonly string[], config: SimConfig, window_s: number): Metrics {
  const interval_s = config.sample_interval_ms / 1000;
  const expected = Math.floor(window_s / interval_s) + 1;
  const header = utilisation_header.split(',');
  const cpusAt = header.indexOf('cpus_utilisation');
  const memAt = header.indexOf('mem_utilisation');
  if (header[0] !== 'time_s' || cpusAt < 0 || memAt < 0)
    throw new Error(`window utilisation: unexpected utilisation columns '${utilisation_header}'`);
  let cpus = 0;
  let mem = 0;
  for (const row of rows) {
    const f = row.split(',');
    if (Number(f[0]) > window_s + 1e-9) break;
    cpus += Number(f[cpusAt]);
    mem += Number(f[memAt]);
  }
  return { 'util_cpus.window': round6(cpus / expected), 'util_mem.window': round6(mem / expected) };
}

/** The standard metrics of a run (and window utilisation when the point sets `util_window_s`). */
export function standardMetrics(result: RunResult, vars: Vars): Metrics {
  const s = result.summary as unknown as SummaryFields;
  const seconds = (ms: number) => round6(ms / 1000);
  const out: Metrics = {
    end_s: seconds(s.end_ms),
    all_jobs_ended: s.all_jobs_ended ? 1 : 0,
    jobs_total: s.jobs.total,
    jobs_finished: s.jobs.finished,
    jobs_failed: s.jobs.failed,
    jobs_unfinished: s.jobs.unfinished,
    tasks_launched: s.tasks.launched,
    util_cpus: s.utilisation.cpus ?? 0,
    util_mem: s.utilisation.mem ?? 0,
    completion_mean_s: s.completion_ms.count === 0 ? null : seconds(s.completion_ms.mean),
    completion_p50_s: s.completion_ms.count === 0 ? null : seconds(s.completion_ms.p50),
    completion_p95_s: s.completion_ms.count === 0 ? null : seconds(s.completion_ms.p95),
    task_wait_mean_s: seconds(s.task_wait_ms.mean),
    task_wait_p95_s: seconds(s.task_wait_ms.p95),
    locality_node: s.locality.node_local_fraction,
    offers_made: s.offers.made,
    offers_declined: s.offers.declined,
    launch_latency_mean_ms: s.offers.launch_latency_ms.mean,
    launch_latency_p95_ms: s.offers.launch_latency_ms.p95,
    jain: s.fairness.jain_index_mean,
    invariant_violations: s.invariants.violations,
    ...frameworkMetrics(result.sim.metrics.jobs.values(), s.fairness.mean_dominant_shares),
  };
  if (typeof vars.util_window_s === 'number')
    Object.assign(
      out,
      windowUtilisation(result.sim.metrics.utilisationRows, result.sim.config, vars.util_window_s),
    );
  return out;
}

/**
 * The launch overhead the scalability experiment measures, as the Mesos paper did: a test framework
 * runs one task of `test_task_s` once the cluster is busy; the overhead is its job's completion time
 * minus the task's run time (null if the job did not finish).
 */
export function testJobMetrics(result: RunResult, vars: Vars): Metrics {
  const framework = vars.test_framework;
  const task_s = vars.test_task_s;
  if (typeof framework !== 'string' || typeof task_s !== 'number')
    throw new Error("measure 'test-job' needs the variables test_framework (a name) and test_task_s");
  const jobs = [...result.sim.metrics.jobs.values()].filter((j) => j.framework === framework);
  if (jobs.length === 0) throw new Error(`measure 'test-job': framework '${framework}' has no jobs`);
  const done = jobs.filter((j) => j.state === 'finished' && j.ended_ms !== undefined);
  if (done.length < jobs.length) return { launch_overhead_s: null };
  const mean_ms = done.reduce((t, j) => t + (j.ended_ms! - j.submit_ms), 0) / done.length;
  return { launch_overhead_s: round6(mean_ms / 1000 - task_s) };
}
