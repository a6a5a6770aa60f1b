// Choosing the framework an offer goes to: the first one, in its role's sorter's order, that the
// policy admits on the agent and that no offer filter keeps from the offer. Sorters that can search
// their order in place (`Sorter.find`) are searched without copying it; the others hand out their
// order once per role and agent.
import { emptyResources, type Resources } from '../resources.ts';
import type { AllocationPolicy } from './allocation-policy.ts';
import type { AgentState } from './allocator-state.ts';
import type { OfferFilters } from './offer-filters.ts';
import type { Sorter } from './sorter.ts';

/**
 * Whether a framework may be offered the offer being placed: the policy admits it on the agent as the
 * role and no filter covers the offer. One per allocator, refilled for each search, so that the
 * allocation loop does not create a closure per agent and role.
 */
export class OfferCheck {
  /** Accepts the frameworks that may be offered the current offer (for `Sorter.find`). */
  readonly accept: (frameworkId: string) => boolean;
  private role = '';
  private agent: AgentState | undefined;
  private offerable: Resources = emptyResources;
  private now = 0;

  constructor(policy: AllocationPolicy, filters: OfferFilters) {
    const admits = policy.admits;
    this.accept = (frameworkId) => {
      const agent = this.agent!;
      if (admits !== undefined && !admits.call(policy, frameworkId, this.role, agent.id, agent.info))
        return false;
      return !filters.isFiltered(frameworkId, agent.id, this.role, this.offerable, this.now);
    };
  }

  /** Makes `accept` check an offer of `offerable` of the agent to the role at `now`. */
  set(role: string, agent: AgentState, offerable: Resources, now: number): this {
    this.role = role;
    this.agent = agent;
    this.offerable = offerable;
    this.now = now;
    return this;
  }
}

/** True when the sorter has an active client; `order` is its order if it was drawn with `sort()`. */
export function hasActiveClient(sorter: Sorter, order: readonly string[] | undefined): boolean {
  if (order !== undefined) return order.length > 0;
  return sorter.hasActive !== undefined ? sorter.hasActive() : sorter.find!(anyClient) !== undefined;
}

/** The first client, in the sorter's order, that `accept` takes: from the drawn order, or found in place. */
export function firstAccepted(
  sorter: Sorter,
  order: readonly string[] | undefined,
  accept: (client: string) => boolean,
): string | undefined {
  return order !== undefined ? order.find(accept) : sorter.find!(accept);
}

/** Accepts any client: `find(anyClient)` tells whether a sorter has an active client at all. */
function anyClient(): boolean {
  return true;
}
