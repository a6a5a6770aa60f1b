// POST /api/v1: the v1 operator API of the master. Reads (GET_*) answer 200 with
// `{type, <lowercase type>: {...}}`; SUBSCRIBE opens an event stream; writes (TEARDOWN, weights,
// quota, reservations, volumes, agents deactivated, drained or gone, the maintenance schedule and
// machines taken down or up) become engine inputs and answer 200, or 202 for resource operations,
// as Mesos's do; SET_LOGGING_LEVEL is the host's. The common checks (leadership, method, media
// types, body) come first, in the scheduler API's order.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MasterInput } from '../../engine/master/inputs.ts';
import { accepts, application_json, header, sendEmpty, sendJson, sendText } from '../http-util.ts';
import type { Log } from '../log.ts';
import { type LoggingLevel, parseSetLoggingLevel } from '../logging-level.ts';
import type { AclAction } from './acls.ts';
import { requestPrincipal } from './authentication.ts';
import type { Authorizer } from './authorization.ts';
import type { LeaderDetector } from './leader.ts';
import type { MasterHost } from './master-host.ts';
import { getFlags, getMetrics, getOperations, getQuota, getRoles } from './operator-reads.ts';
import {
  getAgents,
  getExecutors,
  getFrameworks,
  getMaster,
  getState,
  getTasks,
  getVersion,
  getWeights,
} from './operator-shapes.ts';
import type { OperatorSubscribers } from './operator-stream.ts';
import { writeInputs } from './operator-writes.ts';
import { admitCall } from './scheduler-api.ts';

/** What the operator endpoint works with. */
export interface OperatorApiContext {
  readonly host: MasterHost;
  readonly leader: LeaderDetector;
  readonly recovering: () => boolean;
  readonly subscribers: OperatorSubscribers;
  readonly elected_time_ms: () => number;
  readonly log: Log;
  readonly flags: Readonly<Record<string, string>>;
  readonly metricsSnapshot: () => Record<string, number>;
  readonly logging: LoggingLevel;
  readonly authorizer: Authorizer;
}

/** Answers 403 to a write whose caller the ACLs do not allow it; true when it did. */
export function deniedWrite(
  ctx: Pick<OperatorApiContext, 'authorizer' | 'host'>,
  req: IncomingMessage,
  res: ServerResponse,
  inputs: readonly MasterInput[],
): boolean {
  const principal = requestPrincipal(req);
  for (const input of inputs) {
    const denial = ctx.authorizer.writeDenial(principal, input, ctx.host.master.lookups);
    if (denial !== undefined) {
      sendText(res, 403, denial);
      return true;
    }
  }
  return false;
}

/** The ACL action each maintenance read needs (Mesos's get_maintenance_schedules and _statuses). */
const maintenance_reads: Readonly<Record<string, AclAction>> = {
  GET_MAINTENANCE_SCHEDULE: 'get_maintenance_schedules',
  GET_MAINTENANCE_STATUS: 'get_maintenance_statuses',
};

/** Why the caller may not make a maintenance read, if it is one the ACLs refuse it. */
export function maintenanceReadDenial(
  authorizer: Authorizer,
  principal: string | undefined,
  type: string,
): string | undefined {
  const action = maintenance_reads[type];
  if (action === undefined || authorizer.may(action, principal)) return undefined;
  const who = principal === undefined ? 'an anonymous caller' : `principal '${principal}'`;
  return `Not authorized: ${who} may not ${action.replace(/_/g, ' ')}`;
}

/** The body of a read call, or undefined when `type` is not a read. */
function readResponse(
  ctx: OperatorApiContext,
  type: string,
  principal: string | undefined,
): Record<string, unknown> | undefined {
  const master = ctx.host.master;
  // The reads of frameworks, executors and tasks show only what the caller may view (--acls).
  const state = () => ctx.authorizer.stateFor(principal, master.state());
  // Calls about a part of the state read only that part; GET_STATE, GET_FRAMEWORKS, GET_EXECUTORS,
  // GET_TASKS and GET_ROLES answer with most of it, and read the whole view.
  switch (type) {
    case 'GET_HEALTH':
      return { healthy: true };
    case 'GET_FLAGS':
      return getFlags(ctx.flags);
    case 'GET_VERSION':
      return getVersion(master.info.version);
    case 'GET_METRICS':
      return getMetrics(ctx.metricsSnapshot());
    case 'GET_LOGGING_LEVEL':
      return { level: ctx.logging.level() };
    case 'GET_STATE':
      return getState(state());
    case 'GET_AGENTS':
      return getAgents(master.lookups.agents(), master.lookups.recoveredAgents(), master.info.version);
    case 'GET_FRAMEWORKS':
      return getFrameworks(state());
    case 'GET_EXECUTORS':
      return getExecutors(state());
    case 'GET_OPERATIONS':
      return getOperations(master.lookups);
    case 'GET_TASKS':
      return getTasks(state());
    case 'GET_ROLES':
      return getRoles(master.state(), master.lookups);
    case 'GET_MASTER':
      return getMaster(master.info, master.lookups.startTimeMs(), ctx.elected_time_ms());
    case 'GET_WEIGHTS':
      return getWeights(master.lookups.weights());
    case 'GET_QUOTA':
      return getQuota(master.lookups);
    case 'GET_MAINTENANCE_SCHEDULE':
      return { schedule: master.lookups.maintenanceSchedule() };
    case 'GET_MAINTENANCE_STATUS':
      return { status: master.lookups.maintenanceStatus() };
    default:
      return undefined;
  }
}

/** Resource operations answer 202 Accepted, as Mesos's do; other writes 200 OK. */
const accepted_calls: ReadonlySet<string> = new Set([
  'RESERVE_RESOURCES',
  'UNRESERVE_RESOURCES',
  'CREATE_VOLUMES',
  'DESTROY_VOLUMES',
  'GROW_VOLUME',
  'SHRINK_VOLUME',
]);

/** Steps each input of a write call and answers with the first refusal, or 200/202. */
export function answerWrite(
  host: MasterHost,
  res: ServerResponse,
  inputs: readonly MasterInput[],
  ok_status: number,
): void {
  for (const input of inputs) {
    const result = host.step(input);
    if (result.failure !== undefined) {
      sendText(res, 500, 'Internal error in the master; it has been logged');
      return;
    }
    if (result.callError !== undefined) {
      sendText(res, result.callError.status, result.callError.message);
      return;
    }
  }
  sendEmpty(res, ok_status);
}

/** Calls answered without the engine: logging level, files (the master serves none). */
function answerHostCall(
  ctx: OperatorApiContext,
  call: Record<string, unknown>,
  res: ServerResponse,
): boolean {
  if (call.type === 'SET_LOGGING_LEVEL') {
    const parsed = parseSetLoggingLevel(call.set_logging_level);
    if ('error' in parsed) sendText(res, 400, parsed.error);
    else {
      ctx.logging.set(parsed.level, parsed.duration_ms);
      sendEmpty(res, 200);
    }
    return true;
  }
  if (call.type === 'LIST_FILES' || call.type === 'READ_FILE') {
    // meso's master logs to stderr and keeps no files an operator could browse.
    const body = call[call.type.toLowerCase()] as { path?: unknown } | undefined;
    if (typeof body?.path !== 'string')
      sendText(res, 400, `Expecting '${call.type.toLowerCase()}.path' to be present`);
    else sendText(res, 404, `No file or directory found at path '${body.path}': the master serves no files`);
    return true;
  }
  return false;
}

/** Handles one request to the operator endpoint. */
export async function handleOperatorRequest(
  ctx: OperatorApiContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const read = await admitCall(req, res, ctx.leader, ctx.recovering, 'operator');
  if (read === undefined) return;
  const call = read.call;
  if (typeof call.type !== 'string') {
    sendText(res, 400, "Failed to validate master::Call: 'type' must be a call type name");
    return;
  }
  const accept = header(req, 'accept');
  if (!accepts(accept, application_json)) {
    sendText(res, 406, `meso answers in ${application_json}; the request accepts only '${accept}'`);
    return;
  }
  if (call.type === 'SUBSCRIBE') {
    ctx.subscribers.subscribe(res);
    return;
  }
  const denial = maintenanceReadDenial(ctx.authorizer, requestPrincipal(req), call.type);
  if (denial !== undefined) {
    sendText(res, 403, denial);
    return;
  }
  const body = readResponse(ctx, call.type, requestPrincipal(req));
  if (body !== undefined) {
    sendJson(res, 200, { type: call.type, [call.type.toLowerCase()]: body });
    return;
  }
  if (answerHostCall(ctx, call, res)) return;
  const write = writeInputs(call);
  if (write !== undefined) {
    if ('error' in write) sendText(res, 400, write.error);
    else if (!deniedWrite(ctx, req, res, write.inputs))
      answerWrite(ctx.host, res, write.inputs, accepted_calls.has(call.type) ? 202 : 200);
    return;
  }
  sendText(res, 400, `Failed to validate master::Call: unknown call type '${call.type}'`);
}
