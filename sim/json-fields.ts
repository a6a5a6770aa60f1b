// Reading fields of a parsed JSON config, each check naming the field that is wrong and what it
// should be, so a user's mistake in a config file gets a message that says where to look.

/** A parsed JSON object. */
export type Json = Readonly<Record<string, unknown>>;

/** Throws unless `value` is a plain object with only `known` keys; returns it. */
export function object(value: unknown, what: string, known: readonly string[]): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${what}: expected an object, got ${JSON.stringify(value)}`);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new Error(`${what}: unknown field '${key}'; known: ${known.join(', ')}`);
  }
  return value as Json;
}

/** Throws unless `value` is a plain object (any keys); returns it. */
export function anyObject(value: unknown, what: string): Json {
  return object(value, what, value !== null && typeof value === 'object' ? Object.keys(value) : []);
}

/** A number >= min (default 0) from `value`, or `fallback` when it is absent. */
export function number(value: unknown, what: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min)
    throw new Error(`${what}: expected a number >= ${min}, got ${JSON.stringify(value)}`);
  return value;
}

/** A non-empty string from `value`, or `fallback` when it is absent (and one is given). */
export function string(value: unknown, what: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value === '')
    throw new Error(`${what}: expected a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

/** A list from `value` (empty when absent). */
export function array(value: unknown, what: string): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list, got ${JSON.stringify(value)}`);
  return value;
}

/** An object of text values from `value` (empty when absent). */
export function stringMap(value: unknown, what: string): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  const o = anyObject(value, what);
  for (const [k, v] of Object.entries(o))
    if (typeof v !== 'string') throw new Error(`${what}.${k}: expected text`);
  return o as Readonly<Record<string, string>>;
}
