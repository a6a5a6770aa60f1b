// Mesos v1 resources as the operator API sends them (`[{name, type, scalar: {value}}, ...]`), summed
// into the four scalars the views show.

/** A v1 Resource, as far as the views read it. */
export interface WireResource {
  readonly name: string;
  readonly type?: string;
  readonly scalar?: { readonly value: number };
  readonly ranges?: { readonly range: readonly { readonly begin: number; readonly end: number }[] };
}

/** CPUs, GPUs, memory and disk: the amounts the views show. */
export interface Scalars {
  cpus: number;
  gpus: number;
  mem: number;
  disk: number;
}

/** The scalar resources shown, in this order. */
export const scalar_names = ['cpus', 'gpus', 'mem', 'disk'] as const;

/** Zero of each. */
export function zeroScalars(): Scalars {
  return { cpus: 0, gpus: 0, mem: 0, disk: 0 };
}

/** The sums of a resource list's scalars. */
export function scalarsOf(resources: readonly WireResource[] | undefined): Scalars {
  const out = zeroScalars();
  for (const r of resources ?? []) {
    const value = r.scalar?.value;
    if (value === undefined) continue;
    if (r.name === 'cpus' || r.name === 'gpus' || r.name === 'mem' || r.name === 'disk') out[r.name] += value;
  }
  return out;
}

/** Adds `b` into `a`. */
export function addScalars(a: Scalars, b: Scalars): void {
  for (const name of scalar_names) a[name] += b[name];
}

/** An amount as the views print it: memory and disk in MB/GB/TB, CPUs to two decimals. */
export function formatAmount(name: string, value: number): string {
  if (name === 'mem' || name === 'disk') {
    if (value >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(1)} TB`;
    if (value >= 1024) return `${(value / 1024).toFixed(1)} GB`;
    return `${Math.round(value)} MB`;
  }
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
