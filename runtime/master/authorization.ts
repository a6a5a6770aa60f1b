// The master's authorization of what an authenticated (or anonymous) caller asks: the ACL actions
// each call needs, with the object each names (roles, framework principals, reserver and creator
// principals), checked before the call reaches the engine. A denied call gets 403 with a message
// and changes nothing; read views leave out what the caller may not view.
import type { MasterInput } from '../../engine/master/inputs.ts';
import type { MasterLookups } from '../../engine/master/lookups.ts';
import type { ExecutorInfo, Operation, TaskInfo } from '../../engine/master/v1.ts';
import type { ExecutorView, FrameworkView, MasterStateView, TaskView } from '../../engine/master/view.ts';
import type { Resource } from '../../engine/resources.ts';
import { type AclAction, type Acls, authorized } from './acls.ts';

/** A master's authorizer over its ACLs (none: everything is allowed). */
export interface Authorizer {
  /** Whether `principal` may do `action` on `object`. */
  may(action: AclAction, principal: string | undefined, object?: string): boolean;
  /** Why `principal` may not make this write, if it may not. */
  writeDenial(principal: string | undefined, input: MasterInput, lookups: MasterLookups): string | undefined;
  /** The tasks of an ACCEPT's operations `principal` may not run as their users (run_tasks). */
  launchDenials(
    principal: string | undefined,
    operations: readonly Operation[],
    framework_user: string | undefined,
  ): Array<{ task_id: string; message: string }>;
  /** The state view with only the frameworks, tasks and executors `principal` may view. */
  stateFor(principal: string | undefined, view: MasterStateView): MasterStateView;
}

/** The user a task runs as (Mesos's run_tasks and view_tasks object): its command's, else its framework's. */
export function taskUser(
  task: Pick<TaskInfo, 'command' | 'executor'> | undefined,
  framework_user: string | undefined,
): string | undefined {
  return task?.command?.user ?? task?.executor?.command?.user ?? framework_user;
}

/** The user an executor runs as (Mesos's view_executors and access_sandboxes object). */
export function executorUser(
  executor: Pick<ExecutorInfo, 'command'> | undefined,
  framework_user: string | undefined,
): string | undefined {
  return executor?.command?.user ?? framework_user;
}

/** The role a resource is reserved to (its innermost reservation), if any. */
function reservedRole(r: Resource): string | undefined {
  return r.reservations?.at(-1)?.role ?? (r.role !== undefined && r.role !== '*' ? r.role : undefined);
}

/** The (action, object) pairs an operator write needs. */
function needs(input: MasterInput, lookups: MasterLookups): Array<[AclAction, string | undefined]> {
  switch (input.type) {
    case 'operator_teardown':
      return [['teardown_frameworks', lookups.framework(input.framework_id)?.info.principal]];
    case 'operator_update_weights':
      return input.weights.map((w) => ['update_weights', w.role]);
    case 'operator_update_quotas':
      return input.quotas.map((q) => ['update_quotas', q.role]);
    case 'operator_operation': {
      const op = input.operation;
      if (op.type === 'RESERVE')
        return (op.reserve?.resources ?? []).map((r) => ['reserve_resources', reservedRole(r)]);
      if (op.type === 'UNRESERVE') {
        return (op.unreserve?.resources ?? []).map((r) => [
          'unreserve_resources',
          r.reservations?.at(-1)?.principal,
        ]);
      }
      if (op.type === 'CREATE')
        return (op.create?.volumes ?? []).map((r) => ['create_volumes', reservedRole(r)]);
      if (op.type === 'DESTROY') {
        return (op.destroy?.volumes ?? []).map((r) => ['destroy_volumes', r.disk?.persistence?.principal]);
      }
      return [];
    }
    case 'operator_update_maintenance_schedule':
      return [['update_maintenance_schedules', undefined]];
    case 'operator_start_maintenance':
      return [['start_maintenances', undefined]];
    case 'operator_stop_maintenance':
      return [['stop_maintenances', undefined]];
    default:
      return [];
  }
}

/** Builds the authorizer of `acls`. */
export function createAuthorizer(acls: Acls | undefined): Authorizer {
  const may = (action: AclAction, principal: string | undefined, object?: string): boolean =>
    authorized(acls, action, principal, object);
  const viewable = (principal: string | undefined, f: FrameworkView): boolean =>
    may('view_frameworks', principal, f.info.user);
  // A framework the caller may view shows only the tasks and executors it may view too (Mesos).
  const filtered = (principal: string | undefined, f: FrameworkView): FrameworkView => {
    const task = (t: TaskView) => may('view_tasks', principal, taskUser(t.info, f.info.user));
    const executor = (e: ExecutorView) => may('view_executors', principal, executorUser(e.info, f.info.user));
    return {
      ...f,
      tasks: f.tasks.filter(task),
      unreachable_tasks: f.unreachable_tasks.filter(task),
      completed_tasks: f.completed_tasks.filter(task),
      executors: f.executors.filter(executor),
    };
  };
  return {
    may,
    writeDenial(principal, input, lookups) {
      if (acls === undefined) return undefined;
      for (const [action, object] of needs(input, lookups)) {
        if (!may(action, principal, object)) {
          const who = principal === undefined ? 'an anonymous caller' : `principal '${principal}'`;
          return `Not authorized: ${who} may not ${action.replace(/_/g, ' ')}${object === undefined ? '' : ` of '${object}'`}`;
        }
      }
      return undefined;
    },
    launchDenials(principal, operations, framework_user) {
      if (acls === undefined || !Array.isArray(operations)) return [];
      const denials: Array<{ task_id: string; message: string }> = [];
      const check = (task: TaskInfo, executor: ExecutorInfo | undefined) => {
        const user = task?.command?.user ?? executorUser(executor ?? task?.executor, framework_user);
        if (typeof task?.task_id?.value === 'string' && !may('run_tasks', principal, user)) {
          const message = `Not authorized to launch as user '${user ?? ''}'`;
          denials.push({ task_id: task.task_id.value, message });
        }
      };
      for (const op of operations) {
        for (const task of op?.launch?.task_infos ?? []) check(task, undefined);
        for (const task of op?.launch_group?.task_group?.tasks ?? []) check(task, op.launch_group?.executor);
      }
      return denials;
    },
    stateFor(principal, view) {
      if (acls === undefined) return view;
      return {
        ...view,
        frameworks: view.frameworks.filter((f) => viewable(principal, f)).map((f) => filtered(principal, f)),
        completed_frameworks: view.completed_frameworks
          .filter((f) => viewable(principal, f))
          .map((f) => filtered(principal, f)),
      };
    },
  };
}
