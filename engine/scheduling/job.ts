// The job model every workload source produces and every framework model consumes (it lives in the
// engine, whose framework models read it; workloads/ builds jobs of it). A job is plain
// data (JSON-serialisable, no functions, no Infinity) so that a workload can be written to a file,
// diffed, and replayed byte for byte.

/** Which framework model runs a job. */
export type Framework = 'hadoop' | 'mpi' | 'spark' | 'service';

/** What a phase is, in its framework's words. */
export type PhaseKind = 'map' | 'reduce' | 'iteration' | 'gang' | 'service';

/** One task: what it asks for and how long it runs once launched. */
export interface TaskSpec {
  /** CPUs the task holds while it runs (three decimals at most, as Mesos scalars). */
  cpus: number;
  /** Memory the task holds while it runs, in MB. */
  mem_mb: number;
  /** Run time from launch to completion, in ms (an integer). */
  duration_ms: number;
  /** Index of the input block (Hadoop) or cached partition (Spark) the task reads, in `Job.input`. */
  preferred?: number;
}

/** A set of tasks that may run at once; a job's phases run one after another. */
export interface Phase {
  kind: PhaseKind;
  tasks: TaskSpec[];
}

/**
 * The data a job reads, for locality: blocks `0 .. blocks-1` of `dataset`. Block identity is the pair
 * (dataset, index), so jobs that read the same dataset share blocks; see `blockId`.
 */
export interface InputSpec {
  dataset: string;
  blocks: number;
}

/** A job: its framework, when it arrives, and its phases of tasks. */
export interface Job {
  /** Unique within a workload; sources prefix it with their name (`swim/job7`, `facebook-hadoop/042`). */
  id: string;
  framework: Framework;
  /** A short label of what the job is (`selection`, `tachyon-large`, `swim`), for reports. */
  label: string;
  /** Arrival time, in ms from the start of the workload (an integer). */
  submit_ms: number;
  /**
   * When set, the job is submitted only once the named job has completed (and not before `submit_ms`):
   * the large Hadoop mix runs its jobs one after another. The simulator resolves it.
   */
  after?: string;
  /** Phases in order: phase k+1 starts when every task of phase k has finished (maps, then reduces). */
  phases: Phase[];
  /** True when every task of the (single) phase must be placed at once (MPI ranks). */
  gang: boolean;
  /** Number of iterations of an iterative (Spark) job; equals its number of phases. */
  iterations?: number;
  /** The data the job reads, when it cares about locality. */
  input?: InputSpec;
  /** True for services: they run until the experiment ends, so "all jobs done" ignores them. */
  long_running?: boolean;
}

/** The identity of one block of a dataset, as a framework model and a simulated DFS name it. */
export function blockId(dataset: string, index: number): string {
  return `${dataset}/${index}`;
}

/** Number of tasks in a job, over all its phases. */
export function taskCount(job: Job): number {
  let n = 0;
  for (const phase of job.phases) n += phase.tasks.length;
  return n;
}

/** Orders jobs by arrival, then by id, so a workload's order never depends on how it was built. */
export function compareJobs(a: Job, b: Job): number {
  if (a.submit_ms !== b.submit_ms) return a.submit_ms - b.submit_ms;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Sorts jobs in place by `compareJobs`, and returns them. */
export function sortJobs(jobs: Job[]): Job[] {
  return jobs.sort(compareJobs);
}

/** True when `x` is a finite number with at most three decimals, as a Mesos scalar. */
function isScalar(x: number): boolean {
  return Number.isFinite(x) && Math.abs(Math.round(x * 1000) - x * 1000) < 1e-6;
}

/** Throws an Error naming the job and what is wrong with one of its tasks, if anything is. */
function validateTask(job: Job, task: TaskSpec, phase: number, index: number): void {
  const fail = (what: string) => {
    throw new Error(`job ${job.id}: phase ${phase} (${job.phases[phase]?.kind}) task ${index}: ${what}`);
  };
  if (!(task.cpus > 0) || !isScalar(task.cpus)) fail(`cpus must be > 0 with <= 3 decimals, got ${task.cpus}`);
  if (!(task.mem_mb > 0) || !Number.isFinite(task.mem_mb)) fail(`mem_mb must be > 0, got ${task.mem_mb}`);
  if (!Number.isSafeInteger(task.duration_ms) || task.duration_ms < 0) {
    fail(`duration_ms must be an integer >= 0, got ${task.duration_ms}`);
  }
  if (task.preferred !== undefined) {
    const blocks = job.input?.blocks ?? 0;
    if (!Number.isInteger(task.preferred) || task.preferred < 0 || task.preferred >= blocks) {
      fail(`preferred block ${task.preferred} is outside the job's ${blocks} input blocks`);
    }
  }
}

/** Asserts a job's invariants and throws an Error naming the job and the broken rule. */
export function validateJob(job: Job): void {
  const fail = (what: string) => {
    throw new Error(`job ${job.id}: ${what}`);
  };
  if (job.id.length === 0) fail('empty id');
  if (!Number.isSafeInteger(job.submit_ms) || job.submit_ms < 0) {
    fail(`submit_ms must be an integer >= 0, got ${job.submit_ms}`);
  }
  if (job.phases.length === 0) fail('no phases');
  if (job.gang && job.phases.length !== 1) fail('a gang job has exactly one phase');
  if (job.iterations !== undefined && job.iterations !== job.phases.length) {
    fail(`iterations ${job.iterations} differs from its ${job.phases.length} phases`);
  }
  if (job.input && (!Number.isSafeInteger(job.input.blocks) || job.input.blocks < 0)) {
    fail(`input blocks must be an integer >= 0, got ${job.input.blocks}`);
  }
  for (let p = 0; p < job.phases.length; p++) {
    const phase = job.phases[p]!;
    if (phase.tasks.length === 0) fail(`phase ${p} (${phase.kind}) has no tasks`);
    for (let t = 0; t < phase.tasks.length; t++) validateTask(job, phase.tasks[t]!, p, t);
  }
}

/** Asserts every job's invariants, that ids are unique and `after` names a job of the workload. */
export function validateWorkload(jobs: readonly Job[]): void {
  const ids = new Set<string>();
  for (const job of jobs) {
    validateJob(job);
    if (ids.has(job.id)) throw new Error(`job ${job.id}: duplicate id in the workload`);
    ids.add(job.id);
  }
  for (const job of jobs) {
    if (job.after !== undefined && !ids.has(job.after)) {
      throw new Error(`job ${job.id}: runs after ${job.after}, which is not in the workload`);
    }
  }
}
