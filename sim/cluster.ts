// The simulated machines: one agent per machine, named `a0001`, `a0002` ... in config order, each
// with its resources, a `rack` attribute (groups are spread over their racks in contiguous blocks,
// as machines fill racks) and a `host` attribute, and the two links that join it to the master.
import { parseResources } from '../engine/resources.ts';
import { SimAgent, type SimAgentListener } from './agent.ts';
import type { AgentGroup } from './config.ts';
import { metric_resources } from './metrics.ts';
import type { Link, SimNetwork } from './network.ts';
import type { TimelineEntry } from './timeline.ts';

/** How an agent is in the simulation, beyond what the agent itself knows. */
export type NodeFault = 'none' | 'crashed' | 'partitioned';

/** One simulated machine and its agent. */
export class AgentNode {
  readonly index: number;
  readonly agent: SimAgent;
  readonly toMaster: Link;
  readonly fromMaster: Link;
  /** Resources counted by metrics, in `metric_resources` order. */
  readonly capacity: Float64Array;
  /** Resources held by the tasks running here, in the same order. */
  readonly used: Float64Array;
  /** Epoch of the master that last confirmed the agent's (re-)registration; -1 before any. */
  confirmedEpoch = -1;
  fault: NodeFault = 'none';
  /** The id the agent had when its machine crashed, until it comes back. */
  crashedId: string | undefined;
  /** The agent's retry timer (registration, unacknowledged updates), when armed. */
  tick: TimelineEntry<unknown> | undefined;

  constructor(index: number, agent: SimAgent, toMaster: Link, fromMaster: Link) {
    this.index = index;
    this.agent = agent;
    this.toMaster = toMaster;
    this.fromMaster = fromMaster;
    this.capacity = scalarsOf(agent.resources);
    this.used = new Float64Array(metric_resources.length);
  }

  get name(): string {
    return this.agent.name;
  }
}

/** The scalars of a resource text, in `metric_resources` order. */
export function scalarsOf(text: string): Float64Array {
  const out = new Float64Array(metric_resources.length);
  for (const r of parseResources(text)) {
    const i = (metric_resources as readonly string[]).indexOf(r.name);
    if (i >= 0 && r.scalar !== undefined) out[i]! += r.scalar.value;
  }
  return out;
}

/** Name of the agent at `index` among `total` agents: `a` and a zero-padded number from 1. */
function agentName(index: number, total: number): string {
  return `a${String(index + 1).padStart(Math.max(4, String(total).length), '0')}`;
}

/** Name of rack `k` among `total` racks. */
function rackName(k: number, total: number): string {
  return `r${String(k + 1).padStart(Math.max(2, String(total).length), '0')}`;
}

/** Builds the cluster's agents and their links. */
export function buildCluster(
  groups: readonly AgentGroup[],
  network: SimNetwork,
  listener: SimAgentListener,
  reportStarting: boolean,
): AgentNode[] {
  const total = groups.reduce((n, g) => n + g.count, 0);
  const nodes: AgentNode[] = [];
  let rackBase = 0;
  const racksTotal = groups.reduce((n, g) => n + g.racks, 0);
  for (const group of groups) {
    for (let i = 0; i < group.count; i++) {
      const index = nodes.length;
      const name = agentName(index, total);
      const rack = rackName(rackBase + Math.floor((i * group.racks) / group.count), racksTotal);
      const attributes = { ...group.attributes, rack, host: name };
      const agent = new SimAgent(name, group.resources, attributes, { reportStarting, listener });
      nodes.push(
        new AgentNode(index, agent, network.agentLink(`${name}>master`), network.agentLink(`master>${name}`)),
      );
    }
    rackBase += group.racks;
  }
  return nodes;
}
