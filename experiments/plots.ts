// An experiment's plots, from its plot specs and results: bars per point (one bar per metric, and a
// hatched bar beside it for the published figure) or per metric (one bar per point), or lines of each
// metric over a numeric axis, one line per value of a `series` axis, with published figures as a
// dashed line of hollow markers. A plot metric without published figures takes those of the first
// table metric of the same name.
import type { ExperimentPlan } from './points.ts';
import type { PointResult } from './results.ts';
import type { MetricSpec, PlotSpec, Published } from './spec.ts';
import { type BarSeries, barChartSvg, type LineSeries, lineChartSvg } from './svg.ts';
import { publishedFor, selectPoints, type TablePoint } from './tables.ts';

/** A plot written out: its file name, title and SVG text. */
export interface PlotResult {
  readonly file: string;
  readonly title: string;
  readonly svg: string;
}

function publishedOf(m: MetricSpec, plan: ExperimentPlan): Readonly<Record<string, Published>> {
  if (Object.keys(m.published).length > 0) return m.published;
  for (const t of plan.spec.tables) {
    const same = t.metrics.find((x) => x.metric === m.metric);
    if (same !== undefined) return same.published;
  }
  return {};
}

const numeric = (p: number | string | undefined): number | null => (typeof p === 'number' ? p : null);

function barPlot(spec: PlotSpec, plan: ExperimentPlan, points: readonly TablePoint[]): string {
  const series: BarSeries[] = [];
  const byPoint = spec.group_by === 'point';
  const categories = byPoint ? points.map((p) => p.key) : spec.metrics.map((m) => m.label);
  const groups = byPoint
    ? spec.metrics.map((m) => ({ m, p: undefined }))
    : points.map((p) => ({ m: undefined, p }));
  groups.forEach((g, k) => {
    const cell = (c: number) => {
      const m = g.m ?? spec.metrics[c]!;
      const p = g.p ?? points[c]!;
      return { m, p, e: p.point.estimates[m.metric] };
    };
    const n = categories.length;
    const name = g.m?.label ?? g.p!.key;
    const paper = Array.from({ length: n }, (_, c) => {
      const { m, p } = cell(c);
      return numeric(publishedFor(publishedOf(m, plan), p.key, p.point));
    });
    const hasPaper = paper.some((v) => v !== null);
    series.push({
      name: hasPaper ? `${name} (measured)` : name,
      values: Array.from({ length: n }, (_, c) => cell(c).e?.mean ?? null),
      errors: Array.from({ length: n }, (_, c) => cell(c).e?.ci95 ?? null),
      color: k,
      paper: false,
    });
    if (hasPaper) series.push({ name: `${name} (paper)`, values: paper, color: k, paper: true });
  });
  return barChartSvg({
    title: spec.title,
    categories,
    series,
    yLabel: spec.y_label,
    percent: spec.metrics.every((m) => m.percent),
  });
}

function linePlot(spec: PlotSpec, plan: ExperimentPlan, points: readonly TablePoint[]): string {
  const xAxis = spec.axes?.[0];
  if (xAxis === undefined)
    throw new Error(`plot '${spec.title}': a line plot needs 'axes' naming its x axis`);
  const seriesAxis = spec.series === undefined ? undefined : plan.axes.find((a) => a.name === spec.series);
  const groups = seriesAxis === undefined ? [undefined] : seriesAxis.values.map((v) => v.label);
  const series: LineSeries[] = [];
  let color = 0;
  for (const m of spec.metrics) {
    for (const g of groups) {
      const mine = points.filter((p) => g === undefined || p.point.plan.labels[seriesAxis!.name] === g);
      const at = (p: TablePoint) => {
        const x = p.point.plan.x[xAxis];
        if (x === undefined)
          throw new Error(`plot '${spec.title}': axis '${xAxis}' has a value without a number`);
        return x;
      };
      const name = [m.label, g].filter((t) => t !== undefined && t !== '').join(' - ');
      const measured = mine.flatMap((p) => {
        const e = p.point.estimates[m.metric];
        return e?.mean === null || e === undefined ? [] : [{ x: at(p), y: e.mean, err: e.ci95 }];
      });
      series.push({ name, points: measured, color, paper: false });
      const paper = mine.flatMap((p) => {
        const v = numeric(publishedFor(publishedOf(m, plan), p.point.plan.labels[xAxis] ?? '', p.point));
        return v === null ? [] : [{ x: at(p), y: v }];
      });
      if (paper.length > 0) series.push({ name: `${name} (paper)`, points: paper, color, paper: true });
      color++;
    }
  }
  return lineChartSvg({
    title: spec.title,
    series: series.filter((s) => s.points.length > 0),
    xLabel: spec.x_label,
    yLabel: spec.y_label,
    logX: spec.log_x,
    percent: spec.metrics.every((m) => m.percent),
  });
}

/** Builds one plot from the results. */
export function buildPlot(spec: PlotSpec, plan: ExperimentPlan, points: readonly PointResult[]): PlotResult {
  const axes = spec.kind === 'line' ? undefined : spec.axes;
  const chosen = selectPoints(plan, points, axes, spec.where, `plot '${spec.title}'`);
  const svg = spec.kind === 'bar' ? barPlot(spec, plan, chosen) : linePlot(spec, plan, chosen);
  return { file: spec.file, title: spec.title, svg };
}
