// The HTTP pieces the scheduler and executor clients share, over node:http (node:https when the
// target speaks TLS): a JSON POST that reads the whole answer, a POST whose answer is a RecordIO
// event stream, and the resolution of a redirect's Location (Mesos answers `//leader:port/path`,
// protocol-relative, so a client keeps the scheme it speaks).
import {
  type Agent,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as plainRequest,
  type RequestOptions,
} from 'node:http';
import { request as tlsRequest } from 'node:https';
import { post_answer_bytes_max, post_answer_timeout_ms_default } from '../constants.ts';
import { RecordIoDecoder } from '../wire/recordio.ts';
import { clientConnectionOptions, type Tls } from '../wire/tls.ts';

/** A `host:port` to send requests to, over TLS when `tls` is set. */
export interface HttpTarget {
  readonly host: string;
  readonly port: number;
  readonly tls?: Tls;
}

/** A request to `target`: https with its TLS, http without. */
function request(
  target: HttpTarget,
  options: RequestOptions,
  answer: (res: IncomingMessage) => void,
): ClientRequest {
  const where = { ...options, host: target.host, port: target.port };
  if (target.tls === undefined) return plainRequest(where, answer);
  return tlsRequest({ ...where, ...clientConnectionOptions(target.tls) }, answer);
}

/** A complete answer to a POST. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** The target of `host:port` (an IPv6 host in brackets is unwrapped), over TLS with `tls`. */
export function targetOf(hostPort: string, tls?: Tls): HttpTarget {
  const at = hostPort.lastIndexOf(':');
  const port = Number(hostPort.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`expected host:port, got '${hostPort}'`);
  }
  const host = hostPort.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return tls === undefined ? { host, port } : { host, port, tls };
}

/** `host:port` of a target (an IPv6 host in brackets). */
export function hostPortOf(target: HttpTarget): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/**
 * Where a redirect points: the target and path of its Location, which may be protocol-relative
 * (`//host:port/path`, as Mesos answers: the current scheme and TLS are kept), absolute
 * (`http://host:port/path`; `https://` only for a client with TLS) or a bare path.
 */
export function resolveLocation(
  location: string,
  current: HttpTarget,
  path: string,
): { target: HttpTarget; path: string } {
  if (location.startsWith('/') && !location.startsWith('//')) return { target: current, path: location };
  const scheme = current.tls === undefined ? 'http:' : 'https:';
  const url = new URL(location.startsWith('//') ? `${scheme}${location}` : location);
  if (url.protocol === 'https:' && current.tls === undefined) {
    throw new Error(`cannot follow a redirect to '${location}': TLS is off (LIBPROCESS_SSL_ENABLED)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`cannot follow a redirect to '${location}': only http and https`);
  }
  const tls = url.protocol === 'https:' ? current.tls : undefined;
  const port = url.port === '' ? (tls === undefined ? 80 : 443) : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const redirected = url.pathname === '/' && !location.endsWith('/') ? path : url.pathname;
  const target = tls === undefined ? { host, port } : { host, port, tls };
  return { target, path: `${redirected}${url.search}` };
}

/** The headers of a JSON request. */
function jsonHeaders(body: string, extra: Readonly<Record<string, string>>): Record<string, string | number> {
  return {
    'Content-Type': 'application/json',
    Accept: 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...extra,
  };
}

/** POSTs JSON and reads the whole answer; rejects on a network error or after `timeout_ms`. */
export function postJson(
  target: HttpTarget,
  path: string,
  json: unknown,
  options: {
    readonly headers?: Readonly<Record<string, string>>;
    readonly agent?: Agent;
    readonly timeout_ms?: number;
  } = {},
): Promise<HttpAnswer> {
  const body = JSON.stringify(json);
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        path,
        headers: jsonHeaders(body, options.headers ?? {}),
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          if (bytes < post_answer_bytes_max) chunks.push(chunk);
          bytes += chunk.length;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const timeout_ms = options.timeout_ms ?? post_answer_timeout_ms_default;
    req.setTimeout(timeout_ms, () =>
      req.destroy(new Error(`no answer from ${hostPortOf(target)}${path} within ${timeout_ms} ms`)),
    );
    req.end(body);
  });
}

/** How an event stream request went: a stream was opened, or a plain answer came instead. */
export type StreamOpening =
  | { readonly kind: 'stream'; readonly headers: IncomingHttpHeaders; readonly ended: Promise<string> }
  | { readonly kind: 'answer'; readonly answer: HttpAnswer };

/** An event stream being opened; `abort` ends it from the client's side (with a reason). */
export interface StreamRequest {
  readonly opening: Promise<StreamOpening>;
  abort(reason: string): void;
}

/** What a stream's reader is told, synchronously and in order. */
export interface StreamHandlers {
  /** The stream opened (status 200), before any record: records may follow in the same tick. */
  readonly onOpen?: (headers: IncomingHttpHeaders) => void;
  /** One record, as soon as it is complete. */
  readonly onRecord: (record: unknown) => void;
}

/**
 * POSTs a call answered by a RecordIO stream. A 200 opens the stream: every record is handed to
 * `onRecord` as it completes (the stream may be split at any byte), and `ended` resolves with the
 * reason once the stream is over. Any other status is read whole and returned as an answer.
 */
export function openEventStream(
  target: HttpTarget,
  path: string,
  json: unknown,
  handlers: StreamHandlers,
  headers: Readonly<Record<string, string>> = {},
): StreamRequest {
  const body = JSON.stringify(json);
  let req: ClientRequest | undefined;
  let abortReason: string | undefined;
  const opening = new Promise<StreamOpening>((resolve, reject) => {
    req = request(
      target,
      {
        method: 'POST',
        path,
        headers: jsonHeaders(body, headers),
        agent: false,
      },
      (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const answer = { status: res.statusCode ?? 0, headers: res.headers, body: '' };
            resolve({ kind: 'answer', answer: { ...answer, body: Buffer.concat(chunks).toString('utf8') } });
          });
          res.on('error', reject);
          return;
        }
        res.socket.setNoDelay(true);
        handlers.onOpen?.(res.headers);
        const ended = new Promise<string>((end) => {
          const decoder = new RecordIoDecoder();
          const finish = (reason: string): void => end(abortReason ?? reason);
          res.on('data', (chunk: Buffer) => {
            let records: unknown[];
            try {
              records = decoder.push(chunk);
            } catch (error) {
              req?.destroy();
              finish(`the event stream is corrupt: ${(error as Error).message}`);
              return;
            }
            for (const record of records) handlers.onRecord(record);
          });
          res.on('end', () => finish('the server ended the event stream'));
          res.on('close', () => finish('the event stream was closed'));
          res.on('error', (error) => finish(`the event stream failed: ${error.message}`));
        });
        resolve({ kind: 'stream', headers: res.headers, ended });
      },
    );
    req.on('error', (error) => reject(abortReason === undefined ? error : new Error(abortReason)));
    req.end(body);
  });
  return {
    opening,
    abort(reason) {
      abortReason ??= reason;
      req?.destroy();
    },
  };
}

/** Resolves after `ms`, or at once when `signal` is aborted. */
export function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
