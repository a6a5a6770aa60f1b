// What frameworks hold on one agent: one holding per framework and role, kept in a short list in the
// order the holdings were made. A list, not a map keyed by framework: an agent holds for a few
// frameworks, scanning a short list costs less than hashing, and recording an offer then allocates
// one holding and no map entry.
import type { Quantities } from '../quantities.ts';
import type { Resources } from '../resources.ts';

/** What one framework holds on one agent for one role, and what the sorters count of it. */
export interface Holding {
  readonly frameworkId: string;
  readonly role: string;
  /** Offered or used resources, carrying allocation_info.role. */
  resources: Resources;
  /** What the sorters were told, or undefined while the framework is unknown. */
  measured: Quantities | undefined;
  /**
   * The unallocated form of `resources` while they are the one offer the holding was made with
   * (what a decline gives back whole), undefined once they change.
   */
  plain: Resources | undefined;
}

/** The framework's holdings, one per role, in the order they were made (a new array). */
export function holdingsOf(holdings: readonly Holding[], frameworkId: string): Holding[] {
  return holdings.filter((holding) => holding.frameworkId === frameworkId);
}

/** True when the framework holds anything among `holdings`. */
export function holdsAny(holdings: readonly Holding[], frameworkId: string): boolean {
  for (const holding of holdings) if (holding.frameworkId === frameworkId) return true;
  return false;
}

/** The framework's holding for `role`, if any (a loop: no closure per call on the allocation path). */
export function holdingFor(
  holdings: readonly Holding[],
  frameworkId: string,
  role: string,
): Holding | undefined {
  for (const holding of holdings) {
    if (holding.frameworkId === frameworkId && holding.role === role) return holding;
  }
  return undefined;
}
