// The allocation policies meso compares, all behind the same Allocator interface and sharing the
// hierarchical allocation loop: each policy only chooses its sorters, what they count, how offers
// are cut and who may be offered an agent.
//   drf     hierarchical Dominant Resource Fairness (Mesos's default)
//   asset   asset fairness: shares summed over resources instead of their maximum
//   fifo    greedy in registration order
//   random  a seeded random order each cycle (Mesos's random sorter)
//   slots   Hadoop Fair Scheduler style: agents cut into whole slots, shares in slots held
//   static  static partitioning: each agent belongs to one role or framework; DRF inside a partition
import type { Quantities } from '../quantities.ts';
import { isRoleWithin, type Resources, shrink, toQuantities } from '../resources.ts';
import type { Rng } from '../rng.ts';
import type { AllocationPolicy } from './allocation-policy.ts';
import type { Allocator, AllocatorAgent } from './allocator.ts';
import { DrfSorter } from './drf-sorter.ts';
import { FifoSorter } from './fifo-sorter.ts';
import { HierarchicalAllocator } from './hierarchical.ts';
import { RandomSorter } from './random-sorter.ts';
import { assetShare } from './share.ts';

/** Names of the allocation policies. */
export type PolicyName = 'drf' | 'asset' | 'slots' | 'static' | 'fifo' | 'random';

/** Every policy name, in a fixed order (for tests and experiment sweeps). */
export const policyNames: readonly PolicyName[] = ['drf', 'asset', 'slots', 'static', 'fifo', 'random'];

/** Which role or framework owns an agent, by agent id or hostname, or computed. */
export type Partitions =
  | Readonly<Record<string, string>>
  | ((agentId: string, agent: AllocatorAgent) => string | undefined);

/** Options of `createAllocator`. */
export interface AllocatorOptions {
  readonly policy: PolicyName;
  readonly rng: Rng;
  /** An offer must hold at least one of these (default: cpus 0.01 or mem 32). */
  readonly minAllocatable?: readonly Quantities[];
  /** Slot size of the slots policy (default cpus:1;mem:2048). */
  readonly slot?: Quantities;
  /** Owners of agents for the static policy; agents without an owner are offered to no one. */
  readonly partitions?: Partitions;
}

/** The default slot of the slots policy: one cpu and 2 GB of memory. */
const defaultSlot: Quantities = { cpus: 1, mem: 2048 };

/** Creates an allocator running the named policy. */
export function createAllocator(options: AllocatorOptions): Allocator {
  return new HierarchicalAllocator({
    policy: makePolicy(options),
    rng: options.rng,
    minAllocatable: options.minAllocatable,
  });
}

// The allocator's books hold what each framework holds on each agent and check every return against
// that holding, so its sorters need not record it per agent again (`trackAgents: false`).
const drf = (): DrfSorter => new DrfSorter({ trackAgents: false });

function makePolicy(options: AllocatorOptions): AllocationPolicy {
  switch (options.policy) {
    case 'drf':
      return { name: 'drf', roleSorter: drf, frameworkSorter: drf };
    case 'asset':
      return {
        name: 'asset',
        roleSorter: () => new DrfSorter({ share: assetShare, trackAgents: false }),
        frameworkSorter: () => new DrfSorter({ share: assetShare, trackAgents: false }),
      };
    case 'fifo':
      return {
        name: 'fifo',
        roleSorter: () => new FifoSorter(false),
        frameworkSorter: () => new FifoSorter(false),
      };
    case 'random': {
      const rng = options.rng;
      return {
        name: 'random',
        roleSorter: () => new RandomSorter(rng.fork('roles'), false),
        frameworkSorter: (role) => new RandomSorter(rng.fork(`frameworks/${role}`), false),
      };
    }
    case 'slots':
      return slotsPolicy(options.slot ?? defaultSlot);
    case 'static':
      return staticPolicy(options.partitions);
    default:
      throw new Error(
        `unknown allocation policy '${String(options.policy)}': use one of ${policyNames.join(', ')}`,
      );
  }
}

/**
 * Slot-based fair sharing: an agent holds as many whole slots as fit in it, offers are whole slots
 * (the remainder is never offered), and sorters count slots, so shares are slots held over slots in
 * the pool. A framework holding part of a slot occupies the whole slot.
 */
function slotsPolicy(slot: Quantities): AllocationPolicy {
  const names = Object.keys(slot).filter((n) => (slot[n] ?? 0) > 0);
  if (names.length === 0)
    throw new Error('slots policy: the slot must hold some resource, e.g. cpus:1;mem:2048');
  const milli = (v: number) => Math.round(v * 1000);
  const wholeSlots = (q: Quantities) =>
    Math.min(...names.map((n) => Math.floor(milli(q[n] ?? 0) / milli(slot[n]!))));
  const occupiedSlots = (q: Quantities) =>
    Math.max(0, ...names.map((n) => Math.ceil(milli(q[n] ?? 0) / milli(slot[n]!))));
  return {
    name: 'slots',
    roleSorter: drf,
    frameworkSorter: drf,
    measureTotal: (total: Resources) => ({ slots: wholeSlots(toQuantities(total)) }),
    measureHeld: (held: Resources) => ({ slots: occupiedSlots(toQuantities(held)) }),
    cut: (offerable: Resources) => {
      const have = toQuantities(offerable);
      const k = wholeSlots(have);
      if (k === 0) return [];
      const target: Record<string, number> = { ...have };
      for (const n of names) target[n] = (milli(slot[n]!) * k) / 1000;
      return shrink(offerable, target, true);
    },
  };
}

/** Static partitioning: only an agent's owner (a framework, or a role and its sub-roles) is offered it. */
function staticPolicy(partitions: Partitions | undefined): AllocationPolicy {
  if (partitions === undefined)
    throw new Error("static policy needs 'partitions' (agent id or hostname -> owner)");
  const ownerOf = (agentId: string, agent: AllocatorAgent): string | undefined =>
    typeof partitions === 'function'
      ? partitions(agentId, agent)
      : (partitions[agentId] ?? partitions[agent.hostname]);
  return {
    name: 'static',
    roleSorter: drf,
    frameworkSorter: drf,
    admits: (frameworkId, role, agentId, agent) => {
      const owner = ownerOf(agentId, agent);
      return owner !== undefined && (owner === frameworkId || isRoleWithin(role, owner));
    },
  };
}
