// The experiment file: what to run (a base simulator config, or another kind of point), which
// variables and sweeps make the points, how many replicates, what to measure, which tables and plots
// to draw, the published numbers to show beside the measured ones, and a smaller `quick` variant.
// The format is JSON, described in experiments/README.md; `parseExperiment` checks a parsed file and
// names the first thing wrong.
import {
  integerField,
  isObject,
  type JsonObject,
  listField,
  numberField,
  objectField,
  textField,
} from './json.ts';

/** Kinds of experiment point: a simulation, or the DRF property checks (no simulator). */
export const experiment_kinds = ['simulation', 'drf-properties'] as const;
/** A kind of experiment point. */
export type ExperimentKind = (typeof experiment_kinds)[number];

/** Extra measures a simulation point may take, beyond the standard metrics. */
export const measure_names = ['failover', 'ramp-up', 'test-job', 'model:ramp-up'] as const;
/** An extra measure. */
export type MeasureName = (typeof measure_names)[number];

/** One value of a sweep axis: its label, its place on a numeric x axis, its overrides and variables. */
export interface AxisValue {
  readonly label: string;
  readonly x: number | undefined;
  readonly set: JsonObject;
  readonly vars: JsonObject;
}

/** A sweep axis; the points are the product of all axes' values. */
export interface Axis {
  readonly name: string;
  readonly title: string;
  readonly var: string | undefined;
  readonly path: string | undefined;
  readonly values: readonly AxisValue[];
}

/** A published figure: a number, text (e.g. `< 1`), or another metric of the same point (a model). */
export type Published = number | string | { readonly metric: string };

/** A metric shown in a table or plot. */
export interface MetricSpec {
  readonly metric: string;
  readonly label: string;
  readonly digits: number;
  /** Shown as a percentage (the value times 100). */
  readonly percent: boolean;
  /** Published figures by point label (axis labels joined by ` / `), ratio label, or `*` for all. */
  readonly published: Readonly<Record<string, Published>>;
}

/** A derived cell: one point's value over another's (or the change, value/other - 1). */
export interface RatioSpec {
  readonly label: string;
  readonly numerator: string;
  readonly denominator: string;
  /** In a table with points as rows: the metric the ratio is of. */
  readonly metric: string | undefined;
  readonly change: boolean;
  readonly digits: number;
  readonly published: Readonly<Record<string, Published>>;
}

/** A table: points (of `axes`, restricted by `where`) as rows or columns, metrics the other way. */
export interface TableSpec {
  readonly title: string;
  readonly axes: readonly string[] | undefined;
  readonly orient: 'rows' | 'columns';
  readonly where: Readonly<Record<string, string>>;
  readonly metrics: readonly MetricSpec[];
  readonly ratios: readonly RatioSpec[];
  readonly note: string | undefined;
}

/** A plot: bars per point (or per metric), or lines over a numeric axis. */
export interface PlotSpec {
  readonly title: string;
  readonly file: string;
  readonly kind: 'bar' | 'line';
  readonly axes: readonly string[] | undefined;
  /** Line plots: one line per value of this axis (and per metric). */
  readonly series: string | undefined;
  readonly group_by: 'point' | 'metric';
  readonly where: Readonly<Record<string, string>>;
  readonly metrics: readonly MetricSpec[];
  readonly x_label: string;
  readonly y_label: string;
  readonly log_x: boolean;
}

/** What `--quick` changes: fewer replicates, other variables and overrides, fewer sweep values. */
export interface QuickSpec {
  readonly replicates: number | undefined;
  readonly vars: JsonObject;
  readonly set: JsonObject;
  readonly axes: Readonly<Record<string, readonly unknown[]>>;
}

/** A checked experiment file. */
export interface ExperimentSpec {
  readonly name: string;
  readonly title: string;
  readonly paper: string;
  readonly description: string;
  readonly kind: ExperimentKind;
  readonly seed: string;
  readonly replicates: number;
  readonly vars: JsonObject;
  readonly base: JsonObject;
  readonly axes: readonly Axis[];
  readonly measures: readonly MeasureName[];
  readonly tables: readonly TableSpec[];
  readonly plots: readonly PlotSpec[];
  readonly discussion: readonly string[];
  readonly quick: QuickSpec | undefined;
}

/** Most replicates a file or the command line may ask for. */
export const replicates_max = 1000;

const top_fields = [
  '$comment',
  'name',
  'title',
  'paper',
  'description',
  'kind',
  'seed',
  'replicates',
  'vars',
  'base',
  'axes',
  'measures',
  'tables',
  'plots',
  'discussion',
  'quick',
];

/** Builds one axis value from its file form (an object, or a bare value for an axis with var or path). */
export function axisValue(
  value: unknown,
  axis: { name: string; var?: string; path?: string },
  what: string,
): AxisValue {
  if (typeof value === 'number' || typeof value === 'string') {
    if (axis.var === undefined && axis.path === undefined)
      throw new Error(`${what}: a bare value needs the axis to name a 'var' or a 'path'`);
    return {
      label: String(value),
      x: typeof value === 'number' ? value : undefined,
      set: axis.path === undefined ? {} : { [axis.path]: value },
      vars: axis.var === undefined ? {} : { [axis.var]: value },
    };
  }
  const o = objectField(value, what, ['label', 'x', 'set', 'vars', '$comment']);
  return {
    label: textField(o.label, `${what}.label`),
    x: o.x === undefined ? undefined : numberField(o.x, `${what}.x`, 0, Number.NEGATIVE_INFINITY),
    set: o.set === undefined ? {} : objectField(o.set, `${what}.set`),
    vars: o.vars === undefined ? {} : objectField(o.vars, `${what}.vars`),
  };
}

function parseAxis(value: unknown, index: number): Axis {
  const what = `axes[${index}]`;
  const o = objectField(value, what, ['name', 'title', 'var', 'path', 'values', '$comment']);
  const name = textField(o.name, `${what}.name`);
  const shape = {
    name,
    ...(o.var === undefined ? {} : { var: textField(o.var, `${what}.var`) }),
    ...(o.path === undefined ? {} : { path: textField(o.path, `${what}.path`) }),
  };
  const values = listField(o.values, `${what}.values`).map((v, i) =>
    axisValue(v, shape, `${what}.values[${i}]`),
  );
  if (values.length === 0) throw new Error(`${what}.values: expected at least one value`);
  const labels = new Set(values.map((v) => v.label));
  if (labels.size !== values.length) throw new Error(`${what}.values: two values have the same label`);
  return { name, title: textField(o.title, `${what}.title`, name), var: shape.var, path: shape.path, values };
}

function parsePublished(value: unknown, what: string): Readonly<Record<string, Published>> {
  const o = value === undefined ? {} : objectField(value, what);
  for (const [key, p] of Object.entries(o)) {
    const ok =
      (typeof p === 'number' && Number.isFinite(p)) ||
      typeof p === 'string' ||
      (isObject(p) && typeof p.metric === 'string' && Object.keys(p).length === 1);
    if (!ok) throw new Error(`${what}.${key}: expected a number, text, or {"metric": NAME}`);
  }
  return o as Readonly<Record<string, Published>>;
}

function parseMetric(value: unknown, what: string): MetricSpec {
  const o = objectField(value, what, ['metric', 'label', 'digits', 'percent', 'published']);
  const metric = textField(o.metric, `${what}.metric`);
  return {
    metric,
    label: textField(o.label, `${what}.label`, metric),
    digits: integerField(o.digits, `${what}.digits`, 2),
    percent: o.percent === true,
    published: parsePublished(o.published, `${what}.published`),
  };
}

function parseRatio(value: unknown, what: string): RatioSpec {
  const o = objectField(value, what, [
    'label',
    'numerator',
    'denominator',
    'metric',
    'change',
    'digits',
    'published',
  ]);
  return {
    label: textField(o.label, `${what}.label`),
    numerator: textField(o.numerator, `${what}.numerator`),
    denominator: textField(o.denominator, `${what}.denominator`),
    metric: o.metric === undefined ? undefined : textField(o.metric, `${what}.metric`),
    change: o.change === true,
    digits: integerField(o.digits, `${what}.digits`, 2),
    published: parsePublished(o.published, `${what}.published`),
  };
}

function parseWhere(value: unknown, what: string): Readonly<Record<string, string>> {
  const o = value === undefined ? {} : objectField(value, what);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
}

function parseAxesList(value: unknown, what: string): readonly string[] | undefined {
  return value === undefined
    ? undefined
    : listField(value, what).map((a, i) => textField(a, `${what}[${i}]`));
}

function parseTable(value: unknown, index: number): TableSpec {
  const what = `tables[${index}]`;
  const o = objectField(value, what, ['title', 'axes', 'orient', 'where', 'metrics', 'ratios', 'note']);
  const orient = textField(o.orient, `${what}.orient`, 'rows');
  if (orient !== 'rows' && orient !== 'columns') throw new Error(`${what}.orient: expected rows or columns`);
  const ratios = listField(o.ratios, `${what}.ratios`).map((r, i) => parseRatio(r, `${what}.ratios[${i}]`));
  if (orient === 'rows') {
    for (const r of ratios)
      if (r.metric === undefined)
        throw new Error(`${what}: ratio '${r.label}' needs a metric when points are rows`);
  }
  const metrics = listField(o.metrics, `${what}.metrics`).map((m, i) =>
    parseMetric(m, `${what}.metrics[${i}]`),
  );
  if (metrics.length === 0) throw new Error(`${what}.metrics: expected at least one metric`);
  return {
    title: textField(o.title, `${what}.title`),
    axes: parseAxesList(o.axes, `${what}.axes`),
    orient,
    where: parseWhere(o.where, `${what}.where`),
    metrics,
    ratios,
    note: o.note === undefined ? undefined : textField(o.note, `${what}.note`),
  };
}

function parsePlot(value: unknown, index: number): PlotSpec {
  const what = `plots[${index}]`;
  const o = objectField(value, what, [
    'title',
    'file',
    'kind',
    'axes',
    'series',
    'group_by',
    'where',
    'metrics',
    'x_label',
    'y_label',
    'log_x',
  ]);
  const file = textField(o.file, `${what}.file`);
  if (!/^[A-Za-z0-9._-]+\.svg$/.test(file))
    throw new Error(`${what}.file: expected a plain NAME.svg, got '${file}'`);
  const kind = textField(o.kind, `${what}.kind`, 'bar');
  if (kind !== 'bar' && kind !== 'line') throw new Error(`${what}.kind: expected bar or line`);
  const groupBy = textField(o.group_by, `${what}.group_by`, 'point');
  if (groupBy !== 'point' && groupBy !== 'metric')
    throw new Error(`${what}.group_by: expected point or metric`);
  const metrics = listField(o.metrics, `${what}.metrics`).map((m, i) =>
    parseMetric(m, `${what}.metrics[${i}]`),
  );
  if (metrics.length === 0) throw new Error(`${what}.metrics: expected at least one metric`);
  return {
    title: textField(o.title, `${what}.title`),
    file,
    kind,
    axes: parseAxesList(o.axes, `${what}.axes`),
    series: o.series === undefined ? undefined : textField(o.series, `${what}.series`),
    group_by: groupBy,
    where: parseWhere(o.where, `${what}.where`),
    metrics,
    x_label: textField(o.x_label, `${what}.x_label`, ''),
    y_label: textField(o.y_label, `${what}.y_label`, ''),
    log_x: o.log_x === true,
  };
}

function parseQuick(value: unknown): QuickSpec | undefined {
  if (value === undefined) return undefined;
  const o = objectField(value, 'quick', ['replicates', 'vars', 'set', 'axes', '$comment']);
  const axes = o.axes === undefined ? {} : objectField(o.axes, 'quick.axes');
  for (const [k, v] of Object.entries(axes)) listField(v, `quick.axes.${k}`);
  return {
    replicates: o.replicates === undefined ? undefined : integerField(o.replicates, 'quick.replicates', 1, 1),
    vars: o.vars === undefined ? {} : objectField(o.vars, 'quick.vars'),
    set: o.set === undefined ? {} : objectField(o.set, 'quick.set'),
    axes: axes as Readonly<Record<string, readonly unknown[]>>,
  };
}

function checkReferences(spec: ExperimentSpec): void {
  const axisNames = new Set(spec.axes.map((a) => a.name));
  if (axisNames.size !== spec.axes.length) throw new Error('axes: two axes have the same name');
  const check = (
    names: readonly string[] | undefined,
    where: Readonly<Record<string, string>>,
    what: string,
  ) => {
    for (const n of [...(names ?? []), ...Object.keys(where)])
      if (!axisNames.has(n)) throw new Error(`${what}: no axis named '${n}'`);
  };
  for (const [i, t] of spec.tables.entries()) check(t.axes, t.where, `tables[${i}]`);
  for (const [i, p] of spec.plots.entries())
    check([...(p.axes ?? []), ...(p.series ? [p.series] : [])], p.where, `plots[${i}]`);
  for (const name of Object.keys(spec.quick?.axes ?? {}))
    if (!axisNames.has(name)) throw new Error(`quick.axes: no axis named '${name}'`);
  const files = new Set(spec.plots.map((p) => p.file));
  if (files.size !== spec.plots.length) throw new Error('plots: two plots write the same file');
}

/** Checks a parsed experiment file and fills in defaults; throws naming the first problem. */
export function parseExperiment(value: unknown): ExperimentSpec {
  const o = objectField(value, 'experiment', top_fields);
  const name = textField(o.name, 'name');
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
    throw new Error(`name: lower-case letters, digits and '-', got '${name}'`);
  const kind = textField(o.kind, 'kind', 'simulation') as ExperimentKind;
  if (!experiment_kinds.includes(kind))
    throw new Error(`kind: expected one of ${experiment_kinds.join(', ')}`);
  if (kind === 'simulation' && o.base === undefined)
    throw new Error('base: a simulation experiment needs a base config');
  const measures = listField(o.measures, 'measures').map((m, i) => textField(m, `measures[${i}]`));
  for (const m of measures)
    if (!(measure_names as readonly string[]).includes(m))
      throw new Error(`measures: '${m}' is not one of ${measure_names.join(', ')}`);
  const spec: ExperimentSpec = {
    name,
    title: textField(o.title, 'title', name),
    paper: textField(o.paper, 'paper', '-'),
    description: textField(o.description, 'description', '-'),
    kind,
    seed: o.seed === undefined ? '1' : String(o.seed),
    replicates: integerField(o.replicates, 'replicates', 1, 1),
    vars: o.vars === undefined ? {} : objectField(o.vars, 'vars'),
    base: o.base === undefined ? {} : objectField(o.base, 'base'),
    axes: listField(o.axes, 'axes').map(parseAxis),
    measures: measures as MeasureName[],
    tables: listField(o.tables, 'tables').map(parseTable),
    plots: listField(o.plots, 'plots').map(parsePlot),
    discussion: listField(o.discussion, 'discussion').map((p, i) => textField(p, `discussion[${i}]`)),
    quick: parseQuick(o.quick),
  };
  if (spec.replicates > replicates_max) throw new Error(`replicates: at most ${replicates_max}`);
  checkReferences(spec);
  return spec;
}
