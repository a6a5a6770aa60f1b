// Small HTTP helpers over node:http: bounded body reading, plain answers, and the media-type
// checks of the v1 APIs (Content-Type and Accept).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request_body_bytes_max, request_drain_bytes_max } from './constants.ts';

/** The JSON media type. */
export const application_json = 'application/json';
/** The protobuf media type (meso does not speak it, but recognizes it). */
export const application_protobuf = 'application/x-protobuf';

/** A request body, or the fact that it was too large. */
export type BodyResult = { readonly body: Buffer } | { readonly too_large: true };

/**
 * Reads a request body up to `limit_bytes`. Past the limit the rest is read and dropped, so the
 * client can finish sending and read the 413 the caller sends (closing a socket with unread data
 * would reset it), up to a bound after which the socket is destroyed.
 */
export function readBody(req: IncomingMessage, limit_bytes = request_body_bytes_max): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let size = 0;
    let over = Number.isFinite(declared) && declared > limit_bytes;
    const chunks: Buffer[] = [];
    if (over) {
      discardBody(req);
      resolve({ too_large: true });
      return;
    }
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit_bytes) {
        over = true;
        chunks.length = 0;
        discardBody(req);
        resolve({ too_large: true });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve({ body: Buffer.concat(chunks, size) });
    });
    req.on('error', (err) => {
      if (!over) reject(err);
    });
  });
}

/** Discards the rest of a request body, destroying the socket if the client keeps sending. */
export function discardBody(req: IncomingMessage): void {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > request_drain_bytes_max) req.socket.destroy();
  });
  req.resume();
}

/** Answers with a plain-text message. */
export function sendText(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = Buffer.from(message, 'utf8');
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(body.length),
  });
  res.end(body);
}

/** Answers with compact JSON (already serialized, or serialized here). */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, { 'Content-Type': application_json, 'Content-Length': String(body.length) });
  res.end(body);
}

/** Answers with no body. */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Length': '0' });
  res.end();
}

/** The media type of a Content-Type header, lowercased without parameters; undefined when absent. */
export function mediaType(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return header.split(';')[0]!.trim().toLowerCase();
}

/**
 * Whether an Accept header allows `type` (`application/json`): an exact match, `application/*` or
 * `*\/*` with a non-zero q. No Accept header accepts anything.
 */
export function accepts(header: string | undefined, type: string): boolean {
  if (header === undefined || header.trim() === '') return true;
  const [major] = type.split('/');
  for (const range of header.split(',')) {
    const [name = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    if (name === type || name === '*/*' || name === `${major}/*`) return true;
  }
  return false;
}

/** The path of a request URL, without its query. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** A header's single value (the first, when repeated). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
