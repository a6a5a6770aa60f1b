// Validation of the tasks of an ACCEPT against the offers being used, as Mesos's task validation:
// ids, agent, uniqueness, command xor executor, executor compatibility, resources present and within
// what remains of the offers. A valid task comes back with its resources in allocated form; the
// check itself changes nothing, and the caller claims what a task uses once it decides to launch it
// (a task group launches all its tasks or none).
import { add, allocate, contains, formatResources, isEmpty, type Resources, subtract } from '../resources.ts';
import type { AgentRecord, FrameworkRecord } from './state.ts';
import type { ExecutorInfo, TaskInfo } from './v1.ts';
import {
  parseWireResources,
  sameJson,
  validateExecutorInfo,
  validateId,
  validateKillPolicy,
  validateTaskCheck,
} from './validation.ts';

/** What the tasks of one accept share while they are validated in order. */
export interface LaunchScope {
  readonly framework: FrameworkRecord;
  readonly agent: AgentRecord;
  /** Roles of the offers being accepted. */
  readonly roles: ReadonlySet<string>;
  /** Offered resources not yet claimed by an earlier task of the same accept. */
  remaining: Resources;
  /** Task ids claimed by earlier tasks of the same accept. */
  readonly taskIds: Set<string>;
  /** Executors started by earlier tasks of the same accept. */
  readonly newExecutors: Map<string, ExecutorInfo>;
  /** Why the host's authorizer refused a task (by task id), when it did (Mesos's run_tasks). */
  readonly unauthorized?: ReadonlyMap<string, string>;
}

/** A task that passed validation, ready to launch. */
export interface ValidTask {
  readonly info: TaskInfo;
  readonly role: string;
  /** The task's resources, allocated to `role`. */
  readonly resources: Resources;
  /** The executor the task runs under (its own, or its group's); undefined for a command task. */
  readonly executorId: string | undefined;
  /** Set when the task starts a new executor on the agent: its info and allocated resources. */
  readonly newExecutor: { readonly info: ExecutorInfo; readonly resources: Resources } | undefined;
  /** What the task takes from the offers: its resources and its new executor's. */
  readonly claimed: Resources;
}

/** The task's role and its resources in allocated form, or why they are invalid. */
export function allocatedResources(
  list: unknown,
  roles: ReadonlySet<string>,
  what: string,
): { resources: Resources; role: string } | { error: string } {
  const parsed = parseWireResources(list, what);
  if ('error' in parsed) return parsed;
  const named = new Set(parsed.resources.flatMap((r) => (r.allocation_info ? [r.allocation_info.role] : [])));
  let role: string;
  if (named.size > 1) return { error: `${what} are allocated to more than one role` };
  if (named.size === 1) role = [...named][0]!;
  else if (roles.size === 1) role = [...roles][0]!;
  else return { error: `${what} must carry allocation_info: the offers are for several roles` };
  if (!roles.has(role)) return { error: `${what} are allocated to role '${role}', which no offer is for` };
  return { resources: allocate(parsed.resources, role), role };
}

/** Checks the fields of a task that do not depend on resources. */
function taskShapeError(scope: LaunchScope, task: TaskInfo): string | undefined {
  if (task === null || typeof task !== 'object') return 'Task must be a TaskInfo';
  const idError = validateId(task.task_id, 'task_id');
  if (idError !== undefined) return idError;
  if (typeof task.name !== 'string') return "Task must have a 'name'";
  const taskId = task.task_id.value;
  const agentError = validateId(task.agent_id, 'agent_id');
  if (agentError !== undefined) return agentError;
  if (task.agent_id.value !== scope.agent.id) {
    return `Task uses invalid agent: ${task.agent_id.value} (offers are for ${scope.agent.id})`;
  }
  const fw = scope.framework;
  if (fw.tasks.has(taskId) || fw.unreachableTasks.has(taskId) || scope.taskIds.has(taskId)) {
    return `Task has duplicate ID: ${taskId}`;
  }
  return (
    validateKillPolicy(task.kill_policy) ??
    validateTaskCheck(task.health_check, 'health') ??
    validateTaskCheck(task.check, 'check')
  );
}

/**
 * The executor a task names, checked against the agent's executors and those this accept starts:
 * `newExecutor` is set when the task would start it.
 */
function checkExecutor(
  scope: LaunchScope,
  executor: ExecutorInfo,
  role: string,
): { newExecutor: ValidTask['newExecutor'] } | { error: string } {
  const fw = scope.framework;
  const shapeError = validateExecutorInfo(executor, fw.id);
  if (shapeError !== undefined) return { error: shapeError };
  const executorId = executor.executor_id.value;
  const withFramework: ExecutorInfo = { ...executor, framework_id: { value: fw.id } };
  const parsed = allocatedResources(executor.resources ?? [], scope.roles, 'Executor resources');
  if ('error' in parsed) return parsed;
  if (parsed.role !== role && parsed.resources.length > 0) {
    return { error: `Executor resources are allocated to '${parsed.role}', the task's to '${role}'` };
  }
  const running =
    scope.agent.executors.get(fw.id)?.get(executorId)?.info ?? scope.newExecutors.get(executorId);
  if (running !== undefined) {
    const same = sameJson({ ...running, resources: undefined }, { ...withFramework, resources: undefined });
    if (!same) return { error: `ExecutorInfo is not compatible with the running executor '${executorId}'` };
    return { newExecutor: undefined };
  }
  return {
    newExecutor: { info: { ...withFramework, resources: parsed.resources }, resources: parsed.resources },
  };
}

/** Validates one task of a LAUNCH (or of a group, with `groupExecutor`) against the scope, changing nothing. */
export function validateTask(
  scope: Readonly<LaunchScope>,
  task: TaskInfo,
  groupExecutor: ExecutorInfo | undefined,
): ValidTask | { error: string } {
  const shapeError = taskShapeError(scope, task);
  if (shapeError !== undefined) return { error: shapeError };
  if (groupExecutor === undefined && (task.command === undefined) === (task.executor === undefined)) {
    return { error: 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present' };
  }
  if (groupExecutor !== undefined && task.executor !== undefined) {
    return { error: "Task in a task group must not set 'executor'" };
  }
  const parsed = allocatedResources(task.resources, scope.roles, 'Task resources');
  if ('error' in parsed) return parsed;
  if (isEmpty(parsed.resources)) return { error: 'Task uses no resources' };
  let newExecutor: ValidTask['newExecutor'];
  const executor = groupExecutor ?? task.executor;
  if (executor !== undefined) {
    if (groupExecutor === undefined && executor.type === 'DEFAULT') {
      return { error: "'DEFAULT' executor is only supported by LAUNCH_GROUP" };
    }
    const checked = checkExecutor(scope, executor, parsed.role);
    if ('error' in checked) return checked;
    newExecutor = checked.newExecutor;
  }
  const total = newExecutor === undefined ? parsed.resources : add(parsed.resources, newExecutor.resources);
  if (!contains(scope.remaining, total)) {
    return {
      error: `Task uses more resources ${formatResources(total)} than available ${formatResources(scope.remaining)}`,
    };
  }
  const executorId = executor?.executor_id.value;
  return {
    info: task,
    role: parsed.role,
    resources: parsed.resources,
    executorId,
    newExecutor,
    claimed: total,
  };
}

/** Marks a validated task's id, resources and new executor as taken within the accept. */
export function claimTask(scope: LaunchScope, valid: ValidTask): void {
  scope.taskIds.add(valid.info.task_id.value);
  scope.remaining = subtract(scope.remaining, valid.claimed);
  const executor = valid.newExecutor?.info;
  if (executor !== undefined) scope.newExecutors.set(executor.executor_id.value, executor);
}

/** A copy of the scope whose claims do not reach the original (for a group that may be refused). */
export function trialScope(scope: LaunchScope): LaunchScope {
  return { ...scope, taskIds: new Set(scope.taskIds), newExecutors: new Map(scope.newExecutors) };
}
