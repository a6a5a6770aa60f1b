// Tables of an experiment: the measured value of each metric at each point (mean, with its 95%
// interval when there are replicates) with the published figure in the column beside it, and ratios
// between points (a speed-up, or a change such as +10%) computed replicate by replicate. Cells are
// text, formatted the same way on every run.
import type { ExperimentPlan } from './points.ts';
import type { PointResult } from './results.ts';
import type { MetricSpec, Published, RatioSpec, TableSpec } from './spec.ts';
import { type Estimate, estimate } from './stats.ts';

/** A table ready to print: column headers and rows of cells. */
export interface TableResult {
  readonly title: string;
  readonly note: string | undefined;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
}

/** A point of a table, under the label made of the table's axes. */
export interface TablePoint {
  readonly key: string;
  readonly point: PointResult;
}

/** The points a table or plot shows (those matching `where`), keyed by their labels on `axes`. */
export function selectPoints(
  plan: ExperimentPlan,
  points: readonly PointResult[],
  axes: readonly string[] | undefined,
  where: Readonly<Record<string, string>>,
  what: string,
): TablePoint[] {
  const names = axes ?? plan.axes.map((a) => a.name);
  const chosen = points.filter((p) => Object.entries(where).every(([a, v]) => p.plan.labels[a] === v));
  const out = chosen.map((point) => ({ key: names.map((a) => point.plan.labels[a]).join(' / '), point }));
  const keys = new Set(out.map((p) => p.key));
  if (keys.size !== out.length)
    throw new Error(`${what}: several points share a label; fix the other axes with 'where'`);
  return out;
}

/** Formats a number with `digits` decimals, as a percentage when asked (signed for changes). */
export function formatNumber(value: number, digits: number, percent: boolean, signed = false): string {
  const x = percent ? value * 100 : value;
  const text = x.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    useGrouping: false,
  });
  return `${signed && x > 0 ? '+' : ''}${text}${percent ? '%' : ''}`;
}

/** Formats an estimate: its mean, and ± its 95% interval when there is one (and it shows). */
export function formatEstimate(
  e: Estimate | undefined,
  digits: number,
  percent: boolean,
  signed = false,
): string {
  if (e === undefined || e.mean === null) return '-';
  const mean = formatNumber(e.mean, digits, percent, signed);
  if (e.ci95 === null) return mean;
  // An interval that rounds to nothing at the table's precision is left out.
  const ci = formatNumber(e.ci95, digits, percent);
  return ci === formatNumber(0, digits, percent) ? mean : `${mean} ± ${ci}`;
}

/** The published figure for a point key (or a ratio label), `*` standing for every key. */
export function publishedFor(
  published: Readonly<Record<string, Published>>,
  key: string,
  point: PointResult | undefined,
  star = true,
): number | string | undefined {
  const p = published[key] ?? (star ? published['*'] : undefined);
  if (p === undefined) return undefined;
  if (typeof p === 'object') return point?.estimates[p.metric]?.mean ?? undefined;
  return p;
}

function formatPublished(
  p: number | string | undefined,
  digits: number,
  percent: boolean,
  signed = false,
): string {
  if (p === undefined) return '';
  return typeof p === 'number' ? formatNumber(p, digits, percent, signed) : p;
}

/** A ratio between two points' values of a metric, replicate by replicate. */
function ratioEstimate(metric: string, num: PointResult, den: PointResult, change: boolean): Estimate {
  const values = num.runs.map((run, r) => {
    const a = run.metrics[metric];
    const b = den.runs[r]?.metrics[metric];
    if (typeof a !== 'number' || typeof b !== 'number' || b === 0) return null;
    return change ? a / b - 1 : a / b;
  });
  return estimate(values);
}

function findPoint(points: readonly TablePoint[], key: string, what: string): PointResult {
  const p = points.find((t) => t.key === key);
  if (p === undefined)
    throw new Error(`${what}: no point '${key}' (points: ${points.map((t) => t.key).join(', ')})`);
  return p.point;
}

/** Points as columns, metrics as rows, then a column pair per ratio. */
function columnsTable(spec: TableSpec, points: readonly TablePoint[]): TableResult {
  const hasPaper = (key: string) =>
    spec.metrics.some((m) => (m.published[key] ?? m.published['*']) !== undefined);
  const ratioPaper = (label: string) => spec.metrics.some((m) => m.published[label] !== undefined);
  const columns = ['metric'];
  for (const p of points)
    columns.push(...(hasPaper(p.key) ? [`${p.key} (measured)`, `${p.key} (paper)`] : [p.key]));
  for (const r of spec.ratios)
    columns.push(...(ratioPaper(r.label) ? [`${r.label} (measured)`, `${r.label} (paper)`] : [r.label]));
  const rows = spec.metrics.map((m) => {
    const row = [m.label];
    for (const p of points) {
      row.push(formatEstimate(p.point.estimates[m.metric], m.digits, m.percent));
      if (hasPaper(p.key))
        row.push(formatPublished(publishedFor(m.published, p.key, p.point), m.digits, m.percent));
    }
    for (const r of spec.ratios) {
      const num = findPoint(points, r.numerator, `table '${spec.title}', ratio '${r.label}'`);
      const den = findPoint(points, r.denominator, `table '${spec.title}', ratio '${r.label}'`);
      row.push(formatEstimate(ratioEstimate(m.metric, num, den, r.change), r.digits, r.change, r.change));
      if (ratioPaper(r.label))
        row.push(
          formatPublished(publishedFor(m.published, r.label, num, false), r.digits, r.change, r.change),
        );
    }
    return row;
  });
  return { title: spec.title, note: spec.note, columns, rows };
}

function rowsRatioCell(r: RatioSpec, row: TablePoint, points: readonly TablePoint[], title: string): string {
  const pick = (key: string) =>
    key === '*' ? row.point : findPoint(points, key, `table '${title}', ratio '${r.label}'`);
  return formatEstimate(
    ratioEstimate(r.metric!, pick(r.numerator), pick(r.denominator), r.change),
    r.digits,
    r.change,
    r.change,
  );
}

/** Points as rows, metrics as columns, then a column pair per ratio. */
function rowsTable(spec: TableSpec, plan: ExperimentPlan, points: readonly TablePoint[]): TableResult {
  const axes = spec.axes ?? plan.axes.map((a) => a.name);
  const title = axes.map((a) => plan.axes.find((x) => x.name === a)?.title ?? a).join(' / ') || 'point';
  const paper = (published: MetricSpec['published']) =>
    points.some((p) => publishedFor(published, p.key, p.point) !== undefined);
  const columns = [title];
  for (const m of spec.metrics)
    columns.push(...(paper(m.published) ? [`${m.label} (measured)`, `${m.label} (paper)`] : [m.label]));
  for (const r of spec.ratios)
    columns.push(...(paper(r.published) ? [`${r.label} (measured)`, `${r.label} (paper)`] : [r.label]));
  const rows = points.map((p) => {
    const row = [p.key || '-'];
    for (const m of spec.metrics) {
      row.push(formatEstimate(p.point.estimates[m.metric], m.digits, m.percent));
      if (paper(m.published))
        row.push(formatPublished(publishedFor(m.published, p.key, p.point), m.digits, m.percent));
    }
    for (const r of spec.ratios) {
      row.push(rowsRatioCell(r, p, points, spec.title));
      if (paper(r.published))
        row.push(formatPublished(publishedFor(r.published, p.key, p.point), r.digits, r.change, r.change));
    }
    return row;
  });
  return { title: spec.title, note: spec.note, columns, rows };
}

/** Builds one table from the results. */
export function buildTable(
  spec: TableSpec,
  plan: ExperimentPlan,
  points: readonly PointResult[],
): TableResult {
  const chosen = selectPoints(plan, points, spec.axes, spec.where, `table '${spec.title}'`);
  return spec.orient === 'columns' ? columnsTable(spec, chosen) : rowsTable(spec, plan, chosen);
}
