// The scheduler calls a job-queue framework makes, built in one place so that every model asks for
// the same filters and shapes.
import type { FrameworkCall } from '../master/scheduler-api.ts';
import type { Id, TaskStatus } from '../master/v1.ts';
import type { OfferSpace } from './offer-space.ts';

/** ACCEPT of one offer launching the tasks carved from it; the unused rest is filtered. */
export function acceptCall(framework_id: Id, space: OfferSpace, refuse_seconds: number): FrameworkCall {
  return {
    type: 'ACCEPT',
    framework_id,
    accept: {
      offer_ids: [space.offer.id],
      operations: [{ type: 'LAUNCH', launch: { task_infos: [...space.tasks] } }],
      filters: { refuse_seconds },
    },
  };
}

/** DECLINE of the offers (none when the list is empty). */
export function declineCalls(
  framework_id: Id,
  offerIds: readonly Id[],
  refuse_seconds: number,
): FrameworkCall[] {
  if (offerIds.length === 0) return [];
  return [
    { type: 'DECLINE', framework_id, decline: { offer_ids: [...offerIds], filters: { refuse_seconds } } },
  ];
}

/** ACKNOWLEDGE of an update, when it carries a uuid (updates the master made up carry none). */
export function acknowledgeCalls(framework_id: Id, status: TaskStatus): FrameworkCall[] {
  if (status.uuid === undefined || status.agent_id === undefined) return [];
  return [
    {
      type: 'ACKNOWLEDGE',
      framework_id,
      acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
    },
  ];
}

/** KILL of a task on its agent. */
export function killCall(framework_id: Id, taskId: string, agentId: string): FrameworkCall {
  return { type: 'KILL', framework_id, kill: { task_id: { value: taskId }, agent_id: { value: agentId } } };
}

/** SUPPRESS (`suppress` true) or REVIVE of offers for a role. */
export function suppressionCall(framework_id: Id, role: string, suppress: boolean): FrameworkCall {
  return suppress
    ? { type: 'SUPPRESS', framework_id, suppress: { roles: [role] } }
    : { type: 'REVIVE', framework_id, revive: { roles: [role] } };
}
