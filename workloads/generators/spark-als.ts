// The Mesos paper's Spark workload: alternating least squares, an iterative machine learning job
// that caches its input on the machines running its tasks and broadcasts parameters each iteration.
import type { Rng } from '../../engine/rng.ts';
import type { Job, Phase } from '../job.ts';
import { requirePositive, type SparkAlsParams } from '../params.ts';
import { jittered, jobId, requireJitter } from './distributions.ts';

export const sparkAlsName = 'spark-als';

/** Generates the jobs, staggered; each iteration is a phase whose task i reads cached partition i. */
export function generateSparkAls(params: SparkAlsParams, rng: Rng): Job[] {
  const what = sparkAlsName;
  requirePositive(
    params,
    [
      'jobs',
      'iterations',
      'tasks_per_iteration',
      'first_iteration_task_ms',
      'iteration_task_ms',
      'task_cpus',
      'task_mem_mb',
    ],
    what,
  );
  requirePositive(params, ['stagger_ms'], what, ['stagger_ms']);
  requireJitter(params.duration_jitter, what);
  for (const name of ['jobs', 'iterations', 'tasks_per_iteration', 'stagger_ms'] as const) {
    if (!Number.isInteger(params[name])) throw new Error(`${what}: ${name} must be an integer`);
  }
  const durations = rng.fork('durations');
  const jobs: Job[] = [];
  for (let k = 0; k < params.jobs; k++) {
    const id = jobId(what, k, params.jobs);
    const phases: Phase[] = [];
    for (let it = 0; it < params.iterations; it++) {
      // The first iteration reads its input from disk; later ones read the partitions they cached.
      const mean_ms = it === 0 ? params.first_iteration_task_ms : params.iteration_task_ms;
      const tasks = [];
      for (let i = 0; i < params.tasks_per_iteration; i++) {
        const duration_ms = jittered(durations, mean_ms, params.duration_jitter);
        tasks.push({ cpus: params.task_cpus, mem_mb: params.task_mem_mb, duration_ms, preferred: i });
      }
      phases.push({ kind: 'iteration', tasks });
    }
    jobs.push({
      id,
      framework: 'spark',
      label: 'als',
      submit_ms: k * params.stagger_ms,
      phases,
      gang: false,
      iterations: params.iterations,
      input: { dataset: id, blocks: params.tasks_per_iteration },
    });
  }
  return jobs;
}
