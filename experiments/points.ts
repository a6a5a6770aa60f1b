// The points of an experiment: every combination of its axes' values, each with its variables
// resolved and its config built (base, then the quick variant's overrides, then the values' own),
// and the seeds of its replicates. Points are numbered in axis order, the first axis slowest, so the
// order (and everything written from it) is the same on every run.
import type { JsonObject } from './json.ts';
import { type Axis, type AxisValue, axisValue, type ExperimentSpec } from './spec.ts';
import { applySets, resolveVars, substitute, type Vars } from './template.ts';

/** One point of the sweep. */
export interface PointPlan {
  readonly index: number;
  /** A file-safe id: `p3` followed by the labels. */
  readonly id: string;
  /** The value label of each axis. */
  readonly labels: Readonly<Record<string, string>>;
  /** The value labels joined by ` / ` (empty when there are no axes). */
  readonly label: string;
  /** Each axis value's x, when numeric. */
  readonly x: Readonly<Record<string, number | undefined>>;
  readonly vars: Vars;
  /** The point's config, variables substituted, without the seed (set per replicate). */
  readonly config: JsonObject;
}

/** An experiment as it will run: its axes after `--quick`, its points and its replicate seeds. */
export interface ExperimentPlan {
  readonly spec: ExperimentSpec;
  readonly quick: boolean;
  readonly axes: readonly Axis[];
  readonly points: readonly PointPlan[];
  readonly seeds: readonly string[];
}

/** Options of a plan. */
export interface PlanOptions {
  readonly quick?: boolean;
  /** Replicates instead of the file's (or the quick variant's). */
  readonly replicates?: number;
  /** Seed instead of the file's. */
  readonly seed?: string;
  /** Variables over the file's (and the quick variant's); axis values still set their own. */
  readonly vars?: Readonly<Record<string, unknown>>;
}

/** The seed of replicate `r`: the experiment's seed itself for the first, then `seed.r`. */
export function replicateSeed(seed: string, r: number): string {
  return r === 0 ? seed : `${seed}.${r}`;
}

/** The axes after the quick variant kept (or replaced) some of their values. */
function quickAxes(spec: ExperimentSpec): Axis[] {
  const keep = spec.quick?.axes ?? {};
  return spec.axes.map((axis) => {
    const wanted = keep[axis.name];
    if (wanted === undefined) return axis;
    const values: AxisValue[] = wanted.map((w, i) => {
      const existing = typeof w === 'string' ? axis.values.find((v) => v.label === w) : undefined;
      return existing ?? axisValue(w, axis, `quick.axes.${axis.name}[${i}]`);
    });
    if (values.length === 0) throw new Error(`quick.axes.${axis.name}: expected at least one value`);
    return { ...axis, values };
  });
}

/** Every combination of one value per axis, the first axis slowest. */
function combinations(axes: readonly Axis[]): AxisValue[][] {
  let out: AxisValue[][] = [[]];
  for (const axis of axes) out = out.flatMap((prefix) => axis.values.map((v) => [...prefix, v]));
  return out;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-|-$/g, '');
}

/** Plans an experiment: its points and the seeds of its replicates. */
export function planExperiment(spec: ExperimentSpec, options: PlanOptions = {}): ExperimentPlan {
  const quick = options.quick === true;
  if (quick && spec.quick === undefined) throw new Error(`experiment ${spec.name} has no quick variant`);
  const axes = quick ? quickAxes(spec) : spec.axes;
  const replicates = options.replicates ?? (quick ? spec.quick?.replicates : undefined) ?? spec.replicates;
  if (!Number.isInteger(replicates) || replicates < 1)
    throw new Error(`replicates: expected at least 1, got ${replicates}`);
  const seed = options.seed ?? spec.seed;
  const points = combinations(axes).map((values, index): PointPlan => {
    const labels = Object.fromEntries(axes.map((a, k) => [a.name, values[k]!.label]));
    const label = values.map((v) => v.label).join(' / ');
    let vars: Vars;
    let config: JsonObject;
    try {
      vars = resolveVars(
        Object.assign(
          {},
          spec.vars,
          quick ? spec.quick?.vars : {},
          options.vars,
          ...values.map((v) => v.vars),
        ),
      );
      const sets = [...(quick ? [spec.quick!.set] : []), ...values.map((v) => v.set)];
      config = substitute(applySets(spec.base, sets), vars) as JsonObject;
    } catch (error) {
      throw new Error(`point '${label || 'base'}': ${(error as Error).message}`);
    }
    return {
      index,
      id: [`p${index}`, ...values.map((v) => slug(v.label))].join('-'),
      labels,
      label,
      x: Object.fromEntries(axes.map((a, k) => [a.name, values[k]!.x])),
      vars,
      config,
    };
  });
  const seeds = Array.from({ length: replicates }, (_, r) => replicateSeed(seed, r));
  return { spec, quick, axes, points, seeds };
}
