// One simulation from config to files: read the workloads, run, summarise, write the outputs. The
// command line and the benchmark both go through here; tests call it directly.

import type { TraceEvent } from '../engine/events.ts';
import { createRng } from '../engine/rng.ts';
import type { Job } from '../workloads/job.ts';
import type { SimConfig } from './config.ts';
import { prepareOutput, TraceWriter, writeOutputs } from './output.ts';
import { Simulation } from './simulator.ts';
import { buildSummary } from './summary.ts';
import { loadWorkloads } from './workload-source.ts';

/** Options of one run. */
export interface RunOptions {
  readonly config: SimConfig;
  /** Directory that relative trace paths start from. */
  readonly baseDir: string;
  /** Where the files go; nothing is written when absent. */
  readonly outDir?: string;
  /** Also write trace.ndjson (every engine trace event). */
  readonly traceEvents?: boolean;
  /** Hears every engine trace event as the simulation makes it (in order, with the trace file's events). */
  readonly onTrace?: (event: TraceEvent) => void;
  /** Sources already read, by source key (see workload-source.ts). */
  readonly preloaded?: { readonly jobs: ReadonlyMap<string, Job[]>; readonly notes: readonly string[] };
  readonly onProgress?: (now_ms: number, events: number, sim: Simulation) => void;
  /** Throw at the first broken invariant. */
  readonly strict?: boolean;
  /** A wall clock for profiling (see SimulationOptions.clock). */
  readonly clock?: () => number;
}

/** What a run gives back. */
export interface RunResult {
  readonly sim: Simulation;
  readonly end_ms: number;
  readonly summary: Record<string, unknown>;
  /** Files written into the output directory. */
  readonly files: readonly string[];
}

/** Runs one simulation and writes its files. */
export function runSimulation(options: RunOptions): RunResult {
  const { config } = options;
  const workloads = loadWorkloads(
    config.frameworks,
    createRng(config.seed),
    options.baseDir,
    options.preloaded,
  );
  if (options.outDir !== undefined) prepareOutput(options.outDir);
  const trace =
    options.outDir !== undefined && options.traceEvents === true
      ? new TraceWriter(`${options.outDir}/trace.ndjson`)
      : undefined;
  let sim: Simulation | undefined;
  const onProgress = options.onProgress;
  const listener = options.onTrace;
  const onTrace =
    trace === undefined
      ? listener
      : listener === undefined
        ? (event: TraceEvent) => trace.write(event)
        : (event: TraceEvent) => {
            trace.write(event);
            listener(event);
          };
  sim = new Simulation({
    config,
    jobs: workloads.jobs,
    strict: options.strict ?? false,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(onTrace === undefined ? {} : { onTrace }),
    ...(onProgress === undefined ? {} : { onProgress: (now, events) => onProgress(now, events, sim!) }),
  });
  let end_ms: number;
  try {
    end_ms = sim.run();
  } finally {
    trace?.close();
  }
  const summary = buildSummary(sim, end_ms, workloads.notes);
  const files = options.outDir === undefined ? [] : writeOutputs(options.outDir, sim, summary);
  return { sim, end_ms, summary, files: trace === undefined ? files : [...files, 'trace.ndjson'] };
}
