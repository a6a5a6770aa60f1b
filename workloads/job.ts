// Jobs as workload sources deliver them: the job model (engine/scheduling/job.ts, re-exported here
// for the loaders and generators) and what a trace loader reports beside its jobs.
import type { Job } from '../engine/scheduling/job.ts';

export * from '../engine/scheduling/job.ts';

/** Jobs read from a trace, with what was left out or changed on the way and why. */
export interface TraceWorkload {
  jobs: Job[];
  /** The trace format the jobs came from. */
  format: 'swim' | 'swf';
  /** Job lines read (header and blank lines not counted). */
  lines: number;
  /** Jobs left out, by the field that made them unusable. */
  skipped: Record<string, number>;
  /** Jobs kept but changed, by what was changed (e.g. a zero run time raised to the floor). */
  adjusted: Record<string, number>;
}
