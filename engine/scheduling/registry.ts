// The framework models by name, for experiment files, the simulator and live example frameworks:
// `createFrameworkLogic('hadoop', { delay_ms: 1000 }, { blocks })`. Each model's parameters have
// defaults here (reasons in engine/scheduling/README.md); an override of a name the model does not
// know, or of the wrong type, is refused with a message naming the known ones.

import { refuse_seconds_default } from '../constants.ts';
import { type BlockLocator, createHadoopFramework, type HadoopParams } from './hadoop.ts';
import type { Framework } from './job.ts';
import type { JobEvent } from './job-events.ts';
import type { JobFramework } from './job-framework.ts';
import type { JobFrameworkConfig } from './job-model.ts';
import { createMpiFramework, type MpiParams } from './mpi.ts';
import { createServiceFramework, type ServiceParams } from './service.ts';
import { createSparkFramework, type SparkParams } from './spark.ts';

/** The parameters of each framework model. */
export interface FrameworkParams {
  hadoop: HadoopParams;
  mpi: MpiParams;
  spark: SparkParams;
  service: ServiceParams;
}

/** The name of a framework model; the same names as a Job's `framework`. */
export type FrameworkKind = keyof FrameworkParams & Framework;

/** What a framework model may need from its host. */
export interface FrameworkDeps {
  /** Block locations (workloads/placement.ts), for Hadoop and Spark locality. */
  readonly blocks?: BlockLocator;
  /** Receives each job event as it happens, instead of `jobEvents()` collecting them. */
  readonly on_event?: (event: JobEvent) => void;
}

/** Defaults every model shares, apart from its name and policy. */
const common: Omit<JobFrameworkConfig, 'name' | 'policy'> = {
  role: '*',
  user: 'root',
  refuse_seconds: refuse_seconds_default,
  wait_refuse_seconds: 1,
  attempts_max: 4,
  failover_timeout_seconds: 0,
};

const defaults: { readonly [K in FrameworkKind]: FrameworkParams[K] } = {
  hadoop: {
    ...common,
    name: 'hadoop',
    policy: 'fair',
    delay_ms: 5000,
    rack_delay_ms: 5000,
    rack_local_factor: 1.2,
    remote_factor: 1.5,
  },
  mpi: { ...common, name: 'mpi', policy: 'fifo', strategy: 'hold', hold_timeout_ms: 30_000, backfill: false },
  spark: { ...common, name: 'spark', policy: 'fifo', delay_ms: 3000, rack_delay_ms: 3000 },
  service: { ...common, name: 'service', policy: 'fifo', attempts_max: 0, per_host_max: 0 },
};

/** The model names, sorted. */
export const frameworkKinds: readonly FrameworkKind[] = (Object.keys(defaults) as FrameworkKind[]).sort();

/** True when `kind` names a framework model. */
function isFrameworkKind(kind: string): kind is FrameworkKind {
  return Object.hasOwn(defaults, kind);
}

/** A model's default parameters (a copy). */
export function frameworkDefaults<K extends FrameworkKind>(kind: K): FrameworkParams[K] {
  return { ...defaults[kind] };
}

/** Fills `overrides` in from the model's defaults; throws on an unknown name or a wrong type. */
export function frameworkParams<K extends FrameworkKind>(
  kind: K,
  overrides: Partial<FrameworkParams[K]> | undefined,
): FrameworkParams[K] {
  if (!isFrameworkKind(kind)) {
    throw new Error(`unknown framework model '${String(kind)}'; known: ${frameworkKinds.join(', ')}`);
  }
  const base = defaults[kind] as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (!Object.hasOwn(base, name)) {
      throw new Error(`${kind}: unknown parameter '${name}'; known: ${Object.keys(base).sort().join(', ')}`);
    }
    if (typeof value !== typeof base[name]) {
      throw new Error(
        `${kind}: parameter '${name}' must be a ${typeof base[name]}, got ${JSON.stringify(value)}`,
      );
    }
  }
  return { ...defaults[kind], ...overrides };
}

/** Creates the named framework model with `params` over its defaults. */
export function createFrameworkLogic<K extends FrameworkKind>(
  kind: K,
  params: Partial<FrameworkParams[K]> | undefined,
  deps: FrameworkDeps = {},
): JobFramework {
  const full = frameworkParams(kind, params);
  const events = deps.on_event === undefined ? {} : { on_event: deps.on_event };
  const blocks = deps.blocks === undefined ? {} : { blocks: deps.blocks };
  switch (kind) {
    case 'hadoop':
      return createHadoopFramework(full as HadoopParams, { ...events, ...blocks });
    case 'spark':
      return createSparkFramework(full as SparkParams, { ...events, ...blocks });
    case 'mpi':
      return createMpiFramework(full as MpiParams, events);
    case 'service':
      return createServiceFramework(full as ServiceParams, events);
    default:
      throw new Error(`unknown framework model '${String(kind)}'`);
  }
}
