// One attempt to subscribe a scheduler: POST SUBSCRIBE, follow a standby master's redirects to
// the leader (Mesos answers 307 with a protocol-relative `//leader:port/path`), and once a stream
// opens, hand out its records until it ends. The scheduler client decides what an outcome means
// (retry, rotate masters, give up); this file only says what happened.
import type { Log } from '../log.ts';
import { type HttpTarget, hostPortOf, openEventStream, resolveLocation, type StreamRequest } from './http.ts';

/** How an attempt ended. */
export type SubscribeOutcome =
  /** The master could not be reached (or the request broke before an answer). */
  | { readonly kind: 'unreachable'; readonly reason: string }
  /** The master answered without a stream: its status (0: too many redirects) and text. */
  | { readonly kind: 'refused'; readonly status: number; readonly reason: string }
  /** A stream opened and has ended; `broken` when the master broke the protocol on it. */
  | { readonly kind: 'ended'; readonly reason: string; readonly broken: boolean };

/** What an attempt needs. */
export interface SubscribeAttemptOptions {
  readonly target: HttpTarget;
  readonly path: string;
  /** Extra headers of every request (authorization). */
  readonly headers: Readonly<Record<string, string>>;
  /** The SUBSCRIBE call, built anew for every request of the attempt. */
  readonly call: () => unknown;
  readonly redirects_max: number;
  readonly log: Log;
  /** The stream opened at `target` and `path`, before any of its records are handed out. */
  readonly onOpen: (opened: { target: HttpTarget; path: string; stream_id: string }) => void;
  readonly onRecord: (record: unknown) => void;
}

/** An attempt under way. */
export interface SubscribeAttempt {
  readonly outcome: Promise<SubscribeOutcome>;
  /** Ends the attempt from the client's side (its outcome then carries `reason`). */
  abort(reason: string): void;
}

/** Starts an attempt to subscribe. */
export function subscribeAttempt(options: SubscribeAttemptOptions): SubscribeAttempt {
  let current: StreamRequest | undefined;
  let aborted: string | undefined;
  const run = async (): Promise<SubscribeOutcome> => {
    let { target, path } = options;
    for (let redirects = 0; ; redirects++) {
      if (aborted !== undefined) return { kind: 'unreachable', reason: aborted };
      const step = await subscribeAt(target, path, options, (request) => {
        current = request;
      });
      if (!('redirect' in step)) return step;
      if (redirects >= options.redirects_max) {
        const reason = `more than ${options.redirects_max} redirects, the last from ${hostPortOf(target)}${path}`;
        return { kind: 'refused', status: 0, reason };
      }
      ({ target, path } = step.redirect);
    }
  };
  return {
    outcome: run(),
    abort(reason) {
      aborted ??= reason;
      current?.abort(reason);
    },
  };
}

/** SUBSCRIBE at one master: a redirect to follow, or how the attempt ended. */
async function subscribeAt(
  target: HttpTarget,
  path: string,
  options: SubscribeAttemptOptions,
  started: (request: StreamRequest) => void,
): Promise<SubscribeOutcome | { readonly redirect: { target: HttpTarget; path: string } }> {
  const where = `${hostPortOf(target)}${path}`;
  let broken: string | undefined;
  const request = openEventStream(
    target,
    path,
    options.call(),
    {
      // Called before any record is read: SUBSCRIBED may come in the same chunk as the headers.
      onOpen: (headers) => {
        const stream_id = headers['mesos-stream-id'];
        if (typeof stream_id !== 'string' || stream_id === '') {
          broken = `${where} opened a stream without a Mesos-Stream-Id header`;
          request.abort(broken);
          return;
        }
        options.onOpen({ target, path, stream_id });
      },
      onRecord: (record) => {
        if (broken === undefined) options.onRecord(record);
      },
    },
    options.headers,
  );
  started(request);
  let opening: Awaited<StreamRequest['opening']>;
  try {
    opening = await request.opening;
  } catch (error) {
    return { kind: 'unreachable', reason: `cannot reach ${where}: ${(error as Error).message}` };
  }
  if (opening.kind === 'stream') {
    const reason = await opening.ended;
    return { kind: 'ended', reason: broken ?? reason, broken: broken !== undefined };
  }
  const { status, headers, body } = opening.answer;
  if (status >= 300 && status < 400 && headers.location !== undefined) {
    const redirect = resolveLocation(headers.location, target, path);
    options.log.info('scheduler client: redirected', { from: where, to: hostPortOf(redirect.target) });
    return { redirect };
  }
  return { kind: 'refused', status, reason: `SUBSCRIBE to ${where} answered ${status}: ${body.trim()}` };
}
