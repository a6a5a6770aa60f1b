// The master's authorization of what an authenticated (or anonymous) caller asks: the ACL actions
// each call needs, with the object each names (roles, framework principals, reserver and creator
// principals), checked before the call reaches the engine. A denied call gets 403 with a message
// and changes nothing; read views leave out what the caller may not view.
import type { MasterInput } from '../../engine/master/inputs.ts';
import type { MasterLookups } from '../../engine/master/lookups.ts';
import type { FrameworkView, MasterStateView } from '../../engine/master/view.ts';
import type { Resource } from '../../engine/resources.ts';
import { type AclAction, type Acls, authorized } from './acls.ts';

/** A master's authorizer over its ACLs (none: everything is allowed). */
export interface Authorizer {
  /** Whether `principal` may do `action` on `object`. */
  may(action: AclAction, principal: string | undefined, object?: string): boolean;
  /** Why `principal` may not make this write, if it may not. */
  writeDenial(principal: string | undefined, input: MasterInput, lookups: MasterLookups): string | undefined;
  /** The state view with only the frameworks `principal` may view. */
  stateFor(principal: string | undefined, view: MasterStateView): MasterStateView;
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
    stateFor(principal, view) {
      if (acls === undefined) return view;
      return {
        ...view,
        frameworks: view.frameworks.filter((f) => viewable(principal, f)),
        completed_frameworks: view.completed_frameworks.filter((f) => viewable(principal, f)),
      };
    },
  };
}
