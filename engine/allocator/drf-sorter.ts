// Dominant Resource Fairness over a role hierarchy, kept sorted as allocations change.
//
// Siblings are ordered by weighted share, then by allocation count, then by path; `sort()` lists
// the active clients depth first. An allocation loop looks for a client once per agent and changes
// one client between calls, so the sorted lists are kept rather than recomputed: a change moves the
// client's node and each of its ancestors within its parent's sorted list (binary search and a
// memmove), once, when an order is next read, however many changes came in between. `find()` walks
// the sorted lists in place, so the loop needs no flat order at all; `sort()` lists them anew when
// an order it handed out went stale (handed-out orders are never mutated). Only
// a change of the pool's total, which moves every share, marks everything dirty for a full re-sort
// on the next `sort()` or `find()`.
//
// Each path has an inner node and each client a leaf below the inner node of its own path, so a
// flat client `f` is the inner node `f` with one leaf. This orders exactly as Mesos's tree, where a
// client is a leaf unless it also has sub-roles and then a virtual leaf: a lone leaf and its inner
// node share path, weight, allocation and count.
//
// What each node holds is a vector over the resource names the sorter has met (amount-slots.ts), so
// an allocation adds a few numbers per node and a share is a loop over them; the sorter keeps these
// sums itself, and the ledger's records only count calls (and, when asked, check them per agent).
import type { Quantities } from '../quantities.ts';
import { AmountSlots, growVector, type SlotVector } from './amount-slots.ts';
import { type ClientRecord, LedgerSorter } from './client-ledger.ts';
import { assetShare, dominantShare, type ShareFunction } from './share.ts';
import { type FiledNode, FilingKeys, SiblingList } from './sibling-list.ts';

/** Options of a DRF sorter. */
export interface DrfSorterOptions {
  /** How a client's share is measured (default: dominant share). */
  readonly share?: ShareFunction;
  /**
   * Whether to record what each client holds on each agent and throw when it gives back more than it
   * holds there (default true). The hierarchical allocator, whose books check every return against
   * the holding it comes from, turns it off.
   */
  readonly trackAgents?: boolean;
}

interface DrfNode extends FiledNode {
  readonly parent: DrfNode | undefined;
  readonly isLeaf: boolean;
  /** Inner nodes by path segment; the client's own leaf is filed under ''. */
  readonly children: Map<string, DrfNode>;
  /** Children with at least one active client, most deserving first. */
  readonly ordered: SiblingList<DrfNode>;
  /** The client of a leaf, undefined for inner nodes. */
  readonly record: ClientRecord | undefined;
  /** What the subtree holds, over the sorter's resource slots. */
  readonly amounts: SlotVector;
  count: number;
  /** Number of active clients in the subtree. */
  active: number;
  weight: number;
  /** True while the node waits in `stale` to be refiled. */
  stale: boolean;
}

/** Incremental, hierarchical DRF sorter (or any share function's, e.g. asset fairness). */
export class DrfSorter extends LedgerSorter {
  /** Nodes by id; ids of removed nodes are reused. */
  private readonly nodes: DrfNode[] = [];
  private readonly freeIds: number[] = [];
  /** The keys nodes are filed under in their parents' lists, by node id. */
  private readonly keys = new FilingKeys();
  private readonly root: DrfNode;
  private readonly inners = new Map<string, DrfNode>();
  private readonly leaves = new Map<string, DrfNode>();
  /** Set when the total changed: every key is stale until the next `sort()` re-sorts all. */
  private sharesDirty = false;
  /** Active clients in order, as `sort()` last handed them out; current only while `orderValid`. */
  private order: readonly string[] = [];
  private orderValid = true;
  /** True while `find` walks the lists. */
  private walking = false;
  /**
   * Leaves whose allocation changed since they were last filed. They are refiled when an order is
   * next read (or the tree next changes shape), so that many changes between two reads, as a
   * framework declining hundreds of offers at once makes, cost one refile rather than one each.
   */
  private readonly stale: DrfNode[] = [];
  /** Number of leaves waiting in `stale` (entries past it are left over, not cleared). */
  private staleCount = 0;
  /**
   * The leaf `find` last accepted or `leafOf` last looked up: the allocation loop finds a client and
   * then tells the sorter what it was allocated, so the second lookup by id is mostly this one.
   */
  private lastLeaf: DrfNode | undefined;
  /** The resource names met, as slots of the nodes' amounts and of the total. */
  private readonly slots: AmountSlots;
  /** The ledger's total over the slots. */
  private total: Float64Array;
  /** How shares are measured on slots: the two share functions meso has, or any other on records. */
  private readonly shareKind: 'dominant' | 'asset' | 'other';

  constructor(options: DrfSorterOptions = {}) {
    super(options.share ?? dominantShare, options.trackAgents ?? true);
    this.slots = new AmountSlots((capacity) => {
      for (const node of this.nodes) growVector(node.amounts, capacity);
      const total = new Float64Array(capacity);
      total.set(this.total);
      this.total = total;
    });
    this.total = new Float64Array(this.slots.capacity);
    this.shareKind =
      this.shareOf === dominantShare ? 'dominant' : this.shareOf === assetShare ? 'asset' : 'other';
    this.root = this.makeNode('', undefined, undefined);
  }

  override add(client: string): void {
    this.checkIdle();
    this.refileStale();
    const record = this.ledger.add(client);
    let parent = this.root;
    let path = '';
    for (const segment of client.split('/')) {
      path = path === '' ? segment : `${path}/${segment}`;
      let node = parent.children.get(segment);
      if (node === undefined) {
        node = this.makeNode(path, parent, undefined);
        parent.children.set(segment, node);
        this.inners.set(path, node);
      }
      parent = node;
    }
    const leaf = this.makeNode(client, parent, record);
    parent.children.set('', leaf);
    this.leaves.set(client, leaf);
    this.changeActive(leaf, 1);
  }

  override remove(client: string): void {
    this.checkIdle();
    this.refileStale();
    const leaf = this.leafOf(client);
    this.lastLeaf = undefined;
    if (leaf.active > 0) this.changeActive(leaf, -1);
    const record = this.ledger.remove(client);
    const home = leaf.parent!;
    for (let node = home; node !== this.root; node = node.parent!) {
      this.slots.subtractVector(node.amounts, leaf.amounts);
      node.count -= record.count;
    }
    this.refile(home);
    home.children.delete('');
    this.leaves.delete(client);
    this.dropNode(leaf);
    // Inner nodes left without children go too, as in Mesos.
    for (let node = home; node !== this.root && node.children.size === 0; node = node.parent!) {
      node.parent!.children.delete(node.path.slice(node.path.lastIndexOf('/') + 1));
      this.inners.delete(node.path);
      this.dropNode(node);
    }
  }

  override activate(client: string): void {
    this.checkIdle();
    this.refileStale();
    const leaf = this.leafOf(client);
    super.activate(client);
    if (leaf.active === 0) this.changeActive(leaf, 1);
  }

  override deactivate(client: string): void {
    this.checkIdle();
    this.refileStale();
    const leaf = this.leafOf(client);
    super.deactivate(client);
    if (leaf.active > 0) this.changeActive(leaf, -1);
  }

  override updateWeight(path: string, weight: number): void {
    this.checkIdle();
    this.refileStale();
    super.updateWeight(path, weight);
    const inner = this.inners.get(path);
    const leaf = this.leaves.get(path);
    if (inner !== undefined) inner.weight = weight;
    if (leaf !== undefined) leaf.weight = weight;
    // The leaf lies below the inner node of its path, so refiling its chain refiles both.
    const node = leaf ?? inner;
    if (node !== undefined) this.refile(node);
  }

  override allocated(client: string, agentId: string, quantities: Quantities): void {
    this.checkIdle();
    const leaf = this.leafOf(client);
    this.ledger.countAllocated(leaf.record!, agentId, quantities);
    const slots = this.slots;
    slots.add(leaf.amounts, quantities);
    leaf.count++;
    for (let node = leaf.parent!; node !== this.root; node = node.parent!) {
      slots.add(node.amounts, quantities);
      node.count++;
    }
    this.markStale(leaf);
  }

  override unallocated(client: string, agentId: string, quantities: Quantities): void {
    this.checkIdle();
    const leaf = this.leafOf(client);
    this.ledger.countUnallocated(leaf.record!, agentId, quantities);
    const slots = this.slots;
    slots.subtract(leaf.amounts, quantities);
    for (let node = leaf.parent!; node !== this.root; node = node.parent!) {
      slots.subtract(node.amounts, quantities);
    }
    this.markStale(leaf);
  }

  override addTotal(agentId: string, quantities: Quantities): void {
    this.checkIdle();
    super.addTotal(agentId, quantities);
    this.refreshTotal();
    this.sharesDirty = true;
  }

  override removeTotal(agentId: string, quantities: Quantities): void {
    this.checkIdle();
    super.removeTotal(agentId, quantities);
    this.refreshTotal();
    this.sharesDirty = true;
  }

  /** Active clients, most deserving first; the array is a snapshot later changes do not touch. */
  sort(): readonly string[] {
    if (this.sharesDirty) this.resortAll();
    else this.refileStale();
    if (!this.orderValid) {
      const order: string[] = [];
      this.collect(this.root, order);
      this.order = order;
      this.orderValid = true;
    }
    return this.order;
  }

  /** The first active client, in order, that `accept` takes; walks the order without copying it. */
  find(accept: (client: string) => boolean): string | undefined {
    if (this.sharesDirty) this.resortAll();
    else this.refileStale();
    this.walking = true;
    try {
      return this.findBelow(this.root, accept);
    } finally {
      this.walking = false;
    }
  }

  private findBelow(node: DrfNode, accept: (client: string) => boolean): string | undefined {
    const list = node.ordered;
    for (let i = 0; i < list.length; i++) {
      const child = list.at(i);
      if (child.isLeaf) {
        if (accept(child.path)) {
          this.lastLeaf = child;
          return child.path;
        }
        continue;
      }
      const found = this.findBelow(child, accept);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Throws if called from an `accept` of `find`, which walks lists a change would move. */
  private checkIdle(): void {
    if (this.walking) throw new Error('drf sorter: changed while find() walks its order');
  }

  private makeNode(path: string, parent: DrfNode | undefined, record: ClientRecord | undefined): DrfNode {
    const node: DrfNode = {
      id: this.freeIds.pop() ?? this.nodes.length,
      path,
      parent,
      isLeaf: record !== undefined,
      children: new Map(),
      ordered: new SiblingList(this.nodes, this.keys),
      record,
      amounts: this.slots.vector(),
      count: 0,
      active: 0,
      weight: this.ledger.weight(path),
      stale: false,
    };
    this.nodes[node.id] = node;
    this.keys.add(node);
    return node;
  }

  /** The ledger's total read into the slot vector (totals change when agents come and go). */
  private refreshTotal(): void {
    const total = this.ledger.total;
    for (const name in total) this.slots.slot(name);
    const vector = new Float64Array(this.slots.capacity);
    for (const name in total) vector[this.slots.slot(name)] = total[name] ?? 0;
    this.total = vector;
  }

  /** The share of what a node holds, as the sorter's share function measures it on a record. */
  private shareOfAmounts(amounts: SlotVector): number {
    if (this.shareKind === 'dominant') return this.slots.dominant(amounts, this.total);
    if (this.shareKind === 'asset') return this.slots.asset(amounts, this.total);
    return this.shareOf(this.slots.record(amounts), this.ledger.total);
  }

  override share(client: string): number {
    return this.shareOfAmounts(this.leafOf(client).amounts) / this.ledger.weight(client);
  }

  override allocation(client: string): Quantities {
    return this.slots.record(this.leafOf(client).amounts);
  }

  private dropNode(node: DrfNode): void {
    this.keys.remove(node);
    this.freeIds.push(node.id);
  }

  private leafOf(client: string): DrfNode {
    const last = this.lastLeaf;
    if (last !== undefined && last.path === client) return last;
    const leaf = this.leaves.get(client);
    if (leaf === undefined) throw new Error(`sorter: unknown client '${client}'`);
    this.lastLeaf = leaf;
    return leaf;
  }

  /** True when some client is active: exactly when `find` would find one, without walking. */
  hasActive(): boolean {
    return this.root.active > 0;
  }

  private keyShareOf(node: DrfNode): number {
    return this.shareOfAmounts(node.amounts) / node.weight;
  }

  /** Adds `delta` active clients to a leaf and its ancestors, filing nodes that gain or lose all. */
  private changeActive(leaf: DrfNode, delta: 1 | -1): void {
    for (let node = leaf; node !== this.root; node = node.parent!) {
      const wasListed = node.active > 0;
      node.active += delta;
      if (this.sharesDirty || wasListed === node.active > 0) continue;
      const list = node.parent!.ordered;
      if (wasListed) {
        list.removeAt(list.indexOf(node));
      } else {
        const keys = this.keys;
        // An only child's key is not kept current (refileOne): file it before comparing against it.
        if (list.length === 1) this.fileKey(list.at(0));
        const share = this.keyShareOf(node);
        keys.share[node.id] = share;
        keys.count[node.id] = node.count;
        list.insert(list.lowerBound(share, node.count, keys.rank[node.id]!), node);
      }
    }
    this.root.active += delta;
    this.orderValid = false;
  }

  /** Queues a leaf whose allocation changed for refiling (a full re-sort pending refiles all anyway). */
  private markStale(leaf: DrfNode): void {
    if (leaf.stale || this.sharesDirty) return;
    leaf.stale = true;
    this.stale[this.staleCount++] = leaf;
  }

  /** Refiles the queued leaves and their ancestors, one after another, each against stored keys. */
  private refileStale(): void {
    // A count rather than the array's length: setting a length is a call into the runtime.
    const stale = this.stale;
    for (let i = 0; i < this.staleCount; i++) {
      const leaf = stale[i]!;
      leaf.stale = false;
      this.refile(leaf);
    }
    this.staleCount = 0;
  }

  /** Refiles `target` and its ancestors, whose keys may have changed, each within its parent's list. */
  private refile(target: DrfNode): void {
    if (this.sharesDirty) return;
    // An inactive node is unlisted, but its listed ancestors still hold its allocation.
    for (let node = target; node !== this.root; node = node.parent!) {
      if (node.active > 0) this.refileOne(node);
    }
  }

  /** Moves a listed node to where its current key files it in its parent's list. */
  private refileOne(node: DrfNode): void {
    const list = node.parent!.ordered;
    // An only child (the leaf of a client without sub-roles, the only role) has nowhere to move and
    // no sibling to compare with, so its key is filed only when a sibling joins (changeActive).
    if (list.length === 1) return;
    const keys = this.keys;
    const id = node.id;
    const share = this.keyShareOf(node);
    const count = node.count;
    if (share === keys.share[id] && count === keys.count[id]) return;
    const from = list.indexOf(node);
    // The list is still sorted with the node under its old key: entries before the new key's
    // bound, other than the node itself, go before it. The node just allocated to most often goes
    // last, which one comparison with the last entry tells without a search.
    const rank = keys.rank[id]!;
    const bound = keys.before(list.idAt(list.length - 1), share, count, rank)
      ? list.length
      : list.lowerBound(share, count, rank);
    const to = from < bound ? bound - 1 : bound;
    keys.share[id] = share;
    keys.count[id] = count;
    if (to === from) return;
    list.move(from, to);
    this.orderValid = false;
  }

  /** Files the node's current key (share and count) in the keys. */
  private fileKey(node: DrfNode): void {
    this.keys.share[node.id] = this.keyShareOf(node);
    this.keys.count[node.id] = node.count;
  }

  /** Recomputes every key and re-sorts every list after the total changed. */
  private resortAll(): void {
    const keys = this.keys;
    const byKey = (a: DrfNode, b: DrfNode): number => keys.compare(a.id, b.id);
    const visit = (node: DrfNode): void => {
      const listed: DrfNode[] = [];
      for (const child of node.children.values()) {
        if (child.active > 0) {
          keys.share[child.id] = this.keyShareOf(child);
          keys.count[child.id] = child.count;
          listed.push(child);
        }
        if (!child.isLeaf) visit(child);
      }
      node.ordered.fill(listed.sort(byKey));
    };
    visit(this.root);
    for (let i = 0; i < this.staleCount; i++) this.stale[i]!.stale = false;
    this.stale.length = 0;
    this.staleCount = 0;
    this.sharesDirty = false;
    this.orderValid = false;
  }

  /** Appends the active clients below `node` to `out`, depth first in order. */
  private collect(node: DrfNode, out: string[]): void {
    const list = node.ordered;
    for (let i = 0; i < list.length; i++) {
      const child = list.at(i);
      if (child.isLeaf) out.push(child.path);
      else this.collect(child, out);
    }
  }
}
