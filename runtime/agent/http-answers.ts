// Small HTTP helpers of the agent's endpoints over node:http: a bounded body read, plain, JSON and
// empty answers, and the media-type checks of the v1 executor API (Content-Type and Accept).
import type { IncomingMessage } from 'node:http';
import { agent_request_body_bytes_max } from '../constants.ts';

// The answers and media-type checks are the runtime's own (runtime/http-util.ts), shared with the master.
export {
  accepts,
  application_json,
  application_protobuf,
  header,
  mediaType,
  pathOf,
  sendEmpty,
  sendJson,
  sendText,
} from '../http-util.ts';

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
