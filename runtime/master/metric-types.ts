// Counters and a histogram with one label, cheap enough to update several times per task: each
// label value's numbers sit in a Map and are only turned into Prometheus's shape when scraped.
// (prom-client's own metrics hash their label object on every update.) They register in a
// prom-client Registry like any of its metrics, and print in the same text format.
import type { Registry } from 'prom-client';

/** A metric's values as a prom-client Registry reads them when it prints. */
interface MetricValues {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  readonly values: ReadonlyArray<{
    readonly value: number;
    readonly labels: Readonly<Record<string, string | number>>;
    readonly metricName?: string;
  }>;
}

/** A counter with labels. */
export class LabelCounter {
  readonly name: string;
  readonly help: string;
  readonly #labels: readonly string[];
  readonly #counts = new Map<string, { readonly values: readonly string[]; count: number }>();

  constructor(name: string, help: string, labels: readonly string[], registry: Registry) {
    this.name = name;
    this.help = help;
    this.#labels = labels;
    registry.registerMetric(this as never);
  }

  /** Adds one to the count of the label values (one per label, in order). */
  inc(...values: string[]): void {
    if (values.length !== this.#labels.length) {
      throw new Error(`${this.name}: expected ${this.#labels.length} label values, got ${values.length}`);
    }
    const key = values.length === 1 ? values[0]! : values.join('\u0001');
    const entry = this.#counts.get(key);
    if (entry === undefined) this.#counts.set(key, { values, count: 1 });
    else entry.count++;
  }

  /** The values as the registry prints them. */
  get(): MetricValues {
    const values = [...this.#counts.values()].map(({ values: v, count }) => ({
      value: count,
      labels: Object.fromEntries(this.#labels.map((label, i) => [label, v[i]!])),
    }));
    return { name: this.name, help: this.help, type: 'counter', aggregator: 'sum', values };
  }
}

/** One label value's observations: counts per bucket (not cumulative), their sum and count. */
interface Observed {
  readonly buckets: number[];
  sum: number;
  count: number;
}

/** A histogram with one label and fixed bucket bounds. */
export class LabelHistogram {
  readonly name: string;
  readonly help: string;
  readonly #label: string;
  readonly #bounds: readonly number[];
  readonly #observed = new Map<string, Observed>();

  constructor(name: string, help: string, label: string, bounds: readonly number[], registry: Registry) {
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i]! > bounds[i - 1]!))
        throw new Error(`${name}: bucket bounds must increase, got ${bounds}`);
    }
    this.name = name;
    this.help = help;
    this.#label = label;
    this.#bounds = bounds;
    registry.registerMetric(this as never);
  }

  /** Records one observation of `value` under the label value `key`. */
  observe(key: string, value: number): void {
    let o = this.#observed.get(key);
    if (o === undefined) {
      o = { buckets: new Array<number>(this.#bounds.length).fill(0), sum: 0, count: 0 };
      this.#observed.set(key, o);
    }
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    if (i < bounds.length) o.buckets[i]!++;
    o.sum += value;
    o.count++;
  }

  /** The values as the registry prints them: cumulative buckets, +Inf, sum and count per label value. */
  get(): MetricValues {
    const values: Array<MetricValues['values'][number]> = [];
    const bucket = `${this.name}_bucket`;
    for (const [key, o] of this.#observed) {
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += o.buckets[i]!;
        values.push({ value: cumulative, labels: { le, [this.#label]: key }, metricName: bucket });
      });
      values.push({ value: o.count, labels: { le: '+Inf', [this.#label]: key }, metricName: bucket });
      values.push({ value: o.sum, labels: { [this.#label]: key }, metricName: `${this.name}_sum` });
      values.push({ value: o.count, labels: { [this.#label]: key }, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }
}
