// A mix for large clusters shaped like Google's 2011 cluster trace (Reiss et al., SoCC 2012): a stream
// of many short batch jobs with heavy-tailed task counts and run times, beside a few large services
// that hold much of the cluster all day. Load is set as shares of the cluster's CPUs, so the same
// parameters fit any cluster size.
import type { Rng } from '../../engine/rng.ts';
import type { Job, TaskSpec } from '../job.ts';
import { type GoogleParams, requirePositive } from '../params.ts';
import {
  clamp,
  clampedLogNormalMean,
  exponential,
  jittered,
  jobId,
  logNormal,
  requireJitter,
} from './distributions.ts';

export const googleName = 'google';

/** Checks the mix's parameters, throwing an Error naming the first bad one. */
function check(p: GoogleParams): void {
  const what = googleName;
  requirePositive(
    p,
    [
      'machines',
      'machine_cpus',
      'horizon_ms',
      'batch_tasks_median',
      'batch_tasks_max',
      'batch_duration_median_ms',
      'batch_duration_min_ms',
      'batch_duration_max_ms',
      'batch_task_cpus',
      'batch_task_mem_mb',
      'services_per_machine',
      'service_task_cpus',
      'service_task_mem_mb',
      'service_lifetime_ms',
      'batch_cpu_share',
      'service_cpu_share',
    ],
    what,
    ['batch_cpu_share', 'service_cpu_share'],
  );
  requirePositive(
    p,
    ['batch_tasks_sigma', 'batch_duration_sigma', 'service_size_sigma', 'service_submit_interval_ms'],
    what,
    ['batch_tasks_sigma', 'batch_duration_sigma', 'service_size_sigma', 'service_submit_interval_ms'],
  );
  requireJitter(p.duration_jitter, what);
  if (p.batch_duration_max_ms < p.batch_duration_min_ms)
    throw new Error(`${what}: batch_duration_max_ms < min`);
  if (p.batch_cpu_share + p.service_cpu_share > 1)
    throw new Error(`${what}: batch and service shares exceed 1`);
}

/** Mean gap between batch job arrivals, in ms, that offers `batch_cpu_share` of the cluster's CPUs. */
export function batchInterarrivalMs(p: GoogleParams): number {
  const tasks = clampedLogNormalMean(p.batch_tasks_median, p.batch_tasks_sigma, 1, p.batch_tasks_max);
  const duration_ms = clampedLogNormalMean(
    p.batch_duration_median_ms,
    p.batch_duration_sigma,
    p.batch_duration_min_ms,
    p.batch_duration_max_ms,
  );
  const busy_cpus = p.batch_cpu_share * p.machines * p.machine_cpus;
  return (tasks * duration_ms * p.batch_task_cpus) / busy_cpus;
}

/** The services, all submitted at the start; their sizes are log-normal, scaled to the service share. */
function services(p: GoogleParams, rng: Rng): Job[] {
  const count = Math.max(1, Math.round(p.machines * p.services_per_machine));
  const total_tasks = Math.round((p.service_cpu_share * p.machines * p.machine_cpus) / p.service_task_cpus);
  if (total_tasks === 0) return [];
  const weights: number[] = [];
  for (let k = 0; k < count; k++) weights.push(logNormal(rng, 1, p.service_size_sigma));
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w, k) => {
    const size = Math.max(1, Math.round((total_tasks * w) / sum));
    const tasks: TaskSpec[] = [];
    for (let i = 0; i < size; i++) {
      tasks.push({
        cpus: p.service_task_cpus,
        mem_mb: p.service_task_mem_mb,
        duration_ms: p.service_lifetime_ms,
      });
    }
    return {
      id: jobId(`${googleName}/service`, k, count),
      framework: 'service',
      label: 'service',
      submit_ms: k * p.service_submit_interval_ms,
      phases: [{ kind: 'service', tasks }],
      gang: false,
      long_running: true,
    };
  });
}

/** One batch job: a single phase of tasks whose run times jitter around one drawn for the job. */
function batchJob(id: string, submit_ms: number, p: GoogleParams, rng: Rng): Job {
  const count = clamp(
    Math.round(logNormal(rng, p.batch_tasks_median, p.batch_tasks_sigma)),
    1,
    p.batch_tasks_max,
  );
  const drawn_ms = Math.round(logNormal(rng, p.batch_duration_median_ms, p.batch_duration_sigma));
  const mean_ms = clamp(drawn_ms, p.batch_duration_min_ms, p.batch_duration_max_ms);
  const tasks: TaskSpec[] = [];
  for (let i = 0; i < count; i++) {
    const duration_ms = Math.max(p.batch_duration_min_ms, jittered(rng, mean_ms, p.duration_jitter));
    tasks.push({ cpus: p.batch_task_cpus, mem_mb: p.batch_task_mem_mb, duration_ms });
  }
  // Batch jobs read no modelled input, so a map-only Hadoop job without locality stands for them.
  return {
    id,
    framework: 'hadoop',
    label: 'batch',
    submit_ms,
    phases: [{ kind: 'map', tasks }],
    gang: false,
  };
}

/** Generates the services, then Poisson batch arrivals up to `horizon_ms`. */
export function generateGoogle(params: GoogleParams, rng: Rng): Job[] {
  check(params);
  const jobs = services(params, rng.fork('services'));
  if (params.batch_cpu_share === 0) return jobs;
  const mean_gap_ms = batchInterarrivalMs(params);
  const arrivals = rng.fork('arrivals');
  const submits: number[] = [];
  for (
    let t = exponential(arrivals, mean_gap_ms);
    t < params.horizon_ms;
    t += exponential(arrivals, mean_gap_ms)
  ) {
    submits.push(Math.round(t));
  }
  const sizes = rng.fork('batch');
  submits.forEach((submit_ms, i) => {
    jobs.push(batchJob(jobId(`${googleName}/batch`, i, submits.length), submit_ms, params, sizes));
  });
  return jobs;
}
