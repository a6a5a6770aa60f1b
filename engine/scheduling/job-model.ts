// The job-queue framework's face (job-framework.ts): its configuration, what hosts see of it, and
// the seams between it and a framework model (Hadoop, MPI, Spark, services). The framework keeps the
// jobs, their tasks and the talk with the master; a model only decides which task goes on which
// offer, and how a lost task is handled.

import type { FrameworkCall } from '../master/scheduler-api.ts';
import type { Id, TaskInfo, TaskState } from '../master/v1.ts';
import type { FrameworkLogic } from './framework-logic.ts';
import type { Job } from './job.ts';
import type { JobEvent, Locality } from './job-events.ts';
import { type QueuePolicy, queuePolicies } from './job-order.ts';
import type { JobRun } from './job-run.ts';
import type { OfferSpace } from './offer-space.ts';

/** What every job-queue framework is configured with. */
export interface JobFrameworkConfig {
  /** The framework's name, as it subscribes. */
  readonly name: string;
  /** The role its offers come from. */
  readonly role: string;
  /** The user its tasks run as. */
  readonly user: string;
  /** How the framework orders its own jobs. */
  readonly policy: QueuePolicy;
  /** Filter asked for when declining offers (and unused parts of accepted ones), in seconds. */
  readonly refuse_seconds: number;
  /** Filter on offers passed over only to wait for a better placement, in seconds. */
  readonly wait_refuse_seconds: number;
  /** Failed attempts (TASK_FAILED) of one task before its job is failed; 0 for no limit. */
  readonly attempts_max: number;
  /** How long the master keeps the framework's tasks after it disconnects, in seconds. */
  readonly failover_timeout_seconds: number;
}

/** Throws unless the configuration can work. */
export function checkJobFrameworkConfig(config: JobFrameworkConfig): void {
  const what = `framework ${config.name}`;
  if (config.name === '') throw new Error('a framework needs a name');
  if (!queuePolicies.includes(config.policy)) {
    throw new Error(
      `${what}: policy must be one of ${queuePolicies.join(', ')}, got ${String(config.policy)}`,
    );
  }
  for (const key of ['refuse_seconds', 'wait_refuse_seconds', 'failover_timeout_seconds'] as const) {
    if (!(config[key] >= 0) || !Number.isFinite(config[key])) throw new Error(`${what}: ${key} must be >= 0`);
  }
  if (!Number.isInteger(config.attempts_max) || config.attempts_max < 0) {
    throw new Error(`${what}: attempts_max must be a whole number (0 for no limit)`);
  }
}

/** Totals of a job-queue framework, for hosts and tests. */
export interface JobFrameworkStatus {
  /** Jobs waiting for the job named by their `after`. */
  readonly jobs_waiting: number;
  /** Jobs that may run and have not ended. */
  readonly jobs_queued: number;
  readonly jobs_finished: number;
  readonly jobs_failed: number;
  /** Tasks that could be launched now. */
  readonly tasks_pending: number;
  /** Tasks launched and not yet ended. */
  readonly tasks_running: number;
  readonly suppressed: boolean;
}

/** One job as the framework sees it. */
export interface JobView {
  readonly state: 'waiting' | 'queued' | 'finished' | 'failed';
  readonly phase: number;
  readonly pending: number;
  readonly running: number;
  /** Tasks of the current phase finished. */
  readonly finished: number;
}

/** A framework logic that takes jobs. */
export interface JobFramework extends FrameworkLogic {
  /** The framework received a job at `now`; returns the calls that follow (a REVIVE). */
  submit(job: Job, now: number): FrameworkCall[];
  /** The events since the last call, oldest first (empty when events go to an `on_event` callback). */
  jobEvents(): JobEvent[];
  status(): JobFrameworkStatus;
  /** A job's state; undefined for a job never submitted. */
  job(id: string): JobView | undefined;
}

/** What a job framework takes besides its configuration. */
export interface JobFrameworkDeps {
  /** Receives each event as it happens, instead of `jobEvents()` collecting them. */
  readonly on_event?: (event: JobEvent) => void;
}

/** A model's answer for one job and one offer: launch this task, wait for a better offer, or nothing fits. */
export type TaskChoice = { readonly index: number; readonly locality?: Locality } | 'wait' | 'none';

/** What a model may ask of the framework it runs in. */
export interface JobQueue {
  readonly config: JobFrameworkConfig;
  /** The framework id (throws before SUBSCRIBED). */
  frameworkId(): Id;
  /** Jobs with tasks to launch now, in the framework's policy order. */
  runnable(): JobRun[];
  /** The policy's order on jobs. */
  compare(a: JobRun, b: JobRun): number;
  /** Launches task `index` of `run`'s current phase from `space`; throws if it does not fit. */
  launch(run: JobRun, index: number, space: OfferSpace, now: number, locality?: Locality): TaskInfo;
  /** ACCEPTs the offers that have tasks and DECLINEs the others (each with its filter). */
  answer(spaces: readonly OfferSpace[], now: number): FrameworkCall[];
  /** DECLINEs offers with a filter of `refuse_seconds`. */
  decline(offerIds: readonly Id[], refuse_seconds: number): FrameworkCall[];
  /** Kills every running task of `run`'s phase and starts the phase over (gangs). */
  restartPhase(run: JobRun, now: number): FrameworkCall[];
  /** The rack of a host, as its offers said; undefined for a host never offered. */
  rackOf(hostname: string): string | undefined;
}

/** A framework model: how a job-queue framework places tasks, plus optional hooks. */
export interface JobModel {
  /** Picks a task of `run`'s current phase for `space`; used when `answerOffers` is not given. */
  choose?(run: JobRun, space: OfferSpace, now: number): TaskChoice;
  /** Answers a whole batch of offers (gangs need them together); replaces the per-offer loop. */
  answerOffers?(queue: JobQueue, spaces: readonly OfferSpace[], now: number): FrameworkCall[];
  /**
   * The run time of task `index` of `run` launched at `locality` (Hadoop: longer when it reads its
   * block from another host); the task's own `duration_ms` when absent.
   */
  runTime_ms?(run: JobRun, index: number, locality: Locality | undefined): number;
  /** Task `index` of `run` was launched from `space`. */
  taskLaunched?(run: JobRun, index: number, space: OfferSpace, now: number): void;
  /** Task `index` of `run` ended on `hostname` in `state` (before it is requeued, if it is). */
  taskEnded?(run: JobRun, index: number, hostname: string, state: TaskState, now: number): void;
  /** Task `index` of `run` waits again after a bad ending. */
  taskRequeued?(run: JobRun, index: number, now: number): void;
  /**
   * Task `index` of `run` ended badly (`failed`: by its own fault). Return calls to handle it
   * yourself (a gang restarts its phase), after `run.abandon(index)` since the task still counts as
   * running; undefined lets the framework requeue the task.
   */
  taskLost?(
    queue: JobQueue,
    run: JobRun,
    index: number,
    failed: boolean,
    now: number,
  ): FrameworkCall[] | undefined;
  /** The master took back an offer the model may be holding. */
  rescinded?(queue: JobQueue, offerId: string, now: number): FrameworkCall[];
  /** The framework subscribed again (master failover): offers held from before are void. */
  resubscribed?(): void;
  /** When the model next wants `tick`, in ms. */
  nextTick_ms?(): number | undefined;
  /** The model's timer is due. */
  tick?(queue: JobQueue, now: number): FrameworkCall[];
}

/** Picks the first pending task of the job in queue order, if it fits: no placement preference. */
export function chooseFirstPending(run: JobRun, space: OfferSpace): TaskChoice {
  const i = run.nextPending();
  if (i === undefined) return 'none';
  return space.fits(run.tasks()[i]!) ? { index: i } : 'none';
}
