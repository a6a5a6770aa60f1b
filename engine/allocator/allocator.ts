// The allocator decides which framework is offered which agent's free resources. It sits behind
// this narrow interface, apart from the master, as Mesos's does. It is a deterministic state
// machine: time arrives as `now` (ms) and randomness only through the Rng it was built with.
import type { Quantities } from '../quantities.ts';
import type { Resources } from '../resources.ts';

/** What the allocator needs to know of a framework. */
export interface AllocatorFramework {
  readonly roles: readonly string[];
  /** Roles the framework has suppressed offers for. */
  readonly suppressedRoles?: readonly string[];
}

/** What the allocator needs to know of an agent. */
export interface AllocatorAgent {
  readonly hostname: string;
  /** Agent attributes as flat text values, e.g. `{ rack: 'r1' }`. */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A role's quota: resources it is guaranteed and resources it may never exceed. */
export interface Quota {
  readonly guarantees: Quantities;
  readonly limits?: Quantities;
}

/** Offer filter a framework asks for when it declines or leaves resources unused. */
export interface OfferFilter {
  readonly refuse_seconds: number;
}

/** One decision of an allocation cycle: offer `resources` of `agentId` to `frameworkId` as `role`. */
export interface Allocation {
  readonly frameworkId: string;
  readonly role: string;
  readonly agentId: string;
  /** Resources carrying `allocation_info.role`. */
  readonly resources: Resources;
}

/** The allocator's narrow interface, shared by every allocation policy. */
export interface Allocator {
  addFramework(
    frameworkId: string,
    framework: AllocatorFramework,
    used: ReadonlyMap<string, Resources>,
    active: boolean,
  ): void;
  removeFramework(frameworkId: string): void;
  activateFramework(frameworkId: string): void;
  deactivateFramework(frameworkId: string): void;
  updateFramework(frameworkId: string, framework: AllocatorFramework): void;

  /** `used` maps framework ids to resources already in use on the agent (re-registration). */
  addAgent(
    agentId: string,
    agent: AllocatorAgent,
    total: Resources,
    used: ReadonlyMap<string, Resources>,
  ): void;
  removeAgent(agentId: string): void;
  activateAgent(agentId: string): void;
  deactivateAgent(agentId: string): void;

  /** Returns resources to the pool (declined, unused part of an accept, finished task), with an optional filter. */
  recoverResources(
    frameworkId: string,
    agentId: string,
    resources: Resources,
    filter: OfferFilter | undefined,
    now: number,
  ): void;
  /**
   * Converts resources the framework holds on the agent (offered, being accepted) from `from` to `to`,
   * both allocated to one role and equal in scalar quantities: an offer operation reserved,
   * unreserved, made or destroyed a persistent volume. The agent's total changes the same way, so
   * later offers carry the new form (reserved resources only to their role).
   */
  updateAllocation(frameworkId: string, agentId: string, from: Resources, to: Resources): void;
  /** Stops offers to the framework for these roles (all of its roles when empty). */
  suppressOffers(frameworkId: string, roles: readonly string[]): void;
  /** Resumes offers for these roles (all when empty) and clears the framework's filters. */
  reviveOffers(frameworkId: string, roles: readonly string[]): void;

  updateWeights(weights: ReadonlyArray<{ readonly role: string; readonly weight: number }>): void;
  updateQuota(role: string, quota: Quota): void;

  /** Runs one allocation cycle over every agent with free resources; returns the offers to make. */
  allocate(now: number): Allocation[];
  /** Dominant (or policy) share of each role and framework, for reports. */
  shares(): { roles: Record<string, number>; frameworks: Record<string, number> };
  /** Number of offer filters in force, for reports and tests. */
  filterCount(): number;
}
