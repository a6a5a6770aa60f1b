// Mesos's random sorter: a fresh weighted random order on every `sort()`, hierarchical: the active
// siblings at each level are shuffled by weight, and each subtree is listed depth first.
import type { Rng } from '../rng.ts';
import { LedgerSorter } from './client-ledger.ts';
import { buildRoleTree, type RoleNode } from './role-tree.ts';
import { dominantShare } from './share.ts';

interface Drawn {
  readonly node: RoleNode;
  readonly key: number;
}

/**
 * Orders active clients by a weighted shuffle per level, drawn from a seeded generator. It has no
 * `find`: each `sort()` draws, so callers must ask for the order exactly once where they need it.
 */
export class RandomSorter extends LedgerSorter {
  private readonly rng: Rng;

  /** `trackAgents` as in ClientLedger (default true). */
  constructor(rng: Rng, trackAgents = true) {
    super(dominantShare, trackAgents);
    this.rng = rng;
  }

  sort(): readonly string[] {
    const out: string[] = [];
    this.visit(buildRoleTree(this.ledger.clients.values()), out);
    return out;
  }

  /**
   * Appends the active clients below `node` in a weighted random order. Each sibling draws an
   * exponential clock with rate equal to its weight and the earliest goes first (Efraimidis and
   * Spirakis), which orders as repeatedly picking a sibling with probability proportional to its
   * weight, as Mesos's weighted shuffle does, in O(n log n). Siblings draw in path order, so a seed
   * gives one order.
   */
  private visit(node: RoleNode, out: string[]): void {
    const drawn: Drawn[] = [];
    for (const child of node.children) {
      if (child.active === 0) continue;
      const key = -Math.log(1 - this.rng.next()) / this.ledger.weight(child.path);
      drawn.push({ node: child, key });
    }
    drawn.sort((a, b) => a.key - b.key || (a.node.path < b.node.path ? -1 : 1));
    for (const { node: child } of drawn) {
      if (child.client !== undefined) out.push(child.path);
      else this.visit(child, out);
    }
  }
}
