// The Sorter decides in which order clients (roles, or frameworks within a role) are offered
// resources. Mesos keeps this behind a narrow interface; so do we.
import type { Quantities } from '../quantities.ts';

/** Orders clients by how much of the pool they hold. */
export interface Sorter {
  /** Adds a client (a role path such as `prod/hadoop`, or a framework id); starts active. */
  add(client: string): void;
  /** Removes a client and forgets its allocation. */
  remove(client: string): void;
  /** Includes the client in `sort()`. */
  activate(client: string): void;
  /** Leaves the client out of `sort()` but keeps its allocation. */
  deactivate(client: string): void;
  /** Sets the weight of a client or of an inner node of the hierarchy (default 1). */
  updateWeight(path: string, weight: number): void;
  /** Records that `client` was allocated `quantities` on `agentId`. */
  allocated(client: string, agentId: string, quantities: Quantities): void;
  /** Records that `client` gave back `quantities` on `agentId`. */
  unallocated(client: string, agentId: string, quantities: Quantities): void;
  /** Adds an agent's quantities to the pool shares are measured against. */
  addTotal(agentId: string, quantities: Quantities): void;
  /** Removes an agent's quantities from the pool. */
  removeTotal(agentId: string, quantities: Quantities): void;
  /** Active clients, most deserving first, with a full tie-break. */
  sort(): readonly string[];
  /**
   * The first client of `sort()`'s order that `accept` takes, or undefined. It may walk the order in
   * place instead of copying it, so `accept` must not change the sorter. Only sorters whose order is a
   * pure function of their books offer it (calling it twice gives the same answer); a sorter that draws
   * a new order on each `sort()` leaves it out, and callers call `sort()` once instead.
   */
  find?(accept: (client: string) => boolean): string | undefined;
  /** True when some client is active (`find` would find one); optional, for sorters that know it at once. */
  hasActive?(): boolean;
  /** The client's (weighted) share as this policy measures it. */
  share(client: string): number;
  /** What the client holds in total. */
  allocation(client: string): Quantities;
  /** True if the client is known (active or not). */
  contains(client: string): boolean;
  /** Number of clients, active or not. */
  count(): number;
}
