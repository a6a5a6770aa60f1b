// Sibling lists: incremental sorters (drf-sorter.ts) keep each node's children in one, filed under
// the key (share, count, path).

/** A node filed in a sibling list under the key (share, count, path). */
export interface FiledNode {
  /** Index in the owner's node table, which sibling lists hold. */
  readonly id: number;
  readonly path: string;
  /** The key this node is filed under in its parent's list. */
  keyShare: number;
  keyCount: number;
}

/** True when the key `node` is filed under orders before the key (share, count, path). */
function filedBefore(node: FiledNode, share: number, count: number, path: string): boolean {
  if (node.keyShare !== share) return node.keyShare < share;
  if (node.keyCount !== count) return node.keyCount < count;
  return node.path < path;
}

/** Compares two nodes by the keys they are filed under (a full order: paths differ). */
export function compareFiled(a: FiledNode, b: FiledNode): number {
  if (a === b) return 0;
  return filedBefore(a, b.keyShare, b.keyCount, b.path) ? -1 : 1;
}

/**
 * The children of one node, as ids in the order of the keys they are filed under. The ids sit in a
 * typed array: V8 moves a typed array's entries with a plain memmove, while moving an array of
 * objects pays a write barrier per entry, which at thousands of clients costs more than the rest of
 * a change.
 */
export class SiblingList<T extends FiledNode> {
  private ids = new Int32Array(4);
  length = 0;
  private readonly nodes: readonly T[];

  constructor(nodes: readonly T[]) {
    this.nodes = nodes;
  }

  at(index: number): T {
    return this.nodes[this.ids[index]!]!;
  }

  /** The first index whose node's key does not order before (share, count, path). */
  lowerBound(share: number, count: number, path: string): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (filedBefore(this.nodes[this.ids[mid]!]!, share, count, path)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The index of `node`, found by the key it is filed under. */
  indexOf(node: T): number {
    const at = this.lowerBound(node.keyShare, node.keyCount, node.path);
    if (at >= this.length || this.ids[at] !== node.id) {
      throw new Error(`sorter: '${node.path}' is not where its key files it`);
    }
    return at;
  }

  insert(at: number, node: T): void {
    if (this.length === this.ids.length) {
      const grown = new Int32Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids.copyWithin(at + 1, at, this.length);
    this.ids[at] = node.id;
    this.length++;
  }

  removeAt(at: number): void {
    this.ids.copyWithin(at, at + 1, this.length);
    this.length--;
  }

  /** Moves the entry at `from` so that it ends at index `to`. */
  move(from: number, to: number): void {
    const id = this.ids[from]!;
    if (from < to) this.ids.copyWithin(from, from + 1, to + 1);
    else this.ids.copyWithin(to + 1, to, from);
    this.ids[to] = id;
  }

  /** Replaces the contents with `nodes`, in their order. */
  fill(nodes: readonly T[]): void {
    if (this.ids.length < nodes.length) this.ids = new Int32Array(nodes.length);
    nodes.forEach((node, i) => {
      this.ids[i] = node.id;
    });
    this.length = nodes.length;
  }
}
