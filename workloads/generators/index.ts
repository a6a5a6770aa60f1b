// The registry of workload generators by name, for experiment files and the command line. Each
// generator draws from its own stream, forked from the given Rng by the generator's name, so adding
// a generator to an experiment never changes the draws of another.
import type { Rng } from '../../engine/rng.ts';
import { type Job, sortJobs, validateWorkload } from '../job.ts';
import {
  type FacebookHadoopParams,
  facebookHadoopDefaults,
  type GoogleParams,
  googleDefaults,
  type LargeHadoopParams,
  largeHadoopDefaults,
  type ServicesParams,
  type SparkAlsParams,
  servicesDefaults,
  sparkAlsDefaults,
  type TorqueMpiParams,
  torqueMpiDefaults,
  withParams,
} from '../params.ts';
import { generateFacebookHadoop } from './facebook-hadoop.ts';
import { generateGoogle } from './google.ts';
import { generateLargeHadoop } from './large-hadoop.ts';
import { generateServices } from './services.ts';
import { generateSparkAls } from './spark-als.ts';
import { generateTorqueMpi } from './torque-mpi.ts';

/** The parameters of each named generator. */
export interface WorkloadParams {
  'facebook-hadoop': FacebookHadoopParams;
  'large-hadoop': LargeHadoopParams;
  'spark-als': SparkAlsParams;
  'torque-mpi': TorqueMpiParams;
  services: ServicesParams;
  google: GoogleParams;
}

/** The name of a generator. */
export type WorkloadName = keyof WorkloadParams;

interface Entry<N extends WorkloadName> {
  defaults: WorkloadParams[N];
  generate: (params: WorkloadParams[N], rng: Rng) => Job[];
}

const registry: { [N in WorkloadName]: Entry<N> } = {
  'facebook-hadoop': { defaults: facebookHadoopDefaults, generate: generateFacebookHadoop },
  'large-hadoop': { defaults: largeHadoopDefaults, generate: generateLargeHadoop },
  'spark-als': { defaults: sparkAlsDefaults, generate: generateSparkAls },
  'torque-mpi': { defaults: torqueMpiDefaults, generate: generateTorqueMpi },
  services: { defaults: servicesDefaults, generate: generateServices },
  google: { defaults: googleDefaults, generate: generateGoogle },
};

/** The generators' names, sorted. */
export const workloadNames: readonly WorkloadName[] = (Object.keys(registry) as WorkloadName[]).sort();

/** True when `name` names a generator. */
export function isWorkloadName(name: string): name is WorkloadName {
  return Object.hasOwn(registry, name);
}

/** A generator's default parameters (a copy). */
export function workloadDefaults<N extends WorkloadName>(name: N): WorkloadParams[N] {
  return structuredClone(registry[name].defaults) as WorkloadParams[N];
}

/** Generates the named workload with `params` over its defaults, sorted by arrival and validated. */
export function generateWorkload<N extends WorkloadName>(
  name: N,
  params: Partial<WorkloadParams[N]> | undefined,
  rng: Rng,
): Job[] {
  if (!isWorkloadName(name)) {
    throw new Error(`unknown workload '${String(name)}'; known: ${workloadNames.join(', ')}`);
  }
  const entry = registry[name] as Entry<N>;
  const full = withParams(entry.defaults, params, name);
  const jobs = sortJobs(entry.generate(full, rng.fork(name)));
  validateWorkload(jobs);
  return jobs;
}
