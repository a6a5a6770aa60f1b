// A trace's aggregate as plain data: what the parsing worker sends to the page (its arrays
// transferred, not copied), and the reads the views make of it: a level at a bucket, sums over a
// range of buckets, dominant shares. Arrays are bucket-major: slot i of bucket b at b * width + i.
import { completion_bins, flow_slots, type TraceAggregate, task_levels } from './aggregate.ts';
import { resource_names } from './read-line.ts';

/** One framework's series as data. */
export interface FrameworkData {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly flow: Float64Array;
  readonly refuse: Float64Array;
  readonly alloc: Float64Array;
}

/** A whole trace, aggregated. */
export interface TraceData {
  /** The trace's name (its file name or URL). */
  readonly name: string;
  readonly start_ms: number;
  readonly bucket_ms: number;
  readonly buckets: number;
  readonly first_ms: number;
  readonly last_ms: number;
  readonly events: number;
  readonly lines: number;
  /** Events of types the viewer does not know, by type. */
  readonly unknown: Readonly<Record<string, number>>;
  readonly total: Float64Array;
  readonly allocated: Float64Array;
  readonly offered: Float64Array;
  readonly agents: Float64Array;
  readonly tasks: Float64Array;
  readonly offers_out: Float64Array;
  readonly completion: Float64Array;
  readonly frameworks: readonly FrameworkData[];
}

/** Widths of the series. */
export const width = {
  resources: resource_names.length,
  flow: flow_slots.length,
  tasks: task_levels.length,
  completion: completion_bins,
} as const;

/** The aggregate's data, each array a copy of its own (so it may be transferred). */
export function toData(a: TraceAggregate, name: string, lines: number): TraceData {
  const n = a.clock.close();
  return {
    name,
    start_ms: Number.isNaN(a.clock.start_ms) ? 0 : a.clock.start_ms,
    bucket_ms: a.clock.bucket_ms,
    buckets: n,
    first_ms: Number.isNaN(a.first_ms) ? 0 : a.first_ms,
    last_ms: Number.isNaN(a.last_ms) ? 0 : a.last_ms,
    events: a.events,
    lines,
    unknown: Object.fromEntries(a.unknown),
    total: a.total.take(n),
    allocated: a.allocated.take(n),
    offered: a.offered.take(n),
    agents: a.agents.take(n),
    tasks: a.tasks.take(n),
    offers_out: a.offers_out.take(n),
    completion: a.completion.take(n),
    frameworks: a.allFrameworks().map((f) => ({
      id: f.id,
      name: f.name,
      role: f.roles[0] ?? '*',
      flow: f.flow.take(n),
      refuse: f.refuse.take(n),
      alloc: f.alloc.take(n),
    })),
  };
}

/** The buffers of the data, to transfer them to another thread. */
export function buffersOf(d: TraceData): ArrayBuffer[] {
  const arrays = [d.total, d.allocated, d.offered, d.agents, d.tasks, d.offers_out, d.completion];
  for (const f of d.frameworks) arrays.push(f.flow, f.refuse, f.alloc);
  return arrays.map((x) => x.buffer as ArrayBuffer);
}

/** The bucket holding `time_ms`, clamped to the data. */
export function bucketAt(d: TraceData, time_ms: number): number {
  const b = Math.floor((time_ms - d.start_ms) / d.bucket_ms);
  return Math.max(0, Math.min(d.buckets - 1, b));
}

/** The time bucket `b` ends at. */
export function endOfBucket(d: TraceData, b: number): number {
  return d.start_ms + (b + 1) * d.bucket_ms;
}

/** Slot i of bucket b of a series `w` wide. */
export function at(values: Float64Array, w: number, b: number, i: number): number {
  return values[b * w + i] ?? 0;
}

/** Sum of slot i over buckets [b0, b1]. */
export function sumOver(values: Float64Array, w: number, b0: number, b1: number, i: number): number {
  let s = 0;
  for (let b = Math.max(0, b0); b <= b1; b++) s += values[b * w + i] ?? 0;
  return s;
}

/** The dominant share of `alloc` at bucket b: its largest share of any resource the cluster has. */
export function dominantShare(d: TraceData, alloc: Float64Array, b: number): number {
  let share = 0;
  for (let r = 0; r < width.resources; r++) {
    const total = at(d.total, width.resources, b, r);
    if (total > 0) share = Math.max(share, at(alloc, width.resources, b, r) / total);
  }
  return share;
}

/** Allocations summed by role, roles sorted by name. */
export function roleAllocations(
  d: TraceData,
): Array<{ readonly role: string; readonly alloc: Float64Array }> {
  const byRole = new Map<string, Float64Array>();
  for (const f of d.frameworks) {
    const sum = byRole.get(f.role) ?? new Float64Array(f.alloc.length);
    byRole.set(f.role, sum);
    for (let i = 0; i < sum.length; i++) sum[i]! += f.alloc[i]!;
  }
  return [...byRole.keys()].sort().map((role) => ({ role, alloc: byRole.get(role)! }));
}
