// The oracle for the DRF sorter: the same order computed from scratch on every `sort()`, from the
// Mesos-shaped role tree (virtual leaves and all), with nothing cached between calls.
import { LedgerSorter } from './client-ledger.ts';
import { buildRoleTree, type RoleNode } from './role-tree.ts';
import { dominantShare, type ShareFunction } from './share.ts';

/** Options of a naive sorter. */
export interface NaiveSorterOptions {
  /** How a client's share is measured (default: dominant share). */
  readonly share?: ShareFunction;
}

interface Keyed {
  readonly node: RoleNode;
  readonly share: number;
}

/** A hierarchical DRF sorter that recomputes every share and re-sorts every level on each `sort()`. */
export class NaiveSorter extends LedgerSorter {
  constructor(options: NaiveSorterOptions = {}) {
    super(options.share ?? dominantShare);
  }

  sort(): readonly string[] {
    const out: string[] = [];
    this.visit(buildRoleTree(this.ledger.clients.values()), out);
    return out;
  }

  /** The first active client in order that `accept` takes (the order is a pure function of the books). */
  find(accept: (client: string) => boolean): string | undefined {
    return this.sort().find(accept);
  }

  /** Appends the active clients below `node` to `out`: siblings by weighted share, count, path. */
  private visit(node: RoleNode, out: string[]): void {
    const total = this.ledger.total;
    const keyed: Keyed[] = node.children
      .filter((child) => child.active > 0)
      .map((child) => ({
        node: child,
        share: this.shareOf(child.allocation, total) / this.ledger.weight(child.path),
      }));
    keyed.sort((a, b) => {
      if (a.share !== b.share) return a.share < b.share ? -1 : 1;
      if (a.node.count !== b.node.count) return a.node.count - b.node.count;
      return a.node.path < b.node.path ? -1 : a.node.path > b.node.path ? 1 : 0;
    });
    for (const { node: child } of keyed) {
      if (child.client !== undefined) out.push(child.path);
      else this.visit(child, out);
    }
  }
}
