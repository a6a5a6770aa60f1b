// Workload forms that only experiment files use, turned into jobs written out in full before the
// config reaches the simulator:
//   {"generate": NAME, "params": {...}}                  an experiment generator (generators.ts)
//   {"trace" | "generator": ..., "params": {...},
//    "take": {"every": n, "offset": i, "submitted_before_ms": t, "jobs_max": m},
//    "tasks": {"cpus": c, "mem_mb": m} | {"map": {...}, "reduce": {...}}}
// `take` keeps some of a source's jobs (every n-th from offset i, those submitted before t, the
// first m), so one trace can feed several frameworks; `tasks` gives the kept tasks another shape.
// A trace is read once per thread and kept, as every point of a sweep reads the same one.
import { isAbsolute, join } from 'node:path';
import { createRng } from '../engine/rng.ts';
import { generateWorkload, isWorkloadName, workloadNames } from '../workloads/generators/index.ts';
import type { Job, Phase, TaskSpec } from '../workloads/job.ts';
import { loadTrace } from '../workloads/load-trace.ts';
import { generateExperimentWorkload } from './generators.ts';
import { cloneJson, isObject, type JsonObject, numberField, objectField } from './json.ts';

/** Sources read so far in this thread, by what was read. */
const sourceCache = new Map<string, readonly Job[]>();

/** Distinct sources kept in the cache at most (a sweep reads one or two). */
const source_cache_max = 4;

function readBase(o: JsonObject, baseDir: string, seed: string, what: string): readonly Job[] {
  const key = JSON.stringify([
    o.trace,
    o.generator,
    o.params,
    baseDir,
    o.generator === undefined ? '' : seed,
  ]);
  const cached = sourceCache.get(key);
  if (cached !== undefined) return cached;
  let jobs: Job[];
  if (typeof o.trace === 'string') {
    const colon = o.trace.indexOf(':');
    const path = o.trace.slice(colon + 1);
    const spec =
      colon < 0 || isAbsolute(path) ? o.trace : `${o.trace.slice(0, colon)}:${join(baseDir, path)}`;
    jobs = loadTrace(spec, o.params as never).jobs;
  } else if (typeof o.generator === 'string') {
    if (!isWorkloadName(o.generator))
      throw new Error(`${what}.generator: '${o.generator}' is unknown; known: ${workloadNames.join(', ')}`);
    jobs = generateWorkload(o.generator, o.params as never, createRng(seed).fork('workloads'));
  } else throw new Error(`${what}: 'take' and 'tasks' need a trace or a generator`);
  if (sourceCache.size >= source_cache_max) sourceCache.delete(sourceCache.keys().next().value!);
  sourceCache.set(key, jobs);
  return jobs;
}

function take(jobs: readonly Job[], value: unknown, what: string): readonly Job[] {
  if (value === undefined) return jobs;
  const t = objectField(value, what, ['every', 'offset', 'submitted_before_ms', 'jobs_max']);
  const every = numberField(t.every, `${what}.every`, 1, 1);
  const offset = numberField(t.offset, `${what}.offset`, 0);
  const before = numberField(t.submitted_before_ms, `${what}.submitted_before_ms`, Number.POSITIVE_INFINITY);
  const max = numberField(t.jobs_max, `${what}.jobs_max`, Number.POSITIVE_INFINITY);
  const kept = jobs.filter((job, i) => i % every === offset && job.submit_ms < before);
  return kept.slice(0, Math.min(kept.length, max));
}

type Shape = { cpus?: number; mem_mb?: number };

function shapeOf(value: unknown, what: string): Shape | undefined {
  if (value === undefined) return undefined;
  const o = objectField(value, what, ['cpus', 'mem_mb']);
  return {
    ...(o.cpus === undefined ? {} : { cpus: numberField(o.cpus, `${what}.cpus`, 0, 0.001) }),
    ...(o.mem_mb === undefined ? {} : { mem_mb: numberField(o.mem_mb, `${what}.mem_mb`, 0, 1) }),
  };
}

function reshape(jobs: readonly Job[], value: unknown, what: string): Job[] {
  if (value === undefined) return cloneJson(jobs as Job[]);
  const o = objectField(value, what, ['cpus', 'mem_mb', 'map', 'reduce']);
  const all = shapeOf({ cpus: o.cpus, mem_mb: o.mem_mb }, what);
  const byKind: Readonly<Record<string, Shape | undefined>> = {
    map: shapeOf(o.map, `${what}.map`),
    reduce: shapeOf(o.reduce, `${what}.reduce`),
  };
  return jobs.map((job) => ({
    ...cloneJson(job),
    phases: job.phases.map(
      (phase): Phase => ({
        kind: phase.kind,
        tasks: phase.tasks.map((t): TaskSpec => ({ ...t, ...all, ...byKind[phase.kind] })),
      }),
    ),
  }));
}

/** The framework's workload with experiment forms replaced by jobs; other forms are left as they are. */
function expandWorkload(
  workload: unknown,
  framework: string,
  baseDir: string,
  seed: string,
  what: string,
): unknown {
  if (!isObject(workload)) return workload;
  if (workload.generate !== undefined) {
    const o = objectField(workload, what, ['generate', 'params']);
    const rng = createRng(seed).fork(`experiment/${framework}`);
    return { jobs: generateExperimentWorkload(String(o.generate), o.params, framework, rng) };
  }
  if (workload.take === undefined && workload.tasks === undefined) return workload;
  const o = objectField(workload, what, ['trace', 'generator', 'params', 'take', 'tasks']);
  const jobs = take(readBase(o, baseDir, seed, what), o.take, `${what}.take`);
  if (jobs.length === 0) throw new Error(`${what}: 'take' kept no jobs`);
  return { jobs: reshape(jobs, o.tasks, `${what}.tasks`) };
}

/** The config with every framework's experiment workload form replaced by jobs written out in full. */
export function expandWorkloads(config: JsonObject, baseDir: string, seed: string): JsonObject {
  if (!Array.isArray(config.frameworks)) return config;
  const frameworks = config.frameworks.map((f, i) => {
    if (!isObject(f) || f.workload === undefined) return f;
    const name = typeof f.name === 'string' ? f.name : `framework${i}`;
    return { ...f, workload: expandWorkload(f.workload, name, baseDir, seed, `frameworks[${i}].workload`) };
  });
  return { ...config, frameworks };
}
