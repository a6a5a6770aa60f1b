// Agents of one shape: clusters are built from a few kinds of machine, so most agents report the same
// total. Agents with equal totals share one AgentShape: the total itself, its scalar quantities, what
// the sorters count of it, and the allocated form of the whole total per role. An allocation cycle
// mostly offers a wholly free agent to one framework, and then takes that offer from its shape instead
// of building new entries for every agent. Everything a shape holds is an immutable value, so sharing
// it between agents (and between the offers made of them) is safe.
import type { Quantities } from '../quantities.ts';
import { type Resource, type Resources, reservationRole, toQuantities } from '../resources.ts';

/** What agents with equal totals have in common. */
export interface AgentShape {
  /** The text shapes are told apart by: the total as JSON. */
  readonly key: string;
  /** The total, in normal form, without allocation_info. */
  readonly total: Resources;
  /** Scalar quantities of the total. */
  readonly quantities: Quantities;
  /** What the sorters count of the total (the policy's measure, by default `quantities`). */
  readonly measured: Quantities;
  /** Number of reserved entries in the total; 0 means every role sees the same resources. */
  readonly reservedRoles: number;
  /** The total allocated to each role it was offered to whole, built on first use. */
  readonly allocated: Map<string, Resources>;
}

interface Interned {
  readonly shape: AgentShape;
  /** Number of agents of this shape; the shape is forgotten when the last one goes. */
  agents: number;
}

/** The shapes of the agents the allocator knows, each counted by the agents that have it. */
export class AgentShapes {
  private readonly byKey = new Map<string, Interned>();
  private readonly measure: ((total: Resources) => Quantities) | undefined;

  /** `measure` is what the sorters count of a total (default: its quantities); a function of the total alone. */
  constructor(measure: ((total: Resources) => Quantities) | undefined) {
    this.measure = measure;
  }

  /** The shape of a new agent with this total (in normal form), shared with equal totals. */
  add(total: Resources): AgentShape {
    // Equal bags in normal form have equal entries in equal order, so their JSON texts are equal; a
    // text that differs in some immaterial way only costs a second shape.
    const key = JSON.stringify(total);
    let interned = this.byKey.get(key);
    if (interned === undefined) {
      interned = { shape: newShape(key, total, this.measure), agents: 0 };
      this.byKey.set(key, interned);
    }
    interned.agents++;
    return interned.shape;
  }

  /** Forgets one agent of the shape (agent removed). */
  remove(shape: AgentShape): void {
    const interned = this.byKey.get(shape.key);
    if (interned?.shape !== shape || interned.agents <= 0) {
      throw new Error('agent shapes: removing an agent of a shape no agent has');
    }
    interned.agents--;
    if (interned.agents === 0) this.byKey.delete(shape.key);
  }
}

/** The whole total of the shape allocated to `info.role`, built once per shape and role. */
export function allocatedTotal(shape: AgentShape, info: { readonly role: string }): Resources {
  let resources = shape.allocated.get(info.role);
  if (resources === undefined) {
    resources = allocateTo(shape.total, info);
    shape.allocated.set(info.role, resources);
  }
  return resources;
}

function newShape(
  key: string,
  total: Resources,
  measure: ((total: Resources) => Quantities) | undefined,
): AgentShape {
  let reservedRoles = 0;
  for (const res of total) if (reservationRole(res) !== '*') reservedRoles++;
  const quantities = toQuantities(total);
  return {
    key,
    total,
    quantities,
    measured: measure === undefined ? quantities : measure(total),
    reservedRoles,
    allocated: new Map(),
  };
}

/**
 * `allocate` from resources.ts for the allocation loop's hot path: the bag is unallocated and in
 * normal form (so giving every entry the same allocation role keeps it normal), and the role was
 * validated when the framework subscribed to it, so entries are copied once and values are shared.
 */
export function allocateTo(r: Resources, info: { readonly role: string }): Resources {
  const out: Resource[] = [];
  // Built field by field (in the order resources.ts builds entries): much cheaper than a spread.
  for (const res of r) {
    const entry: Writable<Resource> = { name: res.name, type: res.type };
    if (res.scalar !== undefined) entry.scalar = res.scalar;
    else if (res.ranges !== undefined) entry.ranges = res.ranges;
    else entry.set = res.set;
    if (res.reservations !== undefined) entry.reservations = res.reservations;
    entry.allocation_info = info;
    if (res.disk !== undefined) entry.disk = res.disk;
    out.push(entry);
  }
  return out;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };
