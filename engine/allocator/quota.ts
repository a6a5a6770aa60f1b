// Quota accounting, as Mesos's hierarchical allocator does it. A role's consumed quota is what it
// holds of reservations (whether allocated or not: a reservation is bound to its role) plus the
// unreserved resources offered to or used by the role and its sub-roles. Guarantees are honoured by
// holding back enough unreserved headroom for every unsatisfied guarantee; limits cap consumption.
import type { Quantities } from '../quantities.ts';
import { addQuantities, isEmptyQuantities, roundScalar, subtractQuantities } from '../quantities.ts';
import type { Quota } from './allocator.ts';

const NONE: Quantities = {};

/** The role itself followed by its ancestors: `a/b/c` gives `['a/b/c', 'a/b', 'a']`. */
function selfAndAncestors(role: string): string[] {
  const out = [role];
  for (let at = role.lastIndexOf('/'); at > 0; at = role.lastIndexOf('/', at - 1))
    out.push(role.slice(0, at));
  return out;
}

/** Name-by-name minimum where absent names are unconstrained (used to combine limit rooms). */
function tighter(a: Quantities | undefined, b: Quantities): Quantities {
  if (a === undefined) return b;
  const out: Record<string, number> = { ...a };
  for (const name in b) out[name] = Math.min(out[name] ?? Number.POSITIVE_INFINITY, b[name] ?? 0);
  return out;
}

/** Tracks quota, reservations and unreserved holdings by role subtree; answers headroom questions. */
export class QuotaBook {
  private readonly quotas = new Map<string, Quota>();
  private readonly ancestry = new Map<string, string[]>();
  /** Scalar reservations of each role's subtree, allocated or not. */
  private readonly reservedUnder = new Map<string, Quantities>();
  /** Unreserved scalars offered to or used by each role's subtree. */
  private readonly heldUnder = new Map<string, Quantities>();
  private totalUnreserved: Quantities = NONE;
  private heldUnreserved: Quantities = NONE;
  private limited = 0;
  /**
   * Whether holdings are being counted. Counting starts with the first quota ever set (the allocator
   * then replays what is held), so clusters without quota pay nothing for it per offer.
   */
  tracking = false;

  /** True when no role has a guarantee or a limit, so the allocation loop can skip quota work. */
  isEmpty(): boolean {
    return this.quotas.size === 0;
  }

  /** True when some role has a non-empty guarantee (stage 1 of the cycle has work). */
  hasGuarantees(): boolean {
    for (const quota of this.quotas.values()) if (!isEmptyQuantities(quota.guarantees)) return true;
    return false;
  }

  /** Sets (or, when guarantees and limits are empty, clears) the quota of a role. */
  set(role: string, quota: Quota): void {
    const limits = quota.limits ?? NONE;
    for (const name in quota.guarantees) {
      const limit = limits[name];
      if (limit !== undefined && limit < (quota.guarantees[name] ?? 0)) {
        throw new Error(`quota of role '${role}': guarantee of ${name} exceeds its limit`);
      }
    }
    for (const name in limits) {
      if (!((limits[name] ?? -1) >= 0)) throw new Error(`quota of role '${role}': bad limit for ${name}`);
    }
    const old = this.quotas.get(role);
    if (old?.limits !== undefined && !isEmptyQuantities(old.limits)) this.limited--;
    if (isEmptyQuantities(quota.guarantees) && isEmptyQuantities(limits)) {
      this.quotas.delete(role);
      return;
    }
    this.quotas.set(role, { guarantees: quota.guarantees, limits });
    if (!isEmptyQuantities(limits)) this.limited++;
  }

  /** The quota of a role, if any. */
  get(role: string): Quota | undefined {
    return this.quotas.get(role);
  }

  /** Records reservations (sign +1) or their removal (sign -1) of a role, by scalar quantities. */
  reserve(role: string, quantities: Quantities, sign: 1 | -1): void {
    this.apply(this.reservedUnder, role, quantities, sign);
  }

  /** Adds (+1) or removes (-1) unreserved scalars to the pool headroom is measured in. */
  pool(quantities: Quantities, sign: 1 | -1): void {
    this.totalUnreserved =
      sign > 0
        ? addQuantities(this.totalUnreserved, quantities)
        : subtractQuantities(this.totalUnreserved, quantities);
  }

  /** Records that a role was offered or given (+1), or gave back (-1), unreserved scalars. */
  hold(role: string, quantities: Quantities, sign: 1 | -1): void {
    if (!this.tracking || isEmptyQuantities(quantities)) return;
    this.heldUnreserved =
      sign > 0
        ? addQuantities(this.heldUnreserved, quantities)
        : subtractQuantities(this.heldUnreserved, quantities);
    this.apply(this.heldUnder, role, quantities, sign);
  }

  /** Quota the role's subtree consumes: its reservations plus its unreserved holdings. */
  consumed(role: string): Quantities {
    return addQuantities(this.reservedUnder.get(role) ?? NONE, this.heldUnder.get(role) ?? NONE);
  }

  /** What the role still lacks of its guarantees (empty when satisfied or when it has none). */
  unsatisfied(role: string): Quantities {
    const quota = this.quotas.get(role);
    if (quota === undefined || isEmptyQuantities(quota.guarantees)) return NONE;
    return subtractQuantities(quota.guarantees, this.consumed(role));
  }

  /**
   * How much more unreserved scalar resource the role may take before it or an ancestor reaches a
   * limit; only limited names appear. Undefined when no limit applies to the role.
   */
  limitRoom(role: string): Quantities | undefined {
    if (this.limited === 0) return undefined;
    let room: Quantities | undefined;
    for (const r of this.ancestorsOf(role)) {
      const limits = this.quotas.get(r)?.limits;
      if (limits === undefined || isEmptyQuantities(limits)) continue;
      const consumed = this.consumed(r);
      const left: Record<string, number> = {};
      for (const name in limits)
        left[name] = Math.max(0, roundScalar((limits[name] ?? 0) - (consumed[name] ?? 0)));
      room = tighter(room, left);
    }
    return room;
  }

  /**
   * Unreserved headroom beyond what unsatisfied guarantees need: what other offers may take.
   * Undefined when no guarantee is unsatisfied (nothing needs holding back).
   */
  surplus(): Quantities | undefined {
    const required = this.requiredHeadroom();
    if (isEmptyQuantities(required)) return undefined;
    const available = subtractQuantities(this.totalUnreserved, this.heldUnreserved);
    return subtractQuantities(available, required);
  }

  /** Sum of unsatisfied guarantees over the top-most roles with guarantees (no double counting). */
  requiredHeadroom(): Quantities {
    let required: Quantities = NONE;
    for (const [role, quota] of this.quotas) {
      if (isEmptyQuantities(quota.guarantees)) continue;
      if (this.hasGuaranteedAncestor(role)) continue;
      required = addQuantities(required, subtractQuantities(quota.guarantees, this.consumed(role)));
    }
    return required;
  }

  private hasGuaranteedAncestor(role: string): boolean {
    const chain = this.ancestorsOf(role);
    for (let i = 1; i < chain.length; i++) {
      const quota = this.quotas.get(chain[i]!);
      if (quota !== undefined && !isEmptyQuantities(quota.guarantees)) return true;
    }
    return false;
  }

  private ancestorsOf(role: string): string[] {
    let chain = this.ancestry.get(role);
    if (chain === undefined) {
      chain = selfAndAncestors(role);
      this.ancestry.set(role, chain);
    }
    return chain;
  }

  private apply(book: Map<string, Quantities>, role: string, quantities: Quantities, sign: 1 | -1): void {
    for (const r of this.ancestorsOf(role)) {
      const prev = book.get(r) ?? NONE;
      const next = sign > 0 ? addQuantities(prev, quantities) : subtractQuantities(prev, quantities);
      if (isEmptyQuantities(next)) book.delete(r);
      else book.set(r, next);
    }
  }
}
