// Sibling lists: incremental sorters (drf-sorter.ts) keep each node's children in one, filed under
// the key (share, count, path).
//
// The keys sit in typed arrays indexed by node id (`FilingKeys`), and the path, the last tie-break,
// is filed as a number: every node's rank in the order of all the sorter's paths (`rank`), so a
// binary search over siblings compares numbers held in a few contiguous arrays instead of reaching a
// node object and comparing two strings at each step. Ranks order as the paths do; a new path takes
// the midpoint of its neighbours' ranks, and all ranks are numbered anew (in the same order, so no
// list needs refiling) when two neighbours have no number left between them.

/** A node filed in a sibling list under the key (share, count, path). */
export interface FiledNode {
  /** Index in the owner's node table and in its `FilingKeys`. */
  readonly id: number;
  readonly path: string;
}

/** Gap between ranks when they are numbered anew. */
const rank_step = 1024;

/** The keys nodes are filed under, by node id, and the ranks of their paths. */
export class FilingKeys {
  share: Float64Array = new Float64Array(16);
  count: Float64Array = new Float64Array(16);
  rank: Float64Array = new Float64Array(16);
  /** Live nodes in path order (ranks increase along it). */
  private readonly byPath: FiledNode[] = [];

  /** Makes room for node ids below `size`. */
  private reserve(size: number): void {
    if (size <= this.share.length) return;
    let length = this.share.length;
    while (length < size) length *= 2;
    const grow = (old: Float64Array): Float64Array => {
      const grown = new Float64Array(length);
      grown.set(old);
      return grown;
    };
    this.share = grow(this.share);
    this.count = grow(this.count);
    this.rank = grow(this.rank);
  }

  /** Gives a new node a rank by its path (among live nodes, paths are distinct), and zero keys. */
  add(node: FiledNode): void {
    this.reserve(node.id + 1);
    this.share[node.id] = 0;
    this.count[node.id] = 0;
    const byPath = this.byPath;
    let low = 0;
    let high = byPath.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (byPath[mid]!.path < node.path) low = mid + 1;
      else high = mid;
    }
    byPath.splice(low, 0, node);
    const before = low > 0 ? this.rank[byPath[low - 1]!.id]! : 0;
    const after = low + 1 < byPath.length ? this.rank[byPath[low + 1]!.id]! : before + 2 * rank_step;
    const rank = before + (after - before) / 2;
    if (rank > before && rank < after) {
      this.rank[node.id] = rank;
      return;
    }
    for (let i = 0; i < byPath.length; i++) this.rank[byPath[i]!.id] = (i + 1) * rank_step;
  }

  /** Forgets a removed node's path (its id may be reused). */
  remove(node: FiledNode): void {
    const byPath = this.byPath;
    const rank = this.rank[node.id]!;
    let low = 0;
    let high = byPath.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.rank[byPath[mid]!.id]! < rank) low = mid + 1;
      else high = mid;
    }
    if (byPath[low] !== node) throw new Error(`sorter: '${node.path}' is not where its rank files it`);
    byPath.splice(low, 1);
  }

  /** True when the key `id` is filed under orders before the key (share, count, rank). */
  before(id: number, share: number, count: number, rank: number): boolean {
    const s = this.share[id]!;
    if (s !== share) return s < share;
    const c = this.count[id]!;
    if (c !== count) return c < count;
    return this.rank[id]! < rank;
  }

  /** Compares two nodes by the keys they are filed under (a full order: paths differ). */
  compare(a: number, b: number): number {
    if (a === b) return 0;
    return this.before(a, this.share[b]!, this.count[b]!, this.rank[b]!) ? -1 : 1;
  }
}

/**
 * The children of one node, as ids in the order of the keys they are filed under. The ids sit in a
 * typed array: V8 moves a typed array's entries with a plain memmove, while moving an array of
 * objects pays a write barrier per entry, which at thousands of clients costs more than the rest of
 * a change. The entries start at `head` with free room on both sides, so a move shifts whichever
 * side is shorter: the first entry going last, as DRF's least served client does once it is
 * allocated to, costs no shift at all.
 */
export class SiblingList<T extends FiledNode> {
  private ids = new Int32Array(8);
  /** Index in `ids` of the first entry. */
  private head = 0;
  length = 0;
  private readonly nodes: readonly T[];
  private readonly keys: FilingKeys;

  constructor(nodes: readonly T[], keys: FilingKeys) {
    this.nodes = nodes;
    this.keys = keys;
  }

  at(index: number): T {
    return this.nodes[this.ids[this.head + index]!]!;
  }

  /** The id of the node at `index`. */
  idAt(index: number): number {
    return this.ids[this.head + index]!;
  }

  /** The first index whose node's key does not order before (share, count, rank). */
  lowerBound(share: number, count: number, rank: number): number {
    const ids = this.ids;
    const keys = this.keys;
    const head = this.head;
    let low = 0;
    let high = this.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (keys.before(ids[head + mid]!, share, count, rank)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The index of `node`, found by the key it is filed under. */
  indexOf(node: T): number {
    const keys = this.keys;
    const id = node.id;
    // The node an allocation loop refiles is most often the first (the least served).
    if (this.length > 0 && this.ids[this.head] === id) return 0;
    const at = this.lowerBound(keys.share[id]!, keys.count[id]!, keys.rank[id]!);
    if (at >= this.length || this.ids[this.head + at] !== id) {
      throw new Error(`sorter: '${node.path}' is not where its key files it`);
    }
    return at;
  }

  insert(at: number, node: T): void {
    // Room at the end: grow, or move the entries back to the start when the room is all in front.
    if (this.head + this.length === this.ids.length) this.recentre(this.length + 1);
    const base = this.head;
    this.ids.copyWithin(base + at + 1, base + at, base + this.length);
    this.ids[base + at] = node.id;
    this.length++;
  }

  removeAt(at: number): void {
    const base = this.head;
    this.ids.copyWithin(base + at, base + at + 1, base + this.length);
    this.length--;
  }

  /** Moves the entry at `from` so that it ends at index `to`. */
  move(from: number, to: number): void {
    const ids = this.ids;
    const base = this.head;
    const id = ids[base + from]!;
    if (from < to) {
      // Either the entries between shift one towards the front, or the ones before `from` shift one
      // towards the back (the list then starts one later) and those after `to` one further back.
      const after = this.length - 1 - to;
      if (from + after < to - from && base + this.length < ids.length) {
        ids.copyWithin(base + 1, base, base + from);
        ids.copyWithin(base + to + 2, base + to + 1, base + this.length);
        this.head = base + 1;
        ids[base + 1 + to] = id;
      } else {
        ids.copyWithin(base + from, base + from + 1, base + to + 1);
        ids[base + to] = id;
      }
    } else {
      const after = this.length - 1 - from;
      if (to + after < from - to && base > 0) {
        // Mirror image: the entries before `to` shift one towards the front, those after `from` too.
        ids.copyWithin(base - 1, base, base + to);
        ids.copyWithin(base + from, base + from + 1, base + this.length);
        this.head = base - 1;
        ids[base - 1 + to] = id;
      } else {
        ids.copyWithin(base + to + 1, base + to, base + from);
        ids[base + to] = id;
      }
    }
    // Keep room at the end for the next move of the first entry last.
    if (this.head + this.length === ids.length) this.recentre(this.length);
  }

  /** Replaces the contents with `nodes`, in their order. */
  fill(nodes: readonly T[]): void {
    if (this.ids.length < 2 * nodes.length) this.ids = new Int32Array(2 * nodes.length);
    this.head = 0;
    for (let i = 0; i < nodes.length; i++) this.ids[i] = nodes[i]!.id;
    this.length = nodes.length;
  }

  /** Starts the entries at the front of a buffer with room for at least twice `size` entries. */
  private recentre(size: number): void {
    const old = this.ids;
    const ids = old.length >= 2 * size ? old : new Int32Array(Math.max(2 * old.length, 2 * size));
    if (ids === old) old.copyWithin(0, this.head, this.head + this.length);
    else ids.set(old.subarray(this.head, this.head + this.length));
    this.head = 0;
    this.ids = ids;
  }
}
