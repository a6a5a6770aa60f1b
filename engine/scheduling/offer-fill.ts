// The per-offer loop of a job-queue framework, as Hadoop's JobTracker answers a heartbeat: for each
// offer, walk the jobs in policy order and let the model pick a task of the first job that wants
// the offer; launch it, keep the order sorted (a fair scheduler's job sinks as it gains a task),
// and go on until no job wants what is left. A job that passes an offer over (to wait for
// locality, or because nothing of it fits) is not asked again for that offer.
import type { JobQueue, TaskChoice } from './job-model.ts';
import { sinkAfterLaunch } from './job-order.ts';
import type { JobRun } from './job-run.ts';
import type { OfferSpace } from './offer-space.ts';

/** A model's choice function. */
export type ChooseTask = (run: JobRun, space: OfferSpace, now: number) => TaskChoice;

/** Fills every offer in turn with tasks of the runnable jobs, as `choose` picks them. */
export function fillOffers(
  queue: JobQueue,
  choose: ChooseTask,
  spaces: readonly OfferSpace[],
  now: number,
): void {
  const order = queue.runnable();
  if (order.length === 0) return;
  // No task of any job is smaller than this, so an offer with less left is full.
  let cpus = Number.POSITIVE_INFINITY;
  let mem_mb = Number.POSITIVE_INFINITY;
  for (const run of order) {
    cpus = Math.min(cpus, run.smallest.cpus);
    mem_mb = Math.min(mem_mb, run.smallest.mem_mb);
  }
  const floor = { cpus, mem_mb };
  const compare = (a: JobRun, b: JobRun) => queue.compare(a, b);
  for (const space of spaces) {
    if (space.fits(floor)) fillOffer(queue, choose, compare, order, space, floor, now);
  }
}

/** Fills one offer; `order` stays sorted by the queue's policy as running counts change. */
function fillOffer(
  queue: JobQueue,
  choose: ChooseTask,
  compare: (a: JobRun, b: JobRun) => number,
  order: JobRun[],
  space: OfferSpace,
  floor: { readonly cpus: number; readonly mem_mb: number },
  now: number,
): void {
  let i = 0;
  while (i < order.length) {
    const run = order[i]!;
    if (run.pendingCount === 0 || run.state !== 'queued') {
      i++;
      continue;
    }
    const choice = choose(run, space, now);
    if (choice === 'wait' || choice === 'none') {
      if (choice === 'wait') space.waited = true;
      i++;
      continue;
    }
    queue.launch(run, choice.index, space, now, choice.locality);
    if (!space.fits(floor)) return;
    // The launched job may now sort after others; the job that takes position i is asked next.
    sinkAfterLaunch(order, i, compare);
  }
}
