// A tiny first-fit allocator for master tests: each cycle offers every agent's whole free pool to
// the first active framework (by id) that has not filtered it. It implements the Allocator
// interface only as far as the master uses it, so master tests do not depend on the real policies.
import type {
  Allocation,
  Allocator,
  AllocatorFramework,
  OfferFilter,
} from '../../engine/allocator/allocator.ts';
import {
  add,
  allocate,
  contains,
  isEmpty,
  type Resources,
  subtract,
  unallocate,
} from '../../engine/resources.ts';

interface FrameworkEntry {
  roles: readonly string[];
  suppressed: Set<string>;
  active: boolean;
}

interface AgentEntry {
  total: Resources;
  held: Resources;
  active: boolean;
}

interface Filter {
  frameworkId: string;
  agentId: string;
  resources: Resources;
  expiry_ms: number;
}

/** Creates a first-fit allocator. */
export function createFirstFitAllocator(): Allocator {
  const frameworks = new Map<string, FrameworkEntry>();
  const agents = new Map<string, AgentEntry>();
  let filters: Filter[] = [];
  const requireAgent = (id: string): AgentEntry => {
    const a = agents.get(id);
    if (a === undefined) throw new Error(`first-fit: unknown agent ${id}`);
    return a;
  };
  const requireFramework = (id: string): FrameworkEntry => {
    const f = frameworks.get(id);
    if (f === undefined) throw new Error(`first-fit: unknown framework ${id}`);
    return f;
  };
  return {
    addFramework(id: string, fw: AllocatorFramework, used: ReadonlyMap<string, Resources>, active: boolean) {
      if (frameworks.has(id)) throw new Error(`first-fit: framework ${id} added twice`);
      frameworks.set(id, { roles: fw.roles, suppressed: new Set(fw.suppressedRoles ?? []), active });
      for (const [agentId, r] of used) {
        const a = requireAgent(agentId);
        a.held = add(a.held, unallocate(r));
      }
    },
    removeFramework(id) {
      requireFramework(id);
      frameworks.delete(id);
      filters = filters.filter((f) => f.frameworkId !== id);
    },
    activateFramework(id) {
      requireFramework(id).active = true;
    },
    deactivateFramework(id) {
      requireFramework(id).active = false;
    },
    updateFramework(id, fw) {
      const f = requireFramework(id);
      f.roles = fw.roles;
      f.suppressed = new Set(fw.suppressedRoles ?? []);
    },
    addAgent(id, _agent, total, used) {
      if (agents.has(id)) throw new Error(`first-fit: agent ${id} added twice`);
      let held: Resources = [];
      for (const r of used.values()) held = add(held, unallocate(r));
      if (!contains(total, held)) throw new Error(`first-fit: agent ${id} uses more than it has`);
      agents.set(id, { total, held, active: true });
    },
    removeAgent(id) {
      requireAgent(id);
      agents.delete(id);
      filters = filters.filter((f) => f.agentId !== id);
    },
    activateAgent(id) {
      requireAgent(id).active = true;
    },
    deactivateAgent(id) {
      requireAgent(id).active = false;
    },
    recoverResources(
      frameworkId: string,
      agentId: string,
      resources: Resources,
      filter: OfferFilter | undefined,
      now: number,
    ) {
      const a = requireAgent(agentId);
      const r = unallocate(resources);
      if (!contains(a.held, r)) throw new Error(`first-fit: recovering more than held on ${agentId}`);
      a.held = subtract(a.held, r);
      if (filter !== undefined && filter.refuse_seconds > 0 && frameworks.has(frameworkId)) {
        filters.push({ frameworkId, agentId, resources: r, expiry_ms: now + filter.refuse_seconds * 1000 });
      }
    },
    updateAllocation(_frameworkId: string, agentId: string, from: Resources, to: Resources) {
      const a = requireAgent(agentId);
      const f = unallocate(from);
      const t = unallocate(to);
      if (!contains(a.held, f)) throw new Error(`first-fit: converting more than held on ${agentId}`);
      a.held = add(subtract(a.held, f), t);
      a.total = add(subtract(a.total, f), t);
    },
    suppressOffers(id, roles) {
      const f = requireFramework(id);
      for (const role of roles.length === 0 ? f.roles : roles) f.suppressed.add(role);
    },
    reviveOffers(id, roles) {
      const f = requireFramework(id);
      for (const role of roles.length === 0 ? f.roles : roles) f.suppressed.delete(role);
      filters = filters.filter((x) => x.frameworkId !== id);
    },
    updateWeights() {},
    updateQuota() {},
    allocate(now: number): Allocation[] {
      filters = filters.filter((f) => f.expiry_ms > now);
      const out: Allocation[] = [];
      const ids = [...frameworks.keys()].sort();
      for (const [agentId, a] of agents) {
        if (!a.active) continue;
        const free = subtract(a.total, a.held);
        if (isEmpty(free)) continue;
        for (const id of ids) {
          const f = frameworks.get(id)!;
          const role = f.roles.find((r) => !f.suppressed.has(r));
          if (!f.active || role === undefined) continue;
          if (
            filters.some((x) => x.frameworkId === id && x.agentId === agentId && contains(x.resources, free))
          )
            continue;
          a.held = add(a.held, free);
          out.push({ frameworkId: id, role, agentId, resources: allocate(free, role) });
          break;
        }
      }
      return out;
    },
    shares() {
      return { roles: {}, frameworks: {} };
    },
    filterCount() {
      return filters.length;
    },
  };
}
