// A framework that runs jobs (job.ts) as they are submitted to it: it keeps them
// queued in a policy order, launches their tasks from offers (through a framework model that picks
// which task goes where), runs phases one after another, holds a job back until the job named by its
// `after` ended, relaunches tasks that were lost or failed, acknowledges updates, suppresses offers
// when it has nothing to run and revives when work arrives. It reports what happens to its jobs as
// JobEvents, for metrics. Like every framework logic it is pure: time is `now`, calls are data.

import type { FrameworkCall } from '../master/scheduler-api.ts';
import {
  type FrameworkInfo,
  type Id,
  type Offer,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
  terminal_task_states,
} from '../master/v1.ts';
import { acceptCall, acknowledgeCalls, declineCalls, killCall, suppressionCall } from './framework-calls.ts';
import type { Job } from './job.ts';
import { JobBook } from './job-book.ts';
import { type JobEvent, type Locality, taskIdOf } from './job-events.ts';
import {
  checkJobFrameworkConfig,
  chooseFirstPending,
  type JobFramework,
  type JobFrameworkConfig,
  type JobFrameworkDeps,
  type JobFrameworkStatus,
  type JobModel,
  type JobQueue,
  type JobView,
} from './job-model.ts';
import { comparatorOf } from './job-order.ts';
import type { JobRun } from './job-run.ts';
import { fillOffers } from './offer-fill.ts';
import { OfferSpace, rackOfOffer } from './offer-space.ts';
import { jobTaskInfo } from './task-info.ts';

export type { JobFramework, JobFrameworkDeps, JobFrameworkStatus, JobView } from './job-model.ts';

/** A task the framework launched and has not seen end. */
interface LaunchedTask {
  readonly run: JobRun;
  readonly index: number;
  readonly agent_id: string;
  readonly hostname: string;
  running: boolean;
}

/**
 * States after which a task no longer runs: the terminal ones and, since the framework is not
 * partition-aware and asks for explicit reconciliation, a task the master calls unreachable or does
 * not know, which is as good as lost and is launched again.
 */
const ended_states: ReadonlySet<TaskState> = new Set<TaskState>([
  ...terminal_task_states,
  'TASK_UNREACHABLE',
  'TASK_UNKNOWN',
]);

/** Creates a job-queue framework that places tasks with `model`. */
export function createJobFramework(
  config: JobFrameworkConfig,
  model: JobModel,
  deps: JobFrameworkDeps = {},
): JobFramework {
  checkJobFrameworkConfig(config);
  return new JobQueueFramework(config, model, deps);
}

class JobQueueFramework implements JobFramework, JobQueue {
  readonly name: string;
  readonly config: JobFrameworkConfig;
  private readonly model: JobModel;
  private readonly book: JobBook;
  private readonly policyCompare: (a: JobRun, b: JobRun) => number;
  private id: string | undefined;
  private suppressed = false;
  private readonly tasks = new Map<string, LaunchedTask>();
  private readonly racks = new Map<string, string>();

  constructor(config: JobFrameworkConfig, model: JobModel, deps: JobFrameworkDeps) {
    this.name = config.name;
    this.config = config;
    this.model = model;
    this.book = new JobBook(`framework ${config.name}`, deps.on_event);
    this.policyCompare = comparatorOf(config.policy);
  }

  // -------------------------------------------------------------------------------------------
  // FrameworkLogic

  frameworkInfo(): FrameworkInfo {
    return {
      user: this.config.user,
      name: this.name,
      ...(this.id === undefined ? {} : { id: { value: this.id } }),
      failover_timeout: this.config.failover_timeout_seconds,
      roles: [this.config.role],
      capabilities: [{ type: 'MULTI_ROLE' }],
    };
  }

  subscribed(frameworkId: string): FrameworkCall[] {
    const resubscribed = this.id !== undefined;
    if (resubscribed && this.id !== frameworkId) {
      throw new Error(`framework ${this.name}: re-subscribed as ${frameworkId}, was ${this.id}`);
    }
    this.id = frameworkId;
    // A (re-)subscription starts unsuppressed in the master, so the framework does too.
    this.suppressed = false;
    const calls: FrameworkCall[] = [];
    if (resubscribed) {
      this.model.resubscribed?.();
      // Explicit reconciliation: the master answers for every task, also those it never heard of
      // (a launch lost in the failover), which then come back TASK_UNKNOWN or LOST and are relaunched.
      const tasks = [...this.tasks].map(([task_id, t]) => ({
        task_id: { value: task_id },
        agent_id: { value: t.agent_id },
      }));
      calls.push({ type: 'RECONCILE', framework_id: this.frameworkId(), reconcile: { tasks } });
    }
    return [...calls, ...this.adjustSuppression()];
  }

  offers(offers: readonly Offer[], now: number): FrameworkCall[] {
    for (const offer of offers) this.racks.set(offer.hostname, rackOfOffer(offer));
    // With nothing to launch (the offers a revive brought in after the job that asked for it
    // launched everything), every offer is declined as it is: no space to carve tasks from.
    if (this.model.answerOffers === undefined && this.book.counters.pending === 0) {
      const ids = offers.map((offer) => offer.id);
      return [...this.decline(ids, this.config.refuse_seconds), ...this.adjustSuppression()];
    }
    const spaces = offers.map((offer) => new OfferSpace(offer));
    let calls: FrameworkCall[];
    if (this.model.answerOffers !== undefined) {
      calls = this.model.answerOffers(this, spaces, now);
    } else {
      fillOffers(this, this.model.choose ?? chooseFirstPending, spaces, now);
      calls = this.answer(spaces, now);
    }
    return [...calls, ...this.adjustSuppression()];
  }

  rescinded(offerId: string, now: number): FrameworkCall[] {
    const calls = this.model.rescinded?.(this, offerId, now) ?? [];
    return [...calls, ...this.adjustSuppression()];
  }

  update(status: TaskStatus, now: number): FrameworkCall[] {
    const calls = acknowledgeCalls(this.frameworkId(), status);
    const taskId = status.task_id.value;
    const task = this.tasks.get(taskId);
    // Updates of tasks the framework no longer tracks (ended, or killed by it) only need the ack.
    if (task !== undefined) {
      if (ended_states.has(status.state)) calls.push(...this.taskEnded(taskId, task, status.state, now));
      else if (status.state === 'TASK_RUNNING' && !task.running) {
        task.running = true;
        this.book.emit({ type: 'task_running', job_id: task.run.job.id, task_id: taskId, at_ms: now });
      }
    }
    return [...calls, ...this.adjustSuppression()];
  }

  error(): FrameworkCall[] {
    return [];
  }

  nextTick_ms(): number | undefined {
    return this.model.nextTick_ms?.();
  }

  tick(now: number): FrameworkCall[] {
    const calls = this.model.tick?.(this, now) ?? [];
    return [...calls, ...this.adjustSuppression()];
  }

  // -------------------------------------------------------------------------------------------
  // Jobs

  submit(job: Job, now: number): FrameworkCall[] {
    this.book.add(job, now);
    return this.adjustSuppression();
  }

  jobEvents(): JobEvent[] {
    return this.book.drain();
  }

  status(): JobFrameworkStatus {
    return this.book.status(this.suppressed);
  }

  job(id: string): JobView | undefined {
    return this.book.view(id);
  }

  // -------------------------------------------------------------------------------------------
  // JobQueue: what models use

  frameworkId(): Id {
    if (this.id === undefined) throw new Error(`framework ${this.name}: used before SUBSCRIBED`);
    return { value: this.id };
  }

  runnable(): JobRun[] {
    return this.book
      .queued()
      .filter((run) => run.pendingCount > 0)
      .sort(this.policyCompare);
  }

  compare(a: JobRun, b: JobRun): number {
    return this.policyCompare(a, b);
  }

  rackOf(hostname: string): string | undefined {
    return this.racks.get(hostname);
  }

  launch(run: JobRun, index: number, space: OfferSpace, now: number, locality?: Locality): TaskInfo {
    if (run.state !== 'queued') throw new Error(`framework ${this.name}: job ${run.job.id} is ${run.state}`);
    const spec = run.tasks()[index];
    if (spec === undefined) throw new Error(`framework ${this.name}: job ${run.job.id} has no task ${index}`);
    const taskId = taskIdOf(run.job.id, run.phase, index, run.attempt(index));
    if (this.tasks.has(taskId)) throw new Error(`framework ${this.name}: task ${taskId} launched twice`);
    const wait_ms = now - run.readySince(index);
    const duration_ms = this.model.runTime_ms?.(run, index, locality) ?? spec.duration_ms;
    const resources = space.carve(spec);
    const attempt = run.take(index);
    const agentId = space.offer.agent_id.value;
    const info = jobTaskInfo(run, index, taskId, agentId, resources, duration_ms);
    this.tasks.set(taskId, { run, index, agent_id: agentId, hostname: space.hostname, running: false });
    space.tasks.push(info);
    if (run.started_ms === undefined) {
      run.started_ms = now;
      this.book.emit({ type: 'job_started', job_id: run.job.id, at_ms: now });
    }
    this.book.emit({
      type: 'task_launched',
      job_id: run.job.id,
      task_id: taskId,
      phase: run.phase,
      index,
      attempt,
      agent_id: agentId,
      hostname: space.hostname,
      at_ms: now,
      wait_ms,
      ...(locality === undefined ? {} : { locality }),
    });
    this.model.taskLaunched?.(run, index, space, now);
    return info;
  }

  answer(spaces: readonly OfferSpace[], now: number): FrameworkCall[] {
    const calls: FrameworkCall[] = [];
    const declined: Id[] = [];
    // Passed-over offers, grouped by their filter (one DECLINE per distinct filter).
    const passedOver = new Map<number, Id[]>();
    for (const space of spaces) {
      const refuse_seconds = space.waited ? this.waitRefuseSeconds(space, now) : this.config.refuse_seconds;
      if (space.tasks.length > 0) calls.push(acceptCall(this.frameworkId(), space, refuse_seconds));
      else if (space.waited) {
        const list = passedOver.get(refuse_seconds);
        if (list === undefined) passedOver.set(refuse_seconds, [space.offer.id]);
        else list.push(space.offer.id);
      } else declined.push(space.offer.id);
    }
    for (const [refuse_seconds, ids] of passedOver) calls.push(...this.decline(ids, refuse_seconds));
    calls.push(...this.decline(declined, this.config.refuse_seconds));
    return calls;
  }

  /**
   * The filter on an offer passed over to wait for locality: until the waiting job may use it (its
   * wait moves on a level), and at least `wait_refuse_seconds`. An offer that came back sooner would
   * only be passed over again, as Hadoop's JobTracker passes over a heartbeat within the wait.
   */
  private waitRefuseSeconds(space: OfferSpace, now: number): number {
    const floor = this.config.wait_refuse_seconds;
    if (space.waitEnds_ms === undefined) return floor;
    return Math.max(floor, Math.ceil(space.waitEnds_ms - now) / 1000);
  }

  decline(offerIds: readonly Id[], refuse_seconds: number): FrameworkCall[] {
    return declineCalls(this.frameworkId(), offerIds, refuse_seconds);
  }

  restartPhase(run: JobRun, now: number): FrameworkCall[] {
    const calls = this.killTasksOf(run, now);
    run.restartPhase(now);
    this.book.emit({ type: 'phase_started', job_id: run.job.id, phase: run.phase, at_ms: now });
    return calls;
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private taskEnded(taskId: string, task: LaunchedTask, state: TaskState, now: number): FrameworkCall[] {
    const { run, index } = task;
    this.tasks.delete(taskId);
    this.book.emit({ type: 'task_ended', job_id: run.job.id, task_id: taskId, state, at_ms: now });
    this.model.taskEnded?.(run, index, task.hostname, state, now);
    if (run.state !== 'queued') {
      run.abandon(index);
      return [];
    }
    if (state === 'TASK_FINISHED') {
      if (run.finish(index)) return this.phaseFinished(run, now);
      return [];
    }
    // A task that cannot be launched as it is (TASK_ERROR) would fail again: its job fails now.
    if (state === 'TASK_ERROR') {
      run.abandon(index);
      return this.failJob(run, `task ${taskId} could not be launched (TASK_ERROR)`, now);
    }
    const failed = state === 'TASK_FAILED';
    if (failed) run.countFailure(index);
    const limit = this.config.attempts_max;
    if (limit > 0 && run.failuresOf(index) >= limit) {
      run.abandon(index);
      return this.failJob(run, `task ${taskId} failed ${limit} times`, now);
    }
    const custom = this.model.taskLost?.(this, run, index, failed, now);
    if (custom !== undefined) return custom;
    run.requeue(index, now);
    this.model.taskRequeued?.(run, index, now);
    return [];
  }

  private phaseFinished(run: JobRun, now: number): FrameworkCall[] {
    if (run.phase + 1 < run.job.phases.length) {
      run.startPhase(run.phase + 1, now);
      this.book.emit({ type: 'phase_started', job_id: run.job.id, phase: run.phase, at_ms: now });
      return [];
    }
    this.book.end(run, 'finished', now);
    this.book.emit({
      type: 'job_finished',
      job_id: run.job.id,
      at_ms: now,
      submitted_ms: run.submitted_ms,
      ready_ms: run.ready_ms ?? run.submitted_ms,
      started_ms: run.started_ms ?? now,
    });
    return [];
  }

  private failJob(run: JobRun, reason: string, now: number): FrameworkCall[] {
    const calls = this.killTasksOf(run, now);
    this.book.end(run, 'failed', now);
    this.book.emit({ type: 'job_failed', job_id: run.job.id, at_ms: now, reason });
    return calls;
  }

  /** Kills every running task of `run` (their later updates are only acknowledged). */
  private killTasksOf(run: JobRun, now: number): FrameworkCall[] {
    const calls: FrameworkCall[] = [];
    for (const [taskId, task] of this.tasks) {
      if (task.run !== run) continue;
      this.tasks.delete(taskId);
      this.model.taskEnded?.(run, task.index, task.hostname, 'TASK_KILLED', now);
      run.abandon(task.index);
      this.book.emit({
        type: 'task_ended',
        job_id: run.job.id,
        task_id: taskId,
        state: 'TASK_KILLED',
        at_ms: now,
      });
      calls.push(killCall(this.frameworkId(), taskId, task.agent_id));
    }
    return calls;
  }

  /** Suppresses offers when nothing can be launched, and revives them when something can. */
  private adjustSuppression(): FrameworkCall[] {
    if (this.id === undefined) return [];
    const suppress = this.book.counters.pending === 0;
    if (suppress === this.suppressed) return [];
    this.suppressed = suppress;
    return [suppressionCall(this.frameworkId(), this.config.role, suppress)];
  }
}
