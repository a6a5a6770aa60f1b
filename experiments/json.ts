// Reading fields of a parsed experiment file. Each check names the field that is wrong and what it
// should be, so a mistake in an experiment file gets a message that says where to look.

/** A parsed JSON object. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** True for a plain (non-array, non-null) object. */
export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Throws unless `value` is an object with only `known` keys (any keys when `known` is absent). */
export function objectField(value: unknown, what: string, known?: readonly string[]): JsonObject {
  if (!isObject(value)) throw new Error(`${what}: expected an object, got ${JSON.stringify(value)}`);
  if (known !== undefined) {
    for (const key of Object.keys(value)) {
      if (!known.includes(key))
        throw new Error(`${what}: unknown field '${key}'; known: ${known.join(', ')}`);
    }
  }
  return value;
}

/** A list (empty when absent). */
export function listField(value: unknown, what: string): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list, got ${JSON.stringify(value)}`);
  return value;
}

/** A non-empty string, or `fallback` when absent (and one is given). */
export function textField(value: unknown, what: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value === '')
    throw new Error(`${what}: expected a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

/** A finite number >= `min`, or `fallback` when absent. */
export function numberField(value: unknown, what: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min)
    throw new Error(`${what}: expected a number >= ${min}, got ${JSON.stringify(value)}`);
  return value;
}

/** A whole number >= `min`, or `fallback` when absent. */
export function integerField(value: unknown, what: string, fallback: number, min = 0): number {
  const n = numberField(value, what, fallback, min);
  if (!Number.isInteger(n)) throw new Error(`${what}: expected a whole number, got ${n}`);
  return n;
}

/** A deep copy of JSON data (experiment files hold nothing else). */
export function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
