// The scenario host's timer and event queue: items come out ordered by (time, sequence), so
// two items scheduled for the same millisecond come out in the order they were scheduled and a run
// never depends on heap layout. Items may carry a key so that a later schedule or a cancel can
// replace or withdraw them (a master timer re-armed under the same name, a task that is killed
// before its duration ends). Cancelled entries stay in the heap, marked dead, and are skipped when
// they reach the top: cancel stays O(1) and the heap never needs a search.

/** One scheduled item as it leaves the queue. */
export interface ScheduledItem<T> {
  /** Simulated time the item is due, in ms. */
  readonly at_ms: number;
  /** Order of scheduling, the tie-break between items due at the same time. */
  readonly sequence: number;
  readonly key: string | undefined;
  readonly item: T;
}

interface Entry<T> extends ScheduledItem<T> {
  live: boolean;
}

/** A min-heap of items ordered by (at_ms, sequence), with optional keys for cancel and replace. */
export interface EventQueue<T> {
  /** Schedules `item` at `at_ms`; a key replaces any live item scheduled under the same key. */
  schedule(at_ms: number, item: T, key?: string): void;
  /** Withdraws the live item scheduled under `key`; returns whether there was one. */
  cancel(key: string): boolean;
  /** True if a live item is scheduled under `key`. */
  has(key: string): boolean;
  /** The earliest live item without removing it, or undefined when the queue is empty. */
  peek(): ScheduledItem<T> | undefined;
  /** Removes and returns the earliest live item due at or before `now`, or undefined. */
  popDue(now: number): ScheduledItem<T> | undefined;
  /** Removes and returns every live item due at or before `now`, in (time, sequence) order. */
  popUntil(now: number): ScheduledItem<T>[];
  /** Number of live items. */
  size(): number;
}

/** True when entry a comes out before entry b. */
function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.at_ms < b.at_ms || (a.at_ms === b.at_ms && a.sequence < b.sequence);
}

/** Creates an empty event queue. */
export function createEventQueue<T>(): EventQueue<T> {
  const heap: Entry<T>[] = [];
  const byKey = new Map<string, Entry<T>>();
  let sequence = 0;
  let live = 0;

  const swap = (i: number, j: number): void => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };

  const siftUp = (start: number): void => {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) return;
      swap(i, parent);
      i = parent;
    }
  };

  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && before(heap[left]!, heap[least]!)) least = left;
      if (right < heap.length && before(heap[right]!, heap[least]!)) least = right;
      if (least === i) return;
      swap(i, least);
      i = least;
    }
  };

  const popTop = (): Entry<T> => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      siftDown(0);
    }
    return top;
  };

  // Dead entries are dropped from the top so that peek always sees a live item.
  const dropDead = (): void => {
    while (heap.length > 0 && !heap[0]!.live) popTop();
  };

  const cancel = (key: string): boolean => {
    const entry = byKey.get(key);
    if (entry === undefined) return false;
    entry.live = false;
    byKey.delete(key);
    live--;
    return true;
  };

  const take = (entry: Entry<T>): ScheduledItem<T> => {
    entry.live = false;
    live--;
    if (entry.key !== undefined && byKey.get(entry.key) === entry) byKey.delete(entry.key);
    return { at_ms: entry.at_ms, sequence: entry.sequence, key: entry.key, item: entry.item };
  };

  return {
    schedule(at_ms, item, key) {
      if (!Number.isFinite(at_ms)) throw new Error(`event queue: time ${at_ms} is not a finite number`);
      if (key !== undefined) cancel(key);
      const entry: Entry<T> = { at_ms, sequence: sequence++, key, item, live: true };
      heap.push(entry);
      siftUp(heap.length - 1);
      if (key !== undefined) byKey.set(key, entry);
      live++;
    },
    cancel,
    has: (key) => byKey.has(key),
    peek() {
      dropDead();
      const top = heap[0];
      return top === undefined
        ? undefined
        : { at_ms: top.at_ms, sequence: top.sequence, key: top.key, item: top.item };
    },
    popDue(now) {
      dropDead();
      const top = heap[0];
      if (top === undefined || top.at_ms > now) return undefined;
      return take(popTop());
    },
    popUntil(now) {
      const out: ScheduledItem<T>[] = [];
      for (let next = this.popDue(now); next !== undefined; next = this.popDue(now)) out.push(next);
      return out;
    },
    size: () => live,
  };
}
