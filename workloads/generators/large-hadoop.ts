// The Mesos paper's large Hadoop mix: IO-bound text search jobs of 2,400 map tasks, standing for
// batch work that runs continuously, each job submitted when the one before it finishes.
import type { Rng } from '../../engine/rng.ts';
import type { Job, TaskSpec } from '../job.ts';
import { type LargeHadoopParams, requirePositive } from '../params.ts';
import { jittered, jobId, requireJitter } from './distributions.ts';

export const largeHadoopName = 'large-hadoop';

/** Generates the mix: job k runs after job k-1 (`after`), all maps reading their own blocks. */
export function generateLargeHadoop(params: LargeHadoopParams, rng: Rng): Job[] {
  const what = largeHadoopName;
  requirePositive(params, ['jobs', 'maps_per_job', 'map_duration_ms', 'map_cpus', 'map_mem_mb'], what);
  requireJitter(params.duration_jitter, what);
  if (!Number.isInteger(params.jobs) || !Number.isInteger(params.maps_per_job)) {
    throw new Error(`${what}: jobs and maps_per_job must be integers`);
  }
  if (!Number.isSafeInteger(params.first_submit_ms) || params.first_submit_ms < 0) {
    throw new Error(`${what}: first_submit_ms must be an integer >= 0`);
  }
  const durations = rng.fork('durations');
  const jobs: Job[] = [];
  for (let k = 0; k < params.jobs; k++) {
    const id = jobId(what, k, params.jobs);
    const maps: TaskSpec[] = [];
    for (let i = 0; i < params.maps_per_job; i++) {
      const duration_ms = jittered(durations, params.map_duration_ms, params.duration_jitter);
      maps.push({ cpus: params.map_cpus, mem_mb: params.map_mem_mb, duration_ms, preferred: i });
    }
    const job: Job = {
      id,
      framework: 'hadoop',
      label: 'text_search',
      submit_ms: params.first_submit_ms,
      phases: [{ kind: 'map', tasks: maps }],
      gang: false,
      input: { dataset: id, blocks: params.maps_per_job },
    };
    if (k > 0) job.after = jobs[k - 1]!.id;
    jobs.push(job);
  }
  return jobs;
}
