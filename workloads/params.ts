// Every modelling choice of the workload library, as a named parameter with its unit last in the name
// and its default beside it. The reasons for the defaults are in workloads/README.md; a workload
// source takes a partial override and `withParams` fills in the rest, refusing names it does not know.

const mib = 1024 * 1024;
const second_ms = 1000;
const minute_ms = 60 * second_ms;
const day_ms = 24 * 60 * minute_ms;

/** Fills `overrides` in from `defaults`; throws on an unknown name or a value of the wrong type. */
export function withParams<T extends object>(
  defaults: T,
  overrides: Partial<T> | undefined,
  what: string,
): T {
  // A deep copy, so that a caller editing its parameters (a bin list, a table) never edits the defaults.
  if (overrides === undefined) return structuredClone(defaults);
  const known = Object.keys(defaults);
  for (const [name, value] of Object.entries(overrides)) {
    if (!known.includes(name)) {
      throw new Error(`${what}: unknown parameter '${name}'; known: ${known.join(', ')}`);
    }
    const expected = (defaults as Record<string, unknown>)[name];
    const same = typeof value === typeof expected && Array.isArray(value) === Array.isArray(expected);
    if (!same) throw new Error(`${what}: parameter '${name}' must be like ${JSON.stringify(expected)}`);
  }
  return { ...structuredClone(defaults), ...structuredClone(overrides) };
}

/** Throws unless each named parameter is a finite number > 0 (or >= 0 where `zero_ok` lists it). */
export function requirePositive<T extends object>(
  params: T,
  names: readonly (keyof T & string)[],
  what: string,
  zero_ok: readonly (keyof T & string)[] = [],
): void {
  for (const name of names) {
    const v = params[name];
    const ok = typeof v === 'number' && Number.isFinite(v) && (v > 0 || (v === 0 && zero_ok.includes(name)));
    if (!ok) throw new Error(`${what}: parameter '${name}' must be a number > 0, got ${String(v)}`);
  }
}

/** The size of a Hadoop task slot, shared by every Hadoop source. */
export interface HadoopSlotParams {
  /** CPUs of a map task (a Hadoop 0.20 map slot runs one single-threaded task). */
  map_cpus: number;
  /** Memory of a map task, in MB. */
  map_mem_mb: number;
  /** CPUs of a reduce task. */
  reduce_cpus: number;
  /** Memory of a reduce task, in MB. */
  reduce_mem_mb: number;
}

export const hadoopSlotDefaults: HadoopSlotParams = {
  map_cpus: 1,
  map_mem_mb: 2048,
  reduce_cpus: 1,
  reduce_mem_mb: 2048,
};

/** How a SWIM trace row (bytes only) becomes map and reduce tasks. */
export interface SwimParams extends HadoopSlotParams {
  /** Job ids are `${id_prefix}${trace job id}`. */
  id_prefix: string;
  /** HDFS block size: one map task per block of input, at least one map. */
  block_bytes: number;
  /** Bytes of shuffle plus output one reduce task handles (Hive's default before 0.14: 10^9). */
  reduce_task_bytes: number;
  /** Upper bound on reduces per job (Hive's hive.exec.reducers.max before 0.14: 999). */
  reduces_max: number;
  /** Bytes a map task reads per second. */
  map_rate_bytes_per_s: number;
  /** Bytes (shuffle plus output) a reduce task processes per second. */
  reduce_rate_bytes_per_s: number;
  /** Shortest map task, in ms: JVM start and task setup cost this much even for empty input. */
  map_duration_floor_ms: number;
  /** Shortest reduce task, in ms. */
  reduce_duration_floor_ms: number;
  /** Multiplies every byte count, as SWIM's replay scales a trace to a smaller cluster (1 = as traced). */
  data_scale: number;
}

export const swimDefaults: SwimParams = {
  ...hadoopSlotDefaults,
  id_prefix: 'swim/',
  block_bytes: 64 * mib,
  reduce_task_bytes: 1_000_000_000,
  reduces_max: 999,
  map_rate_bytes_per_s: 4 * mib,
  reduce_rate_bytes_per_s: 4 * mib,
  map_duration_floor_ms: 2 * second_ms,
  reduce_duration_floor_ms: 2 * second_ms,
  data_scale: 1,
};

/** How a Standard Workload Format job becomes a gang of MPI ranks. */
export interface SwfParams {
  /** Job ids are `${id_prefix}${SWF job number}`. */
  id_prefix: string;
  /** CPUs of one rank (one traced processor). */
  rank_cpus: number;
  /** Memory of one rank, in MB (the traces record none we can use). */
  rank_mem_mb: number;
  /** A traced run time of 0 s (under the trace's 1 s resolution) becomes this, in ms. */
  run_time_floor_ms: number;
}

export const swfDefaults: SwfParams = {
  id_prefix: 'swf/',
  rank_cpus: 1,
  rank_mem_mb: 1024,
  run_time_floor_ms: 1 * second_ms,
};

/** The query types of the Hive benchmark that the Mesos paper's Facebook mix ran. */
export type HiveJobType = 'selection' | 'text_search' | 'aggregation' | 'join';

/** One size bin of the Facebook Hadoop mix: `jobs` jobs of `maps` maps and `reduces` reduces. */
export interface FacebookBin {
  job_type: HiveJobType;
  maps: number;
  reduces: number;
  jobs: number;
}

/** The Mesos paper's Facebook Hadoop mix (NSDI 2011, section 6.1, Table 3). */
export interface FacebookHadoopParams extends HadoopSlotParams {
  /** The size bins (from the paper); their `jobs` sum to the number of jobs (100). */
  bins: FacebookBin[];
  /** Mean of the exponential gaps between submissions, in ms (paper: 14 s). */
  mean_interarrival_ms: number;
  /** Mean map task run time per query type, in ms. */
  map_duration_ms: Record<HiveJobType, number>;
  /** Mean reduce task run time per query type, in ms. */
  reduce_duration_ms: Record<HiveJobType, number>;
  /** Each task's run time is the mean times a uniform factor in [1 - jitter, 1 + jitter]. */
  duration_jitter: number;
}

export const facebookHadoopDefaults: FacebookHadoopParams = {
  ...hadoopSlotDefaults,
  bins: [
    { job_type: 'selection', maps: 1, reduces: 0, jobs: 38 },
    { job_type: 'text_search', maps: 2, reduces: 0, jobs: 18 },
    { job_type: 'aggregation', maps: 10, reduces: 2, jobs: 14 },
    { job_type: 'selection', maps: 50, reduces: 0, jobs: 12 },
    { job_type: 'aggregation', maps: 100, reduces: 10, jobs: 6 },
    { job_type: 'selection', maps: 200, reduces: 0, jobs: 6 },
    { job_type: 'text_search', maps: 400, reduces: 0, jobs: 4 },
    { job_type: 'join', maps: 400, reduces: 30, jobs: 2 },
  ],
  mean_interarrival_ms: 14 * second_ms,
  map_duration_ms: {
    selection: 10 * second_ms,
    text_search: 20 * second_ms,
    aggregation: 15 * second_ms,
    join: 20 * second_ms,
  },
  reduce_duration_ms: {
    selection: 30 * second_ms,
    text_search: 30 * second_ms,
    aggregation: 30 * second_ms,
    join: 60 * second_ms,
  },
  duration_jitter: 0.2,
};

/** The Mesos paper's large Hadoop mix: IO-bound text search jobs run back to back. */
export interface LargeHadoopParams extends HadoopSlotParams {
  /** Number of jobs (paper: 10). */
  jobs: number;
  /** Map tasks per job (paper: 2,400); text search has no reduce. */
  maps_per_job: number;
  /** Mean map task run time, in ms. */
  map_duration_ms: number;
  /** Uniform jitter of each task's run time, as a fraction of the mean. */
  duration_jitter: number;
  /** Submission of the first job, in ms; each later job is submitted when the previous one completes. */
  first_submit_ms: number;
}

export const largeHadoopDefaults: LargeHadoopParams = {
  ...hadoopSlotDefaults,
  jobs: 10,
  maps_per_job: 2400,
  map_duration_ms: 20 * second_ms,
  duration_jitter: 0.2,
  first_submit_ms: 0,
};

/** The Mesos paper's Spark workload: iterative alternating least squares (ALS) jobs. */
export interface SparkAlsParams {
  /** Number of jobs (paper: 5). */
  jobs: number;
  /** Gap between job submissions, in ms (paper: staggered 2 minutes apart). */
  stagger_ms: number;
  /** Iterations per job; each is one phase of tasks. */
  iterations: number;
  /** Tasks per iteration, one per cached partition of the input. */
  tasks_per_iteration: number;
  /** Run time of a first-iteration task, which reads its partition from disk, in ms. */
  first_iteration_task_ms: number;
  /** Run time of a later-iteration task, which reads its cached partition, in ms. */
  iteration_task_ms: number;
  /** Uniform jitter of each task's run time, as a fraction. */
  duration_jitter: number;
  /** CPUs of a task. */
  task_cpus: number;
  /** Memory of a task, in MB (it holds its cached partition). */
  task_mem_mb: number;
}

export const sparkAlsDefaults: SparkAlsParams = {
  jobs: 5,
  stagger_ms: 2 * minute_ms,
  iterations: 10,
  tasks_per_iteration: 24,
  first_iteration_task_ms: 40 * second_ms,
  iteration_task_ms: 15 * second_ms,
  duration_jitter: 0.1,
  task_cpus: 1,
  task_mem_mb: 3072,
};

/** The Mesos paper's Torque/MPI workload: tachyon ray-tracing gang jobs. */
export interface TorqueMpiParams {
  /** Number of jobs (paper: 8, six small and two large). */
  jobs: number;
  /** Zero-based positions, in submission order, of the jobs with the large problem size. */
  large_positions: number[];
  /** Ranks per job, all placed at once (paper: 24). */
  ranks: number;
  /** Gap between the fixed submission times, in ms. */
  submit_interval_ms: number;
  /** Run time of a small-problem job, in ms. */
  small_duration_ms: number;
  /** Run time of a large-problem job, in ms. */
  large_duration_ms: number;
  /** CPUs of a rank. */
  rank_cpus: number;
  /** Memory of a rank, in MB. */
  rank_mem_mb: number;
}

export const torqueMpiDefaults: TorqueMpiParams = {
  jobs: 8,
  large_positions: [3, 7],
  ranks: 24,
  submit_interval_ms: 3 * minute_ms,
  small_duration_ms: 5 * minute_ms,
  large_duration_ms: 12 * minute_ms,
  rank_cpus: 1,
  rank_mem_mb: 1024,
};

/** A mix of long-running services (web front ends, caches) that hold their instances. */
export interface ServicesParams {
  /** Number of services. */
  services: number;
  /** Fewest instances of a service. */
  instances_min: number;
  /** Most instances of a service; each service draws uniformly in [min, max]. */
  instances_max: number;
  /** CPUs of an instance. */
  instance_cpus: number;
  /** Memory of an instance, in MB. */
  instance_mem_mb: number;
  /** Gap between service submissions, in ms. */
  submit_interval_ms: number;
  /** Run time of an instance, in ms: longer than any experiment, so in effect until the end. */
  lifetime_ms: number;
}

export const servicesDefaults: ServicesParams = {
  services: 6,
  instances_min: 2,
  instances_max: 8,
  instance_cpus: 1,
  instance_mem_mb: 2048,
  submit_interval_ms: 10 * second_ms,
  lifetime_ms: 7 * day_ms,
};

/** A mix shaped like Google's 2011 cluster trace: many short batch tasks, a few large services. */
export interface GoogleParams {
  /** Machines the mix is sized for; arrival rate and service sizes scale with it. */
  machines: number;
  /** CPUs of a machine, for sizing only (the mix asks for shares of machines x machine_cpus). */
  machine_cpus: number;
  /** Length of the arrival process, in ms; no batch job arrives after it. */
  horizon_ms: number;
  /** Offered batch load: mean CPUs busy with batch tasks, as a share of the cluster's CPUs. */
  batch_cpu_share: number;
  /** Median tasks per batch job (log-normal). */
  batch_tasks_median: number;
  /** Log-normal sigma of tasks per batch job. */
  batch_tasks_sigma: number;
  /** Most tasks in one batch job. */
  batch_tasks_max: number;
  /** Median batch task run time, in ms (log-normal; all tasks of a job share it, up to jitter). */
  batch_duration_median_ms: number;
  /** Log-normal sigma of batch task run time. */
  batch_duration_sigma: number;
  /** Shortest batch task, in ms. */
  batch_duration_min_ms: number;
  /** Longest batch task, in ms. */
  batch_duration_max_ms: number;
  /** Uniform jitter of each task's run time around its job's, as a fraction. */
  duration_jitter: number;
  /** CPUs of a batch task. */
  batch_task_cpus: number;
  /** Memory of a batch task, in MB. */
  batch_task_mem_mb: number;
  /** CPUs the services hold, as a share of the cluster's CPUs. */
  service_cpu_share: number;
  /** Number of services per machine (0.01: 100 services on 10,000 machines); at least one. */
  services_per_machine: number;
  /** Log-normal sigma of the service sizes around their mean. */
  service_size_sigma: number;
  /** CPUs of a service task. */
  service_task_cpus: number;
  /** Memory of a service task, in MB. */
  service_task_mem_mb: number;
  /** Gap between service submissions at the start, in ms. */
  service_submit_interval_ms: number;
  /** Run time of a service task, in ms: longer than any experiment. */
  service_lifetime_ms: number;
}

export const googleDefaults: GoogleParams = {
  machines: 10_000,
  machine_cpus: 8,
  horizon_ms: day_ms,
  batch_cpu_share: 0.2,
  batch_tasks_median: 10,
  batch_tasks_sigma: 1.6,
  batch_tasks_max: 10_000,
  batch_duration_median_ms: 10 * minute_ms,
  batch_duration_sigma: 1,
  batch_duration_min_ms: 1 * second_ms,
  batch_duration_max_ms: day_ms,
  duration_jitter: 0.2,
  batch_task_cpus: 1,
  batch_task_mem_mb: 2048,
  service_cpu_share: 0.4,
  services_per_machine: 0.01,
  service_size_sigma: 1,
  service_task_cpus: 2,
  service_task_mem_mb: 4096,
  service_submit_interval_ms: 1 * second_ms,
  service_lifetime_ms: 7 * day_ms,
};
