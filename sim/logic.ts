// The framework logic each simulated framework runs: a workload model from engine/scheduling's
// registry (Hadoop, MPI, Spark, services), fed jobs at their submit times, or a plain task launcher
// that wants a number of identical tasks. Hadoop and Spark find their input blocks through one
// simulated HDFS shared by every framework of the run, placed over the agents from its own stream.
import type { FrameworkCall } from '../engine/master/scheduler-api.ts';
import { parseQuantities, type Quantities } from '../engine/quantities.ts';
import type { FrameworkLogic } from '../engine/scheduling/framework-logic.ts';
import type { JobEvent } from '../engine/scheduling/job-events.ts';
import { createFrameworkLogic, type FrameworkParams } from '../engine/scheduling/registry.ts';
import { createTaskLauncher, type TaskLauncherStatus } from '../engine/scheduling/task-launcher.ts';
import type { Job } from '../workloads/job.ts';
import type { BlockPlacement } from '../workloads/placement.ts';
import type { FrameworkConfig } from './config.ts';

/** A framework's logic as the simulator drives it. */
export interface SimLogic {
  readonly logic: FrameworkLogic;
  /** Hands a job to the framework (job-queue models only). */
  readonly submit: ((job: Job, now: number) => FrameworkCall[]) | undefined;
  /** Progress of a task launcher (launchers only). */
  readonly launcherStatus: (() => TaskLauncherStatus) | undefined;
  /** True for a launcher with a finite demand: the run waits for it as for a job. */
  readonly finite: boolean;
}

/** What a framework's logic may need from the simulator. */
export interface LogicDeps {
  /** The simulated HDFS, for locality. */
  readonly blocks: BlockPlacement;
  readonly on_event: (event: JobEvent) => void;
}

/**
 * How long the master keeps a framework's tasks after it disconnects, unless the params say
 * otherwise: a week, as production frameworks set it (Marathon's default). With the models' own
 * default of 0, a master taking over would remove every framework before it could re-subscribe.
 */
const sim_failover_timeout_seconds = 604_800;

/** The launcher's parameters and their defaults. */
const launcher_defaults = {
  task: 'cpus:1;mem:1024',
  tasks: 100,
  per_offer: 1_000_000,
  refuse_seconds: 5,
  duration_ms: 60_000,
  suppress_when_done: true,
  failover_timeout_seconds: sim_failover_timeout_seconds,
};

/** Creates a task launcher from config parameters. */
function launcherOf(config: FrameworkConfig): SimLogic {
  const p = { ...launcher_defaults };
  for (const [key, value] of Object.entries(config.params)) {
    if (!Object.hasOwn(launcher_defaults, key))
      throw new Error(
        `framework ${config.name}: unknown launcher parameter '${key}'; known: ${Object.keys(launcher_defaults).join(', ')}`,
      );
    const expected = typeof launcher_defaults[key as keyof typeof launcher_defaults];
    if (typeof value !== expected)
      throw new Error(`framework ${config.name}: parameter '${key}' must be a ${expected}`);
    (p as Record<string, unknown>)[key] = value;
  }
  let task: Quantities;
  try {
    task = parseQuantities(p.task);
  } catch (error) {
    throw new Error(`framework ${config.name}: task '${p.task}': ${(error as Error).message}`);
  }
  const launcher = createTaskLauncher({
    name: config.name,
    roles: config.roles,
    task,
    tasks: p.tasks,
    per_offer: p.per_offer,
    refuse_seconds: p.refuse_seconds,
    duration_ms: p.duration_ms,
    suppress_when_done: p.suppress_when_done,
    failover_timeout_seconds: p.failover_timeout_seconds,
  });
  return {
    logic: launcher,
    submit: undefined,
    launcherStatus: () => launcher.status(),
    finite: Number.isFinite(p.tasks),
  };
}

/** Creates the logic of one framework of the run. */
export function createLogic(config: FrameworkConfig, deps: LogicDeps): SimLogic {
  if (config.kind === 'launcher') return launcherOf(config);
  if (config.roles.length !== 1)
    throw new Error(`framework ${config.name}: a ${config.kind} framework subscribes with exactly one role`);
  const params = {
    failover_timeout_seconds: sim_failover_timeout_seconds,
    ...config.params,
    name: config.name,
    role: config.roles[0]!,
  } as Partial<FrameworkParams[typeof config.kind]>;
  const framework = createFrameworkLogic(config.kind, params, {
    blocks: deps.blocks,
    on_event: deps.on_event,
  });
  return {
    logic: framework,
    submit: (job, now) => framework.submit(job, now),
    launcherStatus: undefined,
    finite: false,
  };
}
