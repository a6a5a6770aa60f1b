// The Mesos paper's Torque/MPI workload: tachyon ray-tracing jobs (SPEC MPI2007), six with a small
// problem size and two with a large one, each a gang of ranks submitted at fixed times.
import type { Rng } from '../../engine/rng.ts';
import type { Job, TaskSpec } from '../job.ts';
import { requirePositive, type TorqueMpiParams } from '../params.ts';
import { jobId } from './distributions.ts';

export const torqueMpiName = 'torque-mpi';

/** Generates the gang jobs at fixed times; the Rng is unused, as the paper's schedule is fixed. */
export function generateTorqueMpi(params: TorqueMpiParams, _rng: Rng): Job[] {
  const what = torqueMpiName;
  requirePositive(
    params,
    ['jobs', 'ranks', 'small_duration_ms', 'large_duration_ms', 'rank_cpus', 'rank_mem_mb'],
    what,
  );
  requirePositive(params, ['submit_interval_ms'], what, ['submit_interval_ms']);
  for (const name of [
    'jobs',
    'ranks',
    'submit_interval_ms',
    'small_duration_ms',
    'large_duration_ms',
  ] as const) {
    if (!Number.isInteger(params[name])) throw new Error(`${what}: ${name} must be an integer`);
  }
  for (const k of params.large_positions) {
    if (!Number.isInteger(k) || k < 0 || k >= params.jobs) {
      throw new Error(`${what}: large position ${k} is not a job position in [0, ${params.jobs})`);
    }
  }
  const jobs: Job[] = [];
  for (let k = 0; k < params.jobs; k++) {
    const large = params.large_positions.includes(k);
    const duration_ms = large ? params.large_duration_ms : params.small_duration_ms;
    const tasks: TaskSpec[] = [];
    for (let i = 0; i < params.ranks; i++)
      tasks.push({ cpus: params.rank_cpus, mem_mb: params.rank_mem_mb, duration_ms });
    jobs.push({
      id: jobId(what, k, params.jobs),
      framework: 'mpi',
      label: large ? 'tachyon-large' : 'tachyon-small',
      submit_ms: k * params.submit_interval_ms,
      phases: [{ kind: 'gang', tasks }],
      gang: true,
    });
  }
  return jobs;
}
