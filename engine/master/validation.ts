// Validation of what frameworks and agents send, as Mesos's master/validation.cpp checks it. Each
// function returns an error message (undefined when valid) and never throws on bad input: a bad
// call becomes a 400 or a TASK_ERROR, never a crash.

import { framework_roles_max } from '../constants.ts';
import type { Resource } from '../resources.ts';
import { normalize, type Resources, validateRole } from '../resources.ts';
import type { ExecutorInfo, FrameworkInfo, Id } from './v1.ts';

/** Longest id meso accepts (Mesos bounds ids by what a path component may hold). */
export const id_length_max = 255;

/** Checks a v1 id object: a non-empty value without '/', '\\', control characters, '.' or '..'. */
export function validateId(id: unknown, what: string): string | undefined {
  if (id === null || typeof id !== 'object') return `'${what}' is missing`;
  const value = (id as Id).value;
  if (typeof value !== 'string' || value === '') return `'${what}' must have a non-empty value`;
  if (value.length > id_length_max) return `'${what}' is longer than ${id_length_max} characters`;
  if (value === '.' || value === '..') return `'${what}' cannot be '.' or '..'`;
  if (/[/\\\p{Cc}]/u.test(value)) return `'${what}' '${value}' contains '/', '\\' or a control character`;
  return undefined;
}

/** Returns the error of a thrown validation, or undefined when `check` returns normally. */
function caught(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Checks a role name (`*`, or a hierarchical name such as `prod/hadoop`). */
export function roleError(role: unknown, what: string): string | undefined {
  if (role === '*') return undefined;
  if (typeof role !== 'string') return `${what}: role must be a string`;
  return caught(() => validateRole(role, what));
}

/** The roles a framework subscribes with: `roles` when given, else the deprecated `role` (default '*'). */
export function frameworkRoles(info: FrameworkInfo): string[] {
  if (Array.isArray(info.roles) && info.roles.length > 0) return [...info.roles];
  return [typeof info.role === 'string' && info.role !== '' ? info.role : '*'];
}

/** Checks the FrameworkInfo of SUBSCRIBE or UPDATE_FRAMEWORK. */
export function validateFrameworkInfo(info: unknown): string | undefined {
  if (info === null || typeof info !== 'object') return "Expecting 'framework_info' to be present";
  const fi = info as FrameworkInfo;
  if (typeof fi.user !== 'string') return "'framework_info.user' must be a string";
  if (typeof fi.name !== 'string') return "'framework_info.name' must be a string";
  if (fi.id !== undefined) {
    const error = validateId(fi.id, 'framework_info.id');
    if (error !== undefined) return error;
  }
  const timeout = fi.failover_timeout;
  if (timeout !== undefined && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0)) {
    return "'framework_info.failover_timeout' must be a non-negative number";
  }
  if (fi.roles !== undefined && !Array.isArray(fi.roles)) return "'framework_info.roles' must be a list";
  if (fi.capabilities !== undefined) {
    if (!Array.isArray(fi.capabilities) || fi.capabilities.some((c) => typeof c?.type !== 'string')) {
      return "'framework_info.capabilities' must be a list of {type}";
    }
  }
  const roles = frameworkRoles(fi);
  if (roles.length > framework_roles_max) {
    return `'framework_info.roles' has ${roles.length} roles; at most ${framework_roles_max} are allowed`;
  }
  if (new Set(roles).size !== roles.length) return "'framework_info.roles' contains duplicates";
  for (const role of roles) {
    const error = roleError(role, 'framework_info');
    if (error !== undefined) return error;
  }
  return undefined;
}

/** Normalizes wire resources, or returns why they are invalid. */
export function parseWireResources(
  list: unknown,
  what: string,
): { resources: Resources } | { error: string } {
  if (!Array.isArray(list)) return { error: `${what} must be a list of resources` };
  try {
    return { resources: normalize(list as Resource[]) };
  } catch (err) {
    return { error: `${what} are invalid: ${(err as Error).message}` };
  }
}

/** Checks the parts of an ExecutorInfo that do not depend on the agent. */
export function validateExecutorInfo(executor: ExecutorInfo, frameworkId: string): string | undefined {
  if (executor === null || typeof executor !== 'object') return "'executor' must be an ExecutorInfo";
  const idError = validateId(executor.executor_id, 'executor.executor_id');
  if (idError !== undefined) return idError;
  if (executor.framework_id !== undefined && executor.framework_id?.value !== frameworkId) {
    return `ExecutorInfo has an invalid FrameworkID (actual: ${executor.framework_id?.value} vs expected: ${frameworkId})`;
  }
  if (executor.type === 'CUSTOM' && executor.command === undefined) {
    return "'ExecutorInfo.command' must be set for 'CUSTOM' executor";
  }
  if (executor.type === 'DEFAULT' && executor.command !== undefined) {
    return "'ExecutorInfo.command' must not be set for 'DEFAULT' executor";
  }
  return undefined;
}

/** Checks a kill policy's grace period. */
export function validateKillPolicy(policy: unknown): string | undefined {
  if (policy === undefined) return undefined;
  const nanos = (policy as { grace_period?: { nanoseconds?: unknown } })?.grace_period?.nanoseconds;
  if (nanos === undefined) return undefined;
  if (typeof nanos !== 'number' || !Number.isFinite(nanos) || nanos < 0) {
    return 'Task has a negative or invalid kill policy grace period';
  }
  return undefined;
}

/**
 * Checks TaskInfo.health_check (`kind` health) or TaskInfo.check (`kind` check) as Mesos's task
 * validation does: a type of COMMAND, HTTP or TCP with its own field set (a command with a value, a
 * port), an HTTP path starting with '/', and no negative durations.
 */
export function validateTaskCheck(check: unknown, kind: 'health' | 'check'): string | undefined {
  if (check === undefined) return undefined;
  const name = kind === 'health' ? 'health_check' : 'check';
  if (check === null || typeof check !== 'object') return `Task's ${name} must be an object`;
  const fields = check as Record<string, unknown>;
  for (const field of ['delay_seconds', 'interval_seconds', 'timeout_seconds', 'grace_period_seconds']) {
    const value = fields[field];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0))
      return `Task's ${name}.${field} must be a non-negative number`;
  }
  const portOf = (holder: unknown): unknown => (holder as { port?: unknown } | undefined)?.port;
  const validPort = (port: unknown): boolean =>
    typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536;
  switch (fields.type) {
    case 'COMMAND': {
      const holder = fields.command as { command?: unknown; value?: unknown } | undefined;
      const command = (kind === 'health' ? holder : holder?.command) as { value?: unknown } | undefined;
      if (typeof command?.value !== 'string' || command.value === '')
        return `Task's ${name} of type COMMAND needs a command with a value`;
      return undefined;
    }
    case 'HTTP': {
      const http = fields.http as { path?: unknown; scheme?: unknown } | undefined;
      if (!validPort(portOf(http))) return `Task's ${name} of type HTTP needs http.port (1 to 65535)`;
      if (typeof http?.path === 'string' && !http.path.startsWith('/'))
        return `Task's ${name} HTTP path '${http.path}' must start with '/'`;
      if (http?.scheme !== undefined && http.scheme !== 'http' && http.scheme !== 'https')
        return `Task's ${name} HTTP scheme must be 'http' or 'https'`;
      return undefined;
    }
    case 'TCP':
      if (!validPort(portOf(fields.tcp))) return `Task's ${name} of type TCP needs tcp.port (1 to 65535)`;
      return undefined;
    default:
      return `Task's ${name} needs a type: COMMAND, HTTP or TCP`;
  }
}

/** Deep equality of two JSON values, whatever the order of object keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameJson(x, bb[i]));
  }
  const ak = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** True when `uuid` is base64 text of exactly 16 bytes, as a status update uuid must be. */
export function isStatusUuid(uuid: unknown): boolean {
  return typeof uuid === 'string' && /^[A-Za-z0-9+/]{21}[AQgw]==$/.test(uuid);
}
