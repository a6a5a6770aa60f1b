// The operator calls that change the master (master.proto's Call bodies), read into engine inputs:
// TEARDOWN, UPDATE_WEIGHTS, RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES,
// DESTROY_VOLUMES, GROW_VOLUME, SHRINK_VOLUME, DRAIN_AGENT, DEACTIVATE_AGENT, REACTIVATE_AGENT,
// MARK_AGENT_GONE, UPDATE_QUOTA and the older SET_QUOTA and REMOVE_QUOTA, and the maintenance
// calls UPDATE_MAINTENANCE_SCHEDULE, START_MAINTENANCE and STOP_MAINTENANCE. Only the shape is
// checked here (a missing agent id, a list that is not one); the engine checks the rest and answers
// 400 or 409 with its reason.
import type { Quota } from '../../engine/allocator/allocator.ts';
import type { MasterInput } from '../../engine/master/inputs.ts';
import type { MachineID, MaintenanceSchedule, Operation } from '../../engine/master/v1.ts';
import type { Quantities } from '../../engine/quantities.ts';
import type { Resource } from '../../engine/resources.ts';

type Json = Record<string, unknown>;
/** The engine inputs of a write call (applied in order, all or none), or why it is malformed. */
export type WriteInputs = { readonly inputs: readonly MasterInput[] } | { readonly error: string };

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The body of a call (`call[<lowercase type>]`), an object or undefined. */
function bodyOf(call: Json, field: string): Json | undefined {
  const body = call[field];
  return isObject(body) ? body : undefined;
}

/** `{value}` of an id field, or undefined when absent or empty. */
function idOf(value: unknown): string | undefined {
  const id = isObject(value) ? value.value : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** The agent id of a body, or the error naming the field. */
function agentIdOf(body: Json | undefined, field: string): string | { error: string } {
  return idOf(body?.agent_id) ?? { error: `Expecting '${field}.agent_id' to be present` };
}

/** A list of resources of a body, or the error naming the field. */
function listOf(body: Json | undefined, field: string, list: string): Resource[] | { error: string } {
  const value = body?.[list];
  if (!Array.isArray(value)) return { error: `Expecting '${field}.${list}' to be a list of resources` };
  return value as Resource[];
}

/** The seconds of a google.protobuf.Duration in JSON ("1.5s") or object form, or undefined when malformed. */
export function durationSeconds(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const match = /^(-?\d+(?:\.\d+)?)s$/.exec(value);
    return match === null ? undefined : Number(match[1]);
  }
  if (isObject(value)) {
    const seconds = Number(value.seconds ?? 0);
    const nanos = Number(value.nanos ?? 0);
    return Number.isFinite(seconds) && Number.isFinite(nanos) ? seconds + nanos / 1e9 : undefined;
  }
  return undefined;
}

/** One resource operation on an agent. */
function operation(
  call: Json,
  field: string,
  make: (body: Json) => Operation | { error: string },
): WriteInputs {
  const body = bodyOf(call, field);
  const agent = agentIdOf(body, field);
  if (typeof agent !== 'string') return agent;
  const op = make(body!);
  if ('error' in op) return op;
  return { inputs: [{ type: 'operator_operation', agent_id: agent, operation: op }] };
}

/** A map of resource name to Value.Scalar as quantities, or why it is not one. */
function quantitiesOf(value: unknown, what: string): { amounts: Quantities } | { error: string } {
  if (value === undefined) return { amounts: {} };
  if (!isObject(value)) return { error: `'${what}' must map resource names to {value}` };
  const out: Record<string, number> = {};
  for (const [name, scalar] of Object.entries(value)) {
    const amount = isObject(scalar) ? scalar.value : undefined;
    if (typeof amount !== 'number') return { error: `'${what}.${name}' must be {value: <number>}` };
    out[name] = amount;
  }
  return { amounts: out };
}

/** UPDATE_QUOTA: each QuotaConfig as a role's quota (a config with neither map clears it). */
function updateQuota(call: Json): WriteInputs {
  const configs = bodyOf(call, 'update_quota')?.quota_configs;
  if (!Array.isArray(configs)) return { error: "Expecting 'update_quota.quota_configs' to be a list" };
  const quotas: Array<{ role: string; quota: Quota }> = [];
  for (const config of configs) {
    const role = isObject(config) ? config.role : undefined;
    if (typeof role !== 'string') return { error: "Expecting 'quota_configs[].role' to be a role name" };
    const guarantees = quantitiesOf((config as Json).guarantees, `${role}.guarantees`);
    if ('error' in guarantees) return guarantees;
    const limits = quantitiesOf((config as Json).limits, `${role}.limits`);
    if ('error' in limits) return limits;
    const limited = Object.keys(limits.amounts).length > 0;
    quotas.push({
      role,
      quota: { guarantees: guarantees.amounts, ...(limited ? { limits: limits.amounts } : {}) },
    });
  }
  return { inputs: [{ type: 'operator_update_quotas', quotas }] };
}

/** SET_QUOTA (older): the scalar resources of `guarantee` become the role's guarantees and limits. */
function setQuota(call: Json): WriteInputs {
  const request = bodyOf(call, 'set_quota')?.quota_request;
  const role = isObject(request) ? request.role : undefined;
  if (typeof role !== 'string') return { error: "Expecting 'set_quota.quota_request.role' to be present" };
  const guarantee = (request as Json).guarantee;
  if (!Array.isArray(guarantee))
    return { error: "Expecting 'set_quota.quota_request.guarantee' to be a list" };
  const amounts: Record<string, number> = {};
  for (const res of guarantee) {
    const name = isObject(res) ? res.name : undefined;
    const value = isObject(res) && isObject(res.scalar) ? res.scalar.value : undefined;
    if (typeof name !== 'string' || typeof value !== 'number') {
      return { error: "'set_quota.quota_request.guarantee' must hold scalar resources" };
    }
    amounts[name] = (amounts[name] ?? 0) + value;
  }
  return {
    inputs: [
      { type: 'operator_update_quotas', quotas: [{ role, quota: { guarantees: amounts, limits: amounts } }] },
    ],
  };
}

/** DRAIN_AGENT with its optional grace period bound and mark_gone. */
function drainAgent(call: Json): WriteInputs {
  const body = bodyOf(call, 'drain_agent');
  const agent = agentIdOf(body, 'drain_agent');
  if (typeof agent !== 'string') return agent;
  const grace = body?.max_grace_period;
  const seconds = grace === undefined ? undefined : durationSeconds(grace);
  if (grace !== undefined && (seconds === undefined || seconds < 0)) {
    return { error: '\'drain_agent.max_grace_period\' must be a duration such as "10s"' };
  }
  if (body?.mark_gone !== undefined && typeof body.mark_gone !== 'boolean') {
    return { error: "'drain_agent.mark_gone' must be true or false" };
  }
  return {
    inputs: [
      {
        type: 'operator_drain_agent',
        agent_id: agent,
        mark_gone: body?.mark_gone === true,
        ...(seconds === undefined ? {} : { max_grace_period_ns: Math.round(seconds * 1e9) }),
      },
    ],
  };
}

/** A call that names one agent and nothing more. */
function onAgent(
  call: Json,
  field: string,
  type: 'operator_deactivate_agent' | 'operator_reactivate_agent' | 'operator_mark_agent_gone',
): WriteInputs {
  const agent = agentIdOf(bodyOf(call, field), field);
  if (typeof agent !== 'string') return agent;
  return { inputs: [{ type, agent_id: agent }] };
}

/** UPDATE_MAINTENANCE_SCHEDULE: the schedule replaces the current one (the engine checks its shape and content). */
function updateMaintenanceSchedule(call: Json): WriteInputs {
  const schedule = bodyOf(call, 'update_maintenance_schedule')?.schedule;
  if (schedule === undefined)
    return { error: "Expecting 'update_maintenance_schedule.schedule' to be present" };
  return {
    inputs: [
      { type: 'operator_update_maintenance_schedule', schedule: schedule as unknown as MaintenanceSchedule },
    ],
  };
}

/** START_MAINTENANCE and STOP_MAINTENANCE: a list of machines (the engine checks each). */
function maintenanceOf(
  call: Json,
  field: 'start_maintenance' | 'stop_maintenance',
  type: 'operator_start_maintenance' | 'operator_stop_maintenance',
): WriteInputs {
  const machines = bodyOf(call, field)?.machines;
  if (machines === undefined) return { error: `Expecting '${field}.machines' to be a list of machines` };
  return { inputs: [{ type, machines: machines as MachineID[] }] };
}

/** The engine inputs of a write call, undefined when `call.type` is not a write. */
export function writeInputs(call: Json): WriteInputs | undefined {
  switch (call.type) {
    case 'TEARDOWN': {
      const id = idOf(bodyOf(call, 'teardown')?.framework_id);
      if (id === undefined) return { error: "Expecting 'teardown.framework_id' to be present" };
      return { inputs: [{ type: 'operator_teardown', framework_id: id }] };
    }
    case 'UPDATE_WEIGHTS': {
      const infos = bodyOf(call, 'update_weights')?.weight_infos;
      if (!Array.isArray(infos)) return { error: "Expecting 'update_weights.weight_infos' to be a list" };
      return { inputs: [{ type: 'operator_update_weights', weights: infos }] };
    }
    case 'RESERVE_RESOURCES':
      return operation(call, 'reserve_resources', (b) => {
        const resources = listOf(b, 'reserve_resources', 'resources');
        return 'error' in resources ? resources : { type: 'RESERVE', reserve: { resources } };
      });
    case 'UNRESERVE_RESOURCES':
      return operation(call, 'unreserve_resources', (b) => {
        const resources = listOf(b, 'unreserve_resources', 'resources');
        return 'error' in resources ? resources : { type: 'UNRESERVE', unreserve: { resources } };
      });
    case 'CREATE_VOLUMES':
      return operation(call, 'create_volumes', (b) => {
        const volumes = listOf(b, 'create_volumes', 'volumes');
        return 'error' in volumes ? volumes : { type: 'CREATE', create: { volumes } };
      });
    case 'DESTROY_VOLUMES':
      return operation(call, 'destroy_volumes', (b) => {
        const volumes = listOf(b, 'destroy_volumes', 'volumes');
        return 'error' in volumes ? volumes : { type: 'DESTROY', destroy: { volumes } };
      });
    case 'GROW_VOLUME':
      return operation(call, 'grow_volume', (b) => ({
        type: 'GROW_VOLUME',
        grow_volume: { volume: b.volume as Resource, addition: b.addition as Resource },
      }));
    case 'SHRINK_VOLUME':
      return operation(call, 'shrink_volume', (b) => ({
        type: 'SHRINK_VOLUME',
        shrink_volume: { volume: b.volume as Resource, subtract: b.subtract as { value: number } },
      }));
    case 'DRAIN_AGENT':
      return drainAgent(call);
    case 'DEACTIVATE_AGENT':
      return onAgent(call, 'deactivate_agent', 'operator_deactivate_agent');
    case 'REACTIVATE_AGENT':
      return onAgent(call, 'reactivate_agent', 'operator_reactivate_agent');
    case 'MARK_AGENT_GONE':
      return onAgent(call, 'mark_agent_gone', 'operator_mark_agent_gone');
    case 'UPDATE_QUOTA':
      return updateQuota(call);
    case 'UPDATE_MAINTENANCE_SCHEDULE':
      return updateMaintenanceSchedule(call);
    case 'START_MAINTENANCE':
      return maintenanceOf(call, 'start_maintenance', 'operator_start_maintenance');
    case 'STOP_MAINTENANCE':
      return maintenanceOf(call, 'stop_maintenance', 'operator_stop_maintenance');
    case 'SET_QUOTA':
      return setQuota(call);
    case 'REMOVE_QUOTA': {
      const role = bodyOf(call, 'remove_quota')?.role;
      if (typeof role !== 'string') return { error: "Expecting 'remove_quota.role' to be present" };
      return { inputs: [{ type: 'operator_update_quotas', quotas: [{ role, quota: { guarantees: {} } }] }] };
    }
    default:
      return undefined;
  }
}
