// The DRF paper's four properties, checked on progressive filling with discrete tasks under the DRF
// sorter, on random capacities and 2-6 users with random demand vectors over 2-3 resources.
//
// The paper proves them for divisible demands. With whole tasks each holds only up to the last task
// of some users; the exact discrete form of each, and why it holds, is stated beside its check.
// Amounts are whole tenths, and every check is done in integer tenths, so no rounding decides it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divisibleDrf } from '../../engine/allocator/divisible-drf.ts';
import { DrfSorter } from '../../engine/allocator/drf-sorter.ts';
import { progressiveFilling } from '../../engine/allocator/progressive-filling.ts';
import { assetShare, type ShareFunction } from '../../engine/allocator/share.ts';
import type { Quantities } from '../../engine/quantities.ts';

const resourceNames = ['cpus', 'mem', 'disk'];

/** A filling problem in tenths: capacity per resource and each user's task. */
interface Instance {
  readonly capacity: readonly number[];
  readonly demands: readonly (readonly number[])[];
}

const demandOver = (k: number) =>
  fc
    .array(fc.integer({ min: 0, max: 50 }), { minLength: k, maxLength: k })
    .filter((d) => d.some((x) => x > 0));

const instances: fc.Arbitrary<Instance> = fc.integer({ min: 2, max: 3 }).chain((k) =>
  fc.record({
    capacity: fc.array(
      fc.integer({ min: 1, max: 100 }).map((units) => units * 10),
      { minLength: k, maxLength: k },
    ),
    demands: fc.array(demandOver(k), { minLength: 2, maxLength: 6 }),
  }),
);

function quantities(tenths: readonly number[]): Quantities {
  const out: Record<string, number> = {};
  tenths.forEach((x, r) => {
    if (x > 0) out[resourceNames[r]!] = x / 10;
  });
  return out;
}

/** Tasks per user under progressive filling ordered by `share` (default: dominant share). */
function fill(instance: Instance, share?: ShareFunction): number[] {
  const make = () => new DrfSorter(share ? { share } : {});
  return [...progressiveFilling(quantities(instance.capacity), instance.demands.map(quantities), make).tasks];
}

/** A fraction num/den with den > 0, compared exactly by cross-multiplication. */
type Fraction = readonly [number, number];
const greater = (a: Fraction, b: Fraction) => a[0] * b[1] > b[0] * a[1];
function largest(fractions: readonly Fraction[]): Fraction {
  return fractions.reduce((best, f) => (greater(f, best) ? f : best));
}

/** The dominant share of one task: the largest fraction of any resource it takes. */
function taskShare(instance: Instance, demand: readonly number[]): Fraction {
  return largest(demand.map((x, r): Fraction => [x, instance.capacity[r]!]));
}

/** How many tasks of `demand` fit in `times` copies of `bundle`. */
function tasksIn(bundle: readonly number[], times: number, demand: readonly number[]): number {
  let fit = Number.POSITIVE_INFINITY;
  demand.forEach((x, r) => {
    if (x > 0) fit = Math.min(fit, Math.floor((times * bundle[r]!) / x));
  });
  return fit;
}

/** What is left of the capacity after `tasks`. */
function leftover(instance: Instance, tasks: readonly number[]): number[] {
  return instance.capacity.map(
    (c, r) => c - instance.demands.reduce((sum, d, j) => sum + tasks[j]! * d[r]!, 0),
  );
}

/**
 * Sharing incentive, discrete form: one more task would lift user i's dominant share above
 * (1 - δ_i) / n, where δ_i is the largest fraction of any resource that one task of every other
 * user takes together; that is, n (t_i + 1) D_i + δ_i > 1. The undivided form, t_i >= ⌊1 / (n D_i)⌋,
 * fails: a user whose single task takes 90% of the pool can go first and leave the others less than
 * their 1/n.
 * Why it holds: take the moment i's next task first fails to fit (i holds its final t_i tasks, as
 * what is left only shrinks), and r a resource it lacks: the users hold more than C_r - d_ir of r.
 * Every task another user j got before then was given while i's task fitted, so j came first in the
 * order and its share before its last task was at most i's: (t_j - 1) D_j <= t_i D_i, and j holds
 * at most t_i D_i C_r + d_jr of r.
 * Summing, C_r < (t_i + 1) d_ir + (n - 1) t_i D_i C_r + Σ_j d_jr <= n (t_i + 1) D_i C_r + δ_i C_r,
 * as d_ir <= D_i C_r; dividing by C_r gives the bound.
 */
function sharingIncentiveHolds(instance: Instance, tasks: readonly number[]): boolean {
  const n = instance.demands.length;
  return instance.demands.every((demand, i) => {
    const [a, b] = taskShare(instance, demand);
    const [c, e] = largest(
      instance.capacity.map((cap, r): Fraction => {
        const others = instance.demands.reduce((sum, d, j) => sum + (j === i ? 0 : d[r]!), 0);
        return [others, cap];
      }),
    );
    return n * (tasks[i]! + 1) * a * e + c * b > b * e;
  });
}

/**
 * Envy-freeness, discrete form (envy-free up to one task of the envied user): user i cannot run
 * more of its own tasks with user j's bundle less one of j's tasks than with its own, t_i. Without
 * the "less one" it fails: j may get one task far larger than i's before i's share catches up.
 * Why it holds: let r* be i's dominant resource and m tasks of i fit in (t_j - 1) d_j. If i's task
 * still fitted when j got its last task, j came first in the order, so (t_j - 1) D_j <= t_i D_i, and
 * m d_ir* <= (t_j - 1) d_jr* <= (t_j - 1) D_j C_r* <= t_i D_i C_r* = t_i d_ir*, so m <= t_i. If i was
 * already blocked on a resource r, j got less than d_ir of r after that, and its tasks before obey
 * the same share bound. Writing d_jx = ρ_x D_j C_x and d_ix = σ_x D_i C_x (ρ, σ <= 1, σ_r* = 1), j's
 * r bounds m below t_i ρ_r / σ_r + 1 and j's r* bounds m below t_i ρ_r* + σ_r ρ_r* / ρ_r; for m to
 * reach t_i + 1 the first needs ρ_r > σ_r and the second then ρ_r* > 1, so m <= t_i again.
 */
function envyFreeUpToOneTask(instance: Instance, tasks: readonly number[]): boolean {
  return instance.demands.every((own, i) =>
    instance.demands.every(
      (other, j) => i === j || tasks[j]! === 0 || tasksIn(other, tasks[j]! - 1, own) <= tasks[i]!,
    ),
  );
}

/**
 * Pareto efficiency, discrete form: when filling stops, no user's next task fits in what is left,
 * so no user can run another task without taking from another. This holds by the loop's own
 * condition whatever the order; the check guards the loop (skip a user whose task does not fit,
 * do not stop there) and that nothing is given beyond the capacity.
 */
function paretoEfficient(instance: Instance, tasks: readonly number[]): boolean {
  const left = leftover(instance, tasks);
  if (left.some((x) => x < 0)) return false;
  return instance.demands.every((demand) => demand.some((x, r) => x > left[r]!));
}

/** A user who asks for more of some resources than its tasks need. */
interface Lie {
  readonly instance: Instance;
  readonly liar: number;
  readonly extra: readonly number[];
}

const lies: fc.Arbitrary<Lie> = instances.chain((instance) =>
  fc.record({
    instance: fc.constant(instance),
    liar: fc.integer({ min: 0, max: instance.demands.length - 1 }),
    extra: demandOver(instance.capacity.length),
  }),
);

/** True tasks the liar runs when truthful and when lying, and the truthful run's tasks. */
function outcomes({ instance, liar, extra }: Lie) {
  const truthful = fill(instance);
  const reported = instance.demands[liar]!.map((x, r) => x + extra[r]!);
  const lying = fill({ ...instance, demands: instance.demands.map((d, j) => (j === liar ? reported : d)) });
  const trueTasks = tasksIn(reported, lying[liar]!, instance.demands[liar]!);
  return { truthful, reported, trueTasks };
}

/**
 * Strategy-proofness, discrete form: a liar's gain in true tasks, on a resource r its truthful run
 * ran short of (less than one of its tasks left), is less than one task of every user: its own true
 * task, its inflated task and one task of each other user, (m - t) d_r < d_r + d'_r + Σ_j d_jr.
 * Exact strategy-proofness fails (see below), and neither "up to one inflated task" nor "up to one
 * task of every other user" alone holds. This bound is not proven here: it held on every one of
 * over three million random instances searched (this test replays a fixed sample of them). By
 * accounting on r it follows whenever the other users together hold, of r, at most one task each
 * plus one inflated task of the liar less when it lies than when it tells the truth.
 */
function gainWithinOneTaskOfEach(lie: Lie): boolean {
  const { truthful, reported, trueTasks } = outcomes(lie);
  const { instance, liar } = lie;
  const gain = trueTasks - truthful[liar]!;
  if (gain <= 0) return true;
  const own = instance.demands[liar]!;
  const left = leftover(instance, truthful);
  return own.some((x, r) => {
    if (x === 0 || left[r]! >= x) return false;
    const others = instance.demands.reduce((sum, d, j) => sum + (j === liar ? 0 : d[r]!), 0);
    return gain * x < x + reported[r]! + others;
  });
}

const runs = { numRuns: 200 };

describe('DRF progressive filling with discrete tasks', () => {
  it('gives every user its sharing incentive, up to one task of every other user', () => {
    fc.assert(
      fc.property(instances, (instance) => sharingIncentiveHolds(instance, fill(instance))),
      runs,
    );
  });

  it('is envy-free up to one task of the envied user', () => {
    fc.assert(
      fc.property(instances, (instance) => envyFreeUpToOneTask(instance, fill(instance))),
      runs,
    );
  });

  it('is Pareto efficient: no next task fits in what is left', () => {
    fc.assert(
      fc.property(instances, (instance) => paretoEfficient(instance, fill(instance))),
      runs,
    );
  });

  it('lets a liar gain less than one task of every user on a resource it ran short of', () => {
    // A fixed seed: this bound is an empirical finding, checked here on the same instances each run.
    fc.assert(fc.property(lies, gainWithinOneTaskOfEach), { ...runs, seed: 20_111 });
  });

  it('is not exactly strategy-proof with discrete tasks', () => {
    // Capacity <5 cpus, 8 GB>; the first user needs <0.7, 0.2> per task. Truthful, it goes first,
    // the others' first tasks then take the remaining cpus, and it runs 1 task. Asking for
    // <5, 3.5>, it takes all cpus at once, and 7 of its true tasks fit in that one task.
    const instance: Instance = {
      capacity: [50, 80],
      demands: [
        [7, 2],
        [10, 46],
        [44, 18],
        [33, 23],
      ],
    };
    const result = outcomes({ instance, liar: 0, extra: [43, 33] });
    expect(result.truthful[0]).toBe(1);
    expect(result.trueTasks).toBe(7);
    // And such gains are common enough for a random search to find.
    const search = fc.check(
      fc.property(lies, (lie) => outcomes(lie).trueTasks <= fill(lie.instance)[lie.liar]!),
      { numRuns: 2000, seed: 7 },
    );
    expect(search.failed).toBe(true);
  });
});

describe('asset fairness', () => {
  it('breaks the sharing incentive on some input', () => {
    const search = fc.check(
      fc.property(instances, (instance) => sharingIncentiveHolds(instance, fill(instance, assetShare))),
      { numRuns: 2000, seed: 3 },
    );
    expect(search.failed).toBe(true);
  });
});

describe('DRF with divisible demands (the paper setting, where the four properties hold exactly)', () => {
  /** A relative slack for float rounding, far below any effect a broken policy has. */
  const slack = 1e-9;
  const usersOf = (instance: Instance) => instance.demands.map((demand) => ({ demand }));
  const dominant = (instance: Instance, demand: readonly number[]) =>
    Math.max(...demand.map((d, r) => d / instance.capacity[r]!));
  /** Tasks of `demand` that fit in `bundle` (the amounts a user was given). */
  const tasksIn = (bundle: readonly number[], demand: readonly number[]) =>
    Math.min(...demand.flatMap((d, r) => (d > 0 ? [bundle[r]! / d] : [])));
  const bundle = (x: number, demand: readonly number[]) => demand.map((d) => x * d);

  it('gives every user at least a 1/n dominant share (sharing incentive)', () => {
    fc.assert(
      fc.property(instances, (instance) => {
        const x = divisibleDrf(instance.capacity, usersOf(instance));
        const n = instance.demands.length;
        return instance.demands.every((d, i) => x[i]! * dominant(instance, d) >= (1 / n) * (1 - slack));
      }),
      runs,
    );
  });

  it('leaves no user preferring the bundle of another (envy-freeness)', () => {
    fc.assert(
      fc.property(instances, (instance) => {
        const x = divisibleDrf(instance.capacity, usersOf(instance));
        return instance.demands.every((di, i) =>
          instance.demands.every((dj, j) => i === j || tasksIn(bundle(x[j]!, dj), di) <= x[i]! * (1 + slack)),
        );
      }),
      runs,
    );
  });

  it('blocks every user on a resource that is used up (Pareto efficiency)', () => {
    fc.assert(
      fc.property(instances, (instance) => {
        const x = divisibleDrf(instance.capacity, usersOf(instance));
        const used = instance.capacity.map((_, r) =>
          instance.demands.reduce((s, d, i) => s + x[i]! * d[r]!, 0),
        );
        return instance.demands.every((d) =>
          d.some((v, r) => v > 0 && used[r]! >= instance.capacity[r]! * (1 - 1e-6)),
        );
      }),
      runs,
    );
  });

  it('gives a user that misreports its demand no more of its true tasks (strategy-proofness)', () => {
    const misreports = instances.chain((instance) =>
      fc.record({
        instance: fc.constant(instance),
        liar: fc.integer({ min: 0, max: instance.demands.length - 1 }),
        reported: demandOver(instance.capacity.length),
      }),
    );
    fc.assert(
      fc.property(misreports, ({ instance, liar, reported }) => {
        const truthful = divisibleDrf(instance.capacity, usersOf(instance))[liar]!;
        const told = usersOf(instance).map((u, i) => (i === liar ? { demand: reported } : u));
        const given = divisibleDrf(instance.capacity, told)[liar]!;
        return tasksIn(bundle(given, reported), instance.demands[liar]!) <= truthful * (1 + slack);
      }),
      { numRuns: 500 },
    );
  });

  it('matches the example of the DRF paper: A gets 3 tasks, B 2, both at a dominant share of 2/3', () => {
    const x = divisibleDrf([9, 18], [{ demand: [1, 4] }, { demand: [3, 1] }]);
    expect(x[0]).toBeCloseTo(3, 9);
    expect(x[1]).toBeCloseTo(2, 9);
  });
});
