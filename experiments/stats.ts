// Summaries of a metric over an experiment's replicates: mean, sample standard deviation and the
// half-width of a 95% confidence interval for the mean (Student's t), ignoring replicates where the
// metric has no value.

/** A metric over replicates. */
export interface Estimate {
  /** Replicates with a value. */
  readonly n: number;
  readonly mean: number | null;
  readonly sd: number | null;
  /** Half-width of the 95% confidence interval of the mean; null with fewer than two values. */
  readonly ci95: number | null;
}

/** Two-sided 97.5% quantiles of Student's t for 1 .. 30 degrees of freedom. */
const t975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The t quantile for a 95% interval with `df` degrees of freedom (the normal's beyond 30). */
export function tQuantile(df: number): number {
  return t975[df - 1] ?? 1.96;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Mean, standard deviation and 95% interval of the values that are numbers. */
export function estimate(values: ReadonlyArray<number | null | undefined>): Estimate {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: null, sd: null, ci95: null };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean: round6(mean), sd: null, ci95: null };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  return { n, mean: round6(mean), sd: round6(sd), ci95: round6((tQuantile(n - 1) * sd) / Math.sqrt(n)) };
}
