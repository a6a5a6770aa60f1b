// Framework logic: how a framework's scheduler answers what the master tells it. It is pure and
// host-free, as the engine is: it takes v1 scheduler events and returns v1 scheduler calls, so the
// same logic runs inside the simulator (which delivers events with zero or simulated latency) and
// as a live framework over the v1 HTTP scheduler API (whose client POSTs the calls it returns).
import type { FrameworkCall, SchedulerEvent } from '../master/scheduler-api.ts';
import type { FrameworkInfo, InverseOffer, Offer, TaskStatus } from '../master/v1.ts';

/** A framework scheduler as a state machine from scheduler events to scheduler calls. */
export interface FrameworkLogic {
  /** The framework's name, as it subscribes. */
  readonly name: string;
  /** FrameworkInfo for SUBSCRIBE; carries the framework id once the master has assigned one. */
  frameworkInfo(): FrameworkInfo;
  /** The master accepted the subscription (first time, or again after a failover). */
  subscribed(frameworkId: string, now: number): FrameworkCall[];
  /** New offers arrived; every offer should be answered (accepted or declined). */
  offers(offers: readonly Offer[], now: number): FrameworkCall[];
  /** The master took an offer back; it must not be used any more. */
  rescinded(offerId: string, now: number): FrameworkCall[];
  /** A task status update arrived (acknowledge it when it carries a uuid). */
  update(status: TaskStatus, now: number): FrameworkCall[];
  /**
   * The master asks for agents back before their maintenance (leave out to ignore inverse offers,
   * as most frameworks do; the master asks again after each answer).
   */
  inverseOffers?(inverseOffers: readonly InverseOffer[], now: number): FrameworkCall[];
  /** The master reported an error and closed the stream. */
  error(message: string, now: number): FrameworkCall[];
  /**
   * When the logic next wants `tick` called, in ms (undefined: no timer wanted). Hosts read it after
   * every call into the logic; a logic that holds offers uses it to give them back on time.
   */
  nextTick_ms?(): number | undefined;
  /** Time passed: the timer asked for by `nextTick_ms` is due (calling it early is harmless). */
  tick?(now: number): FrameworkCall[];
}

/** Hands one scheduler event to the logic's handler for it; returns the calls it makes. */
export function handleSchedulerEvent(
  logic: FrameworkLogic,
  event: SchedulerEvent,
  now: number,
): FrameworkCall[] {
  switch (event.type) {
    case 'SUBSCRIBED':
      return logic.subscribed(event.subscribed.framework_id.value, now);
    case 'OFFERS':
      return logic.offers(event.offers.offers, now);
    case 'RESCIND':
      return logic.rescinded(event.rescind.offer_id.value, now);
    case 'UPDATE':
      return logic.update(event.update.status, now);
    case 'ERROR':
      return logic.error(event.error.message, now);
    case 'INVERSE_OFFERS':
      return logic.inverseOffers?.(event.inverse_offers.inverse_offers, now) ?? [];
    case 'MESSAGE':
    case 'FAILURE':
    case 'HEARTBEAT':
    case 'RESCIND_INVERSE_OFFER':
      return [];
    default:
      throw new Error(`framework logic: unknown scheduler event ${JSON.stringify(event)}`);
  }
}
