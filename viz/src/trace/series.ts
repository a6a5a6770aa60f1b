// Time-bucketed series that grow as a trace is read: counts (events in a bucket) and levels (a
// quantity as a bucket ends, such as CPUs allocated). All series of a trace share one clock. When the
// buckets would pass a bound the width doubles and neighbouring pairs merge, so a trace of any
// length is held in the same few thousand buckets: memory follows the cluster, not the trace.

/** The most buckets a series holds; past it the bucket width doubles. */
export const buckets_max = 2048;

/** One series, `width` numbers per bucket, bucket-major: slot i of bucket b at b * width + i. */
export class Series {
  values: Float64Array;
  /** The level now (levels only), written into each bucket as time leaves it. */
  readonly now: Float64Array;
  readonly kind: 'count' | 'level';
  readonly width: number;

  constructor(kind: 'count' | 'level', width: number, capacity: number) {
    this.kind = kind;
    this.width = width;
    this.values = new Float64Array(capacity * width);
    this.now = new Float64Array(width);
  }

  /** Adds `by` to slot `i` of bucket `b` (counts). */
  add(b: number, i: number, by: number): void {
    this.values[b * this.width + i]! += by;
  }

  /** Makes room for `capacity` buckets, keeping what is held. */
  grow(capacity: number): void {
    const next = new Float64Array(capacity * this.width);
    next.set(this.values.subarray(0, Math.min(this.values.length, next.length)));
    this.values = next;
  }

  /** Writes the current level into buckets [from, to). */
  fill(from: number, to: number): void {
    for (let b = from; b < to; b++) this.values.set(this.now, b * this.width);
  }

  /** Merges bucket pairs of the first `filled` buckets: counts add, a level keeps the later value. */
  halve(filled: number): void {
    // Bucket i is written only after buckets 2i and 2i+1 are read, so the merge works in place.
    const w = this.width;
    const v = this.values;
    const half = Math.ceil(filled / 2);
    for (let i = 0; i < half; i++) {
      const odd = 2 * i + 1 < filled;
      for (let k = 0; k < w; k++) {
        const a = v[2 * i * w + k]!;
        const b = odd ? v[(2 * i + 1) * w + k]! : 0;
        v[i * w + k] = this.kind === 'count' ? a + b : odd ? b : a;
      }
    }
    v.fill(0, half * w);
  }

  /** The values of the first `buckets` buckets, as a fresh array of their own. */
  take(buckets: number): Float64Array {
    return this.values.slice(0, buckets * this.width);
  }
}

/** The time axis a set of series shares. */
export class SeriesClock {
  readonly all: Series[] = [];
  /** Time of the first event; buckets start there. */
  start_ms = Number.NaN;
  bucket_ms: number;
  /** The bucket time is in now; the levels of earlier buckets are written. */
  current = 0;
  private capacity = 64;

  constructor(bucket_ms_initial: number) {
    this.bucket_ms = bucket_ms_initial;
  }

  /** A new series on this clock. */
  series(kind: 'count' | 'level', width: number): Series {
    const s = new Series(kind, width, this.capacity);
    s.fill(0, this.current);
    this.all.push(s);
    return s;
  }

  /** Moves time to `time_ms` and returns its bucket; time never moves backwards, an earlier event
   * counts in the current bucket. */
  at(time_ms: number): number {
    if (Number.isNaN(this.start_ms)) this.start_ms = time_ms;
    let b = Math.floor((time_ms - this.start_ms) / this.bucket_ms);
    if (!(b > this.current)) return this.current;
    while (b >= buckets_max) {
      // The current bucket's counts merge too; its levels are written when time leaves it.
      for (const s of this.all) s.halve(this.current + 1);
      this.current = Math.floor(this.current / 2);
      this.bucket_ms *= 2;
      b = Math.floor((time_ms - this.start_ms) / this.bucket_ms);
    }
    if (b >= this.capacity) {
      this.capacity = Math.min(buckets_max, Math.max(b + 1, this.capacity * 2));
      for (const s of this.all) s.grow(this.capacity);
    }
    for (const s of this.all) if (s.kind === 'level') s.fill(this.current, b);
    this.current = b;
    return b;
  }

  /** The buckets holding data, the current one included (its levels written now). */
  close(): number {
    if (Number.isNaN(this.start_ms)) return 0;
    for (const s of this.all) if (s.kind === 'level') s.fill(this.current, this.current + 1);
    return this.current + 1;
  }
}
