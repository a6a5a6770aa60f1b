// JSON as Mesos's v1 API writes it: `null` means absent. Null fields are dropped before the engine
// sees a value, so its checks see absent fields only. The walk keeps its own stack rather than
// recursing, so a peer's deeply nested body cannot exhaust the call stack of a server.

type Json = Record<string, unknown>;

/** A copy of `value` without null fields at any depth (null array items are kept as they are). */
export function dropNulls(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const root: unknown[] = [undefined];
  const stack: { source: unknown; target: unknown[] | Json; key: string | number }[] = [
    { source: value, target: root, key: 0 },
  ];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { source, target, key } = top;
    let copy: unknown[] | Json;
    if (Array.isArray(source)) {
      copy = new Array<unknown>(source.length);
      for (let i = 0; i < source.length; i++) push(source[i], copy, i);
    } else {
      copy = {};
      for (const [name, field] of Object.entries(source as Json)) {
        if (field !== null && name !== '__proto__') push(field, copy, name);
      }
    }
    (target as Json)[key] = copy;
  }
  return root[0];

  function push(item: unknown, target: unknown[] | Json, key: string | number): void {
    if (item === null || typeof item !== 'object') (target as Json)[key] = item;
    else stack.push({ source: item, target, key });
  }
}

/** How deep a peer's JSON may nest; deeper bodies are refused before anything walks them. */
export const json_depth_max = 400;

/**
 * The depth of `value`'s nesting if it exceeds `max` (else undefined), found with a stack of its
 * own: recursive serialisers downstream (JSON.stringify in the journal) are safe from what passes.
 */
export function jsonTooDeep(value: unknown, max = json_depth_max): number | undefined {
  const stack: Array<{ item: unknown; depth: number }> = [{ item: value, depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { item, depth } = top;
    if (item === null || typeof item !== 'object') continue;
    if (depth + 1 > max) return depth + 1;
    for (const child of Object.values(item as Json)) stack.push({ item: child, depth: depth + 1 });
  }
  return undefined;
}

/** JSON.parse that refuses nesting deeper than `json_depth_max`, with a message saying so. */
export function parseBoundedJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (jsonTooDeep(value) !== undefined) throw new Error(`JSON nests deeper than ${json_depth_max} levels`);
  return value;
}
