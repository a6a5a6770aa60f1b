import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAllocator, type PolicyName } from '../../engine/allocator/policies.ts';
import {
  add,
  contains,
  emptyResources,
  formatResources,
  isRoleWithin,
  normalize,
  parseResources,
  type Resource,
  type Resources,
  reservationRole,
  subtract,
  toQuantities,
  unallocate,
} from '../../engine/resources.ts';
import { createRng } from '../../engine/rng.ts';

// Random sequences of allocations, dynamic reservations and unreservations on held offers, returns
// and launches drive an allocator while a model keeps what the master would know: each agent's total
// (converted by every operation) and what each offer or task holds. After every step the model checks
// that nothing was offered beyond an agent's free resources, that reserved resources went only to
// their role (or its sub-roles), that holdings never exceed the total, and that operations never
// change an agent's quantities.

const policies: readonly PolicyName[] = ['drf', 'asset', 'fifo', 'random'];

type Op =
  | { t: 'allocate'; dt: number }
  | { t: 'reserve'; pick: number; cpus: number; mem: number; refine: boolean }
  | { t: 'unreserve'; pick: number; part: number }
  | { t: 'decline'; pick: number; refuse: number }
  | { t: 'launch'; pick: number }
  | { t: 'finish'; pick: number };

const pick = fc.nat({ max: 1000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('allocate' as const), dt: fc.integer({ min: 0, max: 3000 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('reserve' as const),
      pick,
      cpus: fc.integer({ min: 0, max: 4 }),
      mem: fc.integer({ min: 0, max: 4 }),
      refine: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('unreserve' as const),
      pick,
      part: fc.constantFrom(0.5, 1),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('decline' as const), pick, refuse: fc.constantFrom(0, 1, 5) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('launch' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('finish' as const), pick }) },
);

/** What the model knows an offer or a task holds. */
interface Held {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  resources: Resources;
}

/** The scalar part of `r` of one name and reservation role, as allocated entries. */
function entriesOf(r: Resources, name: string, role: string): Resource[] {
  return r.filter((res) => res.name === name && reservationRole(res) === role && res.type === 'SCALAR');
}

/** `amount` of the scalars of `r` named `name` reserved for `role` (as they are), or nothing. */
function take(r: Resources, name: string, role: string, amount: number): Resources {
  if (amount <= 0) return emptyResources;
  for (const res of entriesOf(r, name, role)) {
    const value = Math.min(res.scalar!.value, amount);
    if (value > 0) return normalize([{ ...res, scalar: { value } }]);
  }
  return emptyResources;
}

/** `r` with a dynamic reservation for `role` pushed onto every entry. */
function reserveFor(r: Resources, role: string): Resources {
  return normalize(
    r.map((res) => ({
      ...res,
      reservations: [...(res.reservations ?? []), { type: 'DYNAMIC' as const, role }],
    })),
  );
}

/** `r` with the last reservation of every entry popped. */
function popReservation(r: Resources): Resources {
  return normalize(
    r.map((res) => {
      const stack = res.reservations ?? [];
      return { ...res, reservations: stack.length > 1 ? stack.slice(0, -1) : undefined };
    }),
  );
}

/** The index `pick` names in a list of `length` items (modulo the length). */
function pickAt(pick: number, length: number): number {
  return pick % Math.max(1, length);
}

/** Takes out of `list` the item `pick` names, if there is one. */
function takeOut<T>(list: T[], pick: number): T | undefined {
  const at = pickAt(pick, list.length);
  const item = list[at];
  if (item !== undefined) list.splice(at, 1);
  return item;
}

function run(policy: PolicyName, ops: readonly Op[]): void {
  const allocator = createAllocator({ policy, rng: createRng(`reservations-${policy}`), minAllocatable: [] });
  const totals = new Map<string, Resources>();
  const quantities = new Map<string, string>();
  const agentTexts = ['cpus:4;mem:8', 'cpus:2;cpus(b):2;mem:8;ports:[1-10]', 'cpus:8;mem:4'];
  agentTexts.forEach((text, i) => {
    const total = parseResources(text);
    const id = `s${i}`;
    allocator.addAgent(id, { hostname: id }, total, new Map());
    totals.set(id, total);
    quantities.set(id, JSON.stringify(toQuantities(total)));
  });
  // A guarantee turns quota accounting on, so conversions of held resources are counted there too.
  allocator.updateQuota('a', { guarantees: { cpus: 1 } });
  const frameworkRoles = [['a'], ['b'], ['b/x'], ['a', 'b/x']];
  frameworkRoles.forEach((roles, i) => {
    allocator.addFramework(`f${i}`, { roles }, new Map(), true);
  });
  const offers: Held[] = [];
  const tasks: Held[] = [];
  let now = 0;

  const heldOn = (agentId: string): Resources => {
    let sum: Resources = emptyResources;
    for (const h of [...offers, ...tasks]) if (h.agentId === agentId) sum = add(sum, unallocate(h.resources));
    return sum;
  };
  // An operation on a held offer converts `from` into `to`: in the allocator, the offer and the
  // agent's total.
  const convert = (offer: Held, from: Resources, to: Resources): void => {
    allocator.updateAllocation(offer.frameworkId, offer.agentId, from, to);
    offer.resources = add(subtract(offer.resources, from), to);
    totals.set(offer.agentId, add(subtract(totals.get(offer.agentId)!, unallocate(from)), unallocate(to)));
  };
  const check = (when: string): void => {
    for (const [agentId, total] of totals) {
      const held = heldOn(agentId);
      if (!contains(total, held)) {
        throw new Error(
          `${when}: ${agentId} holds ${formatResources(held)} beyond ${formatResources(total)}`,
        );
      }
      expect(JSON.stringify(toQuantities(total))).toBe(quantities.get(agentId));
    }
  };

  for (const op of ops) {
    switch (op.t) {
      case 'allocate': {
        now += op.dt;
        for (const a of allocator.allocate(now)) {
          const free = subtract(totals.get(a.agentId)!, heldOn(a.agentId));
          const plain = unallocate(a.resources);
          if (!contains(free, plain)) {
            throw new Error(
              `offered ${formatResources(plain)} on ${a.agentId}, free only ${formatResources(free)}`,
            );
          }
          for (const res of a.resources) {
            const reservedFor = reservationRole(res);
            if (reservedFor !== '*' && !isRoleWithin(a.role, reservedFor)) {
              throw new Error(
                `offered ${formatResources([res])} reserved for ${reservedFor} to role ${a.role}`,
              );
            }
          }
          offers.push({
            frameworkId: a.frameworkId,
            agentId: a.agentId,
            role: a.role,
            resources: a.resources,
          });
        }
        break;
      }
      case 'reserve': {
        const offer = offers[pickAt(op.pick, offers.length)];
        if (offer === undefined) break;
        // Reserve unreserved resources, or refine what is reserved for an ancestor of the offer's role.
        const parent = op.refine && offer.role === 'b/x' ? 'b' : '*';
        const from = add(
          take(offer.resources, 'cpus', parent, op.cpus),
          take(offer.resources, 'mem', parent, op.mem),
        );
        if (from.length === 0) break;
        convert(offer, from, reserveFor(from, offer.role));
        break;
      }
      case 'unreserve': {
        const offer = offers[pickAt(op.pick, offers.length)];
        if (offer === undefined) break;
        const dynamic = offer.resources.filter(
          (res) => res.type === 'SCALAR' && res.reservations?.at(-1)?.type === 'DYNAMIC',
        );
        const first = dynamic[0];
        if (first === undefined) break;
        const value = Math.max(1, Math.floor(first.scalar!.value * op.part));
        const from = normalize([{ ...first, scalar: { value } }]);
        convert(offer, from, popReservation(from));
        break;
      }
      case 'decline': {
        const offer = takeOut(offers, op.pick);
        if (offer === undefined) break;
        const filter = op.refuse > 0 ? { refuse_seconds: op.refuse } : undefined;
        allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources, filter, now);
        break;
      }
      case 'launch': {
        // The whole offer becomes a task: it stays held until the task finishes.
        const offer = takeOut(offers, op.pick);
        if (offer !== undefined) tasks.push(offer);
        break;
      }
      case 'finish': {
        const task = takeOut(tasks, op.pick);
        if (task === undefined) break;
        allocator.recoverResources(task.frameworkId, task.agentId, task.resources, undefined, now);
        break;
      }
    }
    check(op.t);
  }
  // Once everything is returned, every agent is offered again whole (in the form its operations left).
  for (const h of [...offers, ...tasks]) {
    allocator.recoverResources(h.frameworkId, h.agentId, h.resources, undefined, now);
  }
  offers.length = 0;
  tasks.length = 0;
  for (let id = 0; id < 4; id++) allocator.reviveOffers(`f${id}`, []);
  let offered: Resources = emptyResources;
  for (const a of allocator.allocate(now + 1)) offered = add(offered, unallocate(a.resources));
  let all: Resources = emptyResources;
  for (const total of totals.values()) all = add(all, total);
  expect(formatResources(offered)).toBe(formatResources(all));
}

describe('allocator with dynamic reservations', () => {
  for (const policy of policies) {
    it(`${policy}: reserving and unreserving never over-allocates or leaks a reservation to other roles`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => run(policy, ops)),
        { numRuns: 60 },
      );
    });
  }
});
