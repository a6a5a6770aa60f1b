// Workloads that only experiments need, named in a framework's workload as `{"generate": NAME,
// "params": {...}}`: the locality experiment's scan jobs, the scalability experiment's steady stream
// of normally distributed tasks, and the ramp-up experiment's background tasks and rigid gang. Each
// draws from its own seeded stream, so the same seed gives the same jobs.
import type { Rng } from '../engine/rng.ts';
import type { Job, TaskSpec } from '../workloads/job.ts';
import { isObject } from './json.ts';

/** Parameters of a generator, after defaults. */
type Params = Readonly<Record<string, number | string | boolean>>;

interface Generator {
  readonly defaults: Params;
  readonly generate: (p: Params, rng: Rng) => Job[];
}

const num = (p: Params, key: string): number => {
  const v = p[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`parameter '${key}' must be a number`);
  return v;
};
const whole = (p: Params, key: string, min = 0): number => {
  const v = num(p, key);
  if (!Number.isInteger(v) || v < min) throw new Error(`parameter '${key}' must be a whole number >= ${min}`);
  return v;
};
const ms = (x: number): number => Math.max(0, Math.round(x));

/** A standard normal draw (Box-Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** An exponential draw with the given mean. */
export function exponentialDraw(rng: Rng, mean: number): number {
  return -Math.log(1 - rng.next()) * mean;
}

function task(p: Params, duration_ms: number, preferred?: number): TaskSpec {
  return {
    cpus: num(p, 'cpus'),
    mem_mb: num(p, 'mem_mb'),
    duration_ms: ms(duration_ms),
    ...(preferred === undefined ? {} : { preferred }),
  };
}

/** Map-only jobs, one after another, each scanning its own dataset of `maps` blocks. */
function scanJobs(p: Params, rng: Rng): Job[] {
  const jobs: Job[] = [];
  const jitter = num(p, 'duration_jitter');
  for (let k = 0; k < whole(p, 'jobs', 1); k++) {
    const id = `${p.id_prefix}scan${k}`;
    const maps = whole(p, 'maps', 1);
    const tasks = Array.from({ length: maps }, (_, i) =>
      task(p, num(p, 'map_duration_ms') * (1 + jitter * (2 * rng.next() - 1)), i),
    );
    jobs.push({
      id,
      framework: 'hadoop',
      label: 'scan',
      submit_ms: whole(p, 'submit_ms'),
      phases: [{ kind: 'map', tasks }],
      gang: false,
      input: { dataset: id, blocks: maps },
      ...(k > 0 && p.sequential === true ? { after: jobs[k - 1]!.id } : {}),
    });
  }
  return jobs;
}

/** Jobs of independent tasks with normally distributed run times (truncated below at a floor). */
function steadyTasks(p: Params, rng: Rng): Job[] {
  const jobs: Job[] = [];
  const mean = num(p, 'duration_mean_ms');
  const sd = num(p, 'duration_sd_ms');
  const floor = num(p, 'duration_min_ms');
  for (let k = 0; k < whole(p, 'jobs', 1); k++) {
    const tasks = Array.from({ length: whole(p, 'tasks', 1) }, () =>
      task(p, Math.max(floor, mean + sd * normal(rng))),
    );
    jobs.push({
      id: `${p.id_prefix}job${k}`,
      framework: 'hadoop',
      label: String(p.label),
      submit_ms: whole(p, 'submit_ms') + k * whole(p, 'gap_ms'),
      phases: [{ kind: 'map', tasks }],
      gang: false,
    });
  }
  return jobs;
}

/**
 * Tasks already running when a new framework arrives, one per slot: what is left of each is uniform
 * over [0, T) when every task runs T (they started at random times), or exponential with mean T
 * (memoryless). `offset_ms` is added so they still run when the newcomer is submitted.
 */
function rampBackground(p: Params, rng: Rng): Job[] {
  const T = num(p, 'T_ms');
  const constant = p.distribution === 'constant';
  if (!constant && p.distribution !== 'exponential')
    throw new Error(`parameter 'distribution' must be constant or exponential, got '${p.distribution}'`);
  const tasks = Array.from({ length: whole(p, 'k', 1) }, () =>
    task(p, num(p, 'offset_ms') + (constant ? T * rng.next() : exponentialDraw(rng, T))),
  );
  return [
    {
      id: `${p.id_prefix}background`,
      framework: 'hadoop',
      label: 'background',
      submit_ms: 0,
      phases: [{ kind: 'map', tasks }],
      gang: false,
    },
  ];
}

/** One rigid (MPI) job: `ranks` tasks that must all run at once. */
function gang(p: Params): Job[] {
  const ranks = whole(p, 'ranks', 1);
  return [
    {
      id: `${p.id_prefix}gang`,
      framework: 'mpi',
      label: 'gang',
      submit_ms: whole(p, 'submit_ms'),
      phases: [{ kind: 'gang', tasks: Array.from({ length: ranks }, () => task(p, num(p, 'duration_ms'))) }],
      gang: true,
    },
  ];
}

const generators: Readonly<Record<string, Generator>> = {
  'scan-jobs': {
    defaults: {
      jobs: 1,
      maps: 100,
      map_duration_ms: 10_000,
      duration_jitter: 0.2,
      cpus: 1,
      mem_mb: 1024,
      submit_ms: 0,
      sequential: true,
    },
    generate: scanJobs,
  },
  'steady-tasks': {
    defaults: {
      jobs: 1,
      tasks: 100,
      duration_mean_ms: 30_000,
      duration_sd_ms: 10_000,
      duration_min_ms: 1000,
      cpus: 1,
      mem_mb: 1024,
      submit_ms: 0,
      gap_ms: 0,
      label: 'steady',
    },
    generate: steadyTasks,
  },
  'ramp-background': {
    defaults: { k: 10, T_ms: 60_000, distribution: 'constant', offset_ms: 0, cpus: 1, mem_mb: 512 },
    generate: rampBackground,
  },
  gang: {
    defaults: { ranks: 10, duration_ms: 60_000, submit_ms: 0, cpus: 1, mem_mb: 512 },
    generate: gang,
  },
};

/** Names of the experiment generators. */
export const experimentGeneratorNames: readonly string[] = Object.keys(generators).sort();

/** Generates the named experiment workload; job ids start with `id_prefix` (default `prefix/`). */
export function generateExperimentWorkload(name: string, params: unknown, prefix: string, rng: Rng): Job[] {
  const g = generators[name];
  if (g === undefined)
    throw new Error(
      `experiment generator '${name}' is unknown; known: ${experimentGeneratorNames.join(', ')}`,
    );
  if (params !== undefined && !isObject(params))
    throw new Error(`generator ${name}: params must be an object`);
  const given = (params ?? {}) as Params;
  for (const key of Object.keys(given))
    if (key !== 'id_prefix' && !Object.hasOwn(g.defaults, key))
      throw new Error(
        `generator ${name}: unknown parameter '${key}'; known: ${Object.keys(g.defaults).join(', ')}`,
      );
  const full: Params = { id_prefix: `${prefix}/`, ...g.defaults, ...given };
  try {
    return g.generate(full, rng.fork(name));
  } catch (error) {
    throw new Error(`generator ${name}: ${(error as Error).message}`);
  }
}
