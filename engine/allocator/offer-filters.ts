// Offer filters: when a framework declines resources with refuse_seconds > 0, the allocator must not
// offer it those resources (or any part of them) on that agent again until the filter expires. As in
// Mesos, a filter covers the declined resources: an offer is filtered when it is contained in them, so
// an agent that frees more than was declined is offered again at once.
//
// Expiries are kept in a min-heap ordered by (expiry time, sequence number), so each allocation cycle
// finds the filters that ran out by `now` without scanning them all.
import { refuse_seconds_max } from '../constants.ts';
import { contains, type Resources } from '../resources.ts';

/** One filter: `resources` of `agentId` refused by `frameworkId` for `role` until `expiry_ms`. */
interface FilterEntry {
  readonly frameworkId: string;
  readonly agentId: string;
  /** The role the refused resources were offered to. */
  readonly role: string;
  /** The refused resources, without allocation_info. */
  readonly resources: Resources;
  readonly expiry_ms: number;
  readonly seq: number;
  /** False once the filter was removed (revive, framework or agent removed) before it expired. */
  live: boolean;
}

/** Offer filters of every framework, with their expiries ordered by time. */
export class OfferFilters {
  private readonly byFramework = new Map<string, Map<string, FilterEntry[]>>();
  private heap: FilterEntry[] = [];
  private seq = 0;
  private stale = 0;

  /** Filters `resources` of the agent for the framework's role for refuse_seconds from now. */
  add(
    frameworkId: string,
    agentId: string,
    role: string,
    resources: Resources,
    refuse_seconds: number,
    now: number,
  ): void {
    if (!Number.isFinite(refuse_seconds) && refuse_seconds !== Number.POSITIVE_INFINITY) {
      throw new Error(`offer filter: refuse_seconds must be a number, got ${refuse_seconds}`);
    }
    if (refuse_seconds <= 0 || resources.length === 0) return;
    const seconds = Math.min(refuse_seconds, refuse_seconds_max);
    const entry: FilterEntry = {
      frameworkId,
      agentId,
      role,
      resources,
      expiry_ms: now + seconds * 1000,
      seq: this.seq++,
      live: true,
    };
    let agents = this.byFramework.get(frameworkId);
    if (agents === undefined) {
      agents = new Map();
      this.byFramework.set(frameworkId, agents);
    }
    const list = agents.get(agentId);
    if (list === undefined) agents.set(agentId, [entry]);
    else list.push(entry);
    this.push(entry);
  }

  /** True when an offer of `resources` (without allocation_info) to the framework's role is filtered. */
  isFiltered(frameworkId: string, agentId: string, role: string, resources: Resources, now: number): boolean {
    const agents = this.byFramework.get(frameworkId);
    if (agents === undefined) return false;
    const list = agents.get(agentId);
    if (list === undefined) return false;
    for (const entry of list) {
      if (entry.role === role && entry.expiry_ms > now && contains(entry.resources, resources)) return true;
    }
    return false;
  }

  /** True when the framework has any filter in force. */
  hasFilters(frameworkId: string): boolean {
    return this.byFramework.has(frameworkId);
  }

  /** Removes every filter of the framework (revive, removal); returns the agents they covered. */
  clearFramework(frameworkId: string): string[] {
    const agents = this.byFramework.get(frameworkId);
    if (agents === undefined) return [];
    for (const list of agents.values()) for (const entry of list) this.kill(entry);
    this.byFramework.delete(frameworkId);
    this.compactIfStale();
    return [...agents.keys()];
  }

  /** Removes every filter on the agent (agent removed). */
  clearAgent(agentId: string): void {
    for (const [frameworkId, agents] of this.byFramework) {
      const list = agents.get(agentId);
      if (list === undefined) continue;
      for (const entry of list) this.kill(entry);
      agents.delete(agentId);
      if (agents.size === 0) this.byFramework.delete(frameworkId);
    }
    this.compactIfStale();
  }

  /** Removes the filters that expired by `now` and reports each agent they covered once per filter. */
  expire(now: number, onExpired: (agentId: string) => void): void {
    while (this.heap.length > 0 && this.heap[0]!.expiry_ms <= now) {
      const entry = this.pop();
      if (!entry.live) {
        this.stale--;
        continue;
      }
      entry.live = false;
      this.unlink(entry);
      onExpired(entry.agentId);
    }
  }

  /** Number of filters in force (for tests and reports). */
  count(): number {
    return this.heap.length - this.stale;
  }

  private kill(entry: FilterEntry): void {
    if (!entry.live) return;
    entry.live = false;
    this.stale++;
  }

  private unlink(entry: FilterEntry): void {
    const agents = this.byFramework.get(entry.frameworkId);
    const list = agents?.get(entry.agentId);
    if (agents === undefined || list === undefined) return;
    const at = list.indexOf(entry);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) agents.delete(entry.agentId);
    if (agents.size === 0) this.byFramework.delete(entry.frameworkId);
  }

  // Removed filters stay in the heap until they would have expired; once they are the majority the
  // heap is rebuilt, so revive-heavy workloads with long filters cannot grow it without bound.
  private compactIfStale(): void {
    if (this.stale <= 64 || this.stale * 2 <= this.heap.length) return;
    const live = this.heap.filter((e) => e.live);
    this.heap = [];
    this.stale = 0;
    for (const entry of live) this.push(entry);
  }

  private push(entry: FilterEntry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      swap(heap, i, parent);
      i = parent;
    }
  }

  private pop(): FilterEntry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        swap(heap, i, m);
        i = m;
      }
    }
    return top;
  }
}

function before(a: FilterEntry, b: FilterEntry): boolean {
  return a.expiry_ms < b.expiry_ms || (a.expiry_ms === b.expiry_ms && a.seq < b.seq);
}

function swap(heap: FilterEntry[], i: number, j: number): void {
  const t = heap[i]!;
  heap[i] = heap[j]!;
  heap[j] = t;
}
