// Amounts as fixed-layout vectors: a sorter interns the resource names it meets to slot indices and
// keeps each node's amounts in a Float64Array over those slots, so summing an allocation and
// measuring a share are loops over a few numbers rather than lookups by name. The arithmetic is the
// same as on records of quantities (quantities.ts, client-ledger.ts), slot for slot: the same
// fixed-point rounding, a name reaching zero on a subtraction is gone. Each slot also keeps when its
// name last came into the amounts, so a record built from them lists names in the order a record
// updated by the same calls would have them.
import type { Quantities } from '../quantities.ts';
import { roundScalar } from '../quantities.ts';

/** Amounts over slots, and the order their names came in (0: not present). */
export interface SlotVector {
  vals: Float64Array;
  seqs: Float64Array;
}

/** The names one sorter has met, by slot, and the last quantities it read as slots. */
export class AmountSlots {
  readonly names: string[] = [];
  private readonly slotOf = new Map<string, number>();
  /** Length of every vector; grows (doubling) as names come. */
  capacity = 4;
  /** Slots in the order of their names (as `Array.prototype.sort` orders strings). */
  byName: Int32Array = new Int32Array(0);
  /** Count of names coming into vectors, for the order of names in built records. */
  private seq = 0;
  /**
   * The last quantities read as slots: their names' slots and amounts in their own name order, the
   * first `lastCount` entries of two buffers reused for every read (nothing is allocated per call).
   */
  private lastAmounts: Quantities | undefined;
  private lastSlots = new Int32Array(8);
  private lastValues = new Float64Array(8);
  private lastCount = 0;
  /** Called with the new capacity when it grows, so owners grow their vectors. */
  private readonly onGrow: (capacity: number) => void;

  constructor(onGrow: (capacity: number) => void) {
    this.onGrow = onGrow;
  }

  /** A new, empty vector of the current capacity. */
  vector(): SlotVector {
    return { vals: new Float64Array(this.capacity), seqs: new Float64Array(this.capacity) };
  }

  /** The slot of a name, interning it (and growing every vector) when new. */
  slot(name: string): number {
    let slot = this.slotOf.get(name);
    if (slot !== undefined) return slot;
    slot = this.names.length;
    this.names.push(name);
    this.slotOf.set(name, slot);
    const sorted = this.names.map((_, i) => i).sort((a, b) => compareNames(this.names[a]!, this.names[b]!));
    this.byName = Int32Array.from(sorted);
    if (this.names.length > this.capacity) {
      this.capacity *= 2;
      this.onGrow(this.capacity);
    }
    return slot;
  }

  /**
   * Reads the amounts into the last-read buffers; the same object read last time is not read again
   * (quantities are values, never mutated). Returns the number of names.
   */
  private convert(amounts: Quantities): number {
    if (amounts === this.lastAmounts) return this.lastCount;
    this.lastAmounts = undefined;
    let n = 0;
    for (const name in amounts) {
      if (n === this.lastSlots.length) {
        const slots = new Int32Array(2 * n);
        slots.set(this.lastSlots);
        this.lastSlots = slots;
        const values = new Float64Array(2 * n);
        values.set(this.lastValues);
        this.lastValues = values;
      }
      this.lastSlots[n] = this.slot(name);
      this.lastValues[n] = amounts[name] ?? 0;
      n++;
    }
    this.lastCount = n;
    this.lastAmounts = amounts;
    return n;
  }

  /** Adds `amounts` into the vector, as addInto does into a record. */
  add(target: SlotVector, amounts: Quantities): void {
    const n = this.convert(amounts);
    const slots = this.lastSlots;
    const values = this.lastValues;
    const vals = target.vals;
    const seqs = target.seqs;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      vals[s] = roundScalar(vals[s]! + values[i]!);
      if (seqs[s] === 0) seqs[s] = ++this.seq;
    }
  }

  /** Subtracts `amounts` from the vector, as subtractFrom does from a record (zero or less is gone). */
  subtract(target: SlotVector, amounts: Quantities): void {
    const n = this.convert(amounts);
    this.subtractSlots(target, this.lastSlots, this.lastValues, n);
  }

  /** Subtracts one vector's present amounts from another, as subtractFrom(target, record of `from`). */
  subtractVector(target: SlotVector, from: SlotVector): void {
    const order = presentInOrder(from);
    const slots = Int32Array.from(order);
    const values = Float64Array.from(order, (s) => from.vals[s]!);
    this.subtractSlots(target, slots, values, slots.length);
  }

  private subtractSlots(target: SlotVector, slots: Int32Array, values: Float64Array, n: number): void {
    const vals = target.vals;
    const seqs = target.seqs;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      const left = roundScalar(vals[s]! - values[i]!);
      // A name absent is 0 and amounts are at least 0, so only a present name is left above 0.
      if (left > 0) {
        vals[s] = left;
      } else {
        vals[s] = 0;
        seqs[s] = 0;
      }
    }
  }

  /** The vector as a record of quantities, names in the order they came in. */
  record(vector: SlotVector): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of presentInOrder(vector)) out[this.names[s]!] = vector.vals[s]!;
    return out;
  }

  /** The largest fraction of any slot held (slots with a total of 0 ignored), as dominantShare. */
  dominant(vector: SlotVector, total: Float64Array): number {
    const vals = vector.vals;
    let share = 0;
    for (let s = 0; s < this.names.length; s++) {
      const pool = total[s]!;
      if (pool <= 0) continue;
      const fraction = vals[s]! / pool;
      if (fraction > share) share = fraction;
    }
    return share;
  }

  /** The sum of the fractions held, in name order (slots with a total of 0 ignored), as assetShare. */
  asset(vector: SlotVector, total: Float64Array): number {
    const vals = vector.vals;
    const byName = this.byName;
    let share = 0;
    for (let i = 0; i < byName.length; i++) {
      const s = byName[i]!;
      const pool = total[s]!;
      if (pool > 0) share += vals[s]! / pool;
    }
    return share;
  }
}

/** Grows a vector to `capacity` slots, keeping its amounts. */
export function growVector(vector: SlotVector, capacity: number): void {
  const vals = new Float64Array(capacity);
  vals.set(vector.vals);
  const seqs = new Float64Array(capacity);
  seqs.set(vector.seqs);
  vector.vals = vals;
  vector.seqs = seqs;
}

/** The slots present in the vector, in the order their names came in. */
function presentInOrder(vector: SlotVector): number[] {
  const present: number[] = [];
  for (let s = 0; s < vector.seqs.length; s++) if (vector.seqs[s]! > 0) present.push(s);
  return present.sort((a, b) => vector.seqs[a]! - vector.seqs[b]!);
}

/** Orders names as `Array.prototype.sort` does by default (UTF-16 code units). */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
