// The hierarchical allocator, after Mesos's: a role sorter orders role paths (with weights and
// hierarchy), one framework sorter per role orders its frameworks, and each allocation cycle walks the
// dirty agents in a seeded shuffled order, offering each agent's free resources coarse-grained (one
// offer per agent per framework and role) to the most deserving framework of each role in turn.
// Stage 1 serves roles' quota guarantees, stage 2 the rest while holding back headroom for unsatisfied
// guarantees and never letting a role exceed its limits. Comparison policies (asset fairness, FIFO,
// random, slots, static partitions) plug in through `AllocationPolicy` (allocation-policy.ts) and
// share this loop.
import { min_allocatable_cpus, min_allocatable_mem_mb } from '../constants.ts';
import { type Quantities, sameQuantities } from '../quantities.ts';
import {
  add,
  allocatableTo,
  allocate,
  contains,
  emptyResources,
  formatResources,
  normalize,
  type Resources,
  subtract,
  toQuantities,
  unallocate,
} from '../resources.ts';
import { type Rng, shuffle } from '../rng.ts';
import { allocatedTotal, allocateTo } from './agent-shapes.ts';
import type { AllocationPolicy } from './allocation-policy.ts';
import type {
  Allocation,
  Allocator,
  AllocatorAgent,
  AllocatorFramework,
  OfferFilter,
  Quota,
} from './allocator.ts';
import { AllocatorBook } from './allocator-book.ts';
import type { AgentState } from './allocator-state.ts';
import { holdingsOf, holdsAny } from './holdings.ts';
import { firstAccepted, hasActiveClient, OfferCheck } from './offer-check.ts';
import { OfferFilters } from './offer-filters.ts';
import { OfferShaper } from './offerable.ts';

/** Options of the hierarchical allocator. */
export interface HierarchicalOptions {
  readonly policy: AllocationPolicy;
  readonly rng: Rng;
  /** An offer must hold at least one of these (default: cpus 0.01 or mem 32, as Mesos). */
  readonly minAllocatable?: readonly Quantities[];
}

/** The default minimum allocatable resources: 0.01 cpus or 32 MB of memory. */
const defaultMinAllocatable: readonly Quantities[] = [
  { cpus: min_allocatable_cpus },
  { mem: min_allocatable_mem_mb },
];

/** The hierarchical allocator behind the `Allocator` interface. */
export class HierarchicalAllocator implements Allocator {
  private readonly book: AllocatorBook;
  private readonly policy: AllocationPolicy;
  private readonly filters = new OfferFilters();
  private readonly shaper: OfferShaper;
  private readonly agentRng: Rng;
  private readonly infos = new Map<string, { readonly role: string }>();
  private readonly check: OfferCheck;

  constructor(options: HierarchicalOptions) {
    this.policy = options.policy;
    this.book = new AllocatorBook(options.policy);
    this.agentRng = options.rng.fork('agents');
    const cut = options.policy.cut?.bind(options.policy);
    this.shaper = new OfferShaper(this.book.quota, options.minAllocatable ?? defaultMinAllocatable, cut);
    this.check = new OfferCheck(options.policy, this.filters);
  }

  addFramework(
    frameworkId: string,
    framework: AllocatorFramework,
    used: ReadonlyMap<string, Resources>,
    active: boolean,
  ): void {
    this.book.addFramework(frameworkId, framework, active);
    for (const [agentId, resources] of used) {
      const agent = this.book.agents.get(agentId);
      // The agent reports what it runs when it (re-)registers; a framework's `used` only matters for
      // agents that did not report it, as when the framework re-registers first.
      if (agent === undefined || holdsAny(agent.holdings, frameworkId)) continue;
      this.holdUsed(agent, frameworkId, resources);
    }
    this.book.dirty.markAll();
  }

  removeFramework(frameworkId: string): void {
    const framework = this.book.framework(frameworkId, 'removeFramework');
    // The master recovers a removed framework's offers and tasks first; whatever it still holds here
    // is returned to the pool so nothing leaks.
    for (const agent of this.book.agentsHeldBy(frameworkId)) {
      for (const holding of holdingsOf(agent.holdings, frameworkId)) {
        this.book.release(agent, frameworkId, holding.role, holding.resources);
      }
      this.book.dirty.mark(agent.id);
    }
    this.filters.clearFramework(frameworkId);
    this.book.removeFramework(framework);
    this.book.dirty.headroomChanged();
  }

  activateFramework(frameworkId: string): void {
    const framework = this.book.framework(frameworkId, 'activateFramework');
    framework.active = true;
    this.book.sorters.syncActivation(framework);
    this.book.dirty.markAll();
  }

  deactivateFramework(frameworkId: string): void {
    const framework = this.book.framework(frameworkId, 'deactivateFramework');
    framework.active = false;
    this.book.sorters.syncActivation(framework);
    // As Mesos, a framework that fails over starts without the filters of its previous instance.
    this.filters.clearFramework(frameworkId);
  }

  updateFramework(frameworkId: string, framework: AllocatorFramework): void {
    this.book.updateFramework(this.book.framework(frameworkId, 'updateFramework'), framework);
    this.book.dirty.markAll();
  }

  addAgent(
    agentId: string,
    agent: AllocatorAgent,
    total: Resources,
    used: ReadonlyMap<string, Resources>,
  ): void {
    const state = this.book.addAgent(agentId, agent, normalize(total));
    for (const [frameworkId, resources] of used) this.holdUsed(state, frameworkId, resources);
    this.book.dirty.mark(agentId);
    this.book.dirty.headroomChanged();
  }

  removeAgent(agentId: string): void {
    this.book.removeAgent(this.book.agent(agentId, 'removeAgent'));
    this.filters.clearAgent(agentId);
    this.book.dirty.headroomChanged();
  }

  activateAgent(agentId: string): void {
    this.book.agent(agentId, 'activateAgent').active = true;
    this.book.dirty.mark(agentId);
  }

  deactivateAgent(agentId: string): void {
    this.book.agent(agentId, 'deactivateAgent').active = false;
  }

  recoverResources(
    frameworkId: string,
    agentId: string,
    resources: Resources,
    filter: OfferFilter | undefined,
    now: number,
  ): void {
    // Offers may be rescinded after their agent is gone; there is nothing to return then.
    const agent = this.book.agents.get(agentId);
    if (agent === undefined || resources.length === 0) return;
    // `add` to nothing gives the normal form, validating only what is not already normal (what the
    // master returns is the allocator's own offer, normal already).
    for (const [role, part] of this.byAllocationRole(agent, frameworkId, add(emptyResources, resources))) {
      const plain = this.book.release(agent, frameworkId, role, part);
      if (filter !== undefined && this.book.frameworks.has(frameworkId)) {
        this.filters.add(frameworkId, agentId, role, plain, filter.refuse_seconds, now);
      }
    }
    this.book.dirty.mark(agentId);
    this.book.dirty.headroomChanged();
  }

  updateAllocation(frameworkId: string, agentId: string, from: Resources, to: Resources): void {
    const agent = this.book.agent(agentId, 'updateAllocation');
    this.book.framework(frameworkId, 'updateAllocation');
    const fromNormal = add(emptyResources, from);
    const toNormal = add(emptyResources, to);
    const role = fromNormal[0]?.allocation_info?.role;
    const oneRole = (r: Resources) => r.every((res) => res.allocation_info?.role === role);
    if (role === undefined || !oneRole(fromNormal) || !oneRole(toNormal)) {
      throw new Error(
        `updateAllocation: ${formatResources(from)} and ${formatResources(to)} must be allocated to one role`,
      );
    }
    if (!sameQuantities(toQuantities(fromNormal), toQuantities(toNormal))) {
      throw new Error(
        `updateAllocation: ${formatResources(from)} and ${formatResources(to)} differ in quantities`,
      );
    }
    this.book.convert(agent, frameworkId, role, fromNormal, toNormal);
    this.book.dirty.mark(agentId);
    this.book.dirty.headroomChanged();
  }

  suppressOffers(frameworkId: string, roles: readonly string[]): void {
    const framework = this.book.framework(frameworkId, 'suppressOffers');
    for (const role of roles.length === 0 ? framework.roles : roles) framework.suppressed.add(role);
    this.book.sorters.syncActivation(framework);
  }

  reviveOffers(frameworkId: string, roles: readonly string[]): void {
    const framework = this.book.framework(frameworkId, 'reviveOffers');
    if (roles.length === 0) framework.suppressed.clear();
    else for (const role of roles) framework.suppressed.delete(role);
    this.book.sorters.syncActivation(framework);
    this.filters.clearFramework(frameworkId);
    this.book.dirty.markAll();
  }

  updateWeights(weights: ReadonlyArray<{ readonly role: string; readonly weight: number }>): void {
    for (const { role, weight } of weights) this.book.setWeight(role, weight);
    this.book.dirty.markAll();
  }

  updateQuota(role: string, quota: Quota): void {
    this.book.setQuota(role, quota);
    this.book.dirty.markAll();
  }

  allocate(now: number): Allocation[] {
    this.filters.expire(now, (agentId) => this.book.dirty.mark(agentId));
    const candidates = this.book.dirty.take(this.book.agents);
    if (candidates.length === 0) return [];
    shuffle(candidates, this.agentRng);
    const out: Allocation[] = [];
    if (this.book.quota.hasGuarantees()) {
      // Offers of the two stages to the same framework, role and agent are merged into one.
      const merged = new Map<string, number>();
      this.stage(candidates, true, now, out, merged);
      shuffle(candidates, this.agentRng);
      this.stage(candidates, false, now, out, merged);
    } else {
      this.stage(candidates, false, now, out, undefined);
    }
    return out;
  }

  shares(): { roles: Record<string, number>; frameworks: Record<string, number> } {
    return this.book.shares();
  }

  /** Number of offer filters in force. */
  filterCount(): number {
    return this.filters.count();
  }

  private stage(
    candidates: readonly AgentState[],
    guarantees: boolean,
    now: number,
    out: Allocation[],
    merged: Map<string, number> | undefined,
  ): void {
    const book = this.book;
    for (const agent of candidates) {
      if (agent.free.length === 0) continue;
      this.shaper.heldBack = false;
      for (const role of book.roleSorter.sort()) {
        if (agent.free.length === 0) break;
        if (guarantees && book.quota.get(role) === undefined) continue;
        const sorter = book.roles.get(role)!.sorter;
        // A sorter without `find` (the random one draws a new order on every sort()) is asked for
        // its order here, once per role and agent, as it always was, so its draws stay the same.
        const order = sorter.find === undefined ? sorter.sort() : undefined;
        if (!hasActiveClient(sorter, order)) continue;
        const available = agent.reservedRoles === 0 ? agent.free : allocatableTo(agent.free, role);
        if (available.length === 0) continue;
        // A wholly free agent's quantities are known: no need to sum them again.
        const known = available === agent.total ? agent.totalQuantities : undefined;
        const offerable = guarantees
          ? this.shaper.guaranteeStage(available, role)
          : this.shaper.fairStage(available, role, known);
        if (offerable === undefined) continue;
        // Everything the role may take of this agent goes to one framework, so once a framework is
        // offered it, the role has nothing more here this stage. The offer is made after the search,
        // which must not change the sorter.
        const check = this.check.set(role, agent, offerable, now);
        const frameworkId = firstAccepted(sorter, order, check.accept);
        if (frameworkId !== undefined) this.offer(agent, frameworkId, role, offerable, out, merged);
      }
      if (this.shaper.heldBack) book.dirty.heldBackOn(agent.id);
    }
  }

  private offer(
    agent: AgentState,
    frameworkId: string,
    role: string,
    offerable: Resources,
    out: Allocation[],
    merged: Map<string, number> | undefined,
  ): void {
    // The whole of a wholly free agent is offered most often: its shape has that offer ready.
    const info = this.allocationInfo(role);
    const resources =
      offerable === agent.total ? allocatedTotal(agent.shape, info) : allocateTo(offerable, info);
    agent.free = offerable === agent.free ? emptyResources : subtract(agent.free, offerable);
    this.book.hold(agent, frameworkId, role, resources, offerable, this.shaper.lastQuantities);
    if (merged !== undefined) {
      const key = `${frameworkId}\u0000${role}\u0000${agent.id}`;
      const at = merged.get(key);
      if (at !== undefined) {
        const prev = out[at]!;
        out[at] = { ...prev, resources: add(prev.resources, resources) };
        return;
      }
      merged.set(key, out.length);
    }
    out.push({ frameworkId, role, agentId: agent.id, resources });
  }

  /** One shared, immutable allocation_info per role, so offers do not each allocate their own. */
  private allocationInfo(role: string): { readonly role: string } {
    let info = this.infos.get(role);
    if (info === undefined) {
      info = { role };
      this.infos.set(role, info);
    }
    return info;
  }

  /** Records resources a framework already uses on an agent (re-registration). */
  private holdUsed(agent: AgentState, frameworkId: string, resources: Resources): void {
    // `add` to nothing gives the normal form, validating only what is not already normal (what the
    // master returns is the allocator's own offer, normal already).
    for (const [role, part] of this.byAllocationRole(agent, frameworkId, add(emptyResources, resources))) {
      const plain = unallocate(part);
      if (!contains(agent.free, plain)) {
        throw new Error(
          `agent ${agent.id}: used resources ${formatResources(plain)} of framework ${frameworkId} exceed its free ${formatResources(agent.free)}`,
        );
      }
      agent.free = subtract(agent.free, plain);
      this.book.hold(agent, frameworkId, role, part, plain, toQuantities(plain));
    }
  }

  /**
   * Groups resources by their allocation role. Entries without allocation_info belong to the
   * framework's only role on this agent, or its only subscribed role; anything else is ambiguous.
   */
  private byAllocationRole(
    agent: AgentState,
    frameworkId: string,
    resources: Resources,
  ): Map<string, Resources> {
    const groups = new Map<string, Resources>();
    // The usual case, one offer coming back: every entry allocated to one role. The resources are in
    // normal form, so they are that role's group as they are.
    const first = resources[0]?.allocation_info?.role;
    if (first !== undefined && resources.every((res) => res.allocation_info?.role === first)) {
      groups.set(first, resources);
      return groups;
    }
    let loose: Resources = emptyResources;
    for (const res of resources) {
      const role = res.allocation_info?.role;
      if (role === undefined) loose = add(loose, [res]);
      else groups.set(role, add(groups.get(role) ?? emptyResources, [res]));
    }
    if (loose.length > 0) {
      const held = holdingsOf(agent.holdings, frameworkId);
      const roles =
        held.length > 0 ? held.map((h) => h.role) : [...(this.book.frameworks.get(frameworkId)?.roles ?? [])];
      if (roles.length !== 1) {
        throw new Error(
          `resources ${formatResources(loose)} of framework ${frameworkId} on agent ${agent.id} carry no allocation role`,
        );
      }
      const role = roles[0]!;
      groups.set(role, add(groups.get(role) ?? emptyResources, allocate(loose, role)));
    }
    return groups;
  }
}
