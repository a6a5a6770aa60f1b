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
