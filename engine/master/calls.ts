// Scheduler calls: the checks every call after SUBSCRIBE passes (known framework, subscribed, the
// right stream), then one handler per call type. Malformed calls answer 400 and change nothing.
import { accept } from './accept.ts';
import { type Ctx, callError } from './context.ts';
import { removeFramework, subscribe, updateFramework } from './frameworks.ts';
import type { SchedulerCallInput } from './inputs.ts';
import { answerInverseOffers } from './inverse-offers.ts';
import { decline } from './offers.ts';
import { acknowledgeOperationStatus, reconcileOperations } from './operation-feedback.ts';
import { reconcile } from './reconciliation.ts';
import type { FrameworkCall } from './scheduler-api.ts';
import type { FrameworkRecord } from './state.ts';
import { acknowledge } from './status-updates.ts';
import { frameworkMessage, kill, shutdownExecutor } from './task-calls.ts';
import { roleError } from './validation.ts';

/** Handles one scheduler call. */
export function schedulerCall(ctx: Ctx, input: SchedulerCallInput): void {
  const call = input.call;
  if (call === null || typeof call !== 'object' || typeof call.type !== 'string') {
    callError(ctx, 400, 'Expecting a Call with a type');
    return;
  }
  if (call.type === 'SUBSCRIBE') {
    subscribe(ctx, input.stream_id, call);
    return;
  }
  const frameworkId = call.framework_id?.value;
  if (typeof frameworkId !== 'string' || frameworkId === '') {
    callError(ctx, 400, "Expecting 'framework_id' to be present");
    return;
  }
  const framework = ctx.state.frameworks.get(frameworkId);
  if (framework === undefined) {
    callError(ctx, 400, `Framework ${frameworkId} cannot be found`);
    return;
  }
  if (framework.streamId === undefined) {
    callError(ctx, 403, 'Framework is not subscribed');
    return;
  }
  if (input.stream_id !== framework.streamId) {
    callError(
      ctx,
      400,
      `The stream ID '${input.stream_id ?? ''}' included in this request didn't match the stream ID currently associated with framework ID ${frameworkId}`,
    );
    return;
  }
  if (input.principal !== undefined && framework.info.principal !== input.principal) {
    callError(
      ctx,
      403,
      `Authenticated principal '${input.principal}' does not match the principal of framework ${frameworkId}`,
    );
    return;
  }
  dispatch(ctx, framework, call, input.unauthorized_tasks);
}

/** Answers 400 when a call's body (under its lowercase type) is missing. */
function missing(ctx: Ctx, name: string): void {
  callError(ctx, 400, `Expecting '${name}' to be present`);
}

/** Runs the handler of a call from a subscribed framework on its own stream. */
function dispatch(
  ctx: Ctx,
  framework: FrameworkRecord,
  call: FrameworkCall,
  unauthorized: SchedulerCallInput['unauthorized_tasks'],
): void {
  switch (call.type) {
    case 'TEARDOWN':
      removeFramework(ctx, framework, 'framework teardown', undefined);
      return;
    case 'ACCEPT':
      if (call.accept == null || !Array.isArray(call.accept.offer_ids)) {
        missing(ctx, 'accept.offer_ids');
        return;
      }
      accept(ctx, framework, call.accept, unauthorized);
      return;
    case 'DECLINE':
      if (call.decline == null || !Array.isArray(call.decline.offer_ids)) {
        missing(ctx, 'decline.offer_ids');
        return;
      }
      decline(ctx, framework, call.decline.offer_ids, call.decline.filters);
      return;
    case 'REVIVE':
      reviveOrSuppress(ctx, framework, call.revive?.roles, true);
      return;
    case 'SUPPRESS':
      reviveOrSuppress(ctx, framework, call.suppress?.roles, false);
      return;
    case 'KILL':
      if (call.kill == null) {
        missing(ctx, 'kill');
        return;
      }
      kill(ctx, framework, call.kill);
      return;
    case 'SHUTDOWN':
      if (call.shutdown == null) {
        missing(ctx, 'shutdown');
        return;
      }
      shutdownExecutor(ctx, framework, call.shutdown);
      return;
    case 'ACKNOWLEDGE':
      if (call.acknowledge == null) {
        missing(ctx, 'acknowledge');
        return;
      }
      acknowledge(ctx, framework, call.acknowledge);
      return;
    case 'RECONCILE':
      reconcile(ctx, framework, call.reconcile?.tasks);
      return;
    case 'MESSAGE':
      if (call.message == null) {
        missing(ctx, 'message');
        return;
      }
      frameworkMessage(ctx, framework, call.message);
      return;
    case 'REQUEST':
      // Mesos's allocator ignores resource requests; so does meso's.
      return;
    case 'UPDATE_FRAMEWORK':
      if (call.update_framework == null) {
        missing(ctx, 'update_framework');
        return;
      }
      updateFramework(ctx, framework, call.update_framework.framework_info);
      return;
    case 'ACKNOWLEDGE_OPERATION_STATUS':
      acknowledgeOperationStatus(ctx, framework, call.acknowledge_operation_status);
      return;
    case 'RECONCILE_OPERATIONS':
      reconcileOperations(ctx, framework, call.reconcile_operations);
      return;
    case 'ACCEPT_INVERSE_OFFERS':
    case 'DECLINE_INVERSE_OFFERS': {
      const name = call.type === 'ACCEPT_INVERSE_OFFERS' ? 'accept_inverse_offers' : 'decline_inverse_offers';
      const body = call[name];
      if (body == null || !Array.isArray(body.inverse_offer_ids)) {
        missing(ctx, `${name}.inverse_offer_ids`);
        return;
      }
      answerInverseOffers(ctx, framework, body, call.type === 'ACCEPT_INVERSE_OFFERS' ? 'ACCEPT' : 'DECLINE');
      return;
    }
    default: {
      const type = (call as { type: string }).type;
      callError(ctx, 501, `Unsupported call type ${type}`);
      return;
    }
  }
}

/** REVIVE / SUPPRESS for the listed roles (all the framework's roles when none are listed). */
function reviveOrSuppress(
  ctx: Ctx,
  framework: FrameworkRecord,
  roles: readonly string[] | undefined,
  revive: boolean,
): void {
  const list = roles ?? [];
  if (!Array.isArray(list)) {
    callError(ctx, 400, "'roles' must be a list");
    return;
  }
  for (const role of list) {
    const error = roleError(role, revive ? 'revive' : 'suppress');
    if (error !== undefined) {
      callError(ctx, 400, error);
      return;
    }
    if (!framework.roles.includes(role)) {
      callError(ctx, 400, `Role '${role}' is not one of the framework's roles`);
      return;
    }
  }
  const affected = list.length === 0 ? framework.roles : list;
  for (const role of affected) {
    if (revive) framework.suppressedRoles.delete(role);
    else framework.suppressedRoles.add(role);
  }
  if (revive) ctx.allocator.reviveOffers(framework.id, list);
  else ctx.allocator.suppressOffers(framework.id, list);
}
