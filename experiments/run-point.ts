// One run of one experiment point with one seed, in whichever thread runs it: the point's config gets
// the seed and its experiment workloads written out, goes through the simulator's own checks and
// `runSimulation`, and the run's metrics come back as numbers. A point of the DRF property kind runs
// the property checks instead. The wall time is measured for the report only; it is never a metric.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { resolveSimConfig } from '../sim/config.ts';
import { runSimulation } from '../sim/run.ts';
import { runDrfProperties } from './drf-properties.ts';
import type { JsonObject } from './json.ts';
import { type Metrics, standardMetrics, testJobMetrics } from './measures.ts';
import { rampUpModel } from './models.ts';
import type { ExperimentKind, MeasureName } from './spec.ts';
import type { Vars } from './template.ts';
import { failoverMetrics, rampUpMetrics } from './trace-measures.ts';
import { expandWorkloads } from './workloads.ts';

/** What a thread needs to run one point with one seed (plain data, so it can cross to a worker). */
export interface RunTask {
  /** Position in the experiment's list of runs. */
  readonly index: number;
  readonly kind: ExperimentKind;
  readonly config: JsonObject;
  readonly vars: Vars;
  readonly seed: string;
  /** Directory relative trace paths start from (the experiment file's). */
  readonly baseDir: string;
  readonly measures: readonly MeasureName[];
}

/** What one run gives back. */
export interface RunOutcome {
  readonly index: number;
  readonly metrics: Metrics;
  /** The simulator's notes about its workloads (trace lines skipped ...). */
  readonly notes: readonly string[];
  readonly wall_ms: number;
  /** Thread that ran it (0 = the main thread). */
  readonly thread: number;
}

const needsTrace = (measures: readonly MeasureName[]) =>
  measures.includes('failover') || measures.includes('ramp-up');

function simulate(task: RunTask): { metrics: Metrics; notes: readonly string[] } {
  const raw = expandWorkloads({ ...task.config, seed: task.seed }, task.baseDir, task.seed);
  const config = resolveSimConfig(raw);
  const traceDir = needsTrace(task.measures) ? mkdtempSync(join(tmpdir(), 'meso-experiment-')) : undefined;
  try {
    const result = runSimulation({
      config,
      baseDir: task.baseDir,
      ...(traceDir === undefined ? {} : { outDir: traceDir, traceEvents: true }),
    });
    const metrics = standardMetrics(result, task.vars);
    const trace = traceDir === undefined ? '' : join(traceDir, 'trace.ndjson');
    for (const measure of task.measures) {
      if (measure === 'failover') Object.assign(metrics, failoverMetrics(result, trace));
      else if (measure === 'ramp-up') Object.assign(metrics, rampUpMetrics(result, trace, task.vars));
      else if (measure === 'test-job') Object.assign(metrics, testJobMetrics(result, task.vars));
      else if (measure === 'model:ramp-up') Object.assign(metrics, rampUpModel(task.vars));
    }
    return { metrics, notes: (result.summary.notes as string[] | undefined) ?? [] };
  } finally {
    if (traceDir !== undefined) rmSync(traceDir, { recursive: true, force: true });
  }
}

/** Runs one point with one seed. */
export function runTask(task: RunTask): RunOutcome {
  const started = performance.now();
  const { metrics, notes } =
    task.kind === 'drf-properties'
      ? { metrics: runDrfProperties(task.vars, task.seed), notes: [] }
      : simulate(task);
  return { index: task.index, metrics, notes, wall_ms: performance.now() - started, thread: threadId };
}
