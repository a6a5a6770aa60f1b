// Single resource entries, the building blocks of engine/resources.ts (which works on whole bags):
// building an entry of a kind, validating a wire entry into normal form, the arithmetic of two
// entries of one kind, and the text form of one entry. Values inside entries are ranges and sets
// (engine/resources-ranges.ts) or scalars rounded to three decimals.
import { roundScalar } from './quantities.ts';
import {
  type DiskInfo,
  isRoleWithin,
  type ReservationInfo,
  type Resource,
  type ResourceLabels,
  type ResourceType,
  type ValueRange,
  validateRole,
} from './resource-types.ts';
import {
  addItems,
  addRanges,
  containsItems,
  containsRanges,
  equalItems,
  equalRanges,
  formatItems,
  formatRanges,
  normalizeItems,
  normalizeRanges,
  parseItems,
  parseRanges,
  subtractItems,
  subtractRanges,
} from './resources-ranges.ts';

// Callers pass two entries of the same kind to the binary helpers.

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
