// Resources in the Mesos v1 shapes, and their kinds. Two entries of one kind (name, type, reservation
// stack, allocation role, disk info) merge into one; compareKind orders kinds totally and kindKey
// names them. Role names are checked here too, as reservations and allocations carry them. The bag
// algebra is in engine/resources.ts, which re-exports all of this.
import { role_name_chars_max } from './constants.ts';

/** The three kinds of resource value Mesos knows. */
export type ResourceType = 'SCALAR' | 'RANGES' | 'SET';

/** An inclusive range of integers, e.g. ports 31000-32000. */
export interface ValueRange {
  readonly begin: number;
  readonly end: number;
}

/** Key-value labels, as Mesos attaches them to reservations. */
export interface ResourceLabels {
  readonly labels: ReadonlyArray<{ readonly key: string; readonly value?: string }>;
}

/** One entry of a resource's reservation stack; the last entry names the role it is reserved for. */
export interface ReservationInfo {
  readonly type: 'STATIC' | 'DYNAMIC';
  readonly role: string;
  readonly principal?: string;
  /** Reservations with different labels are never merged. */
  readonly labels?: ResourceLabels;
}

/** Mesos's DiskInfo: `persistence` and `volume` make reserved disk a persistent volume. */
export interface DiskInfo {
  readonly persistence?: { readonly id: string; readonly principal?: string };
  readonly volume?: {
    readonly container_path: string;
    readonly mode?: 'RW' | 'RO';
    readonly host_path?: string;
  };
  readonly source?: Readonly<Record<string, unknown>>;
}

/** A resource as Mesos's v1 `Resource` message. */
export interface Resource {
  readonly name: string;
  readonly type: ResourceType;
  readonly scalar?: { readonly value: number };
  readonly ranges?: { readonly range: readonly ValueRange[] };
  readonly set?: { readonly item: readonly string[] };
  /** Deprecated pre-reservation-refinement role; the engine keeps '*' and uses `reservations`. */
  readonly role?: string;
  readonly reservations?: readonly ReservationInfo[];
  /**
   * Deprecated pre-refinement form of a dynamic reservation (with `role`): read on input, where it
   * makes the reservation DYNAMIC, and never kept.
   */
  readonly reservation?: { readonly principal?: string; readonly labels?: ResourceLabels };
  readonly allocation_info?: { readonly role: string };
  /** Disk only: a persistent volume (or the disk's source); part of the resource's kind. */
  readonly disk?: DiskInfo;
}

/** A bag of resources: the Mesos `Resources` class, as an immutable array in normal form. */
export type Resources = readonly Resource[];

// ---------------------------------------------------------------------------------------------
// Kinds and their order

/** The role a resource is reserved for ('*' if unreserved): the last entry of its reservation stack. */
export function reservationRole(res: Resource): string {
  const stack = res.reservations;
  if (stack !== undefined && stack.length > 0) return stack[stack.length - 1]!.role;
  return res.role !== undefined && res.role !== '' ? res.role : '*';
}

function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Total order on kinds: name, reservation role, allocation role, type, then the whole stack (with
 * principals and labels), then the disk info.
 */
export function compareKind(x: Resource, y: Resource): number {
  if (x.name !== y.name) return x.name < y.name ? -1 : 1;
  const xs = x.reservations;
  const ys = y.reservations;
  if (xs !== ys) {
    const c = compareText(reservationRole(x), reservationRole(y));
    if (c !== 0) return c;
  }
  const xa = x.allocation_info?.role ?? '';
  const ya = y.allocation_info?.role ?? '';
  if (xa !== ya) return xa < ya ? -1 : 1;
  if (x.type !== y.type) return x.type < y.type ? -1 : 1;
  const c = xs === ys ? 0 : compareStacks(xs, ys);
  if (c !== 0 || x.disk === y.disk) return c;
  return compareText(diskKey(x.disk), diskKey(y.disk));
}

/** Order of two different reservation stacks of the same reservation role. */
function compareStacks(
  xs: readonly ReservationInfo[] | undefined,
  ys: readonly ReservationInfo[] | undefined,
): number {
  if (xs === undefined || ys === undefined) return (xs?.length ?? 0) - (ys?.length ?? 0);
  if (xs.length !== ys.length) return xs.length - ys.length;
  for (let i = 0; i < xs.length; i++) {
    const p = xs[i]!;
    const q = ys[i]!;
    const c =
      compareText(p.role, q.role) ||
      compareText(p.type, q.type) ||
      compareText(p.principal ?? '', q.principal ?? '') ||
      (p.labels === q.labels ? 0 : compareText(labelsKey(p.labels), labelsKey(q.labels)));
    if (c !== 0) return c;
  }
  return 0;
}

/** Labels as one comparable string ('' for none); labels are kept sorted, so equal sets give equal keys. */
export function labelsKey(labels: ResourceLabels | undefined): string {
  if (labels === undefined) return '';
  let key = '';
  for (const l of labels.labels) key += '\u0001' + l.key + '=' + (l.value ?? '');
  return key;
}

/** Disk info as one comparable string ('' for none). */
export function diskKey(disk: DiskInfo | undefined): string {
  if (disk === undefined) return '';
  const p = disk.persistence;
  const v = disk.volume;
  return [
    p?.id ?? '',
    p?.principal ?? '',
    v?.container_path ?? '',
    v?.mode ?? '',
    v?.host_path ?? '',
    disk.source === undefined ? '' : JSON.stringify(disk.source),
  ].join('\u0001');
}

const EMPTY_STACK: readonly ReservationInfo[] = [];

/** A string naming the kind of a resource, equal for two resources exactly when they can be merged. */
export function kindKey(res: Resource): string {
  let key = res.name + '\u0000' + res.type + '\u0000' + (res.allocation_info?.role ?? '');
  for (const r of res.reservations ?? EMPTY_STACK) {
    key += '\u0000' + r.type + ':' + r.role + ':' + (r.principal ?? '') + labelsKey(r.labels);
  }
  if (res.disk !== undefined) key += '\u0000disk:' + diskKey(res.disk);
  return key;
}

/** True for a persistent volume: disk with `disk.persistence` set. */
export function isPersistentVolume(res: Resource): boolean {
  return res.disk?.persistence !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Role names

/** Throws unless role is a valid Mesos role name (hierarchical, with '/' between levels). */
export function validateRole(role: string, what: string): void {
  if (typeof role !== 'string' || role === '') throw new Error(`${what}: role must be a non-empty string`);
  if (role.length > role_name_chars_max) {
    throw new Error(`${what}: role names are at most ${role_name_chars_max} characters, got ${role.length}`);
  }
  // Control and format characters (NUL, bidi overrides) would make a role print as another one.
  if (/[\p{Cc}\p{Cf}]/u.test(role)) {
    throw new Error(`${what}: role '${JSON.stringify(role).slice(1, -1)}' has a control or format character`);
  }
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
