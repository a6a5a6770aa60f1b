// The hierarchical allocator's books: agents with their free resources and what each framework holds
// on them (offered or in use), frameworks with their roles (records of allocator-state.ts), the role
// sorter and one framework sorter per role (role-sorters.ts), quota accounting, and which agents are
// dirty (worth visiting in the next cycle).
//
// Invariant, per agent: total = free + the sum of all holdings (without allocation_info). Sorters count
// a holding only while its framework is known; a framework is a client of a role's sorter while it
// subscribes to the role or still holds resources allocated to it. The allocation loop records one
// holding per offer, so recording one allocates as little as possible (no per-offer maps or sets).
import { type Quantities, sameQuantities } from '../quantities.ts';
import {
  add,
  contains,
  emptyResources,
  formatResources,
  type Resources,
  reservationRole,
  subtract,
  toQuantities,
  unallocate,
  validateRole,
} from '../resources.ts';
import { AgentShapes } from './agent-shapes.ts';
import type { AllocationPolicy } from './allocation-policy.ts';
import type { AllocatorAgent, AllocatorFramework, Quota } from './allocator.ts';
import type { AgentState, FrameworkState } from './allocator-state.ts';
import { DirtyAgents } from './dirty-agents.ts';
import { holdingFor, holdingsOf, holdsAny } from './holdings.ts';
import { unreservedScalars } from './offerable.ts';
import { QuotaBook } from './quota.ts';
import { RoleSorters, type RoleState } from './role-sorters.ts';
import type { Sorter } from './sorter.ts';

/** The allocator's state and the bookkeeping that keeps sorters, quota and agents consistent. */
export class AllocatorBook {
  readonly agents = new Map<string, AgentState>();
  readonly frameworks = new Map<string, FrameworkState>();
  /** The sorters and their clients; `roles` and `roleSorter` are theirs, kept here for the allocation loop. */
  readonly sorters: RoleSorters;
  readonly roles: Map<string, RoleState>;
  readonly roleSorter: Sorter;
  readonly quota = new QuotaBook();
  readonly dirty = new DirtyAgents();
  private readonly shapes: AgentShapes;
  /** Agents where frameworks not (yet) added hold resources, as after a master failover. */
  private readonly unknownHolders = new Map<string, Set<string>>();
  private readonly policy: AllocationPolicy;

  constructor(policy: AllocationPolicy) {
    this.policy = policy;
    this.sorters = new RoleSorters(policy, this.agents);
    this.roles = this.sorters.roles;
    this.roleSorter = this.sorters.roleSorter;
    this.shapes = new AgentShapes(policy.measureTotal?.bind(policy));
  }

  /** The framework, or an Error naming the call that needed it. */
  framework(id: string, what: string): FrameworkState {
    const framework = this.frameworks.get(id);
    if (framework === undefined) throw new Error(`${what}: unknown framework ${id}`);
    return framework;
  }

  /** The agent, or an Error naming the call that needed it. */
  agent(id: string, what: string): AgentState {
    const agent = this.agents.get(id);
    if (agent === undefined) throw new Error(`${what}: unknown agent ${id}`);
    return agent;
  }

  addFramework(id: string, info: AllocatorFramework, active: boolean): void {
    if (this.frameworks.has(id)) throw new Error(`addFramework: framework ${id} is already added`);
    for (const role of info.roles) validateRole(role, `addFramework ${id}`);
    const framework: FrameworkState = {
      id,
      roles: new Set(info.roles),
      suppressed: new Set(info.suppressedRoles ?? []),
      active,
      tracked: new Set(),
      heldRoles: new Map(),
    };
    this.frameworks.set(id, framework);
    for (const role of framework.roles) this.sorters.track(framework, role);
    // Resources it held before it was (re-)added now count in the sorters.
    const agentIds = this.unknownHolders.get(id);
    this.unknownHolders.delete(id);
    for (const agentId of agentIds ?? []) {
      const agent = this.agents.get(agentId)!;
      for (const holding of holdingsOf(agent.holdings, id)) {
        this.countHolding(id, framework, holding.role, agentId, 1);
        this.sorters.account(agent, framework, holding);
      }
    }
  }

  /** Agents where the framework holds anything (a scan: only for removals). */
  agentsHeldBy(frameworkId: string): AgentState[] {
    const framework = this.frameworks.get(frameworkId);
    if (framework !== undefined && framework.heldRoles.size === 0) return [];
    return [...this.agents.values()].filter((agent) => holdsAny(agent.holdings, frameworkId));
  }

  removeFramework(framework: FrameworkState): void {
    if (framework.heldRoles.size > 0)
      throw new Error(`removeFramework: ${framework.id} still holds resources`);
    for (const role of [...framework.tracked]) this.sorters.untrack(framework, role);
    this.frameworks.delete(framework.id);
  }

  updateFramework(framework: FrameworkState, info: AllocatorFramework): void {
    for (const role of info.roles) validateRole(role, `updateFramework ${framework.id}`);
    framework.roles = new Set(info.roles);
    framework.suppressed = new Set(info.suppressedRoles ?? []);
    for (const role of framework.roles) this.sorters.track(framework, role);
    for (const role of [...framework.tracked]) this.sorters.untrackIfDone(framework, role);
    this.sorters.syncActivation(framework);
  }

  addAgent(id: string, info: AllocatorAgent, total: Resources): AgentState {
    if (this.agents.has(id)) throw new Error(`addAgent: agent ${id} is already added`);
    const shape = this.shapes.add(total);
    this.countTotal(shape.total, 1);
    const agent: AgentState = {
      id,
      info,
      total: shape.total,
      free: shape.total,
      active: true,
      reservedRoles: shape.reservedRoles,
      totalQuantities: shape.quantities,
      measuredTotal: shape.measured,
      shape,
      holdings: [],
    };
    this.agents.set(id, agent);
    this.roleSorter.addTotal(id, shape.measured);
    for (const { sorter } of this.roles.values()) sorter.addTotal(id, shape.measured);
    return agent;
  }

  removeAgent(agent: AgentState): void {
    const holdings = agent.holdings;
    agent.holdings = [];
    for (const holding of holdings) {
      const framework = this.frameworks.get(holding.frameworkId);
      this.quota.hold(holding.role, unreservedScalars(holding.resources), -1);
      holding.resources = [];
      holding.plain = undefined;
      if (framework !== undefined) this.sorters.account(agent, framework, holding);
      this.countHolding(holding.frameworkId, framework, holding.role, agent.id, -1);
    }
    // Only once every holding is gone may a framework leave the sorters of roles it no longer wants.
    for (const holding of holdings) {
      const framework = this.frameworks.get(holding.frameworkId);
      if (framework !== undefined) this.sorters.untrackIfDone(framework, holding.role);
    }
    this.countTotal(agent.total, -1);
    this.roleSorter.removeTotal(agent.id, agent.measuredTotal);
    for (const { sorter } of this.roles.values()) sorter.removeTotal(agent.id, agent.measuredTotal);
    this.agents.delete(agent.id);
    this.shapes.remove(agent.shape);
    this.dirty.forget(agent.id);
  }

  /**
   * Records that the framework was offered (or uses) `resources` (allocated to role) of the agent.
   * `plain` is the same without allocation_info and `plainQuantities` its scalar quantities; the
   * caller has already taken them out of `agent.free`.
   */
  hold(
    agent: AgentState,
    frameworkId: string,
    role: string,
    resources: Resources,
    plain: Resources,
    plainQuantities: Quantities,
  ): void {
    const framework = this.frameworks.get(frameworkId);
    let holding = holdingFor(agent.holdings, frameworkId, role);
    if (holding === undefined) {
      holding = { frameworkId, role, resources, measured: undefined, plain };
      // Most agents hold for one framework: a literal of one entry has just the room it needs.
      if (agent.holdings.length === 0) agent.holdings = [holding];
      else agent.holdings.push(holding);
      this.countHolding(frameworkId, framework, role, agent.id, 1);
    } else {
      holding.resources = add(holding.resources, resources);
      holding.plain = undefined;
    }
    if (this.quota.tracking) {
      this.quota.hold(role, agent.reservedRoles === 0 ? plainQuantities : unreservedScalars(plain), 1);
    }
    if (framework !== undefined) this.sorters.account(agent, framework, holding, 1, plainQuantities);
  }

  /**
   * Returns `part` (allocated to role) of what the framework holds on the agent to its free pool, and
   * gives back its unallocated form (what a decline's filter is made of).
   */
  release(agent: AgentState, frameworkId: string, role: string, part: Resources): Resources {
    const holding = holdingFor(agent.holdings, frameworkId, role);
    // The usual return is a declined offer, the whole of what the framework holds there: the very
    // array the offer was made of, so nothing needs subtracting, and what the sorters were told it
    // measured (the same object) is what they are told goes.
    const whole = holding !== undefined && part === holding.resources;
    if (holding === undefined || (!whole && !contains(holding.resources, part))) {
      throw new Error(
        `recoverResources: framework ${frameworkId} does not hold ${formatResources(part)} on agent ${agent.id}`,
      );
    }
    const measured = holding.measured;
    // A whole return gives back the unallocated form the holding was made with, not a new one.
    const plain = whole && holding.plain !== undefined ? holding.plain : unallocate(part);
    holding.resources = whole ? emptyResources : subtract(holding.resources, part);
    holding.plain = undefined;
    agent.free = add(agent.free, plain);
    if (!contains(agent.total, agent.free)) {
      throw new Error(`agent ${agent.id}: free ${formatResources(agent.free)} exceeds its total`);
    }
    if (this.quota.tracking) this.quota.hold(role, unreservedScalars(plain), -1);
    const framework = this.frameworks.get(frameworkId);
    if (framework !== undefined) {
      const quantities = whole && measured !== undefined ? measured : toQuantities(plain);
      this.sorters.account(agent, framework, holding, -1, quantities);
    }
    if (holding.resources.length > 0) return plain;
    agent.holdings.splice(agent.holdings.indexOf(holding), 1);
    this.countHolding(frameworkId, framework, role, agent.id, -1);
    if (framework !== undefined) this.sorters.untrackIfDone(framework, role);
    return plain;
  }

  /**
   * Converts `from` into `to` (both allocated to role, equal in scalar quantities) in what the
   * framework holds on the agent and in the agent's total: an offer operation changed their form.
   * Free resources are untouched, so total = free + holdings still holds.
   */
  convert(agent: AgentState, frameworkId: string, role: string, from: Resources, to: Resources): void {
    const holding = holdingFor(agent.holdings, frameworkId, role);
    if (holding === undefined || !contains(holding.resources, from)) {
      throw new Error(
        `updateAllocation: framework ${frameworkId} does not hold ${formatResources(from)} on agent ${agent.id}`,
      );
    }
    const plainFrom = unallocate(from);
    const plainTo = unallocate(to);
    holding.resources = add(subtract(holding.resources, from), to);
    holding.plain = undefined;
    this.retotal(agent, add(subtract(agent.total, plainFrom), plainTo));
    if (this.quota.tracking) {
      this.quota.hold(role, unreservedScalars(plainFrom), -1);
      this.quota.hold(role, unreservedScalars(plainTo), 1);
    }
    // The quantities are the same, so the sorters' counts stand unless a policy measures more.
    const framework = this.frameworks.get(frameworkId);
    if (framework !== undefined && this.policy.measureHeld !== undefined)
      this.sorters.account(agent, framework, holding);
  }

  /** Gives the agent a new total of the same scalar quantities (its shape, quota and sorter totals follow). */
  private retotal(agent: AgentState, total: Resources): void {
    this.countTotal(agent.total, -1);
    const old = agent.shape;
    const shape = this.shapes.add(total);
    this.shapes.remove(old);
    agent.shape = shape;
    agent.total = shape.total;
    agent.reservedRoles = shape.reservedRoles;
    agent.totalQuantities = shape.quantities;
    this.countTotal(shape.total, 1);
    if (sameQuantities(old.measured, shape.measured)) {
      agent.measuredTotal = shape.measured;
      return;
    }
    this.roleSorter.removeTotal(agent.id, agent.measuredTotal);
    for (const { sorter } of this.roles.values()) sorter.removeTotal(agent.id, agent.measuredTotal);
    agent.measuredTotal = shape.measured;
    this.roleSorter.addTotal(agent.id, shape.measured);
    for (const { sorter } of this.roles.values()) sorter.addTotal(agent.id, shape.measured);
  }

  /** Counts (+1) or uncounts (-1) an agent total's reservations and unreserved pool in the quota book. */
  private countTotal(total: Resources, sign: 1 | -1): void {
    for (const res of total) {
      const role = reservationRole(res);
      if (role !== '*' && res.type === 'SCALAR')
        this.quota.reserve(role, { [res.name]: res.scalar!.value }, sign);
    }
    this.quota.pool(unreservedScalars(total), sign);
  }

  /** Sets (or clears) a role's quota; quota accounting starts with the first quota ever set. */
  setQuota(role: string, quota: Quota): void {
    validateRole(role, 'updateQuota');
    this.quota.set(role, quota);
    if (this.quota.tracking || this.quota.isEmpty()) return;
    this.quota.tracking = true;
    for (const agent of this.agents.values()) {
      for (const h of agent.holdings) this.quota.hold(h.role, unreservedScalars(h.resources), 1);
    }
  }

  /** Sets a role's weight (also for inner nodes of the hierarchy); the sorter keeps it for later roles. */
  setWeight(role: string, weight: number): void {
    validateRole(role, 'updateWeights');
    if (!(weight > 0) || !Number.isFinite(weight))
      throw new Error(`updateWeights: bad weight ${weight} for ${role}`);
    this.roleSorter.updateWeight(role, weight);
  }

  /** Each role's share in the role sorter, and each framework's summed over its roles' sorters. */
  shares(): { roles: Record<string, number>; frameworks: Record<string, number> } {
    const roles: Record<string, number> = {};
    for (const role of [...this.roles.keys()].sort()) roles[role] = this.roleSorter.share(role);
    const frameworks: Record<string, number> = {};
    for (const id of [...this.frameworks.keys()].sort()) {
      let share = 0;
      for (const role of this.frameworks.get(id)!.tracked) share += this.roles.get(role)!.sorter.share(id);
      frameworks[id] = share;
    }
    return { roles, frameworks };
  }

  /** Counts a holding of the framework in a role coming (+1) or going (-1) on an agent. */
  private countHolding(
    frameworkId: string,
    framework: FrameworkState | undefined,
    role: string,
    agentId: string,
    delta: 1 | -1,
  ): void {
    if (framework !== undefined) {
      // Counts are kept as numbers in the map: updating one costs a second lookup in a table just
      // read, which is cheaper than reaching a separate counter object.
      const count = (framework.heldRoles.get(role) ?? 0) + delta;
      if (count === 0) framework.heldRoles.delete(role);
      else framework.heldRoles.set(role, count);
      return;
    }
    let agentIds = this.unknownHolders.get(frameworkId);
    if (delta > 0) {
      if (agentIds === undefined) {
        agentIds = new Set();
        this.unknownHolders.set(frameworkId, agentIds);
      }
      agentIds.add(agentId);
    } else if (agentIds !== undefined) {
      const agent = this.agents.get(agentId);
      if (agent !== undefined && holdsAny(agent.holdings, frameworkId)) return;
      agentIds.delete(agentId);
      if (agentIds.size === 0) this.unknownHolders.delete(frameworkId);
    }
  }
}
