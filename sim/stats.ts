// Small numeric helpers for the simulator's metrics: a growable list of samples, percentiles by
// nearest rank, Jain's fairness index, and number formatting that is the same on every run.

/** A growable list of numbers, cheap to append to by the million. */
export class Samples {
  private values = new Float64Array(1024);
  private n = 0;

  /** Appends one value. */
  add(value: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = value;
  }

  /** Number of values. */
  get count(): number {
    return this.n;
  }

  /** Mean, p50, p95 and max (all 0 when empty). */
  summary(): Distribution {
    if (this.n === 0) return { count: 0, mean: 0, p50: 0, p95: 0, max: 0 };
    const sorted = this.values.slice(0, this.n).sort();
    let sum = 0;
    for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
    return {
      count: this.n,
      mean: round(sum / this.n),
      p50: round(percentile(sorted, 0.5)),
      p95: round(percentile(sorted, 0.95)),
      max: round(sorted[sorted.length - 1]!),
    };
  }
}

/** The shape of a distribution in a summary. */
export interface Distribution {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

/** The nearest-rank percentile `p` (0 < p <= 1) of sorted values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** Jain's fairness index of the values: 1 when all are equal, 1/n when one holds everything. */
export function jainIndex(values: readonly number[]): number | undefined {
  let sum = 0;
  let squares = 0;
  for (const x of values) {
    sum += x;
    squares += x * x;
  }
  if (values.length === 0 || squares === 0) return undefined;
  return (sum * sum) / (values.length * squares);
}

/** Rounds to six significant decimals, so outputs are short and print the same everywhere. */
export function round(value: number, decimals = 6): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** decimals;
  const r = Math.round(value * f) / f;
  return Object.is(r, -0) ? 0 : r;
}
