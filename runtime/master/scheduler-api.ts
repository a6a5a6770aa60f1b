// POST /api/v1/scheduler: the v1 scheduler API over HTTP. The checks run in the order of
// docs/protocol.md, "The scheduler API", each with its status code and a plain-text message; a
// call that passes them becomes one engine input, and the engine's answer (a call_error, or none)
// becomes the HTTP answer. SUBSCRIBE opens a stream (200, chunked, Mesos-Stream-Id) on which the
// engine's events are written.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SchedulerCall } from '../../engine/master/scheduler-api.ts';
import { frameworkRoles } from '../../engine/master/validation.ts';
import { request_body_bytes_max } from '../constants.ts';
import {
  application_json,
  application_protobuf,
  discardBody,
  header,
  mediaType,
  readBody,
  sendEmpty,
  sendText,
} from '../http-util.ts';
import type { Log } from '../log.ts';
import { parseBoundedJson } from '../wire/json.ts';
import { decodeCall, type StreamMediaType, streamMediaType } from '../wire/protobuf.ts';
import { requestPrincipal } from './authentication.ts';
import type { Authorizer } from './authorization.ts';
import { checkJson, schedulerCallSchema } from './call-schema.ts';
import type { FrameworkStreams } from './framework-streams.ts';
import { type LeaderDetector, leaderLocation } from './leader.ts';
import type { MasterHost } from './master-host.ts';
import type { Admission, CallLimiter, PrincipalCounters } from './rate-limits.ts';

/** What the scheduler endpoint works with. */
export interface SchedulerApiContext {
  readonly host: MasterHost;
  readonly streams: FrameworkStreams;
  readonly leader: LeaderDetector;
  /** True while the master recovers its state after an election (calls are refused with 503). */
  readonly recovering: () => boolean;
  readonly log: Log;
  readonly authorizer: Authorizer;
  /** The per-principal rate limits (`--rate_limits`); none without the flag. */
  readonly limiter?: CallLimiter;
  /** The per-principal message counters of the metrics snapshot. */
  readonly counters: PrincipalCounters;
}

/** An answer decided before the engine is asked: status, message and extra headers. */
interface Refusal {
  readonly status: number;
  readonly message: string;
  readonly headers?: Record<string, string>;
}

/**
 * Checks 1-3 of the protocol, common to the v1 endpoints: leadership (307 to the leader, 503
 * without one), recovery (503), and the method (405).
 */
export function leadershipRefusal(
  req: IncomingMessage,
  leader: LeaderDetector,
  recovering: () => boolean,
): Refusal | undefined {
  if (!leader.isLeader()) {
    const current = leader.leader();
    if (current === undefined) return { status: 503, message: 'No leading master is known; retry later' };
    return {
      status: 307,
      message: `This master is not the leader; the leader is ${current.hostname}:${current.port}`,
      headers: { Location: leaderLocation(current, req.url ?? '') },
    };
  }
  if (recovering()) return { status: 503, message: 'The master is still recovering its state; retry later' };
  if (req.method !== 'POST') {
    return {
      status: 405,
      message: `Expecting a POST request, got ${req.method}`,
      headers: { Allow: 'POST' },
    };
  }
  return undefined;
}

/** The parsed Call of a request, or the answer refusing it (checks 4-6). */
export async function readCall(
  req: IncomingMessage,
  kind: string,
): Promise<{ readonly call: Record<string, unknown> } | { readonly refusal: Refusal }> {
  const type = mediaType(header(req, 'content-type'));
  if (type === undefined || type === '') {
    discardBody(req);
    return { refusal: { status: 400, message: "Expecting 'Content-Type' to be present" } };
  }
  // The operator API's protobuf messages (master.proto) are not among meso's definitions.
  if (type === application_protobuf && kind !== 'scheduler') {
    discardBody(req);
    return {
      refusal: {
        status: 415,
        message: `meso accepts ${kind} calls as ${application_json} only, not protobuf`,
      },
    };
  }
  const read = await readBody(req);
  if ('too_large' in read) {
    return {
      refusal: { status: 413, message: `Request body is larger than ${request_body_bytes_max} bytes` },
    };
  }
  if (type === application_protobuf) {
    const decoded = decodeCall('scheduler', read.body);
    return 'error' in decoded ? { refusal: { status: 400, message: decoded.error } } : decoded;
  }
  let parsed: unknown;
  try {
    parsed = parseBoundedJson(read.body.toString('utf8'));
  } catch (err) {
    return { refusal: { status: 400, message: `Failed to parse body into JSON: ${(err as Error).message}` } };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return {
      refusal: { status: 400, message: `Failed to convert JSON into a ${kind} Call: expected an object` },
    };
  }
  if (type !== application_json) {
    return {
      refusal: {
        status: 415,
        message: `Expecting 'Content-Type' of ${application_json} or ${application_protobuf}, got '${type}'`,
      },
    };
  }
  return { call: parsed as Record<string, unknown> };
}

/** Check 7: the call's JSON fits the Call message, and SUBSCRIBE carries no stream id. */
function validateCall(req: IncomingMessage, raw: Record<string, unknown>): { call: SchedulerCall } | Refusal {
  const checked = checkJson(raw, schedulerCallSchema(), '');
  if ('error' in checked)
    return { status: 400, message: `Failed to validate scheduler::Call: ${checked.error}` };
  const call = checked.value as SchedulerCall;
  if (call.type === 'SUBSCRIBE' && header(req, 'mesos-stream-id') !== undefined) {
    return { status: 400, message: "Subscribe calls should not include the 'Mesos-Stream-Id' header" };
  }
  return { call };
}

/**
 * The checks every v1 call endpoint makes first (leadership, then the body as a Call): answers the
 * refusal itself and returns undefined, or returns the call read.
 */
export async function admitCall(
  req: IncomingMessage,
  res: ServerResponse,
  leader: Parameters<typeof leadershipRefusal>[1],
  recovering: Parameters<typeof leadershipRefusal>[2],
  kind: string,
): Promise<{ readonly call: Record<string, unknown> } | undefined> {
  const early = leadershipRefusal(req, leader, recovering);
  if (early !== undefined) {
    discardBody(req);
    sendText(res, early.status, early.message, early.headers);
    return undefined;
  }
  const read = await readCall(req, kind);
  if ('refusal' in read) {
    sendText(res, read.refusal.status, read.refusal.message, read.refusal.headers);
    return undefined;
  }
  return read;
}

/**
 * The call with the caller's principal bound into a SUBSCRIBE's FrameworkInfo (filled in when it
 * names none), or the 403 of a FrameworkInfo naming another principal than the one authenticated.
 */
function principalBound(
  call: SchedulerCall,
  principal: string | undefined,
): { call: SchedulerCall } | Refusal {
  if (principal === undefined || call.type !== 'SUBSCRIBE') return { call };
  const info = call.subscribe?.framework_info;
  if (info === null || typeof info !== 'object') return { call };
  if (info.principal === undefined) {
    return { call: { ...call, subscribe: { ...call.subscribe, framework_info: { ...info, principal } } } };
  }
  if (info.principal === principal) return { call };
  return {
    status: 403,
    message: `Authenticated principal '${principal}' does not match principal '${info.principal}' set in 'FrameworkInfo'`,
  };
}

/** The tasks of an ACCEPT the caller may not run as their users (the engine answers TASK_ERROR). */
function launchDenials(
  ctx: SchedulerApiContext,
  principal: string | undefined,
  call: SchedulerCall,
): Array<{ task_id: string; message: string }> {
  if (call.type !== 'ACCEPT') return [];
  const framework = ctx.host.master.lookups.framework(call.framework_id?.value ?? '');
  // As Mesos, the framework's principal is the subject (bound to the authenticated one, if any).
  const subject = framework?.info.principal ?? principal;
  return ctx.authorizer.launchDenials(subject, call.accept?.operations ?? [], framework?.info.user);
}

/** Handles one request to the scheduler endpoint. */
export async function handleSchedulerRequest(
  ctx: SchedulerApiContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const read = await admitCall(req, res, ctx.leader, ctx.recovering, 'scheduler');
  if (read === undefined) return;
  const valid = validateCall(req, read.call);
  if (!('call' in valid)) {
    sendText(res, valid.status, valid.message);
    return;
  }
  const principal = requestPrincipal(req);
  const bound = principalBound(valid.call, principal);
  if ('status' in bound) {
    sendText(res, bound.status, bound.message);
    return;
  }
  const call = bound.call;
  // The framework the call comes from, if the master knows it: its calls are counted under its
  // principal and, with --rate_limits, wait their turn.
  const frameworkId =
    call.type === 'SUBSCRIBE' ? call.subscribe?.framework_info?.id?.value : call.framework_id?.value;
  const info = frameworkId === undefined ? undefined : ctx.host.master.lookups.frameworkInfo(frameworkId);
  const counted = info?.principal;
  if (counted !== undefined) ctx.counters.received(counted);
  const processed = (): void => {
    if (counted !== undefined) ctx.counters.processed(counted);
  };
  if (call.type === 'SUBSCRIBE') {
    // A SUBSCRIBE opens a stream: it is counted, never held (Mesos limits a framework's messages).
    subscribeRequest(ctx, req, res, principal, call);
    processed();
    return;
  }
  const run = (): void => {
    stepCall(ctx, req, res, principal, call);
    processed();
  };
  if (info === undefined || ctx.limiter === undefined) {
    run();
    return;
  }
  const admission = ctx.limiter.admit(info.principal, {
    run,
    drop: () => sendText(res, 503, `The master stopped before the ${call.type} call's turn came; retry`),
  });
  if (admission.kind === 'refused') refuseOverCapacity(res, call.type, info.principal, admission);
}

/** The 429 of a call whose queue is full, with when to try again. */
function refuseOverCapacity(
  res: ServerResponse,
  type: string,
  principal: string | undefined,
  refused: Admission & { kind: 'refused' },
): void {
  const whose =
    refused.queue === 'principal'
      ? `principal '${principal}'`
      : principal === undefined
        ? 'frameworks without a principal (aggregate_default_capacity)'
        : `principal '${principal}' (no limit of its own: aggregate_default_capacity)`;
  sendText(
    res,
    429,
    `${type} dropped: ${refused.capacity} calls of ${whose} already wait their turn under --rate_limits; retry later`,
    { 'Retry-After': String(Math.ceil(refused.retry_after_ms / 1000)) },
  );
}

/** SUBSCRIBE: the role check of --acls, the Accept header, then the stream. */
function subscribeRequest(
  ctx: SchedulerApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  principal: string | undefined,
  call: SchedulerCall & { type: 'SUBSCRIBE' },
): void {
  // A SUBSCRIBE without a FrameworkInfo is left to the engine, which answers 400.
  const info = call.subscribe?.framework_info;
  const roles = info !== null && typeof info === 'object' ? frameworkRoles(info) : [];
  const denied = roles.find((role) => !ctx.authorizer.may('register_frameworks', principal, role));
  if (denied !== undefined) {
    sendText(res, 403, `Not authorized to register a framework with role '${denied}'`);
    return;
  }
  const accept = header(req, 'accept');
  const media = streamMediaType(accept);
  if (media === undefined) {
    sendText(
      res,
      406,
      `meso streams events as ${application_json} or ${application_protobuf}; the request accepts only '${accept}'`,
    );
    return;
  }
  subscribe(ctx, call, res, media);
}

/** Any other call: one engine input, whose answer becomes the HTTP answer. */
function stepCall(
  ctx: SchedulerApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  principal: string | undefined,
  call: SchedulerCall,
): void {
  const streamId = header(req, 'mesos-stream-id');
  const unauthorized = launchDenials(ctx, principal, call);
  const result = ctx.host.step({
    type: 'scheduler_call',
    ...(streamId === undefined ? {} : { stream_id: streamId }),
    ...(principal === undefined ? {} : { principal }),
    ...(unauthorized.length === 0 ? {} : { unauthorized_tasks: unauthorized }),
    call,
  });
  if (result.failure !== undefined) {
    sendText(res, 500, 'Internal error in the master; it has been logged');
    return;
  }
  if (result.callError !== undefined) {
    sendText(res, result.callError.status, result.callError.message);
    return;
  }
  sendEmpty(res, call.type === 'UPDATE_FRAMEWORK' ? 200 : 202);
}

/** SUBSCRIBE: opens the stream, then lets the engine write SUBSCRIBED and the first HEARTBEAT on it. */
function subscribe(
  ctx: SchedulerApiContext,
  call: SchedulerCall & { type: 'SUBSCRIBE' },
  res: ServerResponse,
  media: StreamMediaType,
): void {
  const streamId = randomUUID();
  ctx.streams.open(res, streamId, media);
  const result = ctx.host.step({ type: 'scheduler_call', stream_id: streamId, call }, (effects) => {
    if (effects.some((e) => e.type === 'call_error')) ctx.streams.drop(streamId);
  });
  if (result.failure !== undefined) {
    ctx.streams.drop(streamId);
    sendText(res, 500, 'Internal error in the master; it has been logged');
    return;
  }
  if (result.callError !== undefined) {
    sendText(res, result.callError.status, result.callError.message);
    return;
  }
  ctx.streams.flushHeaders(streamId);
  for (const effect of result.effects) {
    if (
      effect.type === 'framework_event' &&
      effect.stream_id === streamId &&
      effect.event.type === 'SUBSCRIBED'
    ) {
      ctx.log.info('framework subscribed', {
        framework_id: effect.framework_id,
        name: call.subscribe.framework_info.name,
        failover: call.subscribe.framework_info.id !== undefined,
        stream_id: streamId,
      });
    }
  }
}
