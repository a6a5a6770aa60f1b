// The DRF paper's progressive filling with discrete tasks: repeatedly give one task to the first
// client, in the sorter's order, whose next task still fits in what is left, until no client's does.
// With a DRF sorter this is the paper's allocation; with other sorters, the policies it is compared
// against. It needs no allocator, and the allocator-free DRF example runs on it.
import { containsQuantities, isEmptyQuantities, type Quantities, subtractQuantities } from '../quantities.ts';
import type { Sorter } from './sorter.ts';

/** Bound on the tasks one filling may hand out, so a tiny demand cannot loop for ever. */
const progressive_filling_tasks_max = 1_000_000;

/** Options of a progressive filling. */
export interface ProgressiveFillingOptions {
  /** Client names, one per demand (default `c0`, `c1`, ... zero-padded so names sort by index). */
  readonly names?: readonly string[];
  /** Most tasks each client may run (default: no cap). */
  readonly taskCaps?: readonly number[];
  /** Weights by client or role path, given to the sorter before filling. */
  readonly weights?: ReadonlyArray<{ readonly path: string; readonly weight: number }>;
}

/** What a progressive filling gave each client. */
export interface ProgressiveFillingResult {
  readonly names: readonly string[];
  /** Tasks given to each client, by index. */
  readonly tasks: readonly number[];
  /** What each client was given, by index. */
  readonly allocations: readonly Quantities[];
  /** What is left of the capacity. */
  readonly left: Quantities;
  /** The clients in the order they were given tasks, one entry per task. */
  readonly sequence: readonly string[];
}

/** Default client names `c0`, `c1`, ..., zero-padded to the same width. */
function defaultNames(count: number): string[] {
  const width = String(Math.max(0, count - 1)).length;
  return Array.from({ length: count }, (_, i) => `c${String(i).padStart(width, '0')}`);
}

/** Runs progressive filling of `capacity` with one task shape per client, ordered by `makeSorter()`'s sorter. */
export function progressiveFilling(
  capacity: Quantities,
  demands: readonly Quantities[],
  makeSorter: () => Sorter,
  options: ProgressiveFillingOptions = {},
): ProgressiveFillingResult {
  const names = options.names ?? defaultNames(demands.length);
  if (names.length !== demands.length) {
    throw new Error(`progressive filling: ${names.length} names for ${demands.length} demands`);
  }
  demands.forEach((demand, i) => {
    // A task that takes nothing would fit for ever.
    if (isEmptyQuantities(demand)) throw new Error(`progressive filling: demand of '${names[i]}' is empty`);
  });
  const caps = options.taskCaps ?? demands.map(() => Number.POSITIVE_INFINITY);
  const sorter = makeSorter();
  sorter.addTotal('capacity', capacity);
  for (const { path, weight } of options.weights ?? []) sorter.updateWeight(path, weight);
  const index = new Map<string, number>();
  names.forEach((name, i) => {
    sorter.add(name);
    index.set(name, i);
  });
  const tasks = demands.map(() => 0);
  const sequence: string[] = [];
  let left = capacity;
  // What is left only shrinks, so a client whose task does not fit (or who reached its cap) never
  // will again: it is deactivated, which skips it without changing how the others are ordered.
  for (;;) {
    const client = sorter.sort().find((name) => {
      const i = index.get(name)!;
      const fits = tasks[i]! < (caps[i] ?? Number.POSITIVE_INFINITY) && containsQuantities(left, demands[i]!);
      if (!fits) sorter.deactivate(name);
      return fits;
    });
    if (client === undefined) break;
    if (sequence.length >= progressive_filling_tasks_max) {
      throw new Error(
        `progressive filling: more than ${progressive_filling_tasks_max} tasks; demands too small?`,
      );
    }
    const i = index.get(client)!;
    sorter.allocated(client, 'capacity', demands[i]!);
    left = subtractQuantities(left, demands[i]!);
    tasks[i] = tasks[i]! + 1;
    sequence.push(client);
  }
  return { names, tasks, allocations: names.map((name) => sorter.allocation(name)), left, sequence };
}
