// Operator reads beyond the state (master.proto's Response bodies): GET_FLAGS, GET_METRICS,
// GET_LOGGING_LEVEL, GET_ROLES, GET_QUOTA and GET_OPERATIONS, built from the engine's lookups and
// view and the host's flags, metrics and log level.
import type { Quota } from '../../engine/allocator/allocator.ts';
import type { MasterLookups } from '../../engine/master/lookups.ts';
import { wireResources } from '../../engine/master/offers.ts';
import { statusOf } from '../../engine/master/operation-feedback.ts';
import type { MasterStateView } from '../../engine/master/view.ts';
import type { Quantities } from '../../engine/quantities.ts';
import { add, type Resources } from '../../engine/resources.ts';

/** Response.GetFlags: every flag as {name, value}, by name. */
export function getFlags(flags: Readonly<Record<string, string>>): Record<string, unknown> {
  return {
    flags: Object.keys(flags)
      .sort()
      .map((name) => ({ name, value: flags[name] })),
  };
}

/** Response.GetMetrics: a metrics snapshot as a list of {name, value}. */
export function getMetrics(snapshot: Readonly<Record<string, number>>): Record<string, unknown> {
  return { metrics: Object.entries(snapshot).map(([name, value]) => ({ name, value })) };
}

/** A map of resource name to Value.Scalar. */
function scalars(q: Quantities | undefined): Record<string, { value: number }> {
  const out: Record<string, { value: number }> = {};
  for (const [name, value] of Object.entries(q ?? {})) out[name] = { value };
  return out;
}

/** QuotaConfig of a role. */
function quotaConfig(role: string, quota: Quota): Record<string, unknown> {
  return { role, guarantees: scalars(quota.guarantees), limits: scalars(quota.limits) };
}

/** Response.GetQuota: QuotaStatus with the configs, and the older infos (guarantees as resources). */
export function getQuota(lookups: MasterLookups): Record<string, unknown> {
  const quotas = lookups.quotas();
  return {
    status: {
      infos: quotas.map(({ role, quota }) => ({
        role,
        guarantee: Object.entries(quota.guarantees).map(([name, value]) => ({
          name,
          type: 'SCALAR',
          scalar: { value },
        })),
      })),
      configs: quotas.map(({ role, quota }) => quotaConfig(role, quota)),
    },
  };
}

/** The body of GET /quota (Mesos's shape is QuotaStatus itself). */
export function quotaStatus(lookups: MasterLookups): Record<string, unknown> {
  return getQuota(lookups).status as Record<string, unknown>;
}

/** Every role the master knows of: weighted, with quota, or held by a framework; by name. */
export function roleRows(
  view: MasterStateView,
  lookups: MasterLookups,
): Array<{ name: string; weight: number; frameworks: string[]; allocated: Resources }> {
  const rows = new Map<
    string,
    { name: string; weight: number; frameworks: string[]; allocated: Resources }
  >();
  const row = (name: string) => {
    let r = rows.get(name);
    if (r === undefined) {
      r = { name, weight: 1, frameworks: [], allocated: [] };
      rows.set(name, r);
    }
    return r;
  };
  for (const w of view.weights) row(w.role).weight = w.weight;
  for (const q of lookups.quotas()) row(q.role);
  for (const framework of view.frameworks) {
    for (const role of framework.roles) row(role).frameworks.push(framework.id);
    for (const res of framework.used_resources) {
      const role = res.allocation_info?.role;
      if (role !== undefined) row(role).allocated = add(row(role).allocated, [res]);
    }
  }
  return [...rows.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Response.GetRoles. */
export function getRoles(view: MasterStateView, lookups: MasterLookups): Record<string, unknown> {
  return {
    roles: roleRows(view, lookups).map((r) => ({
      name: r.name,
      weight: r.weight,
      frameworks: r.frameworks.map((value) => ({ value })),
      resources: wireResources(r.allocated),
    })),
  };
}

/** Response.GetOperations: the operations with an id the master remembers. */
export function getOperations(lookups: MasterLookups): Record<string, unknown> {
  return {
    operations: lookups.operations().map((record) => {
      const status = statusOf(record, record.info.id?.value ?? '', undefined);
      return {
        ...(record.framework_id === undefined ? {} : { framework_id: { value: record.framework_id } }),
        agent_id: { value: record.agent_id },
        info: record.info,
        latest_status: status,
        statuses: [status],
        uuid: { value: record.uuid },
      };
    }),
  };
}
