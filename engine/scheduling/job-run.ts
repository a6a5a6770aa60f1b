// One job as a framework runs it: which phase it is in, which tasks of that phase wait to be
// launched, run, or are done, and how many times each was launched. Phases run one after another
// (reduces after every map finished; a Spark iteration after the previous one). The per-task tables
// are typed arrays because a Hadoop phase can hold 100,000 maps.
import type { Job, Phase, TaskSpec } from './job.ts';

/** Where a job is: waiting for the job named by `after`, queued (running or not), or ended. */
export type JobRunState = 'waiting' | 'queued' | 'finished' | 'failed';

/** Totals over every job of a framework, kept up to date by each run. */
export interface QueueCounters {
  /** Tasks that could be launched now (of ready jobs, in their current phase). */
  pending: number;
  /** Tasks launched and not yet ended. */
  running: number;
}

// The states of a task within its phase.
const task_pending = 0;
const task_running = 1;
const task_done = 2;
const task_idle = 3;

/** A job in a framework's queue. */
export class JobRun {
  readonly job: Job;
  readonly submitted_ms: number;
  ready_ms: number | undefined;
  started_ms: number | undefined;
  state: JobRunState = 'waiting';
  /** Index of the current phase. */
  phase = 0;
  /** Bumped at every (re)start of a phase, so models can tell per-phase state that is stale. */
  epoch = 0;
  /** Tasks of the current phase launched and not yet ended. */
  running = 0;
  /** Tasks of the current phase finished. */
  finished = 0;
  /** Tasks of the current phase waiting to be launched. */
  pendingCount = 0;
  /** The smallest CPUs and memory (MB) of any task of the current phase: what an offer needs at least. */
  smallest: { cpus: number; mem_mb: number } = { cpus: 0, mem_mb: 0 };
  private readonly counters: QueueCounters;
  /** Each task of the current phase: pending, running, done or idle (see the constants below). */
  private status = new Uint8Array(0);
  private attempts = new Uint32Array(0);
  /** Attempts of each task that failed (TASK_FAILED), which count against a retry limit. */
  private failures = new Uint32Array(0);
  private readyAt = new Float64Array(0);
  /** Tasks in index order, for first launches; `cursor` skips the launched ones once. */
  private fifo: number[] = [];
  private cursor = 0;
  /** Tasks to launch again, served before `fifo` as Hadoop retries failed attempts first. */
  private retries: number[] = [];
  private retryCursor = 0;

  constructor(job: Job, submitted_ms: number, counters: QueueCounters) {
    if (job.phases.length === 0) throw new Error(`job ${job.id}: no phases`);
    for (const phase of job.phases) {
      if (phase.tasks.length === 0) throw new Error(`job ${job.id}: a ${phase.kind} phase has no tasks`);
    }
    this.job = job;
    this.submitted_ms = submitted_ms;
    this.counters = counters;
  }

  /** The current phase. */
  currentPhase(): Phase {
    return this.job.phases[this.phase]!;
  }

  /** The tasks of the current phase. */
  tasks(): readonly TaskSpec[] {
    return this.currentPhase().tasks;
  }

  /** Starts phase `p` at `now`: every task of it waits to be launched. */
  startPhase(p: number, now: number): void {
    const phase = this.job.phases[p];
    if (phase === undefined) throw new Error(`job ${this.job.id}: no phase ${p}`);
    if (this.running !== 0) throw new Error(`job ${this.job.id}: phase ${p} starts with tasks running`);
    const n = phase.tasks.length;
    this.counters.pending += n - this.pendingCount;
    let cpus = Number.POSITIVE_INFINITY;
    let mem_mb = Number.POSITIVE_INFINITY;
    for (const task of phase.tasks) {
      cpus = Math.min(cpus, task.cpus);
      mem_mb = Math.min(mem_mb, task.mem_mb);
    }
    this.smallest = { cpus, mem_mb };
    this.phase = p;
    this.epoch++;
    this.finished = 0;
    this.pendingCount = n;
    this.status = new Uint8Array(n).fill(task_pending);
    this.attempts = new Uint32Array(n);
    this.failures = new Uint32Array(n);
    this.readyAt = new Float64Array(n).fill(now);
    this.resetQueue(n);
  }

  /** True when task `i` of the current phase waits to be launched. */
  isPending(i: number): boolean {
    return this.status[i] === task_pending;
  }

  /** Launches of task `i` so far, which is also the attempt number of its next launch. */
  attempt(i: number): number {
    return this.attempts[i] ?? 0;
  }

  /** Attempts of task `i` that failed. */
  failuresOf(i: number): number {
    return this.failures[i] ?? 0;
  }

  /** When task `i` became launchable (its phase start, or its last relaunch). */
  readySince(i: number): number {
    return this.readyAt[i] ?? 0;
  }

  /** The first pending task in queue order (retries first), without taking it. */
  nextPending(): number | undefined {
    while (this.retryCursor < this.retries.length) {
      const i = this.retries[this.retryCursor]!;
      if (this.status[i] === task_pending) return i;
      this.retryCursor++;
    }
    if (this.retryCursor > 0) {
      this.retries = [];
      this.retryCursor = 0;
    }
    while (this.cursor < this.fifo.length) {
      const i = this.fifo[this.cursor]!;
      if (this.status[i] === task_pending) return i;
      this.cursor++;
    }
    return undefined;
  }

  /** Marks pending task `i` launched; returns its attempt number. */
  take(i: number): number {
    this.expect(i, task_pending, 'pending');
    this.status[i] = task_running;
    this.pendingCount--;
    this.counters.pending--;
    this.running++;
    this.counters.running++;
    return this.attempts[i]!;
  }

  /** Running task `i` finished; returns true when that completes the phase. */
  finish(i: number): boolean {
    this.release(i, task_done);
    this.finished++;
    return this.finished === this.status.length;
  }

  /** Running task `i` ended badly; it waits to be launched again (a new attempt) from `now`. */
  requeue(i: number, now: number): void {
    if (this.state !== 'queued') throw new Error(`job ${this.job.id}: requeue in state ${this.state}`);
    this.release(i, task_pending);
    this.attempts[i]!++;
    this.readyAt[i] = now;
    this.retries.push(i);
    this.pendingCount++;
    this.counters.pending++;
  }

  /** Running task `i` no longer runs and is not relaunched by itself (killed, or its job ended). */
  abandon(i: number): void {
    this.release(i, task_idle);
  }

  /** Records that an attempt of task `i` failed by its own fault (TASK_FAILED). */
  countFailure(i: number): void {
    this.failures[i]!++;
  }

  /** Starts the current phase over (a gang that lost a rank): every task waits again, from `now`. */
  restartPhase(now: number): void {
    if (this.running !== 0) throw new Error(`job ${this.job.id}: restarting a phase with tasks running`);
    const n = this.status.length;
    for (let i = 0; i < n; i++) {
      // A task launched since it last became pending gets a fresh attempt number (and task id).
      if (this.status[i] !== task_pending) this.attempts[i]!++;
    }
    this.counters.pending += n - this.pendingCount;
    this.pendingCount = n;
    this.status.fill(task_pending);
    this.readyAt.fill(now);
    this.finished = 0;
    this.epoch++;
    this.resetQueue(n);
  }

  /** The job ended (finished or failed): nothing of it waits to be launched any more. */
  end(state: 'finished' | 'failed'): void {
    this.counters.pending -= this.pendingCount;
    this.pendingCount = 0;
    for (let i = 0; i < this.status.length; i++) {
      if (this.status[i] === task_pending) this.status[i] = task_idle;
    }
    this.state = state;
    // Nothing of an ended job runs any more, so its per-task tables can go.
    if (this.running === 0) {
      this.status = new Uint8Array(0);
      this.attempts = new Uint32Array(0);
      this.failures = new Uint32Array(0);
      this.readyAt = new Float64Array(0);
      this.resetQueue(0);
    }
  }

  private resetQueue(n: number): void {
    this.fifo = Array.from({ length: n }, (_, i) => i);
    this.cursor = 0;
    this.retries = [];
    this.retryCursor = 0;
  }

  private release(i: number, to: number): void {
    this.expect(i, task_running, 'running');
    this.status[i] = to;
    this.running--;
    this.counters.running--;
  }

  private expect(i: number, status: number, what: string): void {
    if (this.status[i] !== status)
      throw new Error(`job ${this.job.id}: task ${this.phase}/${i} is not ${what}`);
  }
}
