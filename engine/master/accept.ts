// ACCEPT: a framework uses offers (all on one agent) to launch tasks and task groups, and to reserve,
// unreserve, create or destroy persistent volumes (operations.ts), in the order it lists them. Invalid
// offers drop every task of the call (TASK_DROPPED, or TASK_LOST for frameworks that are not partition
// aware); an invalid task gets TASK_ERROR; an invalid resource operation is dropped on its own; valid
// tasks go to the agent in TASK_STAGING. What the operations leave unused goes back to the allocator
// with the call's filter.
import type { OfferFilter } from '../allocator/allocator.ts';
import { add, isEmpty, type Resources, summary } from '../resources.ts';
import { type Ctx, callError, sendAgent, trace } from './context.ts';
import {
  claimTask,
  type LaunchScope,
  trialScope,
  type ValidTask,
  validateTask,
} from './launch-validation.ts';
import { refuseSeconds, removeOffer, rescindOffer, wireResources } from './offers.ts';
import { applyResourceOperation, resource_operations, resourceOperationShapeError } from './operations.ts';
import type { AgentRecord, FrameworkRecord, OfferRecord, TaskRecord } from './state.ts';
import { addExecutor, addTask, isPartitionAware, masterStatus, sendUpdate } from './tasks.ts';
import type { ExecutorInfo, Filters, Id, Operation, TaskInfo } from './v1.ts';
import { validateId } from './validation.ts';

/** The body of an ACCEPT call. */
export interface AcceptBody {
  readonly offer_ids: readonly Id[];
  readonly operations?: readonly Operation[];
  readonly filters?: Filters;
}

/** Operation types the master carries out; others are refused with a 400 before anything changes. */
const supported_operations: ReadonlySet<string> = new Set(['LAUNCH', 'LAUNCH_GROUP', ...resource_operations]);

/** Handles ACCEPT for a subscribed framework. */
export function accept(
  ctx: Ctx,
  framework: FrameworkRecord,
  body: AcceptBody,
  unauthorized: ReadonlyArray<{ readonly task_id: string; readonly message: string }> = [],
): void {
  const operations = body.operations ?? [];
  const shapeError = operationsError(operations);
  if (shapeError !== undefined) {
    callError(ctx, 400, shapeError);
    return;
  }
  const offerError = offersError(ctx, framework, body.offer_ids);
  if (offerError !== undefined) {
    dropInvalid(ctx, framework, body.offer_ids, operations, offerError);
    return;
  }
  const offers = body.offer_ids.map((id) => ctx.state.offers.get(id.value)!);
  const agent = ctx.state.agents.get(offers[0]!.agent_id);
  if (agent === undefined)
    throw new Error(`offer ${offers[0]!.id} outlived its agent ${offers[0]!.agent_id}`);
  let offered: Resources = [];
  for (const offer of offers) {
    removeOffer(ctx, offer);
    offered = add(offered, offer.resources);
  }
  const scope: LaunchScope = {
    framework,
    agent,
    roles: new Set(offers.map((o) => o.role)),
    remaining: offered,
    taskIds: new Set(),
    newExecutors: new Map(),
    unauthorized: new Map(unauthorized.map((u) => [u.task_id, u.message])),
  };
  let launched = 0;
  let converted = false;
  for (const operation of operations) {
    if (operation.type === 'LAUNCH') launched += launchTasks(ctx, scope, operation.launch!.task_infos);
    else if (operation.type === 'LAUNCH_GROUP') launched += launchGroup(ctx, scope, operation.launch_group!);
    else if (applyResourceOperation(ctx, scope, operation)) converted = true;
  }
  // The agent's new total is recorded, so that a master taking over keeps its reservations and
  // volumes when the agent re-registers.
  if (converted) {
    ctx.out.push({ type: 'registry', op: 'agent_admitted', agent_id: agent.id, agent_info: agent.info });
  }
  for (const offer of offers) {
    trace(ctx, {
      type: 'offer_accepted',
      offer_id: offer.id,
      framework_id: framework.id,
      agent_id: agent.id,
      tasks_launched: launched,
    });
  }
  if (!isEmpty(scope.remaining)) {
    const filter: OfferFilter = { refuse_seconds: refuseSeconds(body.filters) };
    ctx.allocator.recoverResources(framework.id, agent.id, scope.remaining, filter, ctx.now);
  }
}

/** Why the operations cannot be carried out at all (unsupported or malformed), if they cannot. */
function operationsError(operations: readonly Operation[]): string | undefined {
  if (!Array.isArray(operations)) return "'accept.operations' must be a list";
  for (const op of operations) {
    if (op === null || typeof op !== 'object') return 'Each operation must be an Operation';
    if (!supported_operations.has(op.type)) {
      return `Operation ${op.type} is not supported by this master (only LAUNCH, LAUNCH_GROUP, RESERVE, UNRESERVE, CREATE and DESTROY)`;
    }
    if (resource_operations.has(op.type)) {
      const error = resourceOperationShapeError(op);
      if (error !== undefined) return error;
    }
    if (op.type === 'LAUNCH' && !Array.isArray(op.launch?.task_infos)) {
      return "Expecting 'launch.task_infos' to be present";
    }
    if (op.type === 'LAUNCH_GROUP') {
      const group = op.launch_group;
      if (group === undefined || group.executor === undefined || !Array.isArray(group.task_group?.tasks)) {
        return "Expecting 'launch_group.executor' and 'launch_group.task_group.tasks' to be present";
      }
    }
  }
  return undefined;
}

/** Why the offers of an accept are unusable: unknown, someone else's, repeated, or on several agents. */
function offersError(ctx: Ctx, framework: FrameworkRecord, offerIds: readonly Id[]): string | undefined {
  if (!Array.isArray(offerIds) || offerIds.length === 0) return 'No offers specified';
  const seen = new Set<string>();
  let agentId: string | undefined;
  for (const id of offerIds) {
    const idError = validateId(id, 'offer_id');
    if (idError !== undefined) return idError;
    if (seen.has(id.value)) return `Offer ${id.value} appears more than once`;
    seen.add(id.value);
    const offer = ctx.state.offers.get(id.value);
    if (offer === undefined) return `Offer ${id.value} is no longer valid`;
    if (offer.framework_id !== framework.id) return `Offer ${id.value} has invalid framework`;
    if (agentId !== undefined && offer.agent_id !== agentId) {
      return 'Aggregated offers must belong to one single agent';
    }
    agentId = offer.agent_id;
  }
  return undefined;
}

/** Every task of the operations, for answering them all. */
function allTasks(operations: readonly Operation[]): TaskInfo[] {
  const out: TaskInfo[] = [];
  for (const op of operations) {
    if (op.type === 'LAUNCH') out.push(...op.launch!.task_infos);
    else if (op.type === 'LAUNCH_GROUP') out.push(...op.launch_group!.task_group.tasks);
  }
  return out;
}

/**
 * The offers are invalid: the framework's offers among them are taken back (their resources
 * recovered), and every task of the call is dropped with REASON_INVALID_OFFERS.
 */
function dropInvalid(
  ctx: Ctx,
  framework: FrameworkRecord,
  offerIds: readonly Id[],
  operations: readonly Operation[],
  error: string,
): void {
  for (const id of Array.isArray(offerIds) ? offerIds : []) {
    const offer: OfferRecord | undefined = ctx.state.offers.get(id?.value);
    if (offer !== undefined && offer.framework_id === framework.id)
      rescindOffer(ctx, offer, 'invalid accept', false);
  }
  const state = isPartitionAware(framework) ? 'TASK_DROPPED' : 'TASK_LOST';
  for (const task of allTasks(operations)) {
    const taskId = typeof task?.task_id?.value === 'string' ? task.task_id.value : '';
    const agentId = typeof task?.agent_id?.value === 'string' ? task.agent_id.value : undefined;
    const status = masterStatus(
      ctx,
      taskId,
      agentId,
      state,
      'REASON_INVALID_OFFERS',
      `Task launched with invalid offers: ${error}`,
    );
    sendUpdate(ctx, framework, status);
    trace(ctx, {
      type: 'task_status',
      task_id: taskId,
      framework_id: framework.id,
      agent_id: agentId ?? '',
      state,
      reason: 'REASON_INVALID_OFFERS',
      source: 'SOURCE_MASTER',
    });
  }
}

/** Answers a task the master refuses with TASK_ERROR. */
function refuseTask(ctx: Ctx, scope: LaunchScope, task: TaskInfo, reason: string, message: string): void {
  const taskId = typeof task?.task_id?.value === 'string' ? task.task_id.value : '';
  const status = masterStatus(ctx, taskId, scope.agent.id, 'TASK_ERROR', reason, message);
  sendUpdate(ctx, scope.framework, status);
  trace(ctx, {
    type: 'task_status',
    task_id: taskId,
    framework_id: scope.framework.id,
    agent_id: scope.agent.id,
    state: 'TASK_ERROR',
    reason,
    source: 'SOURCE_MASTER',
  });
}

/** LAUNCH: validates and launches each task on its own; returns how many were launched. */
function launchTasks(ctx: Ctx, scope: LaunchScope, tasks: readonly TaskInfo[]): number {
  let launched = 0;
  for (const task of tasks) {
    const denied = scope.unauthorized?.get(task?.task_id?.value);
    if (denied !== undefined) {
      refuseTask(ctx, scope, task, 'REASON_TASK_UNAUTHORIZED', denied);
      continue;
    }
    const valid = validateTask(scope, task, undefined);
    if ('error' in valid) {
      refuseTask(ctx, scope, task, 'REASON_TASK_INVALID', valid.error);
      continue;
    }
    claimTask(scope, valid);
    const sent = startTask(ctx, scope.framework, scope.agent, valid);
    sendAgent(ctx, scope.agent, { type: 'run_task', framework_info: scope.framework.info, task: sent });
    launched++;
  }
  return launched;
}

/** LAUNCH_GROUP: all tasks of the group launch together, or all get TASK_ERROR. */
function launchGroup(
  ctx: Ctx,
  scope: LaunchScope,
  group: { readonly executor: ExecutorInfo; readonly task_group: { readonly tasks: readonly TaskInfo[] } },
): number {
  const tasks = group.task_group.tasks;
  // The group's tasks see each other's claims while they are checked, in a trial scope; the
  // accept's own scope takes them only when the whole group is valid.
  const trial = trialScope(scope);
  let error: string | undefined;
  const denied = tasks.map((t) => scope.unauthorized?.get(t?.task_id?.value)).find((m) => m !== undefined);
  if (denied !== undefined) {
    for (const task of tasks) refuseTask(ctx, scope, task, 'REASON_TASK_GROUP_UNAUTHORIZED', denied);
    return 0;
  }
  if (tasks.length === 0) error = 'Task group must contain at least one task';
  else if (group.executor.type !== 'DEFAULT')
    error = "The 'ExecutorInfo.type' of a task group must be 'DEFAULT'";
  const valid: ValidTask[] = [];
  for (const task of error === undefined ? tasks : []) {
    const checked = validateTask(trial, task, group.executor);
    if ('error' in checked) {
      error = `Task ${task?.task_id?.value} in the group is invalid: ${checked.error}`;
      break;
    }
    claimTask(trial, checked);
    valid.push(checked);
  }
  if (error !== undefined) {
    for (const task of tasks) refuseTask(ctx, scope, task, 'REASON_TASK_GROUP_INVALID', error);
    return 0;
  }
  for (const task of valid) claimTask(scope, task);
  const sent = valid.map((task) => startTask(ctx, scope.framework, scope.agent, task));
  const executor = scope.agent.executors.get(scope.framework.id)?.get(group.executor.executor_id.value)?.info;
  sendAgent(ctx, scope.agent, {
    type: 'run_task_group',
    framework_info: scope.framework.info,
    executor: wireExecutor(executor ?? group.executor),
    task_group: { tasks: sent },
  });
  return valid.length;
}

/** Records a valid task (and its new executor) in TASK_STAGING; returns the TaskInfo to send. */
function startTask(ctx: Ctx, framework: FrameworkRecord, agent: AgentRecord, valid: ValidTask): TaskInfo {
  if (valid.newExecutor !== undefined) {
    addExecutor(agent, {
      framework_id: framework.id,
      agent_id: agent.id,
      info: valid.newExecutor.info,
      resources: valid.newExecutor.resources,
    });
  }
  // A LAUNCH task carries its executor's full info (as the agent knows it); a group's tasks do not.
  const executorInfo =
    valid.info.executor === undefined || valid.executorId === undefined
      ? undefined
      : agent.executors.get(framework.id)?.get(valid.executorId)?.info;
  const info: TaskInfo = {
    ...valid.info,
    resources: valid.resources,
    ...(executorInfo === undefined ? {} : { executor: executorInfo }),
  };
  const record: TaskRecord = {
    task_id: info.task_id.value,
    framework_id: framework.id,
    agent_id: agent.id,
    executor_id: valid.executorId ?? '',
    name: info.name,
    role: valid.role,
    resources: valid.resources,
    info,
    state: 'TASK_STAGING',
    status: undefined,
    statuses: [],
    pendingUuid: undefined,
    unreachableSinceMs: undefined,
  };
  addTask(framework, agent, record);
  trace(ctx, {
    type: 'task_launched',
    task_id: record.task_id,
    framework_id: framework.id,
    agent_id: agent.id,
    resources: summary(valid.resources),
  });
  return wireTask(info);
}

/** A TaskInfo as the wire shows it (resources naming their reservation role). */
function wireTask(info: TaskInfo): TaskInfo {
  const executor = info.executor;
  return {
    ...info,
    resources: wireResources(info.resources),
    ...(executor === undefined ? {} : { executor: wireExecutor(executor) }),
  };
}

/** An ExecutorInfo as the wire shows it. */
function wireExecutor(executor: ExecutorInfo): ExecutorInfo {
  return executor.resources === undefined
    ? executor
    : { ...executor, resources: wireResources(executor.resources) };
}
