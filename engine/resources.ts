// Bags of resources and their algebra. The Resource shapes, kinds and role names are in
// engine/resource-types.ts and re-exported here, single entries are in engine/resource-entries.ts,
// range and set values in engine/resources-ranges.ts.
//
// A bag of resources is kept in normal form: one entry per kind (name, type, reservation stack,
// allocation role, disk info), no empty entries, scalars rounded to three decimals, ranges coalesced, set items
// sorted, and entries ordered by name, then reservation role, then allocation role (then the rest of
// the kind, so the order is total). Every function returns normal bags. Binary operations expect
// normal inputs and merge them in one linear pass; an input out of order, with an empty entry or
// carrying the legacy `role` field (as wire resources do) is normalized first, so a list spliced
// together from bags is never silently mis-added. Values inside entries are trusted: wire input goes
// through `normalize` once on arrival. Filters (unreserved, reservedFor, ...) return a subsequence of
// their input, so they keep a normal bag normal.
import { type Quantities, roundScalar } from './quantities.ts';
import {
  addEntry,
  containsEntry,
  equalEntry,
  formatEntry,
  normalEntry,
  parseEntry,
  subtractEntry,
  withKind,
  withValue,
} from './resource-entries.ts';
import {
  compareKind,
  isRoleWithin,
  type ReservationInfo,
  type Resource,
  type Resources,
  reservationRole,
  type ValueRange,
  validateRole,
} from './resource-types.ts';
import { addItems, addRanges, formatItems, formatRanges } from './resources-ranges.ts';

export type {
  DiskInfo,
  ReservationInfo,
  Resource,
  ResourceLabels,
  Resources,
  ResourceType,
  ValueRange,
} from './resource-types.ts';
export {
  compareKind,
  diskKey,
  isPersistentVolume,
  isRoleWithin,
  kindKey,
  labelsKey,
  reservationRole,
  validateRole,
} from './resource-types.ts';

/** The empty bag, shared so that callers need not allocate one. */
export const emptyResources: Resources = Object.freeze([]);

// ---------------------------------------------------------------------------------------------
// Normal form

const EMPTY_STACK: readonly ReservationInfo[] = [];

/**
 * True when r looks normal: strictly increasing kinds, no empty entry, no legacy `role`. Values inside
 * entries (rounding, range order) are trusted, as every function here returns them normal and
 * `normalize` checks them on arrival; a full check would double the cost of add and contains.
 */
function inNormalOrder(r: Resources): boolean {
  let prev: Resource | undefined;
  for (let i = 0; i < r.length; i++) {
    const res = r[i]!;
    if (res.role !== undefined || isEmptyEntry(res)) return false;
    // Most neighbours differ by name, so the string test settles them without the full comparison.
    if (prev !== undefined && prev.name >= res.name && compareKind(prev, res) >= 0) return false;
    prev = res;
  }
  return true;
}

function isEmptyEntry(res: Resource): boolean {
  if (res.type === 'SCALAR') return !((res.scalar?.value ?? 0) > 0);
  return (res.ranges?.range ?? res.set?.item ?? EMPTY_STACK).length === 0;
}

/** Sorts entries with normal values into kind order and merges entries of one kind. */
function sortAndMerge(entries: Resource[]): Resources {
  if (inNormalOrder(entries)) return entries;
  entries.sort(compareKind);
  const out: Resource[] = [];
  for (const res of entries) {
    const last = out[out.length - 1];
    if (last !== undefined && compareKind(last, res) === 0) out[out.length - 1] = addEntry(last, res);
    else out.push(res);
  }
  return out;
}

/** r itself when it is in normal order, else its normal form (a raw list reached an operation). */
function normalInput(r: Resources): Resources {
  return inNormalOrder(r) ? r : normalize(r);
}

// ---------------------------------------------------------------------------------------------
// The algebra

/** Validates a list of wire resources and returns it in normal form; throws naming a bad entry. */
export function normalize(list: readonly Resource[]): Resources {
  const out: Resource[] = [];
  for (const res of list) {
    const entry = normalEntry(res);
    if (entry !== undefined) out.push(entry);
  }
  return sortAndMerge(out);
}

/** a + b. */
export function add(a: Resources, b: Resources): Resources {
  if (b.length === 0) return normalInput(a);
  if (a.length === 0) return normalInput(b);
  if (!inNormalOrder(a) || !inNormalOrder(b)) return normalize([...a, ...b]);
  const out: Resource[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const c = compareKind(x, y);
    if (c < 0) {
      out.push(x);
      i++;
    } else if (c > 0) {
      out.push(y);
      j++;
    } else {
      out.push(addEntry(x, y));
      i++;
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** a - b: removes what b holds of a's kinds; never negative, kinds a lacks are ignored. */
export function subtract(a: Resources, b: Resources): Resources {
  const na = normalInput(a);
  if (b.length === 0 || na.length === 0) return na;
  const nb = normalInput(b);
  const out: Resource[] = [];
  let j = 0;
  for (const x of na) {
    while (j < nb.length && compareKind(nb[j]!, x) < 0) j++;
    const y = nb[j];
    if (y === undefined || compareKind(y, x) !== 0) {
      out.push(x);
      continue;
    }
    const left = subtractEntry(x, y);
    if (left !== undefined) out.push(left);
  }
  return out;
}

/** True when a holds all of b, kind by kind. */
export function contains(a: Resources, b: Resources): boolean {
  if (b.length === 0) return true;
  const na = normalInput(a);
  const nb = normalInput(b);
  let i = 0;
  for (const y of nb) {
    while (i < na.length && compareKind(na[i]!, y) < 0) i++;
    const x = na[i];
    if (x === undefined || compareKind(x, y) !== 0 || !containsEntry(x, y)) return false;
  }
  return true;
}

/** True when the bag holds nothing. */
export function isEmpty(a: Resources): boolean {
  // A normal bag has no empty entries, so this stops at the first entry unless a is a raw list.
  for (const res of a) if (!isEmptyEntry(res)) return false;
  return true;
}

/** True when a and b are equal as bags, whatever the order of their entries. */
export function equals(a: Resources, b: Resources): boolean {
  const na = normalInput(a);
  const nb = normalInput(b);
  if (na.length !== nb.length) return false;
  for (let i = 0; i < na.length; i++) {
    const x = na[i]!;
    const y = nb[i]!;
    if (compareKind(x, y) !== 0 || !equalEntry(x, y)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Constructors

function staticStack(role: string | undefined): readonly ReservationInfo[] | undefined {
  return role === undefined || role === '*' ? undefined : [{ type: 'STATIC', role }];
}

/** A bag of one scalar resource, statically reserved for role when given (empty when value is 0). */
export function scalar(name: string, value: number, role?: string): Resources {
  return normalize([{ name, type: 'SCALAR', scalar: { value }, reservations: staticStack(role) }]);
}

/** A bag of one ranges resource from [begin, end] pairs, statically reserved for role when given. */
export function ranges(
  name: string,
  pairs: ReadonlyArray<readonly [number, number]>,
  role?: string,
): Resources {
  const range = pairs.map(([begin, end]) => ({ begin, end }));
  return normalize([{ name, type: 'RANGES', ranges: { range }, reservations: staticStack(role) }]);
}

/** A bag of one set resource, statically reserved for role when given. */
export function set(name: string, items: readonly string[], role?: string): Resources {
  return normalize([{ name, type: 'SET', set: { item: items }, reservations: staticStack(role) }]);
}

// ---------------------------------------------------------------------------------------------
// Reservations and allocations

/** The unreserved part of r. */
export function unreserved(r: Resources): Resources {
  return r.filter((res) => reservationRole(res) === '*');
}

/** The reserved part of r: all of it, or only what is reserved for exactly `role`. */
export function reserved(r: Resources, role?: string): Resources {
  return r.filter((res) => {
    const rr = reservationRole(res);
    return role === undefined ? rr !== '*' : rr === role;
  });
}

/** Resources reserved for role or any ancestor of it (`prod` reservations serve `prod/hadoop`). */
export function reservedFor(r: Resources, role: string): Resources {
  return r.filter((res) => {
    const rr = reservationRole(res);
    return rr !== '*' && isRoleWithin(role, rr);
  });
}

/** What role may be offered: the unreserved part plus reservedFor(role). */
export function allocatableTo(r: Resources, role: string): Resources {
  return r.filter((res) => {
    const rr = reservationRole(res);
    return rr === '*' || isRoleWithin(role, rr);
  });
}

/** r with allocation_info.role set to role on every entry. */
export function allocate(r: Resources, role: string): Resources {
  validateRole(role, 'allocate');
  if (r.every((res) => res.allocation_info?.role === role)) return r;
  const info = { role };
  return sortAndMerge(r.map((res) => withKind(res, res.reservations, info)));
}

/** r with allocation_info stripped. */
export function unallocate(r: Resources): Resources {
  if (r.every((res) => res.allocation_info === undefined)) return r;
  return sortAndMerge(r.map((res) => withKind(res, res.reservations, undefined)));
}

/** The entries of r allocated to exactly role. */
export function allocatedTo(r: Resources, role: string): Resources {
  return r.filter((res) => res.allocation_info?.role === role);
}

/** r without reservations or allocations: the pool view. */
export function flatten(r: Resources): Resources {
  if (r.every((res) => res.allocation_info === undefined && res.reservations === undefined)) return r;
  return sortAndMerge(r.map((res) => withKind(res, undefined, undefined)));
}

// ---------------------------------------------------------------------------------------------
// Views

/** Sum of the scalar values of r by name (ranges and sets are left out). */
export function toQuantities(r: Resources): Quantities {
  const out: Record<string, number> = {};
  for (const res of r) {
    if (res.type !== 'SCALAR') continue;
    const prev = out[res.name];
    const value = res.scalar!.value;
    out[res.name] = prev === undefined ? value : roundScalar(prev + value);
  }
  return out;
}

/** Total scalar value of one name across all reservations and allocations. */
export function scalarValue(r: Resources, name: string): number {
  let total = 0;
  for (const res of r) {
    if (res.name === name && res.type === 'SCALAR') total = roundScalar(total + res.scalar!.value);
  }
  return total;
}

/** Union of the ranges of one name across all reservations and allocations. */
export function rangesOf(r: Resources, name: string): ValueRange[] {
  let out: readonly ValueRange[] = [];
  for (const res of r) {
    if (res.name === name && res.type === 'RANGES') out = addRanges(out, res.ranges!.range);
  }
  return [...out];
}

/** The flat form of /master/state: `{cpus, mem, disk, gpus, ports: '[31000-32000]'}`. */
export function summary(r: Resources): Record<string, number | string> {
  const out: Record<string, number | string> = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  // Made only when a range or set shows up: every offer's trace event is summarised.
  let rangeByName: Map<string, readonly ValueRange[]> | undefined;
  let itemsByName: Map<string, readonly string[]> | undefined;
  for (const res of r) {
    if (res.type === 'SCALAR') {
      const prev = out[res.name];
      out[res.name] = roundScalar((typeof prev === 'number' ? prev : 0) + res.scalar!.value);
    } else if (res.type === 'RANGES') {
      rangeByName ??= new Map();
      rangeByName.set(res.name, addRanges(rangeByName.get(res.name) ?? [], res.ranges!.range));
    } else {
      itemsByName ??= new Map();
      itemsByName.set(res.name, addItems(itemsByName.get(res.name) ?? [], res.set!.item));
    }
  }
  if (rangeByName !== undefined) for (const [name, range] of rangeByName) out[name] = formatRanges(range);
  if (itemsByName !== undefined) for (const [name, items] of itemsByName) out[name] = formatItems(items);
  return out;
}

/**
 * The part of r holding at most target of each scalar name (names absent from target are dropped),
 * taken in normal order; ranges and sets are kept whole when keepNonScalar, dropped otherwise.
 */
export function shrink(r: Resources, target: Quantities, keepNonScalar = true): Resources {
  const nr = normalInput(r);
  const left: Record<string, number> = { ...target };
  const out: Resource[] = [];
  for (const res of nr) {
    if (res.type !== 'SCALAR') {
      if (keepNonScalar) out.push(res);
      continue;
    }
    const room = left[res.name] ?? 0;
    if (room <= 0) continue;
    const value = res.scalar!.value;
    if (value <= room) out.push(res);
    else out.push(withValue(res, { scalar: roundScalar(room) }));
    left[res.name] = roundScalar(room - Math.min(value, room));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text form

/** Parses the agent flag form `cpus:4;mem:8192;ports:[31000-32000];cpus(prod):2;zones:{a,b}`, or a JSON array. */
export function parseResources(text: string): Resources {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let list: unknown;
    try {
      list = JSON.parse(trimmed);
    } catch (err) {
      throw new Error(`bad resources JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(list)) throw new Error('bad resources JSON: expected an array of Resource objects');
    return normalize(list as Resource[]);
  }
  const list: Resource[] = [];
  for (const part of trimmed.split(';')) {
    const piece = part.trim();
    if (piece === '') continue;
    try {
      const entry = parseEntry(piece);
      normalEntry(entry);
      list.push(entry);
    } catch (err) {
      throw new Error(`bad resource '${piece}': ${(err as Error).message}`);
    }
  }
  return normalize(list);
}

/** Formats r in the flag form parseResources reads, e.g. `cpus:4;mem:8192;ports:[31000-32000]`. */
export function formatResources(r: Resources): string {
  return normalInput(r).map(formatEntry).join(';');
}
