// Resources in the Mesos v1 shapes, and their algebra.

/** The three kinds of resource value Mesos knows. */
export type ResourceType = 'SCALAR' | 'RANGES' | 'SET';

/** An inclusive range of integers, e.g. ports 31000-32000. */
export interface ValueRange {
  readonly begin: number;
  readonly end: number;
}

/** One entry of a resource's reservation stack; the last entry names the role it is reserved for. */
export interface ReservationInfo {
  readonly type: 'STATIC' | 'DYNAMIC';
  readonly role: string;
  readonly principal?: string;
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
  readonly allocation_info?: { readonly role: string };
}

/** A bag of resources: the Mesos `Resources` class, as an immutable array in normal form. */
export type Resources = readonly Resource[];
