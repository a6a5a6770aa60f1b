// How an experiment point's config is made from the file: the base config, with each sweep value's
// overrides set at dotted paths, then its variables substituted. A string `"$name"` becomes the
// variable's value (of any JSON type), a string starting with `=` is an arithmetic expression over
// the variables, `{name}` inside a string is replaced by the variable's text, and a list element
// holding `"repeat": n` stands for n copies of itself, each with the variable `i` = 0 .. n-1.
import { evaluate } from './expression.ts';
import { cloneJson, isObject } from './json.ts';

/** Variables of a point: numbers, text, or any JSON value. */
export type Vars = Readonly<Record<string, unknown>>;

/** Most copies one `repeat` may make, against a typo making millions. */
export const repeat_max = 100_000;

/** Sets `value` at a dotted `path` in `target` (a list element is named by its `name` or index). */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node: unknown = target;
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    const last = k === parts.length - 1;
    if (Array.isArray(node)) {
      const index = node.findIndex((e) => isObject(e) && e.name === part);
      const at = index >= 0 ? index : /^\d+$/.test(part) ? Number(part) : -1;
      if (at < 0 || at >= node.length) throw new Error(`set '${path}': no list element named '${part}'`);
      if (last) node[at] = cloneJson(value);
      else node = node[at];
      continue;
    }
    if (!isObject(node)) throw new Error(`set '${path}': '${parts.slice(0, k).join('.')}' is not an object`);
    const o = node as Record<string, unknown>;
    if (last) o[part] = cloneJson(value);
    else {
      if (o[part] === undefined) o[part] = {};
      node = o[part];
    }
  }
}

/** Applies `set` (dotted path -> value) to a copy of `base`. */
export function applySets(base: unknown, sets: ReadonlyArray<Readonly<Record<string, unknown>>>): unknown {
  const out = cloneJson(base) as Record<string, unknown>;
  for (const set of sets) for (const [path, value] of Object.entries(set)) setPath(out, path, value);
  return out;
}

function interpolate(text: string, vars: Vars): string {
  return text.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`'${text}': variable '${name}' is not set`);
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

function substituteString(text: string, vars: Vars): unknown {
  if (/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(text)) {
    const v = vars[text.slice(1)];
    if (v === undefined) throw new Error(`'${text}': variable '${text.slice(1)}' is not set`);
    return cloneJson(v);
  }
  if (text.startsWith('=')) return evaluate(text.slice(1), vars);
  return interpolate(text, vars);
}

function repeatCount(value: unknown, vars: Vars): number {
  const n = substitute(value, vars);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > repeat_max)
    throw new Error(`repeat: expected a whole number from 0 to ${repeat_max}, got ${JSON.stringify(n)}`);
  return n;
}

/**
 * Resolves variables whose values refer to other variables (`"tasks": "= agents * 2"`), in as many
 * passes as the chain of references needs; throws naming a variable that can never be resolved.
 */
export function resolveVars(raw: Vars): Vars {
  const done: Record<string, unknown> = {};
  let pending = Object.keys(raw);
  while (pending.length > 0) {
    const next: string[] = [];
    let lastError: Error | undefined;
    for (const name of pending) {
      try {
        done[name] = substitute(raw[name], done);
      } catch (error) {
        next.push(name);
        lastError = error as Error;
      }
    }
    if (next.length === pending.length) throw new Error(`variable '${next[0]}': ${lastError?.message}`);
    pending = next;
  }
  return done;
}

/** Substitutes variables, expressions and repeats throughout `value` (a new value; `value` is kept). */
export function substitute(value: unknown, vars: Vars): unknown {
  if (typeof value === 'string') return substituteString(value, vars);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const element of value) {
      if (isObject(element) && element.repeat !== undefined) {
        const { repeat, ...rest } = element;
        const n = repeatCount(repeat, vars);
        for (let i = 0; i < n; i++) out.push(substitute(rest, { ...vars, i }));
      } else out.push(substitute(element, vars));
    }
    return out;
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = substitute(v, vars);
    return out;
  }
  return value;
}
