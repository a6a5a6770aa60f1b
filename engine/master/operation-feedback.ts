// Operation feedback: an offer operation (RESERVE, UNRESERVE, CREATE, DESTROY) that carries an `id`
// is remembered with its outcome, and its framework hears it in an UPDATE_OPERATION_STATUS event
// with a uuid to acknowledge (ACKNOWLEDGE_OPERATION_STATUS). RECONCILE_OPERATIONS answers with the
// latest status of each named operation (OPERATION_UNKNOWN for one the master does not know), or of
// all of the framework's when it names none. Operations an operator asked for are remembered too,
// for GET_OPERATIONS. The agent applies what the master sends it without refusing (the master
// checked it against the agent's total first), so an applied operation is OPERATION_FINISHED.
import { type Ctx, callError, ignore, sendEvent } from './context.ts';
import type { FrameworkRecord, OperationRecord } from './state.ts';
import type { Id, Operation } from './v1.ts';
import { validateId } from './validation.ts';

/** Operations remembered at most; the oldest are forgotten first. */
export const operations_max = 10_000;

/** The key of an operation: its framework ('' for an operator's) and its id. */
export function operationKey(frameworkId: string | undefined, operationId: string): string {
  return `${frameworkId ?? ''}\u0000${operationId}`;
}

/** A status uuid as Mesos sends one (16 bytes, base64 in JSON), made from a counter: deterministic. */
function nextUuid(ctx: Ctx): string {
  const seq = ctx.state.ids.operationStatus++;
  const bytes = new Array<number>(16).fill(0);
  for (let i = 0, n = seq; i < 8; i++, n = Math.floor(n / 256)) bytes[15 - i] = n % 256;
  for (let i = 0; i < 8 && i < ctx.masterInfo.id.length; i++)
    bytes[i] = ctx.masterInfo.id.charCodeAt(i) & 0xff;
  return btoa(String.fromCharCode(...bytes));
}

/** The OperationStatus of a record, with a uuid when the framework must acknowledge it. */
export function statusOf(
  record: OperationRecord,
  id: string,
  uuid: string | undefined,
): Record<string, unknown> {
  return {
    operation_id: { value: id },
    state: record.state,
    ...(record.message === undefined ? {} : { message: record.message }),
    ...(uuid === undefined ? {} : { uuid: { value: uuid } }),
    agent_id: { value: record.agent_id },
  };
}

/** Remembers an operation's outcome and, for a framework's, sends it the status to acknowledge. */
export function recordOperation(
  ctx: Ctx,
  frameworkId: string | undefined,
  agentId: string,
  op: Operation,
  state: string,
  message: string | undefined,
): void {
  const id = op.id?.value;
  if (typeof id !== 'string' || id === '') return;
  const operations = ctx.state.operations;
  const key = operationKey(frameworkId, id);
  operations.delete(key);
  const record: OperationRecord = {
    framework_id: frameworkId,
    agent_id: agentId,
    info: op,
    state,
    message,
    uuid: nextUuid(ctx),
    pendingUuid: undefined,
  };
  operations.set(key, record);
  while (operations.size > operations_max) operations.delete(operations.keys().next().value as string);
  const framework = frameworkId === undefined ? undefined : ctx.state.frameworks.get(frameworkId);
  if (framework === undefined) return;
  record.pendingUuid = nextUuid(ctx);
  sendEvent(ctx, framework, {
    type: 'UPDATE_OPERATION_STATUS',
    update_operation_status: { status: statusOf(record, id, record.pendingUuid) },
  });
}

/** The body of ACKNOWLEDGE_OPERATION_STATUS. */
export interface AcknowledgeOperationBody {
  readonly agent_id?: Id;
  readonly uuid: string;
  readonly operation_id: Id;
}

/** ACKNOWLEDGE_OPERATION_STATUS: the operation's latest status no longer waits for the framework. */
export function acknowledgeOperationStatus(
  ctx: Ctx,
  framework: FrameworkRecord,
  body: AcknowledgeOperationBody | undefined,
): void {
  const error = validateId(body?.operation_id, 'acknowledge_operation_status.operation_id');
  if (error !== undefined) {
    callError(ctx, 400, error);
    return;
  }
  if (typeof body!.uuid !== 'string' || body!.uuid === '') {
    callError(ctx, 400, "Expecting 'acknowledge_operation_status.uuid' to be present");
    return;
  }
  const record = ctx.state.operations.get(operationKey(framework.id, body!.operation_id.value));
  if (record === undefined || record.pendingUuid !== body!.uuid) {
    ignore(
      ctx,
      'ACKNOWLEDGE_OPERATION_STATUS',
      `no status ${body!.uuid} of ${body!.operation_id.value} waits`,
    );
    return;
  }
  record.pendingUuid = undefined;
}

/** The body of RECONCILE_OPERATIONS. */
export interface ReconcileOperationsBody {
  readonly operations?: ReadonlyArray<{ readonly operation_id: Id; readonly agent_id?: Id }>;
}

/** RECONCILE_OPERATIONS: the latest status of each named operation, or of all the framework's. */
export function reconcileOperations(
  ctx: Ctx,
  framework: FrameworkRecord,
  body: ReconcileOperationsBody | undefined,
): void {
  const named = body?.operations ?? [];
  if (!Array.isArray(named)) {
    callError(ctx, 400, "'reconcile_operations.operations' must be a list");
    return;
  }
  for (const entry of named) {
    const error = validateId(entry?.operation_id, 'reconcile_operations.operations[].operation_id');
    if (error !== undefined) {
      callError(ctx, 400, error);
      return;
    }
  }
  const send = (status: Record<string, unknown>): void =>
    sendEvent(ctx, framework, { type: 'UPDATE_OPERATION_STATUS', update_operation_status: { status } });
  if (named.length === 0) {
    for (const record of ctx.state.operations.values()) {
      if (record.framework_id === framework.id) send(statusOf(record, record.info.id!.value, undefined));
    }
    return;
  }
  for (const entry of named) {
    const id = entry.operation_id.value;
    const record = ctx.state.operations.get(operationKey(framework.id, id));
    if (record !== undefined) {
      send(statusOf(record, id, undefined));
      continue;
    }
    send({
      operation_id: { value: id },
      state: 'OPERATION_UNKNOWN',
      ...(entry.agent_id === undefined ? {} : { agent_id: entry.agent_id }),
    });
  }
}
