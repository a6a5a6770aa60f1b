// The v1 executor API on the agent: `POST /api/v1/executor`, calls and events in JSON or protobuf. SUBSCRIBE answers a RecordIO stream
// of events (SUBSCRIBED, then LAUNCH, KILL, ACKNOWLEDGED, MESSAGE, SHUTDOWN, HEARTBEAT ...);
// UPDATE and MESSAGE answer 202. Requests are checked in Mesos's order: method (405), Content-Type
// present (400) and supported (415), body a JSON call (400), the call valid (400), and for
// SUBSCRIBE an Accept that allows JSON (406).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TaskStatus } from '../../engine/master/v1.ts';
import { dropNulls, parseBoundedJson } from '../wire/json.ts';
import { decodeCall, eventRecord, streamMediaType } from '../wire/protobuf.ts';
import type { ExecutorSubscription } from './executors.ts';
import {
  application_json,
  application_protobuf,
  header,
  mediaType,
  readBody,
  sendEmpty,
  sendText,
} from './http-answers.ts';
import { isStatusUuid } from './status-updates.ts';

/** The executor calls meso understands. */
const call_types = new Set(['SUBSCRIBE', 'UPDATE', 'MESSAGE']);

/** A refusal, answered with its HTTP status and message. */
export interface ExecutorCallError {
  readonly status: 400 | 403 | 404 | 503;
  readonly message: string;
}

/** A checked executor call. */
export type ExecutorCall =
  | {
      readonly type: 'SUBSCRIBE';
      readonly framework_id: string;
      readonly executor_id: string;
      readonly unacknowledged_tasks: readonly unknown[];
      readonly unacknowledged_updates: readonly TaskStatus[];
    }
  | {
      readonly type: 'UPDATE';
      readonly framework_id: string;
      readonly executor_id: string;
      readonly status: TaskStatus;
    }
  | {
      readonly type: 'MESSAGE';
      readonly framework_id: string;
      readonly executor_id: string;
      readonly data: string;
    };

/** What the agent does with executor calls. */
export interface ExecutorApiHost {
  /** Attaches a subscription; returns the SUBSCRIBED body, or a refusal. `ready` runs after SUBSCRIBED is written. */
  subscribe(
    call: Extract<ExecutorCall, { type: 'SUBSCRIBE' }>,
    subscription: ExecutorSubscription,
  ): { readonly subscribed: unknown; readonly ready: () => void } | ExecutorCallError;
  /** Accepts a status update from an executor, or refuses it. */
  update(call: Extract<ExecutorCall, { type: 'UPDATE' }>): ExecutorCallError | undefined;
  /** Accepts a message from an executor to its scheduler, or refuses it. */
  message(call: Extract<ExecutorCall, { type: 'MESSAGE' }>): ExecutorCallError | undefined;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The id `{value}` of a field, or undefined when it is not one. */
function idOf(value: unknown): string | undefined {
  return isObject(value) && typeof value.value === 'string' && value.value !== '' ? value.value : undefined;
}

/** Checks an UPDATE's status as Mesos's executor validation does; returns the error message, if any. */
export function updateStatusError(status: unknown, executor_id: string): string | undefined {
  if (!isObject(status)) return "Expecting 'update.status' to be present";
  if (idOf(status.task_id) === undefined) return "Expecting 'update.status.task_id' to be present";
  if (typeof status.state !== 'string') return "Expecting 'update.status.state' to be present";
  if (status.uuid === undefined) return "Expecting 'uuid' to be present";
  if (!isStatusUuid(status.uuid)) return "'uuid' must be 16 bytes in base64";
  const statusExecutor = status.executor_id === undefined ? undefined : idOf(status.executor_id);
  if (status.executor_id !== undefined && statusExecutor !== executor_id) {
    return `ExecutorID in Call: ${executor_id} does not match ExecutorID in TaskStatus: ${statusExecutor}`;
  }
  if (status.source !== 'SOURCE_EXECUTOR') return 'Received Call from executor with invalid source';
  if (status.state === 'TASK_STAGING') return 'Received TASK_STAGING from executor';
  return undefined;
}

/** Parses and checks an executor call from its JSON body; returns the call or the 400 message. */
export function parseExecutorCall(value: unknown): ExecutorCall | { readonly error: string } {
  const call = dropNulls(value);
  if (!isObject(call)) return { error: 'Expecting a JSON object: the body is not a Call' };
  if (typeof call.type !== 'string') return { error: "Expecting 'type' to be present" };
  if (!call_types.has(call.type))
    return { error: `Failed to convert JSON into Call: unknown type '${call.type}'` };
  const framework_id = idOf(call.framework_id);
  if (framework_id === undefined) return { error: "Expecting 'framework_id' to be present" };
  const executor_id = idOf(call.executor_id);
  if (executor_id === undefined) return { error: "Expecting 'executor_id' to be present" };
  if (call.type === 'SUBSCRIBE') {
    // Mesos accepts a SUBSCRIBE without its body: it has no required field.
    const body = isObject(call.subscribe) ? call.subscribe : {};
    const tasks = Array.isArray(body.unacknowledged_tasks) ? body.unacknowledged_tasks : [];
    const updates = Array.isArray(body.unacknowledged_updates) ? body.unacknowledged_updates : [];
    const statuses: TaskStatus[] = [];
    for (const update of updates) {
      const status = isObject(update) ? update.status : undefined;
      const error = updateStatusError(status, executor_id);
      if (error !== undefined) return { error: `unacknowledged update: ${error}` };
      statuses.push(status as unknown as TaskStatus);
    }
    return {
      type: 'SUBSCRIBE',
      framework_id,
      executor_id,
      unacknowledged_tasks: tasks,
      unacknowledged_updates: statuses,
    };
  }
  if (call.type === 'UPDATE') {
    if (!isObject(call.update)) return { error: "Expecting 'update' to be present" };
    const error = updateStatusError(call.update.status, executor_id);
    if (error !== undefined) return { error };
    return { type: 'UPDATE', framework_id, executor_id, status: call.update.status as unknown as TaskStatus };
  }
  if (!isObject(call.message)) return { error: "Expecting 'message' to be present" };
  if (typeof call.message.data !== 'string') return { error: "Expecting 'message.data' to be present" };
  return { type: 'MESSAGE', framework_id, executor_id, data: call.message.data };
}

/** Handles one request to /api/v1/executor. */
export async function handleExecutorApi(
  req: IncomingMessage,
  res: ServerResponse,
  host: ExecutorApiHost,
): Promise<void> {
  if (req.method !== 'POST') {
    req.resume();
    sendText(res, 405, `Expecting one of { 'POST' }, but received '${req.method}'`, { Allow: 'POST' });
    return;
  }
  const type = mediaType(header(req, 'content-type'));
  const body = await readBody(req);
  if (body === undefined) {
    sendText(res, 413, 'Request body is too large');
    return;
  }
  if (type === undefined) {
    sendText(res, 400, "Expecting 'Content-Type' to be present");
    return;
  }
  if (type !== application_json && type !== application_protobuf) {
    sendText(res, 415, `Expecting 'Content-Type' of ${application_json} or ${application_protobuf}`);
    return;
  }
  let json: unknown;
  if (type === application_protobuf) {
    const decoded = decodeCall('executor', body);
    if ('error' in decoded) {
      sendText(res, 400, decoded.error);
      return;
    }
    json = decoded.call;
  } else {
    try {
      json = parseBoundedJson(body.toString('utf8'));
    } catch (error) {
      sendText(res, 400, `Failed to parse body into JSON: ${(error as Error).message}`);
      return;
    }
  }
  const call = parseExecutorCall(json);
  if ('error' in call) {
    sendText(res, 400, call.error);
    return;
  }
  if (call.type === 'SUBSCRIBE') {
    subscribe(req, res, host, call);
    return;
  }
  const refused = call.type === 'UPDATE' ? host.update(call) : host.message(call);
  if (refused !== undefined) sendText(res, refused.status, refused.message);
  else sendEmpty(res, 202);
}

/** Opens an executor's event stream. */
function subscribe(
  req: IncomingMessage,
  res: ServerResponse,
  host: ExecutorApiHost,
  call: Extract<ExecutorCall, { type: 'SUBSCRIBE' }>,
): void {
  const media = streamMediaType(header(req, 'accept'));
  if (media === undefined) {
    sendText(res, 406, `Expecting 'Accept' to allow ${application_json} or ${application_protobuf}`);
    return;
  }
  let open = true;
  const listeners: Array<() => void> = [];
  const closed = (): void => {
    if (!open) return;
    open = false;
    for (const listener of listeners.splice(0)) listener();
  };
  const subscription: ExecutorSubscription = {
    send(event) {
      if (open && !res.writableEnded && !res.destroyed)
        res.write(eventRecord('executor', media, event as object));
    },
    close() {
      if (!res.writableEnded) res.end();
      closed();
    },
    onClose(listener) {
      if (open) listeners.push(listener);
      else listener();
    },
  };
  const answer = host.subscribe(call, subscription);
  if ('status' in answer) {
    open = false;
    listeners.length = 0;
    sendText(res, answer.status, answer.message);
    return;
  }
  res.writeHead(200, { 'Content-Type': media, 'Cache-Control': 'no-cache' });
  res.socket?.setNoDelay(true);
  subscription.send({ type: 'SUBSCRIBED', subscribed: answer.subscribed });
  answer.ready();
  res.on('close', closed);
}
