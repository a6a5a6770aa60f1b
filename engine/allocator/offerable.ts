// What a role may be offered of an agent's free resources in each stage of an allocation cycle,
// following Mesos's hierarchical allocator. Reservations and non-scalar resources are always offered
// whole; unreserved scalars are cut so that the role (and its ancestors) stay within their quota
// limits and enough unreserved headroom is kept for other roles' unsatisfied guarantees.
import { type Quantities, roundScalar } from '../quantities.ts';
import {
  add,
  type Resource,
  type Resources,
  reservationRole,
  shrink,
  subtract,
  toQuantities,
} from '../resources.ts';
import type { QuotaBook } from './quota.ts';

/** Minimum allocatable quantities as parallel arrays of names and amounts, for a fast check. */
interface Minimum {
  readonly names: readonly string[];
  readonly amounts: readonly number[];
}

/** True when `q` holds at least one of the minimums (any, when there are none). */
function allocatable(q: Quantities, minimums: readonly Minimum[]): boolean {
  if (minimums.length === 0) return true;
  outer: for (const { names, amounts } of minimums) {
    for (let i = 0; i < names.length; i++) if ((q[names[i]!] ?? 0) < amounts[i]!) continue outer;
    return true;
  }
  return false;
}

/** True when the resource counts toward quota: an unreserved scalar. */
function isQuotaResource(res: Resource): boolean {
  return res.type === 'SCALAR' && reservationRole(res) === '*';
}

/** The unreserved scalars of r as quantities (what quota accounting counts). */
export function unreservedScalars(r: Resources): Quantities {
  const out: Record<string, number> = {};
  for (const res of r) {
    if (isQuotaResource(res)) out[res.name] = roundScalar((out[res.name] ?? 0) + res.scalar!.value);
  }
  return out;
}

/**
 * The part of the unreserved scalars `flexible` that fits both the limit room (only the names it
 * constrains) and the headroom surplus (every name); `flexible` itself when nothing is cut.
 */
function fitWithinQuota(
  flexible: Resources,
  room: Quantities | undefined,
  surplus: Quantities | undefined,
): Resources {
  if (flexible.length === 0 || (room === undefined && surplus === undefined)) return flexible;
  const have = toQuantities(flexible);
  const target: Record<string, number> = { ...have };
  let cut = false;
  for (const name in target) {
    let v = target[name]!;
    if (room !== undefined && room[name] !== undefined) v = Math.min(v, room[name]!);
    if (surplus !== undefined) v = Math.min(v, surplus[name] ?? 0);
    if (v < target[name]!) {
      target[name] = v;
      cut = true;
    }
  }
  return cut ? shrink(flexible, target, false) : flexible;
}

/** Computes offerable resources per stage; remembers whether quota held anything back. */
export class OfferShaper {
  /** Set when a quota cut left unreserved resources unoffered on the current agent. */
  heldBack = false;
  /** Scalar quantities of the last offerable result (valid right after a defined result). */
  lastQuantities: Quantities = {};

  private readonly quota: QuotaBook;
  private readonly minimums: readonly Minimum[];
  private readonly cutForPolicy: ((offerable: Resources) => Resources) | undefined;

  constructor(
    quota: QuotaBook,
    minAllocatable: readonly Quantities[],
    cutForPolicy: ((offerable: Resources) => Resources) | undefined,
  ) {
    this.quota = quota;
    this.minimums = minAllocatable.map((min) => {
      const names = Object.keys(min);
      return { names, amounts: names.map((n) => min[n] ?? 0) };
    });
    this.cutForPolicy = cutForPolicy;
  }

  /**
   * Stage 1: for a role with unsatisfied guarantees, the unreserved scalars that make progress toward
   * them, plus its own reservations and non-scalars, plus further unreserved scalars within its limits
   * and the headroom surplus. Undefined when nothing helps its guarantees or it is not allocatable.
   */
  guaranteeStage(available: Resources, role: string): Resources | undefined {
    const unsatisfied = this.quota.unsatisfied(role);
    if (Object.keys(unsatisfied).length === 0) return undefined;
    const flexible = available.filter(isQuotaResource);
    const guaranteed = shrink(flexible, unsatisfied, false);
    if (guaranteed.length === 0) return undefined;
    const fixed = available.filter(
      (res) => res.type !== 'SCALAR' || (reservationRole(res) !== '*' && reservationRole(res) === role),
    );
    const rest = subtract(flexible, guaranteed);
    let room = this.quota.limitRoom(role);
    if (room !== undefined) room = roomAfter(room, toQuantities(guaranteed));
    const extra = fitWithinQuota(rest, room, this.quota.surplus());
    if (extra !== rest) this.heldBack = true;
    return this.finish(add(add(guaranteed, fixed), extra));
  }

  /**
   * Stage 2: reservations and non-scalars whole, unreserved scalars within the role's limits and the
   * headroom surplus. Undefined when the result is not allocatable. `availableQuantities` are the
   * scalar quantities of `available` when the caller knows them (a wholly free agent).
   */
  fairStage(available: Resources, role: string, availableQuantities?: Quantities): Resources | undefined {
    if (this.quota.isEmpty()) return this.finish(available, availableQuantities);
    const room = this.quota.limitRoom(role);
    const surplus = this.quota.surplus();
    if (room === undefined && surplus === undefined) return this.finish(available, availableQuantities);
    const flexible = available.filter(isQuotaResource);
    const extra = fitWithinQuota(flexible, room, surplus);
    if (extra === flexible) return this.finish(available, availableQuantities);
    this.heldBack = true;
    return this.finish(add(subtract(available, flexible), extra));
  }

  /** Applies the policy's cut and the minimum; `known` are offerable's quantities when the caller has them. */
  private finish(offerable: Resources, known?: Quantities): Resources | undefined {
    const shaped = this.cutForPolicy === undefined ? offerable : this.cutForPolicy(offerable);
    if (shaped.length === 0) return undefined;
    const q = shaped === offerable && known !== undefined ? known : toQuantities(shaped);
    if (!allocatable(q, this.minimums)) return undefined;
    this.lastQuantities = q;
    return shaped;
  }
}

/** The limit room left after taking `taken`, never below zero. */
function roomAfter(room: Quantities, taken: Quantities): Quantities {
  const out: Record<string, number> = {};
  for (const name in room) out[name] = Math.max(0, roundScalar((room[name] ?? 0) - (taken[name] ?? 0)));
  return out;
}
