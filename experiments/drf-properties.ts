// The DRF paper's allocation properties checked empirically (Ghodsi et al., NSDI 2011, section 4 and
// Table 2). For one policy, on seeded random inputs (a pool of CPUs and memory, two to four users
// each with one task shape), the allocation is computed and three properties are tested:
//   sharing incentive  every user runs at least the tasks it could in a 1/n slice of every resource;
//   strategy-proofness no user runs more of its real tasks by declaring another demand (each resource
//                      of its demand scaled by 0.5, 1.5, 2 or 4) and using what it is given;
//   envy-freeness      no user could run more tasks with another user's allocation than with its own.
// With whole tasks a user may fall one task short of its slice or of another's allocation only
// because tasks do not divide, so those two are also counted when the shortfall exceeds one task.
// Policies: DRF and asset fairness by progressive filling with the engine's sorters (discrete tasks),
// divisible DRF (the paper's continuous setting), slot-based fair sharing (Hadoop's: a task takes
// whole slots of 1 CPU and `slot_mem` GB, and slots are shared equally) and FIFO. The DRF paper's
// example (9 CPUs, 18 GB; A runs <1 CPU, 4 GB> tasks, B <3 CPUs, 1 GB>) is computed under each.
import { divisibleDrf } from '../engine/allocator/divisible-drf.ts';
import { DrfSorter } from '../engine/allocator/drf-sorter.ts';
import { FifoSorter } from '../engine/allocator/fifo-sorter.ts';
import { progressiveFilling } from '../engine/allocator/progressive-filling.ts';
import { assetShare } from '../engine/allocator/share.ts';
import type { Sorter } from '../engine/allocator/sorter.ts';
import { createRng, type Rng } from '../engine/rng.ts';
import type { Metrics } from './measures.ts';
import type { Vars } from './template.ts';

/** Policies the property checks know. */
export const property_policies = ['drf', 'drf-divisible', 'asset', 'slots', 'fifo'] as const;
type PropertyPolicy = (typeof property_policies)[number];

/** An input: capacity and per-task demand by resource index (0 = cpus, 1 = mem in GB). */
interface Input {
  readonly capacity: readonly number[];
  readonly demands: ReadonlyArray<readonly number[]>;
}

/** Tasks each user gets (fractional for divisible DRF) and what each holds, by resource. */
interface Allocation {
  readonly tasks: readonly number[];
  readonly held: ReadonlyArray<readonly number[]>;
}

/** The factors a strategic user scales one resource of its demand by. */
const lie_factors = [0.5, 1.5, 2, 4];
/** Slack for comparisons of divisible (floating-point) allocations. */
const epsilon = 1e-9;

const toQ = (v: readonly number[]) => ({ cpus: v[0]!, mem: v[1]! });

function fill(input: Input, makeSorter: () => Sorter): Allocation {
  const r = progressiveFilling(toQ(input.capacity), input.demands.map(toQ), makeSorter);
  return {
    tasks: r.tasks,
    held: r.tasks.map((t, i) => input.demands[i]!.map((d) => t * d)),
  };
}

/** Slot-based fair sharing: slots of 1 CPU and `slotMem` GB, a task takes the whole slots it covers. */
function fillSlots(input: Input, slotMem: number): Allocation {
  const slot = [1, slotMem];
  const slots = Math.floor(Math.min(...input.capacity.map((c, r) => c / slot[r]!)));
  const per = input.demands.map((d) => Math.max(1, ...d.map((x, r) => Math.ceil(x / slot[r]! - epsilon))));
  const r = progressiveFilling(
    { slots },
    per.map((s) => ({ slots: s })),
    () => new DrfSorter(),
  );
  return { tasks: r.tasks, held: r.tasks.map((t, i) => slot.map((s) => t * per[i]! * s)) };
}

function allocate(policy: PropertyPolicy, input: Input, slotMem: number): Allocation {
  switch (policy) {
    case 'drf':
      return fill(input, () => new DrfSorter());
    case 'asset':
      return fill(input, () => new DrfSorter({ share: assetShare }));
    case 'fifo':
      return fill(input, () => new FifoSorter());
    case 'slots':
      return fillSlots(input, slotMem);
    case 'drf-divisible': {
      const tasks = divisibleDrf(
        input.capacity,
        input.demands.map((demand) => ({ demand })),
      );
      return { tasks, held: tasks.map((t, i) => input.demands[i]!.map((d) => t * d)) };
    }
  }
}

/** Tasks of `demand` that `held` can run (whole tasks unless divisible). */
function runnable(held: readonly number[], demand: readonly number[], divisible: boolean): number {
  const x = Math.min(...demand.map((d, r) => (d > 0 ? held[r]! / d : Number.POSITIVE_INFINITY)));
  return divisible ? x : Math.floor(x + epsilon);
}

/** Which properties an allocation breaks on an input. */
function violations(policy: PropertyPolicy, input: Input, slotMem: number) {
  const divisible = policy === 'drf-divisible';
  const a = allocate(policy, input, slotMem);
  const n = input.demands.length;
  const slice = input.capacity.map((c) => c / n);
  let si = 0;
  let ef = 0;
  let sp = false;
  input.demands.forEach((d, i) => {
    // How many tasks short of its slice, and of the best other allocation, the user is.
    si = Math.max(si, runnable(slice, d, divisible) - a.tasks[i]!);
    for (let j = 0; j < n; j++)
      if (j !== i) ef = Math.max(ef, runnable(a.held[j]!, d, divisible) - a.tasks[i]!);
    for (let r = 0; r < d.length && !sp; r++) {
      for (const f of lie_factors) {
        const lie = d.map((x, k) => (k === r ? Math.round(x * f * 1000) / 1000 : x));
        if (lie[r]! <= 0) continue;
        const demands = input.demands.map((other, k) => (k === i ? lie : other));
        const b = allocate(policy, { capacity: input.capacity, demands }, slotMem);
        if (runnable(b.held[i]!, d, divisible) > a.tasks[i]! + epsilon) {
          sp = true;
          break;
        }
      }
    }
  });
  return { si: si > epsilon, si2: si > 1 + epsilon, ef: ef > epsilon, ef2: ef > 1 + epsilon, sp };
}

function randomInput(rng: Rng): Input {
  const users = 2 + rng.int(3);
  const capacity = [8 + rng.int(57), 16 + rng.int(241)];
  const demands = Array.from({ length: users }, () => [1 + rng.int(4), 1 + rng.int(16)]);
  return { capacity, demands };
}

/** The DRF paper's example under `policy`: tasks, CPUs, memory and dominant share of users A and B. */
function example(policy: PropertyPolicy, slotMem: number): Metrics {
  const input: Input = {
    capacity: [9, 18],
    demands: [
      [1, 4],
      [3, 1],
    ],
  };
  const a = allocate(policy, input, slotMem);
  const out: Metrics = {};
  ['A', 'B'].forEach((user, i) => {
    const held = a.held[i]!;
    out[`example.${user}_tasks`] = a.tasks[i]!;
    out[`example.${user}_cpus`] = held[0]!;
    out[`example.${user}_mem_gb`] = held[1]!;
    out[`example.${user}_dominant_share`] = Math.max(...held.map((h, r) => h / input.capacity[r]!));
  });
  return out;
}

/** Runs the property checks of one policy (vars: policy, inputs, slot_mem_gb) with `seed`. */
export function runDrfProperties(vars: Vars, seed: string): Metrics {
  const policy = vars.policy as PropertyPolicy;
  if (!property_policies.includes(policy))
    throw new Error(
      `drf-properties: policy '${String(vars.policy)}' is not one of ${property_policies.join(', ')}`,
    );
  const inputs = typeof vars.inputs === 'number' ? vars.inputs : 200;
  const slotMem = typeof vars.slot_mem_gb === 'number' ? vars.slot_mem_gb : 2;
  const rng = createRng(seed).fork('drf-properties');
  const counts = { si: 0, si2: 0, sp: 0, ef: 0, ef2: 0 };
  for (let k = 0; k < inputs; k++) {
    // Every policy sees the same inputs: each input is drawn from its own stream.
    const v = violations(policy, randomInput(rng.fork(`input/${k}`)), slotMem);
    for (const key of Object.keys(counts) as Array<keyof typeof counts>) if (v[key]) counts[key]++;
  }
  return {
    inputs,
    si_violations: counts.si / inputs,
    si_violations_beyond_one_task: counts.si2 / inputs,
    sp_violations: counts.sp / inputs,
    ef_violations: counts.ef / inputs,
    ef_violations_beyond_one_task: counts.ef2 / inputs,
    ...example(policy, slotMem),
  };
}
