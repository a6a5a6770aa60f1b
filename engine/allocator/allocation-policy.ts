// What distinguishes one allocation policy from another: the sorters it orders roles and frameworks
// with, what they count, how offers are cut and who may be offered an agent. The hierarchical
// allocation loop (hierarchical.ts) is shared by every policy; policies.ts defines the policies.
import type { Quantities } from '../quantities.ts';
import type { Resources } from '../resources.ts';
import type { AllocatorAgent } from './allocator.ts';
import type { Sorter } from './sorter.ts';

/** What distinguishes one allocation policy from another; the allocation loop is shared. */
export interface AllocationPolicy {
  readonly name: string;
  /** A new sorter over role paths. */
  roleSorter(): Sorter;
  /** A new sorter over the frameworks of one role. */
  frameworkSorter(role: string): Sorter;
  /** What sorters count of an agent's total (default: its scalar quantities). */
  measureTotal?(total: Resources): Quantities;
  /** What sorters count of what a framework holds on an agent (default: its scalar quantities). */
  measureHeld?(held: Resources): Quantities;
  /** Cuts what may be offered (e.g. to whole slots); an empty result offers nothing. */
  cut?(offerable: Resources): Resources;
  /** Whether the framework may be offered the agent's resources as the role (default: always). */
  admits?(frameworkId: string, role: string, agentId: string, agent: AllocatorAgent): boolean;
}
