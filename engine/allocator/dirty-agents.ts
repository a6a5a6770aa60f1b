// Which agents the next allocation cycle visits. Work is batched per allocation interval: events mark
// agents dirty (an agent added, resources recovered on it, a filter on it expired) or mark all of them
// (a framework added, activated or revived, weights or quota changed), and `allocate(now)` visits only
// those, cleaning them. Agents where quota held resources back are remembered apart: any event that
// may grow quota headroom or limit room (resources recovered or removed anywhere) makes them dirty.

/** What the dirty set needs to know of an agent. */
interface Candidate {
  readonly active: boolean;
  readonly free: readonly unknown[];
}

/** Dirty agents, and agents waiting for quota headroom. */
export class DirtyAgents {
  private readonly dirty = new Set<string>();
  private all = false;
  private readonly heldBack = new Set<string>();

  /** Marks an agent worth visiting in the next cycle. */
  mark(agentId: string): void {
    if (!this.all) this.dirty.add(agentId);
  }

  /** Marks every agent worth visiting in the next cycle. */
  markAll(): void {
    this.all = true;
    this.dirty.clear();
  }

  /** Remembers that quota held back resources of the agent in this cycle. */
  heldBackOn(agentId: string): void {
    this.heldBack.add(agentId);
  }

  /** Headroom or limit room may have grown: revisit agents where quota held resources back. */
  headroomChanged(): void {
    if (this.heldBack.size === 0) return;
    for (const id of this.heldBack) this.mark(id);
    this.heldBack.clear();
  }

  /** Forgets a removed agent. */
  forget(agentId: string): void {
    this.dirty.delete(agentId);
    this.heldBack.delete(agentId);
  }

  /** The active agents with free resources among the dirty ones, in a fixed order; cleans them. */
  take<A extends Candidate>(agents: ReadonlyMap<string, A>): A[] {
    const out: A[] = [];
    if (this.all) {
      for (const agent of agents.values()) if (agent.active && agent.free.length > 0) out.push(agent);
    } else {
      for (const id of this.dirty) {
        const agent = agents.get(id);
        if (agent?.active && agent.free.length > 0) out.push(agent);
      }
    }
    this.all = false;
    this.dirty.clear();
    return out;
  }
}
