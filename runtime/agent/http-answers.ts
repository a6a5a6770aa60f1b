// Small HTTP helpers of the agent's endpoints over node:http: a bounded body read, plain, JSON and
// empty answers, and the media-type checks of the v1 executor API (Content-Type and Accept).
import type { IncomingMessage } from 'node:http';
import { agent_request_body_bytes_max } from '../constants.ts';
import { readBody as readBoundedBody } from '../http-util.ts';

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
export async function readBody(
  req: IncomingMessage,
  limit_bytes = agent_request_body_bytes_max,
): Promise<Buffer | undefined> {
  const read = await readBoundedBody(req, limit_bytes);
  return 'too_large' in read ? undefined : read.body;
}
