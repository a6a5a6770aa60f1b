// The scenario's framework twin: a scheduler driver around framework logic. It owns the framework's
// event stream (a token per subscription), hands events to the logic and turns the logic's calls
// into master inputs. Offers are held until the host says the framework answers them, so a scenario
// can look at outstanding offers before anyone acts on them (the simulator's schedulers,
// scheduler.ts, answer after a decision time instead).

import type { MasterInput } from '../../engine/master/inputs.ts';
import type { FrameworkCall, SchedulerEvent } from '../../engine/master/scheduler-api.ts';
import type { InverseOffer, Offer } from '../../engine/master/v1.ts';
import { type FrameworkLogic, handleSchedulerEvent } from '../../engine/scheduling/framework-logic.ts';

/** A simulated framework: its logic, its stream, and the offers it holds. */
export class ScenarioFramework {
  readonly name: string;
  readonly logic: FrameworkLogic;
  /** The id the master gave it, once subscribed. */
  frameworkId: string | undefined;
  /** The stream the framework listens on; undefined while disconnected. */
  streamId: string | undefined;
  /** Offers received and not yet answered, in arrival order. */
  held: Offer[] = [];
  /** Inverse offers received and not yet answered, in arrival order (answered by a command). */
  heldInverse: InverseOffer[] = [];
  /** Error message the master sent last, if the stream was closed with one. */
  lastError: string | undefined;
  private streams = 0;

  constructor(logic: FrameworkLogic) {
    this.name = logic.name;
    this.logic = logic;
  }

  /** Opens a new stream and subscribes on it (with the framework id after the first time). */
  subscribe(): MasterInput {
    this.streams++;
    this.streamId = `${this.name}-stream-${this.streams}`;
    this.held = [];
    this.heldInverse = [];
    const framework_info = this.logic.frameworkInfo();
    return {
      type: 'scheduler_call',
      stream_id: this.streamId,
      call: {
        type: 'SUBSCRIBE',
        ...(framework_info.id === undefined ? {} : { framework_id: framework_info.id }),
        subscribe: { framework_info },
      },
    };
  }

  /** Closes the stream from the framework's side; returns the input telling the master. */
  disconnect(): MasterInput | undefined {
    const streamId = this.streamId;
    if (streamId === undefined || this.frameworkId === undefined) return undefined;
    this.streamId = undefined;
    this.held = [];
    this.heldInverse = [];
    return { type: 'framework_disconnected', framework_id: this.frameworkId, stream_id: streamId };
  }

  /** The master closed a stream; if it is the current one, the framework is disconnected. */
  streamClosed(streamId: string): void {
    if (streamId !== this.streamId) return;
    this.streamId = undefined;
    this.held = [];
    this.heldInverse = [];
  }

  /** Handles an event written on `streamId`; events on an old stream are not heard. */
  receive(event: SchedulerEvent, streamId: string, now: number): MasterInput[] {
    if (streamId !== this.streamId) return [];
    switch (event.type) {
      case 'SUBSCRIBED':
        this.frameworkId = event.subscribed.framework_id.value;
        return this.calls(handleSchedulerEvent(this.logic, event, now));
      case 'OFFERS':
        this.held.push(...event.offers.offers);
        return [];
      case 'RESCIND': {
        const id = event.rescind.offer_id.value;
        this.held = this.held.filter((o) => o.id.value !== id);
        return this.calls(handleSchedulerEvent(this.logic, event, now));
      }
      case 'INVERSE_OFFERS':
        this.heldInverse.push(...event.inverse_offers.inverse_offers);
        return this.calls(handleSchedulerEvent(this.logic, event, now));
      case 'RESCIND_INVERSE_OFFER': {
        const id = event.rescind_inverse_offer.inverse_offer_id.value;
        this.heldInverse = this.heldInverse.filter((o) => o.id.value !== id);
        return [];
      }
      case 'ERROR':
        this.lastError = event.error.message;
        return this.calls(handleSchedulerEvent(this.logic, event, now));
      default:
        return this.calls(handleSchedulerEvent(this.logic, event, now));
    }
  }

  /** The logic answers every offer it holds. */
  answerOffers(now: number): MasterInput[] {
    if (this.held.length === 0) return [];
    const offers = this.held;
    this.held = [];
    this.heldInverse = [];
    return this.calls(this.logic.offers(offers, now));
  }

  /** Declines every held offer, with `refuse_seconds` when given (the master's default otherwise). */
  declineHeld(refuse_seconds: number | undefined): MasterInput[] {
    if (this.held.length === 0 || this.frameworkId === undefined) return [];
    const offer_ids = this.held.map((o) => o.id);
    this.held = [];
    this.heldInverse = [];
    const filters = refuse_seconds === undefined ? {} : { filters: { refuse_seconds } };
    return this.calls([
      { type: 'DECLINE', framework_id: { value: this.frameworkId }, decline: { offer_ids, ...filters } },
    ]);
  }

  /** Accepts or declines every held inverse offer, with `refuse_seconds` as its filter when given. */
  answerInverse(accept: boolean, refuse_seconds: number | undefined): MasterInput[] {
    if (this.heldInverse.length === 0 || this.frameworkId === undefined) return [];
    const body = {
      inverse_offer_ids: this.heldInverse.map((o) => o.id),
      ...(refuse_seconds === undefined ? {} : { filters: { refuse_seconds } }),
    };
    this.heldInverse = [];
    const framework_id = { value: this.frameworkId };
    return this.calls([
      accept
        ? { type: 'ACCEPT_INVERSE_OFFERS', framework_id, accept_inverse_offers: body }
        : { type: 'DECLINE_INVERSE_OFFERS', framework_id, decline_inverse_offers: body },
    ]);
  }

  /** Makes a call on the framework's own account (suppress, revive, teardown from a scenario). */
  call(call: FrameworkCall): MasterInput[] {
    return this.calls([call]);
  }

  private calls(calls: readonly FrameworkCall[]): MasterInput[] {
    const streamId = this.streamId;
    if (streamId === undefined) return [];
    return calls.map((call) => ({ type: 'scheduler_call', stream_id: streamId, call }));
  }
}
