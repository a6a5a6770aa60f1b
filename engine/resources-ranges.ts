// Single resource entries and their values, the building blocks of engine/resources.ts (which works on
// whole bags): ranges and sets in normal form, entry validation and arithmetic, and the text form of
// one entry. A normal range list is sorted by begin with no two ranges overlapping or touching (Mesos coalesces
// [1-5] and [6-9] into [1-9]); a normal item list is sorted by code unit with no duplicates. Every
// binary operation here takes normal lists and returns a normal list in one linear pass, because the
// allocator calls them on every offer.
import { roundScalar } from './quantities.ts';
import type {
  DiskInfo,
  ReservationInfo,
  Resource,
  ResourceLabels,
  ResourceType,
  ValueRange,
} from './resources.ts';

/** Throws unless the range has integer bounds with 0 <= begin <= end. */
export function validateRange(range: ValueRange): void {
  const { begin, end } = range;
  if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end)) {
    throw new Error(`bad range [${begin}-${end}]: bounds must be integers`);
  }
  if (begin < 0) throw new Error(`bad range [${begin}-${end}]: bounds must not be negative`);
  if (begin > end) throw new Error(`bad range [${begin}-${end}]: begin is greater than end`);
}

/** Validates, sorts and coalesces ranges; returns the input itself when it is already normal. */
export function normalizeRanges(list: readonly ValueRange[]): readonly ValueRange[] {
  let normal = true;
  for (let i = 0; i < list.length; i++) {
    const range = list[i]!;
    validateRange(range);
    if (i > 0 && list[i - 1]!.end + 1 >= range.begin) normal = false;
  }
  if (normal) return list;
  const sorted = [...list].sort((x, y) => x.begin - y.begin || x.end - y.end);
  const out: ValueRange[] = [];
  for (const range of sorted) pushCoalesced(out, range);
  return out;
}

/** Appends a range to a normal list whose last begin is <= range.begin, merging when they meet. */
function pushCoalesced(out: ValueRange[], range: ValueRange): void {
  const last = out[out.length - 1];
  if (last !== undefined && last.end + 1 >= range.begin) {
    if (range.end > last.end) out[out.length - 1] = { begin: last.begin, end: range.end };
  } else {
    out.push(range);
  }
}

/** Union of two normal range lists. */
export function addRanges(a: readonly ValueRange[], b: readonly ValueRange[]): readonly ValueRange[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: ValueRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.begin <= y.begin)) {
      pushCoalesced(out, x!);
      i++;
    } else {
      pushCoalesced(out, y);
      j++;
    }
  }
  return out;
}

/** The part of normal list a outside normal list b; splits ranges where b cuts through them. */
export function subtractRanges(a: readonly ValueRange[], b: readonly ValueRange[]): readonly ValueRange[] {
  if (a.length === 0 || b.length === 0) return a;
  const out: ValueRange[] = [];
  let j = 0;
  for (const range of a) {
    let begin = range.begin;
    const end = range.end;
    // Ranges of b that end before this one begins cannot touch it or any later range of a.
    while (j < b.length && b[j]!.end < begin) j++;
    let k = j;
    while (k < b.length && b[k]!.begin <= end && begin <= end) {
      const cut = b[k]!;
      if (cut.begin > begin) out.push({ begin, end: cut.begin - 1 });
      begin = Math.max(begin, cut.end + 1);
      k++;
    }
    if (begin === range.begin) out.push(range);
    else if (begin <= end) out.push({ begin, end });
  }
  return out;
}

/** True when every range of normal list b lies inside a range of normal list a. */
export function containsRanges(a: readonly ValueRange[], b: readonly ValueRange[]): boolean {
  let i = 0;
  for (const range of b) {
    while (i < a.length && a[i]!.end < range.begin) i++;
    const holder = a[i];
    if (holder === undefined || holder.begin > range.begin || holder.end < range.end) return false;
  }
  return true;
}

/** True when two normal range lists are equal. */
export function equalRanges(a: readonly ValueRange[], b: readonly ValueRange[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.begin !== b[i]!.begin || a[i]!.end !== b[i]!.end) return false;
  }
  return true;
}

/** Formats ranges as Mesos does: `[31000-32000]`, `[1-5,10-20]`, `[80-80]`. */
export function formatRanges(list: readonly ValueRange[]): string {
  return '[' + list.map((r) => r.begin + '-' + r.end).join(',') + ']';
}

/** Parses `[1-5,10-20]` (brackets included) into a normal range list; throws naming the bad range. */
export function parseRanges(text: string): readonly ValueRange[] {
  const inner = text.trim();
  if (!inner.startsWith('[') || !inner.endsWith(']'))
    throw new Error(`bad ranges '${text}': expected [B-E,...]`);
  const out: ValueRange[] = [];
  for (const part of inner.slice(1, -1).split(',')) {
    const piece = part.trim();
    if (piece === '') continue;
    const m = /^(\d+)\s*-\s*(\d+)$/.exec(piece);
    if (!m)
      throw new Error(
        `bad range '${piece}': expected BEGIN-END with non-negative integers, e.g. 31000-32000`,
      );
    out.push({ begin: Number(m[1]), end: Number(m[2]) });
  }
  return normalizeRanges(out);
}

/** Validates, sorts and de-duplicates set items; returns the input itself when it is already normal. */
export function normalizeItems(items: readonly string[]): readonly string[] {
  let normal = true;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (typeof item !== 'string' || item === '')
      throw new Error('bad set item: items must be non-empty strings');
    if (i > 0 && items[i - 1]! >= item) normal = false;
  }
  if (normal) return items;
  const sorted = [...items].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return sorted.filter((item, i) => i === 0 || sorted[i - 1] !== item);
}

/** Union of two normal item lists. */
export function addItems(a: readonly string[], b: readonly string[]): readonly string[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x < y)) {
      out.push(x!);
      i++;
    } else if (x === undefined || y < x) {
      out.push(y);
      j++;
    } else {
      out.push(x);
      i++;
      j++;
    }
  }
  return out;
}

/** Items of normal list a not in normal list b. */
export function subtractItems(a: readonly string[], b: readonly string[]): readonly string[] {
  if (a.length === 0 || b.length === 0) return a;
  const out: string[] = [];
  let j = 0;
  for (const item of a) {
    while (j < b.length && b[j]! < item) j++;
    if (b[j] !== item) out.push(item);
  }
  return out.length === a.length ? a : out;
}

/** True when every item of normal list b is in normal list a. */
export function containsItems(a: readonly string[], b: readonly string[]): boolean {
  let i = 0;
  for (const item of b) {
    while (i < a.length && a[i]! < item) i++;
    if (a[i] !== item) return false;
  }
  return true;
}

/** True when two normal item lists are equal. */
export function equalItems(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Formats set items as `{a,b}`. */
export function formatItems(items: readonly string[]): string {
  return '{' + items.join(',') + '}';
}

/** Parses `{a,b}` (braces included) into a normal item list. */
export function parseItems(text: string): readonly string[] {
  const inner = text.trim();
  if (!inner.startsWith('{') || !inner.endsWith('}'))
    throw new Error(`bad set '${text}': expected {ITEM,...}`);
  const items = inner
    .slice(1, -1)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return normalizeItems(items);
}

// ---------------------------------------------------------------------------------------------
// Entries: one resource of one kind. Callers pass two entries of the same kind to the binary helpers.

/** Builds a normal entry of the given kind holding one value (the value must be normal and non-empty). */
export function withValue(
  kind: Resource,
  value: { scalar?: number; range?: readonly ValueRange[]; item?: readonly string[] },
): Resource {
  const out: {
    name: string;
    type: ResourceType;
    scalar?: { value: number };
    ranges?: { range: readonly ValueRange[] };
    set?: { item: readonly string[] };
    reservations?: readonly ReservationInfo[];
    allocation_info?: { readonly role: string };
    disk?: DiskInfo;
  } = { name: kind.name, type: kind.type };
  if (value.scalar !== undefined) out.scalar = { value: value.scalar };
  else if (value.range !== undefined) out.ranges = { range: value.range };
  else out.set = { item: value.item ?? [] };
  if (kind.reservations !== undefined) out.reservations = kind.reservations;
  if (kind.allocation_info !== undefined) out.allocation_info = kind.allocation_info;
  if (kind.disk !== undefined) out.disk = kind.disk;
  return out;
}

/** Builds an entry with r's value (and disk info) under a new reservation stack and allocation. */
export function withKind(
  r: Resource,
  reservations: readonly ReservationInfo[] | undefined,
  allocation: { readonly role: string } | undefined,
): Resource {
  const kind: Resource = {
    name: r.name,
    type: r.type,
    reservations,
    allocation_info: allocation,
    disk: r.disk,
  };
  return withValue(kind, { scalar: r.scalar?.value, range: r.ranges?.range, item: r.set?.item });
}

/** Throws unless role is a valid Mesos role name (hierarchical, with '/' between levels). */
export function validateRole(role: string, what: string): void {
  if (typeof role !== 'string' || role === '') throw new Error(`${what}: role must be a non-empty string`);
  for (const part of role.split('/')) {
    if (part === '' || part === '.' || part === '..' || part.startsWith('-') || /[\s\x7f]/.test(part)) {
      throw new Error(
        `${what}: bad role '${role}' (levels must be non-empty, not '.' or '..', no whitespace)`,
      );
    }
  }
}

/** True when `role` is `ancestor` or lies below it in the role tree. */
export function isRoleWithin(role: string, ancestor: string): boolean {
  return role === ancestor || (role.startsWith(ancestor) && role.charCodeAt(ancestor.length) === 47);
}

/** Returns a validated normal copy of one wire entry, or undefined when it is empty. */
export function normalEntry(res: Resource): Resource | undefined {
  if (res === null || typeof res !== 'object') throw new Error('bad resource: expected a Resource object');
  const what = `resource '${res.name}'`;
  if (typeof res.name !== 'string' || res.name === '')
    throw new Error('bad resource: name must be non-empty');
  const stack = normalStack(res, what);
  const alloc = res.allocation_info?.role;
  if (alloc !== undefined) validateRole(alloc, what);
  const disk = normalDisk(res.disk, what);
  if (disk !== undefined && res.name !== 'disk') throw new Error(`${what}: only disk may carry disk info`);
  const kind: Resource = {
    name: res.name,
    type: res.type,
    reservations: stack,
    allocation_info: alloc === undefined ? undefined : res.allocation_info,
    disk,
  };
  if (res.type === 'SCALAR') {
    const value = res.scalar?.value;
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new Error(`${what}: scalar must be a number`);
    if (value < 0) throw new Error(`${what}: scalar ${value} is negative`);
    const rounded = roundScalar(value);
    return rounded > 0 ? withValue(kind, { scalar: rounded }) : undefined;
  }
  if (res.type === 'RANGES') {
    if (!Array.isArray(res.ranges?.range)) throw new Error(`${what}: RANGES needs ranges.range`);
    const range = normalizeRanges(res.ranges.range);
    return range.length > 0 ? withValue(kind, { range }) : undefined;
  }
  if (res.type === 'SET') {
    if (!Array.isArray(res.set?.item)) throw new Error(`${what}: SET needs set.item`);
    const item = normalizeItems(res.set.item);
    return item.length > 0 ? withValue(kind, { item }) : undefined;
  }
  throw new Error(`${what}: type must be SCALAR, RANGES or SET, not '${res.type}'`);
}

/**
 * The reservation stack of a wire entry, checked: `reservations` when given, else the legacy `role`
 * (a dynamic reservation when the legacy `reservation` is set, static otherwise). Each reservation
 * must refine the one before it; labels are sorted so that equal sets compare equal.
 */
function normalStack(res: Resource, what: string): readonly ReservationInfo[] | undefined {
  let stack = res.reservations !== undefined && res.reservations.length > 0 ? res.reservations : undefined;
  if (stack === undefined && res.role !== undefined && res.role !== '*') {
    const legacy = res.reservation;
    stack =
      legacy === undefined
        ? [{ type: 'STATIC', role: res.role }]
        : [reservationInfo('DYNAMIC', res.role, legacy.principal, legacy.labels)];
  }
  if (stack === undefined) return undefined;
  if (!Array.isArray(stack)) throw new Error(`${what}: reservations must be a list`);
  let parent = '';
  let out: ReservationInfo[] | undefined;
  for (let i = 0; i < stack.length; i++) {
    const r = stack[i]!;
    if (r === null || typeof r !== 'object') throw new Error(`${what}: a reservation must be an object`);
    if (r.type !== 'STATIC' && r.type !== 'DYNAMIC')
      throw new Error(`${what}: reservation type must be STATIC or DYNAMIC`);
    validateRole(r.role, what);
    if (r.role === '*') throw new Error(`${what}: cannot be reserved for '*'`);
    if (parent !== '' && (r.role === parent || !isRoleWithin(r.role, parent))) {
      throw new Error(`${what}: reservation '${r.role}' must refine (lie below) '${parent}'`);
    }
    if (r.principal !== undefined && typeof r.principal !== 'string')
      throw new Error(`${what}: reservation principal must be a string`);
    parent = r.role;
    const labels = normalLabels(r.labels, what);
    if (labels !== r.labels) {
      out ??= stack.slice(0, i);
      out.push(reservationInfo(r.type, r.role, r.principal, labels));
    } else if (out !== undefined) {
      out.push(r);
    }
  }
  return out ?? stack;
}

/** A ReservationInfo without absent fields. */
function reservationInfo(
  type: 'STATIC' | 'DYNAMIC',
  role: string,
  principal: string | undefined,
  labels: ResourceLabels | undefined,
): ReservationInfo {
  const out: { type: 'STATIC' | 'DYNAMIC'; role: string; principal?: string; labels?: ResourceLabels } = {
    type,
    role,
  };
  if (principal !== undefined) out.principal = principal;
  if (labels !== undefined) out.labels = labels;
  return out;
}

/** Labels checked and sorted by key then value (undefined when there are none); the input when already so. */
function normalLabels(labels: ResourceLabels | undefined, what: string): ResourceLabels | undefined {
  if (labels === undefined) return undefined;
  const list = labels?.labels;
  if (!Array.isArray(list)) throw new Error(`${what}: labels must be {labels: [{key, value}]}`);
  if (list.length === 0) return undefined;
  let sorted = true;
  for (let i = 0; i < list.length; i++) {
    const l = list[i]!;
    if (l === null || typeof l !== 'object' || typeof l.key !== 'string')
      throw new Error(`${what}: a label must have a string key`);
    if (l.value !== undefined && typeof l.value !== 'string')
      throw new Error(`${what}: label '${l.key}' must have a string value`);
    if (i > 0 && labelOrder(list[i - 1]!, l) > 0) sorted = false;
  }
  return sorted ? labels : { labels: [...list].sort(labelOrder) };
}

function labelOrder(a: { key: string; value?: string }, b: { key: string; value?: string }): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  const x = a.value ?? '';
  const y = b.value ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Disk info checked and stripped of absent fields; undefined when it says nothing. */
function normalDisk(disk: DiskInfo | undefined, what: string): DiskInfo | undefined {
  if (disk === undefined) return undefined;
  if (disk === null || typeof disk !== 'object') throw new Error(`${what}: disk must be a DiskInfo object`);
  const out: {
    persistence?: DiskInfo['persistence'];
    volume?: DiskInfo['volume'];
    source?: DiskInfo['source'];
  } = {};
  const p = disk.persistence;
  if (p !== undefined) {
    if (p === null || typeof p !== 'object' || typeof p.id !== 'string' || p.id === '')
      throw new Error(`${what}: disk.persistence.id must be a non-empty string`);
    if (p.principal !== undefined && typeof p.principal !== 'string')
      throw new Error(`${what}: disk.persistence.principal must be a string`);
    out.persistence = typeof p.principal === 'string' ? { id: p.id, principal: p.principal } : { id: p.id };
  }
  const v = disk.volume;
  if (v !== undefined) {
    if (
      v === null ||
      typeof v !== 'object' ||
      typeof v.container_path !== 'string' ||
      v.container_path === ''
    )
      throw new Error(`${what}: disk.volume.container_path must be a non-empty string`);
    if (v.mode !== undefined && v.mode !== 'RW' && v.mode !== 'RO')
      throw new Error(`${what}: disk.volume.mode must be RW or RO`);
    if (v.host_path !== undefined && typeof v.host_path !== 'string')
      throw new Error(`${what}: disk.volume.host_path must be a string`);
    const volume: { container_path: string; mode?: 'RW' | 'RO'; host_path?: string } = {
      container_path: v.container_path,
    };
    if (typeof v.mode === 'string') volume.mode = v.mode;
    if (typeof v.host_path === 'string') volume.host_path = v.host_path;
    out.volume = volume;
  }
  if (disk.source !== undefined) {
    if (disk.source === null || typeof disk.source !== 'object')
      throw new Error(`${what}: disk.source must be an object`);
    out.source = disk.source;
  }
  return out.persistence === undefined && out.volume === undefined && out.source === undefined
    ? undefined
    : out;
}

/** Sum of two entries of the same kind. */
export function addEntry(x: Resource, y: Resource): Resource {
  if (x.type === 'SCALAR') return withValue(x, { scalar: roundScalar(x.scalar!.value + y.scalar!.value) });
  if (x.type === 'RANGES') return withValue(x, { range: addRanges(x.ranges!.range, y.ranges!.range) });
  return withValue(x, { item: addItems(x.set!.item, y.set!.item) });
}

/** x minus y (same kind), or undefined when nothing is left. */
export function subtractEntry(x: Resource, y: Resource): Resource | undefined {
  if (x.type === 'SCALAR') {
    const left = roundScalar(x.scalar!.value - y.scalar!.value);
    return left > 0 ? withValue(x, { scalar: left }) : undefined;
  }
  if (x.type === 'RANGES') {
    const range = subtractRanges(x.ranges!.range, y.ranges!.range);
    return range.length === 0 ? undefined : range === x.ranges!.range ? x : withValue(x, { range });
  }
  const item = subtractItems(x.set!.item, y.set!.item);
  return item.length === 0 ? undefined : item === x.set!.item ? x : withValue(x, { item });
}

/** True when entry x holds at least entry y (same kind); a persistent volume is only ever held whole. */
export function containsEntry(x: Resource, y: Resource): boolean {
  if (x.type === 'SCALAR') {
    if (x.disk?.persistence !== undefined) return x.scalar!.value === y.scalar!.value;
    return x.scalar!.value >= y.scalar!.value;
  }
  if (x.type === 'RANGES') return containsRanges(x.ranges!.range, y.ranges!.range);
  return containsItems(x.set!.item, y.set!.item);
}

/** True when entries x and y (same kind) hold equal values. */
export function equalEntry(x: Resource, y: Resource): boolean {
  if (x.type === 'SCALAR') return x.scalar!.value === y.scalar!.value;
  if (x.type === 'RANGES') return equalRanges(x.ranges!.range, y.ranges!.range);
  return equalItems(x.set!.item, y.set!.item);
}

/**
 * Parses one `NAME[(allocated:ROLE)][(STACK)][[ID:PATH]]:VALUE` entry. STACK is comma-separated
 * reservations, each `[dynamic:]ROLE[@PRINCIPAL]` (static unless marked), the last one being the
 * reservation role; `[ID:PATH]` makes disk a persistent volume with that id and container path.
 */
export function parseEntry(piece: string): Resource {
  const m = /^([^\s():;,[\]{}@]+)\s*((?:\([^()]*\)\s*)*)(?:\[([^[\]:]+):([^[\]]+)\]\s*)?:(.*)$/.exec(piece);
  if (!m) throw new Error('expected NAME:VALUE or NAME(ROLE):VALUE, e.g. cpus:4 or cpus(prod):2');
  const name = m[1]!;
  let reservations: ReservationInfo[] | undefined;
  let allocation: { role: string } | undefined;
  for (const group of m[2]!.match(/\([^()]*\)/g) ?? []) {
    const inner = group.slice(1, -1).trim();
    if (inner.startsWith('allocated:')) {
      allocation = { role: inner.slice('allocated:'.length).trim() };
      continue;
    }
    if (reservations !== undefined) throw new Error('more than one reservation group');
    reservations = inner === '*' ? [] : inner.split(',').map((entry) => parseReservation(entry.trim()));
  }
  const volume = m[3] === undefined ? undefined : { id: m[3].trim(), path: m[4]!.trim() };
  const disk =
    volume === undefined
      ? undefined
      : { persistence: { id: volume.id }, volume: { container_path: volume.path, mode: 'RW' as const } };
  const base = { name, reservations, allocation_info: allocation, disk };
  const value = m[5]!.trim();
  if (value.startsWith('[')) return { ...base, type: 'RANGES', ranges: { range: parseRanges(value) } };
  if (value.startsWith('{')) return { ...base, type: 'SET', set: { item: parseItems(value) } };
  if (!/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value)) throw new Error(`bad scalar '${value}'`);
  return { ...base, type: 'SCALAR', scalar: { value: Number(value) } };
}

/** Parses one reservation of a stack: `prod`, `dynamic:prod/hadoop` or `dynamic:prod@alice`. */
function parseReservation(entry: string): ReservationInfo {
  const dynamic = entry.startsWith('dynamic:');
  const body = dynamic ? entry.slice('dynamic:'.length) : entry;
  const at = body.indexOf('@');
  const role = at < 0 ? body : body.slice(0, at);
  const type = dynamic ? 'DYNAMIC' : 'STATIC';
  return at < 0 ? { type, role } : { type, role, principal: body.slice(at + 1) };
}

/** Formats one entry in the text form parseEntry reads. */
export function formatEntry(res: Resource): string {
  let text = res.name;
  if (res.allocation_info !== undefined) text += '(allocated:' + res.allocation_info.role + ')';
  if (res.reservations !== undefined && res.reservations.length > 0) {
    const stack = res.reservations.map(
      (r) =>
        (r.type === 'DYNAMIC' ? 'dynamic:' : '') +
        r.role +
        (r.principal !== undefined ? '@' + r.principal : ''),
    );
    text += '(' + stack.join(',') + ')';
  }
  const volume = res.disk?.persistence;
  if (volume !== undefined) text += '[' + volume.id + ':' + (res.disk?.volume?.container_path ?? '') + ']';
  if (res.type === 'SCALAR') return text + ':' + res.scalar!.value;
  if (res.type === 'RANGES') return text + ':' + formatRanges(res.ranges!.range);
  return text + ':' + formatItems(res.set!.item);
}
