// MPI on meso, as the Mesos paper ran Torque: rigid gang jobs whose ranks must all start at once.
// A gang is never launched in part. Two ways to wait for room, as the paper discusses:
// - `hold`: keep offers unanswered until the offers held can take the whole gang, then launch it at
//   once; offers held longer than `hold_timeout_ms` (or that cannot take even one rank) are given
//   back, so resources are not hoarded forever.
// - `decline`: launch a gang only when one batch of offers can take it all; otherwise decline the
//   batch with `refuse_seconds` and wait for the next.
// Jobs run in queue order; a gang that does not fit blocks the ones behind it (Torque's FIFO) unless
// `backfill` lets smaller ones go first. A rank that is lost or fails takes its gang down: the other
// ranks are killed and the whole gang is launched again.
import type { FrameworkCall } from '../master/scheduler-api.ts';
import { holdsOneTask, packGang } from './gang.ts';
import { createJobFramework, type JobFramework, type JobFrameworkDeps } from './job-framework.ts';
import type { JobFrameworkConfig, JobModel, JobQueue } from './job-model.ts';
import type { OfferSpace } from './offer-space.ts';

/** How an MPI framework waits for room for a gang. */
export type GangStrategy = 'hold' | 'decline';

/** The gang strategies, for validation and documentation. */
const gangStrategies: readonly GangStrategy[] = ['decline', 'hold'];

/** What the MPI model adds to a job framework's parameters. */
export interface GangParams {
  readonly strategy: GangStrategy;
  /** How long an offer is held before it is given back (strategy `hold`), in ms. */
  readonly hold_timeout_ms: number;
  /** Let a later gang that fits go before an earlier one that does not. */
  readonly backfill: boolean;
}

/** Parameters of an MPI framework. */
export interface MpiParams extends JobFrameworkConfig, GangParams {}

/** An offer the model holds, and since when. */
interface HeldOffer {
  readonly space: OfferSpace;
  readonly since_ms: number;
}

/** Throws unless the gang parameters are usable. */
function checkGangParams(params: GangParams): void {
  if (!gangStrategies.includes(params.strategy)) {
    throw new Error(
      `mpi: strategy must be one of ${gangStrategies.join(', ')}, got ${String(params.strategy)}`,
    );
  }
  if (!(params.hold_timeout_ms > 0) || !Number.isFinite(params.hold_timeout_ms)) {
    throw new Error('mpi: hold_timeout_ms must be > 0');
  }
}

/** Launches whole gangs from `spaces`, in queue order; returns nothing, the spaces carry the tasks. */
function launchGangs(queue: JobQueue, spaces: readonly OfferSpace[], backfill: boolean, now: number): void {
  for (const run of queue.runnable()) {
    const tasks = run.tasks();
    if (run.pendingCount !== tasks.length || run.running !== 0) {
      throw new Error(
        `mpi: gang ${run.job.id} is partly launched (${run.pendingCount} of ${tasks.length} pending)`,
      );
    }
    const plan = packGang(tasks, spaces);
    if (plan === undefined) {
      if (backfill) continue;
      return;
    }
    for (let i = 0; i < tasks.length; i++) queue.launch(run, i, spaces[plan[i]!]!, now);
  }
}

/** The MPI model. */
function mpiModel(params: GangParams): JobModel {
  checkGangParams(params);
  let held: HeldOffer[] = [];

  // Gives back the held offers that timed out, that cannot take one rank of the first waiting gang,
  // or all of them when no gang waits.
  const release = (queue: JobQueue, now: number): FrameworkCall[] => {
    const head = queue.runnable()[0]?.tasks();
    const keep: HeldOffer[] = [];
    const back: OfferSpace[] = [];
    for (const offer of held) {
      const expired = now - offer.since_ms >= params.hold_timeout_ms;
      if (head === undefined || expired || !holdsOneTask(head, offer.space)) back.push(offer.space);
      else keep.push(offer);
    }
    held = keep;
    return queue.decline(
      back.map((space) => space.offer.id),
      queue.config.refuse_seconds,
    );
  };

  return {
    answerOffers(queue, spaces, now) {
      if (params.strategy === 'decline') {
        launchGangs(queue, spaces, params.backfill, now);
        return queue.answer(spaces, now);
      }
      held.push(...spaces.map((space) => ({ space, since_ms: now })));
      launchGangs(
        queue,
        held.map((offer) => offer.space),
        params.backfill,
        now,
      );
      const used = held.filter((offer) => offer.space.tasks.length > 0).map((offer) => offer.space);
      held = held.filter((offer) => offer.space.tasks.length === 0);
      return [...queue.answer(used, now), ...release(queue, now)];
    },
    taskLost(queue, run, index, _failed, now) {
      run.abandon(index);
      return queue.restartPhase(run, now);
    },
    rescinded(_queue, offerId) {
      held = held.filter((offer) => offer.space.id !== offerId);
      return [];
    },
    resubscribed() {
      held = [];
    },
    nextTick_ms() {
      let next: number | undefined;
      for (const offer of held) {
        const due = offer.since_ms + params.hold_timeout_ms;
        if (next === undefined || due < next) next = due;
      }
      return next;
    },
    tick(queue, now) {
      return release(queue, now);
    },
  };
}

/** Creates an MPI framework. */
export function createMpiFramework(params: MpiParams, deps: JobFrameworkDeps = {}): JobFramework {
  return createJobFramework(params, mpiModel(params), deps);
}
