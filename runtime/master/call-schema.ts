// The JSON-to-protobuf rules of the v1 scheduler API, as Mesos applies them when it parses a Call:
// `null` means absent, unknown fields are ignored, field types must match (a string where a number
// belongs is an error), enums are names from the proto (a number, or an unknown name, is an
// error), bytes are base64, and required fields must be present. A call that breaks a rule is a
// 400 before it reaches the engine; what the engine checks (ids, roles, offers) it checks itself.
// Only the messages and fields meso reads are described; everything else passes through untouched.
import { dropNulls } from '../wire/json.ts';

/** The shape of a JSON value. */
export type Schema =
  | { readonly kind: 'string' | 'number' | 'int' | 'bool' | 'bytes' | 'object_any' }
  | { readonly kind: 'enum'; readonly values: ReadonlySet<string> }
  | { readonly kind: 'list'; readonly of: Schema }
  | {
      readonly kind: 'message';
      readonly fields: Readonly<Record<string, Schema>>;
      readonly required?: readonly string[];
    };

const str: Schema = { kind: 'string' };
const num: Schema = { kind: 'number' };
const int: Schema = { kind: 'int' };
const bool: Schema = { kind: 'bool' };
const bytes: Schema = { kind: 'bytes' };
const anyObject: Schema = { kind: 'object_any' };
const list = (of: Schema): Schema => ({ kind: 'list', of });
const oneOf = (...values: string[]): Schema => ({ kind: 'enum', values: new Set(values) });
const message = (fields: Record<string, Schema>, required: string[] = []): Schema => ({
  kind: 'message',
  fields,
  required,
});

const id = message({ value: str }, ['value']);
const labels = message({ labels: list(message({ key: str, value: str }, ['key'])) });
const resource = message(
  {
    name: str,
    type: oneOf('SCALAR', 'RANGES', 'SET', 'TEXT'),
    scalar: message({ value: num }, ['value']),
    ranges: message({ range: list(message({ begin: int, end: int }, ['begin', 'end'])) }),
    set: message({ item: list(str) }),
    role: str,
    reservations: list(
      message({ type: oneOf('UNKNOWN', 'STATIC', 'DYNAMIC'), role: str, principal: str, labels }),
    ),
    allocation_info: message({ role: str }),
    provider_id: id,
  },
  ['name', 'type'],
);
const resources = list(resource);
const commandInfo = message({
  value: str,
  shell: bool,
  arguments: list(str),
  environment: message({
    variables: list(message({ name: str, value: str, type: oneOf('UNKNOWN', 'VALUE', 'SECRET') }, ['name'])),
  }),
  uris: list(
    message({ value: str, executable: bool, extract: bool, cache: bool, output_file: str }, ['value']),
  ),
  user: str,
});
const durationInfo = message({ nanoseconds: int }, ['nanoseconds']);
const killPolicy = message({ grace_period: durationInfo });
const executorInfo = message(
  {
    type: oneOf('UNKNOWN', 'DEFAULT', 'CUSTOM'),
    executor_id: id,
    framework_id: id,
    command: commandInfo,
    container: anyObject,
    resources,
    name: str,
    source: str,
    data: bytes,
    labels,
  },
  ['executor_id'],
);
const taskInfo = message(
  {
    name: str,
    task_id: id,
    agent_id: id,
    resources,
    executor: executorInfo,
    command: commandInfo,
    container: anyObject,
    health_check: anyObject,
    check: anyObject,
    kill_policy: killPolicy,
    data: bytes,
    labels,
    discovery: anyObject,
  },
  ['name', 'task_id', 'agent_id'],
);
const operation = message({
  type: oneOf(
    'UNKNOWN',
    'LAUNCH',
    'LAUNCH_GROUP',
    'RESERVE',
    'UNRESERVE',
    'CREATE',
    'DESTROY',
    'GROW_VOLUME',
    'SHRINK_VOLUME',
    'CREATE_DISK',
    'DESTROY_DISK',
  ),
  id,
  launch: message({ task_infos: list(taskInfo) }),
  launch_group: message({ executor: executorInfo, task_group: message({ tasks: list(taskInfo) }) }, [
    'executor',
    'task_group',
  ]),
  reserve: message({ resources }),
  unreserve: message({ resources }),
  create: message({ volumes: resources }),
  destroy: message({ volumes: resources }),
});
const filters = message({ refuse_seconds: num });
const frameworkInfo = message(
  {
    user: str,
    name: str,
    id,
    failover_timeout: num,
    checkpoint: bool,
    role: str,
    roles: list(str),
    hostname: str,
    principal: str,
    webui_url: str,
    capabilities: list(
      message({
        type: oneOf(
          'UNKNOWN',
          'REVOCABLE_RESOURCES',
          'TASK_KILLING_STATE',
          'GPU_RESOURCES',
          'SHARED_RESOURCES',
          'PARTITION_AWARE',
          'MULTI_ROLE',
          'RESERVATION_REFINEMENT',
          'REGION_AWARE',
        ),
      }),
    ),
    labels,
  },
  ['user', 'name'],
);
const roles = message({ roles: list(str), role: str });

/** A scheduler Call. `type` is checked for being a name; an unknown name is the engine's 501. */
export const scheduler_call_schema: Schema = message(
  {
    type: str,
    framework_id: id,
    subscribe: message({ framework_info: frameworkInfo, suppressed_roles: list(str) }, ['framework_info']),
    accept: message({ offer_ids: list(id), operations: list(operation), filters }),
    decline: message({ offer_ids: list(id), filters }),
    revive: roles,
    suppress: roles,
    kill: message({ task_id: id, agent_id: id, kill_policy: killPolicy }, ['task_id']),
    shutdown: message({ executor_id: id, agent_id: id }, ['executor_id', 'agent_id']),
    acknowledge: message({ agent_id: id, task_id: id, uuid: bytes }, ['agent_id', 'task_id', 'uuid']),
    reconcile: message({ tasks: list(message({ task_id: id, agent_id: id }, ['task_id'])) }),
    message: message({ agent_id: id, executor_id: id, data: bytes }, ['agent_id', 'executor_id', 'data']),
    request: message({ requests: list(message({ agent_id: id, resources })) }),
    update_framework: message({ framework_info: frameworkInfo, suppressed_roles: list(str) }, [
      'framework_info',
    ]),
  },
  ['type'],
);

const base64_pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/** The value with nulls dropped, or the first rule it breaks (a message naming the field). */
export type Checked = { readonly value: unknown } | { readonly error: string };

/** The rule a value at `path` breaks. */
function problem(path: string, what: string): Checked {
  return { error: `'${path}' ${what}` };
}

/** Checks `value` against `schema`, dropping nulls; `path` names the value in messages. */
export function checkJson(value: unknown, schema: Schema, path: string): Checked {
  // Every field of every call comes through here: no closure is made per value.
  switch (schema.kind) {
    case 'string':
      return typeof value === 'string' ? { value } : problem(path, 'must be a string');
    case 'bool':
      return typeof value === 'boolean' ? { value } : problem(path, 'must be true or false');
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? { value }
        : problem(path, 'must be a number');
    case 'int':
      return Number.isSafeInteger(value) ? { value } : problem(path, 'must be an integer');
    case 'bytes':
      return typeof value === 'string' && base64_pattern.test(value)
        ? { value }
        : problem(path, 'must be base64 text');
    case 'enum':
      if (typeof value !== 'string')
        return problem(path, 'must be an enum value name (a string), not a number');
      return schema.values.has(value) ? { value } : problem(path, `has an unknown value '${value}'`);
    case 'object_any':
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return problem(path, 'must be an object');
      return { value: dropNulls(value) };
    case 'list':
      return checkList(value, schema.of, path);
    case 'message':
      return checkMessage(value, schema, path);
  }
}

function checkList(value: unknown, of: Schema, path: string): Checked {
  if (!Array.isArray(value)) return { error: `'${path}' must be a list` };
  const out: unknown[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === null) return { error: `'${path}[${i}]' must not be null` };
    const checked = checkJson(value[i], of, `${path}[${i}]`);
    if ('error' in checked) return checked;
    out.push(checked.value);
  }
  return { value: out };
}

function checkMessage(value: unknown, schema: Extract<Schema, { kind: 'message' }>, path: string): Checked {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: `'${path}' must be an object` };
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    // `__proto__` would set the prototype of `out` rather than a field: it is no proto field anyway.
    if (field === null || key === '__proto__') continue;
    // Only the schema's own fields count: `valueOf` or `constructor` are not fields of a message.
    const fieldSchema = Object.hasOwn(schema.fields, key) ? schema.fields[key] : undefined;
    const name = path === '' ? key : `${path}.${key}`;
    if (fieldSchema === undefined) {
      out[key] = dropNulls(field);
      continue;
    }
    const checked = checkJson(field, fieldSchema, name);
    if ('error' in checked) return checked;
    out[key] = checked.value;
  }
  for (const key of schema.required ?? []) {
    if (out[key] === undefined) return { error: `'${path === '' ? key : `${path}.${key}`}' is required` };
  }
  return { value: out };
}
