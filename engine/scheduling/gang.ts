// Placing a gang: every task of a phase onto a set of offers at once, or none of them. First-fit
// decreasing (largest task first, into the first offer with room) is quick and deterministic; it can
// miss a packing that exists, which only makes a gang wait for one more offer.

import { containsQuantities, type Quantities, subtractQuantities } from '../quantities.ts';
import type { TaskSpec } from './job.ts';
import { type OfferSpace, taskNeeds } from './offer-space.ts';

/** Larger tasks first (cpus, then memory), then by index. */
function compareTasks(tasks: readonly TaskSpec[], a: number, b: number): number {
  const x = tasks[a]!;
  const y = tasks[b]!;
  if (x.cpus !== y.cpus) return y.cpus - x.cpus;
  if (x.mem_mb !== y.mem_mb) return y.mem_mb - x.mem_mb;
  return a - b;
}

/**
 * Places every task on one of `spaces` (first fit, largest task first); returns the position in
 * `spaces` of each task's offer, or undefined when some task does not fit.
 */
export function packGang(tasks: readonly TaskSpec[], spaces: readonly OfferSpace[]): number[] | undefined {
  const left: Quantities[] = spaces.map((space) => space.available());
  const order = Array.from({ length: tasks.length }, (_, i) => i).sort((a, b) => compareTasks(tasks, a, b));
  const placed = new Array<number>(tasks.length).fill(-1);
  for (const i of order) {
    const needs = taskNeeds(tasks[i]!);
    const at = left.findIndex((q) => containsQuantities(q, needs));
    if (at < 0) return undefined;
    left[at] = subtractQuantities(left[at]!, needs);
    placed[i] = at;
  }
  return placed;
}

/** True when `space` can hold at least the smallest task of the gang. */
export function holdsOneTask(tasks: readonly TaskSpec[], space: OfferSpace): boolean {
  return tasks.some((task) => space.fits(task));
}
