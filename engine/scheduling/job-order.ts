// The order in which a framework offers its jobs a chance to launch: first come first served, or
// fair sharing among the framework's own jobs as Hadoop's fair scheduler does it (the job with the
// fewest running tasks first). Both break ties by submission time, then job id, so the order never
// depends on anything but the jobs.
import type { JobRun } from './job-run.ts';

/** How a framework orders its jobs. */
export type QueuePolicy = 'fifo' | 'fair';

/** The queue policies, for validation and documentation. */
export const queuePolicies: readonly QueuePolicy[] = ['fair', 'fifo'];

/** FIFO: earlier submission first, then the smaller job id. */
function compareFifo(a: JobRun, b: JobRun): number {
  if (a.submitted_ms !== b.submitted_ms) return a.submitted_ms - b.submitted_ms;
  return a.job.id < b.job.id ? -1 : a.job.id > b.job.id ? 1 : 0;
}

/** Fair sharing: fewer running tasks first, then FIFO. */
function compareFair(a: JobRun, b: JobRun): number {
  if (a.running !== b.running) return a.running - b.running;
  return compareFifo(a, b);
}

/** The comparison of a policy. */
export function comparatorOf(policy: QueuePolicy): (a: JobRun, b: JobRun) => number {
  return policy === 'fair' ? compareFair : compareFifo;
}

/**
 * Moves `order[i]` later while it sorts after its successor (its running count grew by a launch),
 * keeping `order` sorted without sorting it again.
 */
export function sinkAfterLaunch(order: JobRun[], i: number, compare: (a: JobRun, b: JobRun) => number): void {
  let k = i;
  while (k + 1 < order.length && compare(order[k + 1]!, order[k]!) < 0) {
    const t = order[k]!;
    order[k] = order[k + 1]!;
    order[k + 1] = t;
    k++;
  }
}
