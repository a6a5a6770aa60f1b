// Framework models under random offers, updates, rescinds and timer ticks: no model ever launches
// more than an offer holds, reuses a task id, answers an offer it does not hold (never given,
// already answered, or rescinded), launches part of a gang, or loses count of its running tasks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FrameworkCall } from '../../engine/master/scheduler-api.ts';
import type { Offer, TaskState } from '../../engine/master/v1.ts';
import {
  addQuantities,
  containsQuantities,
  isEmptyQuantities,
  type Quantities,
} from '../../engine/quantities.ts';
import { contains, normalize, toQuantities } from '../../engine/resources.ts';
import { createRng } from '../../engine/rng.ts';
import type { JobFramework } from '../../engine/scheduling/job-framework.ts';
import { createFrameworkLogic, type FrameworkKind } from '../../engine/scheduling/registry.ts';
import type { Job } from '../../workloads/job.ts';
import { createBlockPlacement } from '../../workloads/placement.ts';
import { gangJob, hadoopJob, offer, serviceJob, sparkJob } from '../unit/scheduling-harness.ts';

const hosts = ['h0', 'h1', 'h2', 'h3'];
const rackOf = (host: string) => (host === 'h0' || host === 'h1' ? 'r0' : 'r1');

type Action =
  | { type: 'offers'; offers: Array<{ host: number; cpus: number; mem: number }> }
  | { type: 'update'; pick: number; state: TaskState; stale: boolean }
  | { type: 'rescind'; pick: number }
  | { type: 'time'; dt: number }
  | { type: 'submit' };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('offers' as const),
      offers: fc.array(
        fc.record({
          host: fc.nat(hosts.length - 1),
          cpus: fc.integer({ min: 1, max: 12 }).map((n) => n / 2),
          mem: fc.integer({ min: 1, max: 8 }).map((n) => n * 512),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('update' as const),
      pick: fc.nat(),
      state: fc.constantFrom<TaskState>(
        'TASK_RUNNING',
        'TASK_FINISHED',
        'TASK_FINISHED',
        'TASK_LOST',
        'TASK_FAILED',
        'TASK_KILLED',
      ),
      stale: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('rescind' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant('time' as const), dt: fc.integer({ min: 1, max: 20_000 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ type: 'submit' as const }) },
);

/** A model configuration and the jobs it will be given. */
const setupArb = fc.record({
  kind: fc.constantFrom<FrameworkKind>('hadoop', 'mpi', 'spark', 'service'),
  fair: fc.boolean(),
  delay_ms: fc.constantFrom(0, 1000, 5000),
  strategy: fc.constantFrom('hold' as const, 'decline' as const),
  backfill: fc.boolean(),
  sizes: fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 3 })), {
    minLength: 1,
    maxLength: 4,
  }),
});

type Setup = typeof setupArb extends fc.Arbitrary<infer T> ? T : never;

/** The jobs of a setup, one per size pair. */
function jobsOf(setup: Setup): Job[] {
  return setup.sizes.map(([a, b], k) => {
    const id = `job/${k}`;
    if (setup.kind === 'hadoop') return hadoopJob(id, a, b);
    if (setup.kind === 'mpi') return gangJob(id, a);
    if (setup.kind === 'spark') return sparkJob(id, b + 1, a);
    return serviceJob(id, a);
  });
}

/** The framework of a setup, subscribed. */
function frameworkOf(setup: Setup): JobFramework {
  const policy = setup.fair ? ('fair' as const) : ('fifo' as const);
  const blocks = createBlockPlacement(
    hosts.map((hostname) => ({ hostname, rack: rackOf(hostname) })),
    createRng('blocks'),
  );
  const f =
    setup.kind === 'hadoop'
      ? createFrameworkLogic('hadoop', { policy, delay_ms: setup.delay_ms }, { blocks })
      : setup.kind === 'spark'
        ? createFrameworkLogic('spark', { policy, delay_ms: setup.delay_ms }, { blocks })
        : setup.kind === 'mpi'
          ? createFrameworkLogic('mpi', { policy, strategy: setup.strategy, backfill: setup.backfill })
          : createFrameworkLogic('service', { policy, per_host_max: 2 });
  f.subscribed('F', 0);
  return f;
}

/** What the test knows of the offers and tasks of one run. */
interface World {
  now: number;
  offerCount: number;
  outstanding: Map<string, Offer>;
  everLaunched: Set<string>;
  live: string[];
  gone: string[];
  gangSize: Map<string, number>;
}

/** Checks one batch of calls against the world, and applies it. */
function check(world: World, calls: readonly FrameworkCall[], gangs: boolean): void {
  const launchedPerJob = new Map<string, number>();
  for (const call of calls) {
    if (call.type === 'ACCEPT') {
      expect(call.accept.offer_ids).toHaveLength(1);
      const id = call.accept.offer_ids[0]!.value;
      const held = world.outstanding.get(id);
      expect(held, `ACCEPT of offer ${id}, which it does not hold`).toBeDefined();
      world.outstanding.delete(id);
      let used: Quantities = {};
      const resources = [];
      for (const op of call.accept.operations ?? []) {
        for (const task of op.launch?.task_infos ?? []) {
          expect(world.everLaunched.has(task.task_id.value), `task id ${task.task_id.value} reused`).toBe(
            false,
          );
          expect(task.agent_id).toEqual(held!.agent_id);
          world.everLaunched.add(task.task_id.value);
          world.live.push(task.task_id.value);
          used = addQuantities(used, toQuantities(task.resources));
          resources.push(...task.resources);
          const job = task.labels?.labels.find((l) => l.key === 'meso.job')?.value ?? '';
          launchedPerJob.set(job, (launchedPerJob.get(job) ?? 0) + 1);
        }
      }
      expect(isEmptyQuantities(used)).toBe(false);
      expect(containsQuantities(toQuantities(held!.resources), used)).toBe(true);
      expect(contains(held!.resources, normalize(resources))).toBe(true);
    } else if (call.type === 'DECLINE') {
      for (const { value } of call.decline.offer_ids) {
        expect(world.outstanding.has(value), `DECLINE of offer ${value}, which it does not hold`).toBe(true);
        world.outstanding.delete(value);
      }
    } else if (call.type === 'KILL') {
      const id = call.kill.task_id.value;
      expect(world.everLaunched.has(id)).toBe(true);
      world.live = world.live.filter((t) => t !== id);
      world.gone.push(id);
    }
  }
  if (gangs) {
    for (const [job, n] of launchedPerJob)
      expect(n, `gang ${job} launched in part`).toBe(world.gangSize.get(job));
  }
}

/** Performs one action; returns the calls the framework made. */
function act(world: World, f: JobFramework, action: Action, jobs: Job[]): FrameworkCall[] {
  switch (action.type) {
    case 'offers': {
      const offers = action.offers.map((o) => {
        const host = hosts[o.host]!;
        const made = offer(`O${++world.offerCount}`, host, `cpus:${o.cpus};mem:${o.mem}`, rackOf(host));
        world.outstanding.set(made.id.value, made);
        return made;
      });
      return f.offers(offers, world.now);
    }
    case 'update': {
      const pool = action.stale && world.gone.length > 0 ? world.gone : world.live;
      if (pool.length === 0) return [];
      const id = pool[action.pick % pool.length]!;
      if (pool === world.live && action.state !== 'TASK_RUNNING') {
        world.live = world.live.filter((t) => t !== id);
        world.gone.push(id);
      }
      return f.update(
        { task_id: { value: id }, state: action.state, agent_id: { value: 'a' }, uuid: 'dQ==' },
        world.now,
      );
    }
    case 'rescind': {
      const ids = [...world.outstanding.keys()];
      if (ids.length === 0) return [];
      const id = ids[action.pick % ids.length]!;
      world.outstanding.delete(id);
      return f.rescinded(id, world.now);
    }
    case 'time': {
      world.now += action.dt;
      const due = f.nextTick_ms?.();
      return due !== undefined && due <= world.now ? (f.tick?.(world.now) ?? []) : [];
    }
    case 'submit': {
      const job = jobs.shift();
      return job === undefined ? [] : f.submit(job, world.now);
    }
  }
}

describe('framework models under random offers and updates', () => {
  it('launch only within offers they hold, with fresh task ids, gangs whole, running counts exact', () => {
    fc.assert(
      fc.property(setupArb, fc.array(actionArb, { minLength: 1, maxLength: 60 }), (setup, actions) => {
        const f = frameworkOf(setup);
        const jobs = jobsOf(setup);
        const world: World = {
          now: 0,
          offerCount: 0,
          outstanding: new Map(),
          everLaunched: new Set(),
          live: [],
          gone: [],
          gangSize: new Map(jobs.map((j) => [j.id, j.phases[0]!.tasks.length])),
        };
        // The first job is there from the start, so that offers meet work.
        check(world, f.submit(jobs.shift()!, 0), false);
        for (const action of actions) {
          check(world, act(world, f, action, jobs), setup.kind === 'mpi' && action.type !== 'update');
          expect(f.status().tasks_running).toBe(world.live.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
