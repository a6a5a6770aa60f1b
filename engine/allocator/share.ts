// Share functions: how much of the pool a client holds, as one number a sorter can order by.
// Dominant Resource Fairness measures a client by its largest share of any resource; asset
// fairness sums the shares, which the DRF paper shows breaks the sharing incentive.
import type { Quantities } from '../quantities.ts';

/** Maps what a client holds and the pool's total to the client's (unweighted) share. */
export type ShareFunction = (allocation: Quantities, total: Quantities) => number;

/** The largest fraction of any resource held (names with a total of 0 are ignored). */
export function dominantShare(allocation: Quantities, total: Quantities): number {
  let share = 0;
  for (const name in allocation) {
    const pool = total[name] ?? 0;
    if (pool <= 0) continue;
    const fraction = (allocation[name] ?? 0) / pool;
    if (fraction > share) share = fraction;
  }
  return share;
}

// A sum of floating-point fractions depends on the order of its terms, so asset shares add them in
// name order, whatever order the allocation's names were inserted in. Totals change rarely and are
// replaced rather than mutated, so their sorted names are remembered per total.
const sortedNamesByTotal = new WeakMap<Quantities, readonly string[]>();

/** The sum over resources of the fraction held (names with a total of 0 are ignored). */
export function assetShare(allocation: Quantities, total: Quantities): number {
  let names = sortedNamesByTotal.get(total);
  if (names === undefined) {
    names = Object.keys(total).sort();
    sortedNamesByTotal.set(total, names);
  }
  let share = 0;
  for (const name of names) {
    const pool = total[name] ?? 0;
    if (pool > 0) share += (allocation[name] ?? 0) / pool;
  }
  return share;
}
