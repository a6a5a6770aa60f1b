// The role tree, the Mesos-shaped hierarchy built from the ledger's clients (client-ledger.ts): an
// inner node per path prefix holding the sum of its subtree, and a path that is both a client and an
// inner node (role `prod` with its own frameworks and a sub-role `prod/hadoop`) keeps its client part
// as a virtual leaf child that carries the same path, and so the same weight, as the inner node (as
// Mesos does).
import { addInto, type ClientRecord, parentPath } from './client-ledger.ts';

/** A node of the role tree: an inner node (no client) or a leaf standing for one client. */
export interface RoleNode {
  readonly path: string;
  /** The client of a leaf (a virtual leaf shares its path with its parent); undefined for inner nodes. */
  readonly client: ClientRecord | undefined;
  /** Children in path order. */
  readonly children: RoleNode[];
  /** Sum of what the subtree's clients hold. */
  readonly allocation: Record<string, number>;
  /** Sum of the subtree's clients' allocation counts. */
  count: number;
  /** Number of active clients in the subtree. */
  active: number;
}

/** Builds the role tree of `clients` from scratch (the root has path ''). */
export function buildRoleTree(clients: Iterable<ClientRecord>): RoleNode {
  const records = [...clients];
  const innerPaths = new Set<string>();
  for (const { path } of records) {
    for (let p = parentPath(path); p !== ''; p = parentPath(p)) innerPaths.add(p);
  }
  const root: RoleNode = { path: '', client: undefined, children: [], allocation: {}, count: 0, active: 0 };
  const inner = new Map<string, RoleNode>([['', root]]);
  // A parent sorts before its descendants ('a' < 'a/b'), so it exists when they are attached.
  for (const path of [...innerPaths].sort()) {
    const node: RoleNode = { path, client: undefined, children: [], allocation: {}, count: 0, active: 0 };
    inner.get(parentPath(path))!.children.push(node);
    inner.set(path, node);
  }
  for (const record of records) {
    const leaf: RoleNode = {
      path: record.path,
      client: record,
      children: [],
      allocation: { ...record.allocation },
      count: record.count,
      active: record.active ? 1 : 0,
    };
    // The client part of an inner node's path becomes its virtual leaf.
    inner.get(innerPaths.has(record.path) ? record.path : parentPath(record.path))!.children.push(leaf);
  }
  sumSubtree(root);
  return root;
}

/** Sorts children by path and fills in the sums of every inner node below and at `node`. */
function sumSubtree(node: RoleNode): void {
  if (node.client !== undefined) return;
  node.children.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const child of node.children) {
    sumSubtree(child);
    addInto(node.allocation, child.allocation);
    node.count += child.count;
    node.active += child.active;
  }
}
