// What a job-queue framework reports about its jobs and tasks, so that a host (the simulator's
// metrics, a live framework's log) can compute job completion times, task wait times and locality
// without looking inside the framework. Events are plain data, in the order things happened.
import type { TaskState } from '../master/v1.ts';

/** Where a launched task ran relative to the data it prefers. */
export type Locality = 'node-local' | 'rack-local' | 'remote';

/** One thing that happened to a job or one of its tasks, at `at_ms`. */
export type JobEvent =
  /** The framework received the job. */
  | { readonly type: 'job_submitted'; readonly job_id: string; readonly at_ms: number }
  /** The job may run: at submission, or once the job named by its `after` ended. */
  | { readonly type: 'job_ready'; readonly job_id: string; readonly at_ms: number }
  /** The job's first task was launched. */
  | { readonly type: 'job_started'; readonly job_id: string; readonly at_ms: number }
  /** A phase of the job began (phase 0 at `job_ready`, the next when every task of the last finished). */
  | {
      readonly type: 'phase_started';
      readonly job_id: string;
      readonly phase: number;
      readonly at_ms: number;
    }
  | {
      readonly type: 'task_launched';
      readonly job_id: string;
      readonly task_id: string;
      readonly phase: number;
      readonly index: number;
      /** 0 for the first launch of the task, then 1, 2, ... for relaunches. */
      readonly attempt: number;
      readonly agent_id: string;
      readonly hostname: string;
      readonly at_ms: number;
      /** Time from when the task could first have run (phase start or relaunch) to its launch. */
      readonly wait_ms: number;
      /** Set when the task prefers some hosts (its input block or cached partition). */
      readonly locality?: Locality;
    }
  /** A launched task reported TASK_RUNNING for the first time. */
  | {
      readonly type: 'task_running';
      readonly job_id: string;
      readonly task_id: string;
      readonly at_ms: number;
    }
  /** A launched task reached a terminal state (finished, or lost/failed and to be relaunched). */
  | {
      readonly type: 'task_ended';
      readonly job_id: string;
      readonly task_id: string;
      readonly state: TaskState;
      readonly at_ms: number;
    }
  /** Every task of every phase finished. */
  | {
      readonly type: 'job_finished';
      readonly job_id: string;
      readonly at_ms: number;
      readonly submitted_ms: number;
      readonly ready_ms: number;
      readonly started_ms: number;
    }
  /** A task failed `attempts_max` times; the job launches nothing more. */
  | { readonly type: 'job_failed'; readonly job_id: string; readonly at_ms: number; readonly reason: string };

/** Makes a job id safe inside a Mesos id (which may not hold '/', '\\' or control characters). */
function taskIdPart(jobId: string): string {
  // Percent-encoding keeps the mapping one-to-one, so two jobs can never share a task id.
  return jobId.replace(
    /[%/\\\p{Cc}]/gu,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/** The task id of one attempt of a task: `<job>-<phase>-<index>`, then `.<attempt>` for relaunches. */
export function taskIdOf(jobId: string, phase: number, index: number, attempt: number): string {
  const base = `${taskIdPart(jobId)}-${phase}-${index}`;
  return attempt === 0 ? base : `${base}.${attempt}`;
}
