// The JSON-to-protobuf rules of the v1 scheduler API, as Mesos applies them when it parses a Call:
// `null` means absent, unknown fields are ignored, field types must match (a string where a number
// belongs is an error), enums are names from the proto (a number, or an unknown name, is an
// error), bytes are base64, and required fields must be present. A call that breaks a rule is a
// 400 before it reaches the engine; what the engine checks (ids, roles, offers) it checks itself.
// The shapes come from the protobuf definitions both encodings share (runtime/wire/proto/), so a
// call means the same in JSON and in protobuf; fields they do not list pass through untouched.
import protobuf from 'protobufjs';
import { dropNulls } from '../wire/json.ts';
import { apiType } from '../wire/protobuf.ts';

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

/** The JSON shape of each protobuf scalar type. */
const scalar_schemas: Readonly<Record<string, Schema>> = {
  string: str,
  bool,
  bytes,
  double: num,
  float: num,
  int32: int,
  int64: int,
  uint32: int,
  uint64: int,
  sint32: int,
  sint64: int,
  fixed32: int,
  fixed64: int,
  sfixed32: int,
  sfixed64: int,
};

/** The JSON shape of a protobuf message type, built once per type (messages may nest themselves). */
function messageSchema(type: protobuf.Type, memo: Map<protobuf.Type, Schema>): Schema {
  const known = memo.get(type);
  if (known !== undefined) return known;
  const fields: Record<string, Schema> = {};
  const schema: Schema = {
    kind: 'message',
    fields,
    required: type.fieldsArray.filter((f) => f.required).map((f) => f.name),
  };
  memo.set(type, schema);
  for (const field of type.fieldsArray) {
    // A map's JSON form is an object of its keys; its values are not checked here.
    if (field instanceof protobuf.MapField) {
      fields[field.name] = anyObject;
      continue;
    }
    const resolved = field.resolve().resolvedType;
    const one: Schema =
      resolved instanceof protobuf.Enum
        ? { kind: 'enum', values: new Set(Object.keys(resolved.values)) }
        : resolved instanceof protobuf.Type
          ? messageSchema(resolved, memo)
          : (scalar_schemas[field.type] ?? anyObject);
    fields[field.name] = field.repeated ? { kind: 'list', of: one } : one;
  }
  return schema;
}

let scheduler_schema: Schema | undefined;

/**
 * The scheduler Call's JSON shape, from the protobuf definitions (runtime/wire/proto/). `type` is
 * checked for being a name only: an unknown name is the engine's 501.
 */
export function schedulerCallSchema(): Schema {
  if (scheduler_schema !== undefined) return scheduler_schema;
  const call = messageSchema(apiType('scheduler', 'Call'), new Map()) as Extract<Schema, { kind: 'message' }>;
  scheduler_schema = { kind: 'message', fields: { ...call.fields, type: str }, required: ['type'] };
  return scheduler_schema;
}

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
