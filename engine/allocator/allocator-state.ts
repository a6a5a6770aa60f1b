// The records the hierarchical allocator keeps in its book (allocator-book.ts): each framework with
// its roles and where it is a sorter client, and each agent with its total, free resources and
// holdings.
import type { Quantities } from '../quantities.ts';
import type { Resources } from '../resources.ts';
import type { AgentShape } from './agent-shapes.ts';
import type { AllocatorAgent } from './allocator.ts';
import type { Holding } from './holdings.ts';

/** A framework as the allocator sees it. */
export interface FrameworkState {
  readonly id: string;
  roles: Set<string>;
  suppressed: Set<string>;
  active: boolean;
  /** Roles in whose framework sorter this framework is a client. */
  readonly tracked: Set<string>;
  /** Number of agents where it holds resources, by allocation role. */
  readonly heldRoles: Map<string, number>;
}

/** An agent as the allocator sees it. */
export interface AgentState {
  readonly id: string;
  readonly info: AllocatorAgent;
  /** Everything the agent has; offer operations (reservations, volumes) change its form. */
  total: Resources;
  /** Resources neither offered nor used, without allocation_info. */
  free: Resources;
  active: boolean;
  /** Number of reserved entries in total; 0 means every role sees the same free resources. */
  reservedRoles: number;
  /** Scalar quantities of total, and what sorters count of it. */
  totalQuantities: Quantities;
  measuredTotal: Quantities;
  /** What the agent shares with agents of an equal total (the fields above come from it). */
  shape: AgentShape;
  /**
   * Every holding on the agent, one per framework and role, in the order they were made. A list, not a
   * map: an agent holds for a few frameworks, and scanning a short list costs less than hashing.
   */
  holdings: Holding[];
}
