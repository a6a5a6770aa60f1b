// Operator requests: tear a framework down, set role weights, set a role's quota. Bad requests
// answer 400 and change nothing.
import type { Quota } from '../allocator/allocator.ts';
import { quota_quantity_max, role_weight_max } from '../constants.ts';
import type { Quantities } from '../quantities.ts';
import { type Ctx, callError } from './context.ts';
import { removeFramework } from './frameworks.ts';
import { roleError } from './validation.ts';

/** Tears a framework down on an operator's request. */
export function operatorTeardown(ctx: Ctx, frameworkId: string): void {
  const framework = ctx.state.frameworks.get(frameworkId);
  if (framework === undefined) {
    callError(ctx, 400, `No framework found with specified ID ${frameworkId}`);
    return;
  }
  removeFramework(ctx, framework, 'teardown by the operator', 'Framework has been removed');
}

/** Sets role weights (each weight > 0). */
export function updateWeights(
  ctx: Ctx,
  weights: ReadonlyArray<{ readonly role: string; readonly weight: number }>,
): void {
  if (!Array.isArray(weights)) {
    callError(ctx, 400, 'weights must be a list of {role, weight}');
    return;
  }
  for (const w of weights) {
    const error = roleError(w?.role, 'weights');
    if (error !== undefined) {
      callError(ctx, 400, error);
      return;
    }
    if (w.role === '*') {
      callError(ctx, 400, "weights: role '*' cannot have a weight");
      return;
    }
    if (
      typeof w.weight !== 'number' ||
      !Number.isFinite(w.weight) ||
      w.weight <= 0 ||
      w.weight > role_weight_max
    ) {
      callError(
        ctx,
        400,
        `weights: weight of role '${w.role}' must be a positive number up to ${role_weight_max}`,
      );
      return;
    }
  }
  const copy = weights.map((w) => ({ role: w.role, weight: w.weight }));
  for (const w of copy) ctx.state.weights.set(w.role, w.weight);
  ctx.allocator.updateWeights(copy);
  ctx.out.push({ type: 'registry', op: 'weights_updated', weights: copy });
}

/** Why a set of quantities is unusable in a quota, if it is. */
function quantitiesError(q: unknown, what: string): string | undefined {
  if (q === null || typeof q !== 'object') return `${what} must be an object of quantities`;
  for (const [name, value] of Object.entries(q as Quantities)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > quota_quantity_max) {
      return `${what}.${name} must be a non-negative number up to ${quota_quantity_max}`;
    }
  }
  return undefined;
}

/** Why a role's quota is unusable (guarantees must be no larger than limits), if it is. */
function quotaError(role: string, quota: Quota): string | undefined {
  const error =
    roleError(role, 'quota') ??
    (role === '*' ? "quota: role '*' cannot have a quota" : undefined) ??
    quantitiesError(quota?.guarantees, 'quota.guarantees') ??
    (quota.limits === undefined ? undefined : quantitiesError(quota.limits, 'quota.limits'));
  if (error !== undefined || quota.limits === undefined) return error;
  for (const [name, value] of Object.entries(quota.guarantees)) {
    const limit = quota.limits[name];
    if (limit !== undefined && value > limit) {
      return `quota: guarantee of ${name} (${value}) exceeds its limit (${limit})`;
    }
  }
  return undefined;
}

/** Sets a role's quota (guarantees no larger than limits). */
export function updateQuota(ctx: Ctx, role: string, quota: Quota): void {
  updateQuotas(ctx, [{ role, quota }]);
}

/** Sets the quota of several roles: all of them, or none when one is unusable. */
export function updateQuotas(
  ctx: Ctx,
  quotas: ReadonlyArray<{ readonly role: string; readonly quota: Quota }>,
): void {
  if (!Array.isArray(quotas)) {
    callError(ctx, 400, 'quotas must be a list of {role, quota}');
    return;
  }
  for (const { role, quota } of quotas) {
    const error = quotaError(role, quota);
    if (error !== undefined) {
      callError(ctx, 400, error);
      return;
    }
  }
  for (const { role, quota } of quotas) applyQuota(ctx, role, quota);
}

/** Records and applies one checked quota (empty guarantees and no limits clear it). */
function applyQuota(ctx: Ctx, role: string, quota: Quota): void {
  if (Object.keys(quota.guarantees).length === 0 && quota.limits === undefined) ctx.state.quotas.delete(role);
  else ctx.state.quotas.set(role, quota);
  ctx.allocator.updateQuota(role, quota);
  ctx.out.push({ type: 'registry', op: 'quota_updated', role, quota });
}
