// Runs an experiment file: plans its points, runs every point with every replicate's seed (on worker
// threads when there is more than one run), collects the metrics, and writes results.csv,
// results.json, one SVG per plot and report.html into the output directory. results.json holds only
// simulated figures, so the same file and seed give the same bytes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildPlot, type PlotResult } from './plots.ts';
import { type ExperimentPlan, planExperiment } from './points.ts';
import { runTasks } from './pool.ts';
import { reportHtml } from './report.ts';
import { collectResults, type PointResult, resultsCsv } from './results.ts';
import type { RunOutcome, RunTask } from './run-point.ts';
import { type ExperimentSpec, parseExperiment } from './spec.ts';
import { buildTable, type TableResult } from './tables.ts';

/** Options of an experiment run. */
export interface ExperimentOptions {
  /** The experiment file (JSON). */
  readonly file: string;
  /** Output directory (default out/experiments/NAME, or NAME-quick). */
  readonly outDir?: string;
  readonly quick?: boolean;
  readonly replicates?: number;
  readonly seed?: string;
  /** Variables over the file's (see PlanOptions.vars). */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** Worker threads wanted (default: one per CPU; 0 or 1 runs in this thread). */
  readonly workers?: number;
  /** The command line, for the report. */
  readonly command?: string;
  /** Progress lines (one per finished run). */
  readonly onProgress?: (line: string) => void;
}

/** What an experiment run produced. */
export interface ExperimentOutput {
  readonly plan: ExperimentPlan;
  readonly points: readonly PointResult[];
  readonly tables: readonly TableResult[];
  readonly plots: readonly PlotResult[];
  readonly outDir: string;
  /** Files written, relative to outDir. */
  readonly files: readonly string[];
  /** Distinct threads the runs ran on (0 = the main thread). */
  readonly threads: readonly number[];
}

/** Reads and checks an experiment file; returns the spec and the file's text. */
export function loadExperiment(file: string): { spec: ExperimentSpec; source: string } {
  let source: string;
  let value: unknown;
  try {
    source = readFileSync(file, 'utf8');
    value = JSON.parse(source);
  } catch (error) {
    throw new Error(`cannot read experiment ${file}: ${(error as Error).message}`);
  }
  try {
    return { spec: parseExperiment(value), source };
  } catch (error) {
    throw new Error(`experiment ${file}: ${(error as Error).message}`);
  }
}

/** The runs of a plan, point-major: run p * replicates + r is point p with seed r. */
export function planTasks(plan: ExperimentPlan, baseDir: string): RunTask[] {
  return plan.points.flatMap((point, p) =>
    plan.seeds.map((seed, r) => ({
      index: p * plan.seeds.length + r,
      kind: plan.spec.kind,
      config: point.config,
      vars: point.vars,
      seed,
      baseDir,
      measures: plan.spec.measures,
    })),
  );
}

/** results.json: the experiment, its seeds, each point's runs and estimates, and the tables. */
export function resultsJson(
  plan: ExperimentPlan,
  points: readonly PointResult[],
  tables: readonly TableResult[],
): string {
  const json = {
    experiment: plan.spec.name,
    title: plan.spec.title,
    paper: plan.spec.paper,
    quick: plan.quick,
    seeds: plan.seeds,
    axes: plan.axes.map((a) => ({ name: a.name, title: a.title, values: a.values.map((v) => v.label) })),
    points: points.map((p) => ({
      id: p.plan.id,
      label: p.plan.label,
      labels: p.plan.labels,
      vars: p.plan.vars,
      runs: p.runs,
      estimates: p.estimates,
    })),
    tables,
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function progressLine(plan: ExperimentPlan, outcome: RunOutcome, done: number, total: number): string {
  const replicates = plan.seeds.length;
  const point = plan.points[Math.floor(outcome.index / replicates)]!;
  const seed = plan.seeds[outcome.index % replicates]!;
  const where = outcome.thread === 0 ? 'main thread' : `worker ${outcome.thread}`;
  return `[${done}/${total}] ${point.label || point.id} seed ${seed}: ${(outcome.wall_ms / 1000).toFixed(2)} s wall (${where})`;
}

/** Runs an experiment file and writes its results, plots and report. */
export async function runExperiment(options: ExperimentOptions): Promise<ExperimentOutput> {
  const file = resolve(options.file);
  const { spec, source } = loadExperiment(file);
  const plan = planExperiment(spec, {
    ...(options.quick === undefined ? {} : { quick: options.quick }),
    ...(options.replicates === undefined ? {} : { replicates: options.replicates }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.vars === undefined ? {} : { vars: options.vars }),
  });
  const outDir = options.outDir ?? join('out', 'experiments', plan.quick ? `${spec.name}-quick` : spec.name);
  const tasks = planTasks(plan, dirname(file));
  const outcomes = await runTasks(tasks, {
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    onDone: (outcome, done, total) => options.onProgress?.(progressLine(plan, outcome, done, total)),
  });
  const points = collectResults(plan, outcomes);
  const tables = spec.tables.map((t) => buildTable(t, plan, points));
  const plots = spec.plots.map((p) => buildPlot(p, plan, points));
  const notes = [...new Set(outcomes.flatMap((o) => o.notes))].sort();
  mkdirSync(outDir, { recursive: true });
  const files: Array<[string, string]> = [
    ['results.json', resultsJson(plan, points, tables)],
    ['results.csv', resultsCsv(plan, points)],
    ...plots.map((p): [string, string] => [p.file, p.svg]),
    [
      'report.html',
      reportHtml({
        plan,
        points,
        tables,
        plots,
        source,
        command: options.command ?? `meso experiment run ${options.file}${plan.quick ? ' --quick' : ''}`,
        notes,
        timings: outcomes,
      }),
    ],
  ];
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
  const threads = [...new Set(outcomes.map((o) => o.thread))].sort((a, b) => a - b);
  return { plan, points, tables, plots, outDir, files: files.map(([name]) => name), threads };
}
