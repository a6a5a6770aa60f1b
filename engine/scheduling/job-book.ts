// The jobs of a job-queue framework: which wait for the job their `after` names, which are queued,
// which ended; and the log of what happened to them (JobEvents), kept for `jobEvents()` or handed
// to a callback as it happens.
import type { Job } from './job.ts';
import type { JobEvent } from './job-events.ts';
import type { JobFrameworkStatus, JobView } from './job-model.ts';
import { JobRun, type QueueCounters } from './job-run.ts';

/** The jobs of one framework and their events. */
export class JobBook {
  readonly counters: QueueCounters = { pending: 0, running: 0 };
  private readonly what: string;
  private readonly onEvent: ((event: JobEvent) => void) | undefined;
  /** Every job not yet ended, by id. */
  private readonly runs = new Map<string, JobRun>();
  /** Queued jobs in submission order. */
  private readonly queue: JobRun[] = [];
  /** Waiting jobs by the id of the job they run after. */
  private readonly waitingFor = new Map<string, JobRun[]>();
  private readonly ended = new Map<string, JobRun>();
  private finishedJobs = 0;
  private events: JobEvent[] = [];

  constructor(what: string, onEvent: ((event: JobEvent) => void) | undefined) {
    this.what = what;
    this.onEvent = onEvent;
  }

  /** Records an event. */
  emit(event: JobEvent): void {
    if (this.onEvent !== undefined) this.onEvent(event);
    else this.events.push(event);
  }

  /** The events recorded since the last call, oldest first. */
  drain(): JobEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  /** Takes a new job: queued at once, or waiting for the job its `after` names. */
  add(job: Job, now: number): JobRun {
    if (this.runs.has(job.id) || this.ended.has(job.id)) {
      throw new Error(`${this.what}: job ${job.id} was already submitted`);
    }
    const run = new JobRun(job, now, this.counters);
    this.runs.set(job.id, run);
    this.emit({ type: 'job_submitted', job_id: job.id, at_ms: now });
    // A job runs after the job its `after` names has ended here; until a job of that id is
    // submitted and ends, it waits (a host that resolves `after` itself clears the field).
    if (job.after !== undefined && !this.ended.has(job.after)) {
      const list = this.waitingFor.get(job.after) ?? [];
      list.push(run);
      this.waitingFor.set(job.after, list);
    } else {
      this.makeReady(run, now);
    }
    return run;
  }

  /** Queued jobs, in submission order. */
  queued(): readonly JobRun[] {
    return this.queue;
  }

  /** A job ended: it leaves the queue, and the jobs waiting for it become ready. */
  end(run: JobRun, state: 'finished' | 'failed', now: number): void {
    run.end(state);
    if (state === 'finished') this.finishedJobs++;
    this.runs.delete(run.job.id);
    this.ended.set(run.job.id, run);
    const at = this.queue.indexOf(run);
    if (at >= 0) this.queue.splice(at, 1);
    const waiting = this.waitingFor.get(run.job.id) ?? [];
    this.waitingFor.delete(run.job.id);
    for (const next of waiting) this.makeReady(next, now);
  }

  /** Totals, with the framework's suppression state. */
  status(suppressed: boolean): JobFrameworkStatus {
    return {
      jobs_waiting: this.runs.size - this.queue.length,
      jobs_queued: this.queue.length,
      jobs_finished: this.finishedJobs,
      jobs_failed: this.ended.size - this.finishedJobs,
      tasks_pending: this.counters.pending,
      tasks_running: this.counters.running,
      suppressed,
    };
  }

  /** One job's state; undefined for a job never submitted. */
  view(id: string): JobView | undefined {
    const run = this.runs.get(id) ?? this.ended.get(id);
    if (run === undefined) return undefined;
    return {
      state: run.state,
      phase: run.phase,
      pending: run.pendingCount,
      running: run.running,
      finished: run.finished,
    };
  }

  private makeReady(run: JobRun, now: number): void {
    run.state = 'queued';
    run.ready_ms = now;
    run.startPhase(0, now);
    this.queue.push(run);
    this.emit({ type: 'job_ready', job_id: run.job.id, at_ms: now });
    this.emit({ type: 'phase_started', job_id: run.job.id, phase: 0, at_ms: now });
  }
}
