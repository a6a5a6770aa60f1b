// Small HTTP helpers of the agent's endpoints over node:http: a bounded body read, plain, JSON and
// empty answers, and the media-type checks of the v1 executor API (Content-Type and Accept).
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body the agent reads (an executor call); a longer one is answered 413. */
export const agent_request_body_bytes_max = 4 * 1024 * 1024;

/** The JSON media type. */
export const application_json = 'application/json';
/** The protobuf media type (recognized, not spoken). */
export const application_protobuf = 'application/x-protobuf';

/** Reads a request body up to `limit_bytes`; past it the rest is discarded and undefined returned. */
export function readBody(
  req: IncomingMessage,
  limit_bytes = agent_request_body_bytes_max,
): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit_bytes) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
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

/** Answers with compact JSON. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { 'Content-Type': application_json, 'Content-Length': String(body.length) });
  res.end(body);
}

/** Answers with no body. */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': '0' });
  res.end();
}

/** The media type of a Content-Type header, lowercased without parameters; undefined when absent. */
export function mediaType(header: string | undefined): string | undefined {
  return header === undefined ? undefined : header.split(';')[0]!.trim().toLowerCase();
}

/** Whether an Accept header allows `type`: an exact match, `major/*` or `*\/*` with q > 0; none allows all. */
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

/** A header's single value (the first, when repeated). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The path of a request URL, without its query. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
