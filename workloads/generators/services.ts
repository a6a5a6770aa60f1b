// Long-running services (web front ends, caches, Aurora or Marathon apps): each holds a seeded number
// of instances for the whole experiment, so the batch frameworks share what the services leave.
import type { Rng } from '../../engine/rng.ts';
import type { Job, TaskSpec } from '../job.ts';
import { requirePositive, type ServicesParams } from '../params.ts';
import { jobId, uniformInt } from './distributions.ts';

export const servicesName = 'services';

/** Generates the services, submitted at a fixed interval, each with a uniform number of instances. */
export function generateServices(params: ServicesParams, rng: Rng): Job[] {
  const what = servicesName;
  requirePositive(
    params,
    ['services', 'instances_min', 'instances_max', 'instance_cpus', 'instance_mem_mb', 'lifetime_ms'],
    what,
  );
  requirePositive(params, ['submit_interval_ms'], what, ['submit_interval_ms']);
  for (const name of [
    'services',
    'instances_min',
    'instances_max',
    'submit_interval_ms',
    'lifetime_ms',
  ] as const) {
    if (!Number.isInteger(params[name])) throw new Error(`${what}: ${name} must be an integer`);
  }
  if (params.instances_max < params.instances_min) throw new Error(`${what}: instances_max < instances_min`);
  const sizes = rng.fork('instances');
  const jobs: Job[] = [];
  for (let k = 0; k < params.services; k++) {
    const count = uniformInt(sizes, params.instances_min, params.instances_max);
    const tasks: TaskSpec[] = [];
    for (let i = 0; i < count; i++) {
      tasks.push({
        cpus: params.instance_cpus,
        mem_mb: params.instance_mem_mb,
        duration_ms: params.lifetime_ms,
      });
    }
    jobs.push({
      id: jobId(what, k, params.services),
      framework: 'service',
      label: 'service',
      submit_ms: k * params.submit_interval_ms,
      phases: [{ kind: 'service', tasks }],
      gang: false,
      long_running: true,
    });
  }
  return jobs;
}
