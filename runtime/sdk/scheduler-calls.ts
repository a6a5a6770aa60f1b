// How a scheduler client's calls reach the master it is subscribed to: pipelined on one connection
// per master and path, in the order they are made; a connection to a master left behind is closed
// once its calls are answered. Which calls may be sent again after the master went away is decided
// here too: only those the next leader treats the same (see `sentAgainAfterFailover`).
import type { FrameworkCall } from '../../engine/master/scheduler-api.ts';
import { CallPipeline, type PipelinedAnswer } from './call-pipeline.ts';
import { type HttpTarget, hostPortOf } from './http.ts';
import { SchedulerCallError } from './scheduler-client-types.ts';

/** Where a call goes: the subscribed master, its path and the stream the call belongs to. */
export interface CallRoute {
  readonly target: HttpTarget;
  readonly path: string;
  readonly stream_id: string;
}

/**
 * Calls that mean the same to a new leader as to the old one, so one lost with its master is sent
 * again once the framework has subscribed to the next. An acknowledgement is still owed (the agent
 * resends the update until it is acknowledged), reconciliation, a kill, suppress and revive state
 * what the framework wants. ACCEPT and DECLINE are not among them: offers die with the master that
 * made them, and the new leader makes new ones.
 */
const sent_again_after_failover: ReadonlySet<FrameworkCall['type']> = new Set([
  'ACKNOWLEDGE',
  'ACKNOWLEDGE_OPERATION_STATUS',
  'RECONCILE',
  'RECONCILE_OPERATIONS',
  'KILL',
  'SUPPRESS',
  'REVIVE',
]);

/** Whether `call` may be sent again to the next leader when its master went away. */
export function sentAgainAfterFailover(call: FrameworkCall): boolean {
  return sent_again_after_failover.has(call.type);
}

/**
 * Whether a call failed because its master went away or stopped leading rather than because it
 * was refused: no answer (a reset or refused connection), a standby's 307 or 503, or an answer
 * from a master the client has since left (`resubscribed`).
 */
export function masterWentAway(error: unknown, resubscribed: boolean): boolean {
  if (!(error instanceof SchedulerCallError)) return false;
  return resubscribed || error.status === 0 || error.status === 307 || error.status === 503;
}

/** The connections a client's calls go out on. */
export class SchedulerCalls {
  readonly #headers: Readonly<Record<string, string>>;
  #current: { readonly key: string; readonly pipeline: CallPipeline } | undefined;
  #in_flight = 0;
  #closing = false;

  /** `headers` go on every call (authorization, when a credential is given). */
  constructor(headers: Readonly<Record<string, string>>) {
    this.#headers = headers;
  }

  /** Posts `call` on `route`; rejects with a SchedulerCallError unless answered 202 (or 200). */
  async post(route: CallRoute, call: FrameworkCall): Promise<void> {
    let answer: PipelinedAnswer;
    this.#in_flight++;
    try {
      answer = await new Promise<PipelinedAnswer>((resolve, reject) =>
        this.#pipelineTo(route).post(
          JSON.stringify(call),
          { ...this.#headers, 'Mesos-Stream-Id': route.stream_id },
          (err, answered) => (err === undefined ? resolve(answered!) : reject(err)),
        ),
      );
    } catch (error) {
      throw new SchedulerCallError(call.type, 0, (error as Error).message);
    } finally {
      this.#in_flight--;
      this.#retire();
    }
    if (answer.status !== 202 && answer.status !== 200) {
      throw new SchedulerCallError(call.type, answer.status, answer.body.toString('utf8').trim());
    }
  }

  /** Closes the connection once no call is in flight. */
  close(): void {
    this.#closing = true;
    this.#retire();
  }

  /** The connection to the route's master and path; an older one closes once idle. */
  #pipelineTo(route: CallRoute): CallPipeline {
    const key = `${hostPortOf(route.target)}${route.path}`;
    const current = this.#current;
    if (current?.key === key) return current.pipeline;
    current?.pipeline.closeWhenIdle();
    const pipeline = new CallPipeline({ target: route.target, path: route.path });
    this.#current = { key, pipeline };
    return pipeline;
  }

  #retire(): void {
    if (this.#closing && this.#in_flight === 0) this.#current?.pipeline.close();
  }
}
