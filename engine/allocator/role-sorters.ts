// The hierarchical allocator's sorters: the role sorter over role paths and one framework sorter per
// role, which frameworks are clients of each, and what each holding counts for in them. A framework
// is a client of a role's sorter while it subscribes to the role or still holds resources allocated
// to it, and active there while it is active, subscribed and not suppressed. The book
// (allocator-book.ts) calls these as frameworks, agents and holdings come and go.
import { addQuantities, type Quantities, subtractQuantities } from '../quantities.ts';
import { toQuantities } from '../resources.ts';
import type { AllocationPolicy } from './allocation-policy.ts';
import type { AgentState, FrameworkState } from './allocator-state.ts';
import type { Holding } from './holdings.ts';
import type { Sorter } from './sorter.ts';

/** A role known to the role sorter, with the sorter over its frameworks. */
export interface RoleState {
  readonly sorter: Sorter;
  clients: number;
}

/** The role sorter, the framework sorters of the roles, and their clients. */
export class RoleSorters {
  readonly roles = new Map<string, RoleState>();
  readonly roleSorter: Sorter;
  private readonly policy: AllocationPolicy;
  /** The allocator's agents: a new framework sorter starts with their totals. */
  private readonly agents: ReadonlyMap<string, AgentState>;

  constructor(policy: AllocationPolicy, agents: ReadonlyMap<string, AgentState>) {
    this.policy = policy;
    this.roleSorter = policy.roleSorter();
    this.agents = agents;
  }

  /** Puts the framework in or out of each role sorter's order: active, subscribed and not suppressed. */
  syncActivation(framework: FrameworkState): void {
    for (const role of framework.tracked) {
      const sorter = this.roles.get(role)!.sorter;
      if (this.wantsOffers(framework, role)) sorter.activate(framework.id);
      else sorter.deactivate(framework.id);
    }
  }

  /**
   * Tells the sorters what the holding now counts for. With the default, additive measure only the
   * change (`sign`, `quantities`) is passed on; other measures are recomputed whole.
   */
  account(
    agent: AgentState,
    framework: FrameworkState,
    holding: Holding,
    sign?: 1 | -1,
    quantities?: Quantities,
  ): void {
    const role = holding.role;
    this.track(framework, role);
    const sorter = this.roles.get(role)!.sorter;
    const before = holding.measured;
    const measureHeld = this.policy.measureHeld;
    if (quantities !== undefined && before !== undefined && measureHeld === undefined) {
      if (sign === 1) {
        sorter.allocated(framework.id, agent.id, quantities);
        this.roleSorter.allocated(role, agent.id, quantities);
        holding.measured = addQuantities(before, quantities);
      } else {
        sorter.unallocated(framework.id, agent.id, quantities);
        this.roleSorter.unallocated(role, agent.id, quantities);
        holding.measured =
          holding.resources.length === 0 ? undefined : subtractQuantities(before, quantities);
      }
      return;
    }
    if (before !== undefined) {
      sorter.unallocated(framework.id, agent.id, before);
      this.roleSorter.unallocated(role, agent.id, before);
    }
    let measured: Quantities | undefined;
    if (holding.resources.length > 0) {
      if (measureHeld !== undefined) measured = measureHeld.call(this.policy, holding.resources);
      else if (before === undefined && sign === 1 && quantities !== undefined) measured = quantities;
      else measured = toQuantities(holding.resources);
      sorter.allocated(framework.id, agent.id, measured);
      this.roleSorter.allocated(role, agent.id, measured);
    }
    holding.measured = measured;
  }

  /** Makes the framework a client of the role's sorter; the role's first client brings the sorter. */
  track(framework: FrameworkState, role: string): void {
    if (framework.tracked.has(role)) return;
    let state = this.roles.get(role);
    if (state === undefined) {
      const sorter = this.policy.frameworkSorter(role);
      for (const agent of this.agents.values()) sorter.addTotal(agent.id, agent.measuredTotal);
      state = { sorter, clients: 0 };
      this.roles.set(role, state);
      this.roleSorter.add(role);
    }
    state.sorter.add(framework.id);
    state.clients++;
    framework.tracked.add(role);
    if (!this.wantsOffers(framework, role)) state.sorter.deactivate(framework.id);
  }

  /** Takes the framework out of the role's sorter; the sorter goes with the role's last client. */
  untrack(framework: FrameworkState, role: string): void {
    const state = this.roles.get(role)!;
    state.sorter.remove(framework.id);
    state.clients--;
    framework.tracked.delete(role);
    if (state.clients === 0) {
      this.roleSorter.remove(role);
      this.roles.delete(role);
    }
  }

  /** Stops tracking the framework in a role it left once it holds nothing there any more. */
  untrackIfDone(framework: FrameworkState, role: string): void {
    if (framework.tracked.has(role) && !framework.roles.has(role) && !framework.heldRoles.has(role)) {
      this.untrack(framework, role);
    }
  }

  private wantsOffers(framework: FrameworkState, role: string): boolean {
    return framework.active && framework.roles.has(role) && !framework.suppressed.has(role);
  }
}
