// What the trace views draw, derived once from a trace's data: the bucket times, dominant shares per
// framework and per role, utilisation per resource, pending work; and the sums a view makes over a
// range of time (offer flows and rates per framework, task completion times).
import { completion_bins, flow_slots } from './aggregate.ts';
import { at, bucketAt, dominantShare, roleAllocations, sumOver, type TraceData, width } from './data.ts';
import { resource_names } from './read-line.ts';

/** A named series, one value per bucket. */
export interface NamedSeries {
  readonly name: string;
  readonly values: Float64Array;
}

/** A trace's series for drawing. */
export interface TraceModel {
  readonly data: TraceData;
  /** The time each bucket ends at, in ms. */
  readonly times: Float64Array;
  readonly framework_shares: readonly NamedSeries[];
  readonly role_shares: readonly NamedSeries[];
  /** Allocated and offered fractions of each resource the cluster has. */
  readonly utilisation: readonly NamedSeries[];
  readonly offered: readonly NamedSeries[];
  /** Tasks launched and not yet running, and offers outstanding. */
  readonly pending: readonly NamedSeries[];
  /** Offers made per second, all frameworks. */
  readonly offer_rate: Float64Array;
}

const perBucket = (d: TraceData, f: (b: number) => number): Float64Array =>
  Float64Array.from({ length: d.buckets }, (_, b) => f(b));

/** The model of `d`. */
export function traceModel(d: TraceData): TraceModel {
  const times = perBucket(d, (b) => d.start_ms + (b + 1) * d.bucket_ms);
  const framework_shares = d.frameworks.map((f) => ({
    name: f.name,
    values: perBucket(d, (b) => dominantShare(d, f.alloc, b)),
  }));
  const role_shares = roleAllocations(d).map((r) => ({
    name: r.role,
    values: perBucket(d, (b) => dominantShare(d, r.alloc, b)),
  }));
  const R = width.resources;
  const present = resource_names
    .map((_, r) => r)
    .filter((r) => perBucket(d, (b) => at(d.total, R, b, r)).some((v) => v > 0));
  const fraction = (values: Float64Array, r: number) =>
    perBucket(d, (b) => {
      const total = at(d.total, R, b, r);
      return total > 0 ? at(values, R, b, r) / total : 0;
    });
  const utilisation = present.map((r) => ({
    name: `${resource_names[r]} allocated`,
    values: fraction(d.allocated, r),
  }));
  const offered = present.map((r) => ({
    name: `${resource_names[r]} offered`,
    values: fraction(d.offered, r),
  }));
  const pending = [
    { name: 'tasks launched, not yet running', values: perBucket(d, (b) => at(d.tasks, width.tasks, b, 0)) },
    { name: 'offers outstanding', values: perBucket(d, (b) => at(d.offers_out, 1, b, 0)) },
  ];
  const made = flow_slots.indexOf('made');
  const offer_rate = perBucket(
    d,
    (b) => d.frameworks.reduce((s, f) => s + at(f.flow, width.flow, b, made), 0) / (d.bucket_ms / 1000),
  );
  return { data: d, times, framework_shares, role_shares, utilisation, offered, pending, offer_rate };
}

/** One framework's flows over a range of time. */
export interface FlowSums {
  readonly name: string;
  readonly made: number;
  /** Accepted, declined with the default filter, declined with a longer one, rescinded. */
  readonly outcomes: readonly [number, number, number, number];
  readonly launched: number;
  readonly refuse_seconds: number;
}

/** The buckets [b0, b1] that cover [from_ms, to_ms]. */
export function bucketRange(d: TraceData, from_ms: number, to_ms: number): [number, number] {
  return [bucketAt(d, from_ms), bucketAt(d, Math.max(from_ms, to_ms - 1e-9))];
}

/** Each framework's flows over [from_ms, to_ms], rounded out to whole buckets. */
export function flowsOver(d: TraceData, from_ms: number, to_ms: number): FlowSums[] {
  const [b0, b1] = bucketRange(d, from_ms, to_ms);
  const sum = (values: Float64Array, slot: (typeof flow_slots)[number]) =>
    sumOver(values, width.flow, b0, b1, flow_slots.indexOf(slot));
  return d.frameworks.map((f) => ({
    name: f.name,
    made: sum(f.flow, 'made'),
    outcomes: [
      sum(f.flow, 'accepted'),
      sum(f.flow, 'declined'),
      sum(f.flow, 'declined_long'),
      sum(f.flow, 'rescinded'),
    ],
    launched: sum(f.flow, 'launched'),
    refuse_seconds: sumOver(f.refuse, 1, b0, b1, 0),
  }));
}

/** The seconds [from_ms, to_ms] covers once rounded out to whole buckets. */
export function secondsOver(d: TraceData, from_ms: number, to_ms: number): number {
  const [b0, b1] = bucketRange(d, from_ms, to_ms);
  return ((b1 - b0 + 1) * d.bucket_ms) / 1000;
}

/** Labels of the completion-time bins (bin k starts at 2^(k-4) s). */
export const completion_labels = Array.from({ length: completion_bins }, (_, k) => {
  const s = 2 ** (k - 4);
  return s < 1
    ? `${s * 1000}ms`
    : s < 60
      ? `${s}s`
      : s < 3600
        ? `${Math.round(s / 60)}m`
        : `${Math.round(s / 3600)}h`;
});

/** Tasks ended per completion-time bin over [from_ms, to_ms]. */
export function completionsOver(d: TraceData, from_ms: number, to_ms: number): number[] {
  const [b0, b1] = bucketRange(d, from_ms, to_ms);
  return Array.from({ length: completion_bins }, (_, k) =>
    sumOver(d.completion, width.completion, b0, b1, k),
  );
}
