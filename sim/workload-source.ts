// Where each framework's jobs come from: a generator, a trace file or jobs written out, read once
// per distinct source (two frameworks naming the same source share one reading, each taking the
// jobs of its own kind). A generator draws from the run's seed, forked by the generator's name.
import { isAbsolute, join } from 'node:path';
import type { Rng } from '../engine/rng.ts';
import { generateWorkload, isWorkloadName, workloadNames } from '../workloads/generators/index.ts';
import { type Job, sortJobs, validateWorkload } from '../workloads/job.ts';
import { loadTrace } from '../workloads/load-trace.ts';
import type { FrameworkConfig, WorkloadSource } from './config.ts';

/** Jobs read for a run, and what the trace loaders left out or changed. */
export interface LoadedWorkloads {
  /** Each framework's jobs, by framework name, sorted by arrival. */
  readonly jobs: ReadonlyMap<string, readonly Job[]>;
  /** One line per source about jobs skipped or adjusted on the way in. */
  readonly notes: readonly string[];
}

/** Reads one source into jobs (`notes` gets what a trace loader skipped or adjusted). */
export function readSource(source: WorkloadSource, rng: Rng, baseDir: string, notes: string[]): Job[] {
  if ('jobs' in source) {
    const jobs = sortJobs([...source.jobs]);
    validateWorkload(jobs);
    return jobs;
  }
  if ('generator' in source) {
    if (!isWorkloadName(source.generator))
      throw new Error(
        `workload generator '${source.generator}' is unknown; known: ${workloadNames.join(', ')}`,
      );
    return generateWorkload(source.generator, source.params as never, rng.fork('workloads'));
  }
  const colon = source.trace.indexOf(':');
  const path = source.trace.slice(colon + 1);
  const spec =
    colon < 0 || isAbsolute(path) ? source.trace : `${source.trace.slice(0, colon)}:${join(baseDir, path)}`;
  const trace = loadTrace(spec, source.params as never);
  const skipped = Object.entries(trace.skipped).map(([k, n]) => `${n} skipped (${k})`);
  const adjusted = Object.entries(trace.adjusted).map(([k, n]) => `${n} adjusted (${k})`);
  if (skipped.length + adjusted.length > 0)
    notes.push(`${source.trace}: ${[...skipped, ...adjusted].join(', ')}`);
  return trace.jobs;
}

/** The key under which a source's jobs are shared between frameworks. */
export function sourceKey(source: WorkloadSource): string {
  return JSON.stringify(source);
}

/**
 * Reads every framework's workload; paths of traces are relative to `baseDir`. Sources already
 * read (by `sourceKey`) may be handed in, with the notes their reading made.
 */
export function loadWorkloads(
  frameworks: readonly FrameworkConfig[],
  rng: Rng,
  baseDir: string,
  preloaded?: { readonly jobs: ReadonlyMap<string, Job[]>; readonly notes: readonly string[] },
): LoadedWorkloads {
  const cache = new Map<string, Job[]>(preloaded?.jobs ?? []);
  const notes: string[] = [...(preloaded?.notes ?? [])];
  const jobs = new Map<string, readonly Job[]>();
  const owner = new Map<string, string>();
  for (const framework of frameworks) {
    if (framework.workload === undefined) {
      jobs.set(framework.name, []);
      continue;
    }
    const key = sourceKey(framework.workload);
    let all = cache.get(key);
    if (all === undefined) {
      all = readSource(framework.workload, rng, baseDir, notes);
      cache.set(key, all);
    }
    const mine = all.filter((job) => job.framework === framework.kind);
    if (mine.length === 0)
      throw new Error(`framework ${framework.name}: its workload has no ${framework.kind} jobs`);
    for (const job of mine) {
      const other = owner.get(job.id);
      if (other !== undefined)
        throw new Error(`job ${job.id} would run in two frameworks, ${other} and ${framework.name}`);
      owner.set(job.id, framework.name);
    }
    jobs.set(framework.name, mine);
  }
  for (const [name, list] of jobs) {
    for (const job of list) {
      if (job.after !== undefined && owner.get(job.after) !== name)
        throw new Error(`job ${job.id} runs after ${job.after}, which is not a job of framework ${name}`);
    }
  }
  return { jobs, notes };
}
