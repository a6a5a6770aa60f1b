// The results of an experiment as data: each point with its runs' metrics and their estimates over
// the replicates. Tables, plots, results.json and results.csv are all built from this, and it holds
// only simulated figures, so the same seed gives the same results byte for byte.
import type { Metrics } from './measures.ts';
import type { ExperimentPlan, PointPlan } from './points.ts';
import type { RunOutcome } from './run-point.ts';
import { type Estimate, estimate } from './stats.ts';

/** One run of a point. */
export interface RunRecord {
  readonly replicate: number;
  readonly seed: string;
  readonly metrics: Metrics;
}

/** A point with its runs and the estimate of each metric over them. */
export interface PointResult {
  readonly plan: PointPlan;
  readonly runs: readonly RunRecord[];
  readonly estimates: Readonly<Record<string, Estimate>>;
}

/** Collects the outcomes (in run order: point-major, replicate-minor) into point results. */
export function collectResults(plan: ExperimentPlan, outcomes: readonly RunOutcome[]): PointResult[] {
  const replicates = plan.seeds.length;
  if (outcomes.length !== plan.points.length * replicates)
    throw new Error(`expected ${plan.points.length * replicates} runs, got ${outcomes.length}`);
  return plan.points.map((point, p) => {
    const runs = plan.seeds.map((seed, r) => ({
      replicate: r,
      seed,
      metrics: outcomes[p * replicates + r]!.metrics,
    }));
    const names = [...new Set(runs.flatMap((run) => Object.keys(run.metrics)))].sort();
    const estimates = Object.fromEntries(names.map((n) => [n, estimate(runs.map((run) => run.metrics[n]))]));
    return { plan: point, runs, estimates };
  });
}

/** Every metric name of the results, sorted. */
export function metricNames(points: readonly PointResult[]): string[] {
  return [...new Set(points.flatMap((p) => Object.keys(p.estimates)))].sort();
}

/** Quotes a CSV field when it needs it. */
function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** results.csv: one row per run, with the point's axis labels, the seed and every metric. */
export function resultsCsv(plan: ExperimentPlan, points: readonly PointResult[]): string {
  const metrics = metricNames(points);
  const axes = plan.axes.map((a) => a.name);
  const lines = [['point', ...axes, 'replicate', 'seed', ...metrics].map(csvField).join(',')];
  for (const p of points) {
    for (const run of p.runs) {
      const values = metrics.map((m) => {
        const v = run.metrics[m];
        return v === null || v === undefined ? '' : String(v);
      });
      lines.push(
        [p.plan.id, ...axes.map((a) => p.plan.labels[a] ?? ''), String(run.replicate), run.seed, ...values]
          .map(csvField)
          .join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
