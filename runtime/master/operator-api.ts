// POST /api/v1: the v1 operator API. Reads (GET_HEALTH, GET_VERSION, GET_STATE, GET_AGENTS,
// GET_FRAMEWORKS, GET_EXECUTORS, GET_TASKS, GET_MASTER, GET_WEIGHTS) answer 200 with
// `{type, <lowercase type>: {...}}`; SUBSCRIBE opens an event stream; TEARDOWN and UPDATE_WEIGHTS
// become engine inputs. The common checks (leadership, method, media types, body) come first, in
// the scheduler API's order.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MasterInput } from '../../engine/master/inputs.ts';
import { accepts, application_json, header, sendEmpty, sendJson, sendText } from '../http-util.ts';
import type { Log } from '../log.ts';
import type { LeaderDetector } from './leader.ts';
import type { MasterHost } from './master-host.ts';
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
import { admitCall } from './scheduler-api.ts';

/** What the operator endpoint works with. */
export interface OperatorApiContext {
  readonly host: MasterHost;
  readonly leader: LeaderDetector;
  readonly recovering: () => boolean;
  readonly subscribers: OperatorSubscribers;
  readonly elected_time_ms: () => number;
  readonly log: Log;
}

/** Operator calls of Mesos that meso does not serve (answered 501 rather than 400). */
const unsupported: ReadonlySet<string> = new Set([
  'UNKNOWN',
  'GET_FLAGS',
  'GET_METRICS',
  'GET_LOGGING_LEVEL',
  'SET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'GET_ROLES',
  'GET_OPERATIONS',
  'RESERVE_RESOURCES',
  'UNRESERVE_RESOURCES',
  'CREATE_VOLUMES',
  'DESTROY_VOLUMES',
  'GROW_VOLUME',
  'SHRINK_VOLUME',
  'GET_MAINTENANCE_STATUS',
  'GET_MAINTENANCE_SCHEDULE',
  'UPDATE_MAINTENANCE_SCHEDULE',
  'START_MAINTENANCE',
  'STOP_MAINTENANCE',
  'GET_QUOTA',
  'UPDATE_QUOTA',
  'SET_QUOTA',
  'REMOVE_QUOTA',
  'MARK_AGENT_GONE',
  'DRAIN_AGENT',
  'DEACTIVATE_AGENT',
  'REACTIVATE_AGENT',
]);

/** The body of a read call, or undefined when `type` is not a read. */
function readResponse(ctx: OperatorApiContext, type: string): Record<string, unknown> | undefined {
  const master = ctx.host.master;
  // Calls about a part of the state read only that part; GET_STATE, GET_FRAMEWORKS, GET_EXECUTORS
  // and GET_TASKS answer with most of it, and read the whole view.
  switch (type) {
    case 'GET_HEALTH':
      return { healthy: true };
    case 'GET_VERSION':
      return getVersion(master.info.version);
    case 'GET_STATE':
      return getState(master.state());
    case 'GET_AGENTS':
      return getAgents(master.lookups.agents(), master.lookups.recoveredAgents(), master.info.version);
    case 'GET_FRAMEWORKS':
      return getFrameworks(master.state());
    case 'GET_EXECUTORS':
      return getExecutors(master.state());
    case 'GET_TASKS':
      return getTasks(master.state());
    case 'GET_MASTER':
      return getMaster(master.info, master.lookups.startTimeMs(), ctx.elected_time_ms());
    case 'GET_WEIGHTS':
      return getWeights(master.lookups.weights());
    default:
      return undefined;
  }
}

/** The engine input of a write call, or why the call is malformed. */
function writeInput(call: Record<string, unknown>): { input: MasterInput } | { error: string } | undefined {
  if (call.type === 'TEARDOWN') {
    const id = (call.teardown as { framework_id?: { value?: unknown } } | undefined)?.framework_id?.value;
    if (typeof id !== 'string' || id === '')
      return { error: "Expecting 'teardown.framework_id' to be present" };
    return { input: { type: 'operator_teardown', framework_id: id } };
  }
  if (call.type === 'UPDATE_WEIGHTS') {
    const infos = (call.update_weights as { weight_infos?: unknown } | undefined)?.weight_infos;
    if (!Array.isArray(infos)) return { error: "Expecting 'update_weights.weight_infos' to be a list" };
    return { input: { type: 'operator_update_weights', weights: infos } };
  }
  return undefined;
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
  const body = readResponse(ctx, call.type);
  if (body !== undefined) {
    sendJson(res, 200, { type: call.type, [call.type.toLowerCase()]: body });
    return;
  }
  const write = writeInput(call);
  if (write !== undefined) {
    if ('error' in write) {
      sendText(res, 400, write.error);
      return;
    }
    const result = ctx.host.step(write.input);
    if (result.failure !== undefined) sendText(res, 500, 'Internal error in the master; it has been logged');
    else if (result.callError !== undefined) sendText(res, result.callError.status, result.callError.message);
    else sendEmpty(res, 200);
    return;
  }
  if (unsupported.has(call.type)) {
    sendText(res, 501, `Operator call ${call.type} is not supported by meso`);
    return;
  }
  sendText(res, 400, `Failed to validate master::Call: unknown call type '${call.type}'`);
}
