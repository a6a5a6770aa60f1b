// Where a simulated HDFS keeps the replicas of each block, by HDFS's default placement policy
// (BlockPlacementPolicyDefault): the first replica on one host (the writer's; here a random one, as
// for a client outside the cluster), the second on a host of another rack, the third on another host
// of the second's rack; more replicas go on random hosts not yet used. With one rack, the second and
// third go on other hosts of it; with fewer hosts than replicas, each host holds one.
//
// A block's replicas are drawn from a small stream of its own, seeded by a hash of the block's
// dataset and index salted with one draw of the given Rng, so they depend only on the seed, the
// agents and the block, never on which blocks were asked for first. (Forking an Rng per block would
// cost more than placing the block: a day of Facebook's trace reads 400,000 blocks.)
import type { Rng } from '../engine/rng.ts';
import { default_rack } from '../engine/scheduling/offer-space.ts';

/** An agent as the file system sees it. */
export interface PlacementAgent {
  readonly hostname: string;
  /** The agent's `rack` attribute; the default rack when absent. */
  readonly rack?: string;
}

/** Replica locations of every block. */
export interface BlockPlacement {
  /** Replicas per block (at most the number of hosts). */
  readonly replication: number;
  /** Hostnames holding block `blockIndex` of `dataset`: first, second and third replica, in order. */
  locate(dataset: string, blockIndex: number): readonly string[];
  /** The rack of a host, or undefined for a host not in the placement. */
  rackOf(hostname: string): string | undefined;
}

/** HDFS's default replication. */
export const replication_default = 3;

/** Hosts sorted by rack then name, so each rack's hosts are one run [start, end) of `hosts`. */
interface Topology {
  readonly hosts: readonly string[];
  /** Rack number of each host, by position in `hosts`. */
  readonly rackOf: Int32Array;
  readonly rackStart: readonly number[];
  readonly rackEnd: readonly number[];
  readonly rackOfHost: ReadonlyMap<string, string>;
}

/** Groups the agents by rack; throws on a repeated or empty hostname. */
function topologyOf(agents: readonly PlacementAgent[]): Topology {
  const rackOfHost = new Map<string, string>();
  for (const agent of agents) {
    if (agent.hostname === '') throw new Error('block placement: an agent has an empty hostname');
    if (rackOfHost.has(agent.hostname))
      throw new Error(`block placement: host ${agent.hostname} listed twice`);
    rackOfHost.set(agent.hostname, agent.rack ?? default_rack);
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const hosts = [...rackOfHost.keys()].sort(
    (a, b) => byName(rackOfHost.get(a)!, rackOfHost.get(b)!) || byName(a, b),
  );
  const rackOf = new Int32Array(hosts.length);
  const rackStart: number[] = [];
  const rackEnd: number[] = [];
  for (let i = 0; i < hosts.length; i++) {
    if (i === 0 || rackOfHost.get(hosts[i]!) !== rackOfHost.get(hosts[i - 1]!)) {
      if (i > 0) rackEnd.push(i);
      rackStart.push(i);
    }
    rackOf[i] = rackStart.length - 1;
  }
  rackEnd.push(hosts.length);
  return { hosts, rackOf, rackStart, rackEnd, rackOfHost };
}

/** A stream of uniform integers for one block (mulberry32 seeded by a hash of the block and a salt). */
function blockStream(salt: number, dataset: string, index: number): (n: number) => number {
  let h = salt ^ 0x811c9dc5;
  for (let i = 0; i < dataset.length; i++) h = Math.imul(h ^ dataset.charCodeAt(i), 0x01000193);
  let state = Math.imul(h ^ index, 0x9e3779b1) ^ (index >>> 16);
  return (n) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/**
 * A uniformly drawn host (by position) in [start, end) minus [skipStart, skipEnd), not in `used`;
 * -1 when there is none. `used` holds a few hosts, so drawing again on a used one ends quickly; the
 * count of free hosts is exact, so the draw never loops on an empty range.
 */
function drawHost(
  int: (n: number) => number,
  used: readonly number[],
  start: number,
  end: number,
  skipStart = 0,
  skipEnd = 0,
): number {
  const size = end - start - (skipEnd - skipStart);
  let free = size;
  for (const h of used) if (h >= start && h < end && !(h >= skipStart && h < skipEnd)) free--;
  if (free <= 0) return -1;
  for (;;) {
    const k = start + int(size);
    const h = skipEnd > skipStart && k >= skipStart ? k + (skipEnd - skipStart) : k;
    if (!used.includes(h)) return h;
  }
}

/** The replicas of one block (positions in `topology.hosts`), by the default policy. */
function placeBlock(topology: Topology, int: (n: number) => number, replication: number): number[] {
  const n = topology.hosts.length;
  const used: number[] = [drawHost(int, [], 0, n)];
  if (replication >= 2) {
    // Another rack if there is one, else another host of the same rack.
    const rack = topology.rackOf[used[0]!]!;
    let second = drawHost(int, used, 0, n, topology.rackStart[rack]!, topology.rackEnd[rack]!);
    if (second < 0) second = drawHost(int, used, 0, n);
    used.push(second);
  }
  if (replication >= 3) {
    const rack = topology.rackOf[used[1]!]!;
    let third = drawHost(int, used, topology.rackStart[rack]!, topology.rackEnd[rack]!);
    if (third < 0) third = drawHost(int, used, 0, n);
    used.push(third);
  }
  while (used.length < replication) used.push(drawHost(int, used, 0, n));
  return used;
}

/** Creates the placement of every block over `agents`, drawn from `rng`. */
export function createBlockPlacement(
  agents: readonly PlacementAgent[],
  rng: Rng,
  replication: number = replication_default,
): BlockPlacement {
  if (!Number.isInteger(replication) || replication < 1) {
    throw new Error(`block placement: replication must be a whole number >= 1, got ${replication}`);
  }
  const topology = topologyOf(agents);
  if (topology.hosts.length === 0) throw new Error('block placement: no agents');
  const copies = Math.min(replication, topology.hosts.length);
  const salt = rng.int(0x1_0000_0000) | 0;
  return {
    replication: copies,
    locate(dataset, blockIndex) {
      if (!Number.isInteger(blockIndex) || blockIndex < 0) {
        throw new Error(`block placement: block index must be a whole number >= 0, got ${blockIndex}`);
      }
      const int = blockStream(salt, dataset, blockIndex);
      return placeBlock(topology, int, copies).map((h) => topology.hosts[h]!);
    },
    rackOf: (hostname) => topology.rackOfHost.get(hostname),
  };
}
