import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Allocation } from '../../engine/allocator/allocator.ts';
import { createAllocator, type PolicyName, policyNames } from '../../engine/allocator/policies.ts';
import {
  allocate,
  contains,
  formatResources,
  isRoleWithin,
  parseResources,
  type Resources,
  rangesOf,
  reservationRole,
  shrink,
  subtract,
  toQuantities,
  unallocate,
} from '../../engine/resources.ts';
import { createRng } from '../../engine/rng.ts';

// Random sequences of cluster events drive an allocator while a model keeps what the master would
// know: outstanding offers, resources in use, and the offer filters frameworks asked for. After every
// allocation cycle the model checks the allocator's decisions.

const roleNames = ['a', 'b', 'l', 'l/x', 'r'] as const;
/** Role `l` (with its sub-role `l/x`) has quota limits; `b` has a guarantee; `r` has reservations. */
const limits = { cpus: 6, mem: 8192 };
const guarantees = { cpus: 3 };
const slot = { cpus: 1, mem: 2048 };
/** Static partitions: agents by index, and agent index 5 mod 6 belongs to a framework. */
const owners = ['a', 'l', 'r', 'b', 'a', 'fw0'];

type Op =
  | { t: 'addAgent'; cpus: number; mem: number; ports: boolean; reserve: boolean }
  | { t: 'removeAgent'; pick: number }
  | { t: 'addFramework'; roles: string[] }
  | { t: 'removeFramework'; pick: number }
  | { t: 'suppress'; pick: number }
  | { t: 'revive'; pick: number }
  | { t: 'allocate'; dt: number }
  | { t: 'respond'; pick: number; keep: number; refuse: number }
  | { t: 'free'; pick: number }
  | { t: 'toggleAgent'; pick: number }
  | { t: 'updateFramework'; pick: number; roles: string[] };

const pick = fc.nat({ max: 1000 });
const agentArb = fc.record({
  t: fc.constant('addAgent' as const),
  cpus: fc.integer({ min: 1, max: 8 }),
  mem: fc.integer({ min: 1, max: 16 }),
  ports: fc.boolean(),
  reserve: fc.boolean(),
});
const frameworkArb = fc.record({
  t: fc.constant('addFramework' as const),
  roles: fc.subarray([...roleNames], { minLength: 1, maxLength: 2 }),
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: agentArb },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('removeAgent' as const), pick }) },
  { weight: 1, arbitrary: frameworkArb },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('removeFramework' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('suppress' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('revive' as const), pick }) },
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant('allocate' as const), dt: fc.integer({ min: 0, max: 4000 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('respond' as const),
      pick,
      keep: fc.constantFrom(0, 0.25, 0.5, 1),
      refuse: fc.constantFrom(0, 0, 1, 3, 10),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('free' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('toggleAgent' as const), pick }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('updateFramework' as const),
      pick,
      roles: fc.subarray([...roleNames], { minLength: 1, maxLength: 2 }),
    }),
  },
);
const scenarioArb = fc.record({
  setup: fc.tuple(
    fc.array(agentArb, { minLength: 1, maxLength: 5 }),
    fc.array(frameworkArb, { minLength: 1, maxLength: 4 }),
  ),
  ops: fc.array(opArb, { maxLength: 50 }),
});

interface Held {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  readonly resources: Resources;
}
interface Filter {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  readonly resources: Resources;
  readonly until_ms: number;
}

type CreateAllocator = typeof createAllocator;

function makeAllocator(policy: PolicyName, seed: string, create: CreateAllocator = createAllocator) {
  return create({
    policy,
    rng: createRng(seed),
    slot,
    partitions: (agentId) => owners[Number(agentId.slice(2)) % owners.length],
  });
}

/** Runs a scenario against a fresh allocator, checking every cycle; returns every cycle's offers. */
function run(
  policy: PolicyName,
  seed: string,
  setup: readonly [Op[], Op[]],
  ops: readonly Op[],
  create: CreateAllocator = createAllocator,
): Allocation[][] {
  const allocator = makeAllocator(policy, seed, create);
  allocator.updateQuota('l', { guarantees: {}, limits });
  allocator.updateQuota('b', { guarantees });
  const totals = new Map<string, Resources>();
  const inactive = new Set<string>();
  const frameworks = new Map<string, { roles: string[]; suppressed: boolean }>();
  let offers: Held[] = [];
  let used: Held[] = [];
  let filters: Filter[] = [];
  let now = 0;
  let nextAgent = 0;
  let nextFramework = 0;
  const cycles: Allocation[][] = [];
  const none = new Map<string, Resources>();
  const nth = <T>(list: readonly T[], i: number): T | undefined =>
    list.length === 0 ? undefined : list[i % list.length];

  const apply = (op: Op): void => {
    switch (op.t) {
      case 'addAgent': {
        const id = `ag${nextAgent++}`;
        let text = `cpus:${op.cpus};mem:${op.mem * 1024}`;
        if (op.ports) text += ';ports:[31000-31009]';
        if (op.reserve) text += ';cpus(r):1;mem(r):512';
        totals.set(id, parseResources(text));
        allocator.addAgent(id, { hostname: `${id}.test` }, totals.get(id)!, none);
        return;
      }
      case 'removeAgent': {
        const id = nth([...totals.keys()], op.pick);
        if (id === undefined) return;
        allocator.removeAgent(id);
        totals.delete(id);
        inactive.delete(id);
        offers = offers.filter((o) => o.agentId !== id);
        used = used.filter((u) => u.agentId !== id);
        filters = filters.filter((f) => f.agentId !== id);
        return;
      }
      case 'addFramework': {
        const id = `fw${nextFramework++}`;
        frameworks.set(id, { roles: op.roles, suppressed: false });
        allocator.addFramework(id, { roles: op.roles }, none, true);
        return;
      }
      case 'removeFramework': {
        const id = nth([...frameworks.keys()], op.pick);
        if (id === undefined) return;
        allocator.removeFramework(id);
        frameworks.delete(id);
        offers = offers.filter((o) => o.frameworkId !== id);
        used = used.filter((u) => u.frameworkId !== id);
        filters = filters.filter((f) => f.frameworkId !== id);
        return;
      }
      case 'suppress':
      case 'revive': {
        const id = nth([...frameworks.keys()], op.pick);
        if (id === undefined) return;
        if (op.t === 'suppress') allocator.suppressOffers(id, []);
        else allocator.reviveOffers(id, []);
        frameworks.get(id)!.suppressed = op.t === 'suppress';
        if (op.t === 'revive') filters = filters.filter((f) => f.frameworkId !== id);
        return;
      }
      case 'allocate': {
        now += op.dt;
        const made = allocator.allocate(now);
        checkCycle(made);
        offers.push(...made);
        cycles.push(made);
        return;
      }
      case 'respond': {
        const offer = nth(offers, op.pick);
        if (offer === undefined) return;
        offers = offers.filter((o) => o !== offer);
        const plain = unallocate(offer.resources);
        const q = toQuantities(plain);
        const target: Record<string, number> = {};
        for (const name in q) target[name] = Math.floor((q[name] ?? 0) * op.keep * 1000) / 1000;
        const launched = allocate(shrink(plain, target, op.keep >= 0.5), offer.role);
        const declined = subtract(offer.resources, launched);
        if (launched.length > 0) used.push({ ...offer, resources: launched });
        if (declined.length > 0) {
          allocator.recoverResources(
            offer.frameworkId,
            offer.agentId,
            declined,
            { refuse_seconds: op.refuse },
            now,
          );
          if (op.refuse > 0) {
            const resources = unallocate(declined);
            filters.push({ ...offer, resources, until_ms: now + op.refuse * 1000 });
          }
        }
        return;
      }
      case 'free': {
        const task = nth(used, op.pick);
        if (task === undefined) return;
        used = used.filter((u) => u !== task);
        allocator.recoverResources(task.frameworkId, task.agentId, task.resources, undefined, now);
        return;
      }
      case 'toggleAgent': {
        const id = nth([...totals.keys()], op.pick);
        if (id === undefined) return;
        if (inactive.delete(id)) allocator.activateAgent(id);
        else {
          inactive.add(id);
          allocator.deactivateAgent(id);
        }
        return;
      }
      case 'updateFramework': {
        const id = nth([...frameworks.keys()], op.pick);
        if (id === undefined) return;
        const framework = frameworks.get(id)!;
        framework.roles = op.roles;
        // The master passes the suppressed roles along; keep the framework's suppression as it was.
        const suppressedRoles = framework.suppressed ? op.roles : [];
        allocator.updateFramework(id, { roles: op.roles, suppressedRoles });
        return;
      }
    }
  };

  const checkCycle = (made: readonly Allocation[]): void => {
    for (const offer of made) {
      const framework = frameworks.get(offer.frameworkId);
      expect(framework, `offer to unknown framework ${offer.frameworkId}`).toBeDefined();
      expect(framework!.suppressed, `offer to suppressed ${offer.frameworkId}`).toBe(false);
      expect(framework!.roles).toContain(offer.role);
      expect(totals.has(offer.agentId)).toBe(true);
      expect(inactive.has(offer.agentId), `offer of inactive agent ${offer.agentId}`).toBe(false);
      const plain = unallocate(offer.resources);
      for (const res of offer.resources) {
        expect(res.allocation_info?.role).toBe(offer.role);
        const reservedFor = reservationRole(res);
        if (reservedFor !== '*') expect(isRoleWithin(offer.role, reservedFor)).toBe(true);
      }
      for (const f of filters) {
        if (f.frameworkId !== offer.frameworkId || f.agentId !== offer.agentId || f.role !== offer.role)
          continue;
        if (f.until_ms > now && contains(f.resources, plain)) {
          throw new Error(
            `re-offered ${formatResources(plain)} to ${f.frameworkId} within its decline filter`,
          );
        }
      }
      if (policy === 'static') {
        const owner = owners[Number(offer.agentId.slice(2)) % owners.length]!;
        expect(owner === offer.frameworkId || isRoleWithin(offer.role, owner)).toBe(true);
      }
      if (policy === 'slots') {
        const q = toQuantities(plain);
        expect(Number.isInteger(q.cpus)).toBe(true);
        expect(q.mem).toBe((q.cpus ?? 0) * slot.mem);
      }
    }
    checkCapacity([...offers, ...made, ...used], totals);
    checkLimits([...offers, ...made, ...used]);
  };

  for (const op of [...setup[0], ...setup[1], ...ops]) apply(op);
  apply({ t: 'allocate', dt: 1000 });
  return cycles;
}

/** No resource is held twice (two offers, or an offer and a task) and nothing exceeds an agent's total. */
function checkCapacity(held: readonly Held[], totals: ReadonlyMap<string, Resources>): void {
  const byAgent = new Map<string, Resources[]>();
  for (const h of held) byAgent.set(h.agentId, [...(byAgent.get(h.agentId) ?? []), unallocate(h.resources)]);
  for (const [agentId, pieces] of byAgent) {
    const total = totals.get(agentId)!;
    const sums = new Map<string, number>();
    const ranges = new Map<string, Array<{ begin: number; end: number }>>();
    for (const piece of pieces) {
      expect(contains(total, piece), `${formatResources(piece)} is not part of ${agentId}`).toBe(true);
      for (const res of piece) {
        const key = `${res.name}|${reservationRole(res)}`;
        if (res.type === 'SCALAR') sums.set(key, (sums.get(key) ?? 0) + res.scalar!.value);
        if (res.type === 'RANGES')
          ranges.set(key, [...(ranges.get(key) ?? []), ...rangesOf([res], res.name)]);
      }
    }
    for (const [key, sum] of sums) {
      const [name, role] = key.split('|') as [string, string];
      const have = total
        .filter((r) => r.name === name && reservationRole(r) === role)
        .reduce((s, r) => s + (r.scalar?.value ?? 0), 0);
      if (sum > have + 1e-9) throw new Error(`${agentId}: ${key} held ${sum} of ${have}`);
    }
    for (const [key, list] of ranges) {
      const sorted = [...list].sort((x, y) => x.begin - y.begin);
      for (let i = 1; i < sorted.length; i++) {
        if (sorted[i]!.begin <= sorted[i - 1]!.end) throw new Error(`${agentId}: ${key} range held twice`);
      }
    }
  }
}

/** What roles `l` and `l/x` hold of unreserved scalars never exceeds the limits of `l`. */
function checkLimits(held: readonly Held[]): void {
  const sum: Record<string, number> = {};
  for (const h of held) {
    if (!isRoleWithin(h.role, 'l')) continue;
    for (const res of h.resources) {
      if (res.type === 'SCALAR' && reservationRole(res) === '*')
        sum[res.name] = (sum[res.name] ?? 0) + res.scalar!.value;
    }
  }
  for (const name of Object.keys(limits) as Array<keyof typeof limits>) {
    if ((sum[name] ?? 0) > limits[name] + 1e-9)
      throw new Error(`role l holds ${sum[name]} ${name}, limit ${limits[name]}`);
  }
}

describe.each(policyNames)('allocator properties under %s', (policy) => {
  it('never offers a resource twice, beyond capacity, against a filter or beyond quota limits', () => {
    fc.assert(
      fc.property(scenarioArb, fc.string({ maxLength: 6 }), ({ setup, ops }, seed) => {
        run(policy, seed, setup, ops);
      }),
      { numRuns: 120 },
    );
  });

  it('makes identical allocations for the same inputs and seed', () => {
    fc.assert(
      fc.property(scenarioArb, fc.string({ maxLength: 6 }), ({ setup, ops }, seed) => {
        const first = JSON.stringify(run(policy, seed, setup, ops));
        expect(JSON.stringify(run(policy, seed, setup, ops))).toBe(first);
      }),
      { numRuns: 40 },
    );
  });

  it('offers every agent with free resources when a framework can use it (work conserving)', () => {
    fc.assert(
      fc.property(
        fc.array(agentArb, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 4 }),
        (agents, n) => {
          const allocator = makeAllocator(policy, 'live');
          const none = new Map<string, Resources>();
          // Frameworks for every partition owner's role, plus the framework owner of the static policy.
          for (let f = 0; f < n; f++)
            allocator.addFramework(`fw${f}`, { roles: ['a', 'l', 'r', 'b'] }, none, true);
          agents.forEach((op, i) => {
            if (op.t !== 'addAgent') return;
            const text = `cpus:${op.cpus};mem:${op.mem * 1024}${op.reserve ? ';cpus(r):1;mem(r):512' : ''}`;
            allocator.addAgent(`ag${i}`, { hostname: `ag${i}` }, parseResources(text), none);
          });
          const offered = new Set(allocator.allocate(0).map((o) => o.agentId));
          agents.forEach((op, i) => {
            // Under slots, an agent with less than one slot of memory has nothing to offer.
            if (policy === 'slots' && op.mem * 1024 < slot.mem) return;
            expect(offered.has(`ag${i}`), `ag${i} left unoffered`).toBe(true);
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});

/**
 * The engine before its hot path was laid out anew (the last commit before the change): its
 * allocator, taken from the repository's history, is driven side by side with today's.
 */
const layout_baseline_commit = '921ff56';

describe('the allocator against the one before the hot-path layout', () => {
  let dir = '';
  let baseline: CreateAllocator;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meso-allocator-baseline-'));
    const archive = execFileSync('git', ['archive', layout_baseline_commit, 'engine']);
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    baseline = (await import(join(dir, 'engine/allocator/policies.ts'))).createAllocator;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(policyNames)('makes identical offers under %s through random clusters', (policy) => {
    fc.assert(
      fc.property(scenarioArb, fc.string({ maxLength: 6 }), ({ setup, ops }, seed) => {
        const before = JSON.stringify(run(policy, seed, setup, ops, baseline));
        expect(JSON.stringify(run(policy, seed, setup, ops))).toBe(before);
      }),
      { numRuns: 60 },
    );
  });
});
