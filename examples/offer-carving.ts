// Carving tasks out of an offer: the example frameworks launch as many equal tasks as fit in each
// offer. The pieces keep the offer's roles and allocation info, as a launch must.
import { containsQuantities, type Quantities } from '../engine/quantities.ts';
import { type Resources, shrink, subtract, toQuantities } from '../engine/resources.ts';

/** Up to `count_max` pieces of `size` from `resources`, each the resources of one task. */
export function carveTasks(resources: Resources, size: Quantities, count_max: number): Resources[] {
  const pieces: Resources[] = [];
  let left = resources;
  while (pieces.length < count_max) {
    const piece = shrink(left, size, false);
    if (!containsQuantities(toQuantities(piece), size)) break;
    left = subtract(left, piece);
    pieces.push(piece);
  }
  return pieces;
}

/** The scalars of an offer as `cpus:4;mem:1024` text, for progress lines. */
export function describeResources(resources: Resources): string {
  const totals = toQuantities(resources);
  return Object.keys(totals)
    .sort()
    .map((name) => `${name}:${totals[name]}`)
    .join(';');
}
