// Resources as the master's /state page shows them: flat summaries (`{cpus, mem, disk, gpus, ports:
// "[31000-32000]"}`), an agent's reserved resources by role (as summaries, and in full), and a
// resource in full with Mesos's legacy fields. Summaries are written straight into a JsonWriter, the
// usual bags without building an object first (state-json.ts writes whole pages this way).
import { roundScalar } from '../../engine/quantities.ts';
import { type Resource, type Resources, reservationRole, summary } from '../../engine/resources.ts';
import { formatRanges } from '../../engine/resources-ranges.ts';
import { JsonWriter } from './json-writer.ts';

/** True for bags of the usual shape: cpus, mem, disk and gpus scalars, and each ranges name once. */
function hasUsualShape(r: Resources): boolean {
  for (let i = 0; i < r.length; i++) {
    const res = r[i]!;
    if (res.type === 'SCALAR') {
      const name = res.name;
      if (name !== 'cpus' && name !== 'mem' && name !== 'disk' && name !== 'gpus') return false;
    } else if (res.type === 'RANGES') {
      // Ranges of one name under several reservations are merged by `summary`.
      for (let j = 0; j < i; j++) if (r[j]!.type === 'RANGES' && r[j]!.name === res.name) return false;
    } else {
      return false;
    }
  }
  return true;
}

/**
 * Writes the summary of a bag: exactly `JSON.stringify(summary(r))` (values are finite). Bags of
 * the usual shape are written without building the summary object; others go through `summary`.
 */
export function writeSummary(w: JsonWriter, r: Resources): void {
  if (!hasUsualShape(r)) {
    w.value(summary(r));
    return;
  }
  let cpus = 0;
  let mem = 0;
  let disk = 0;
  let gpus = 0;
  for (let i = 0; i < r.length; i++) {
    const res = r[i]!;
    if (res.type !== 'SCALAR') continue;
    const value = res.scalar!.value;
    if (res.name === 'cpus') cpus = roundScalar(cpus + value);
    else if (res.name === 'mem') mem = roundScalar(mem + value);
    else if (res.name === 'disk') disk = roundScalar(disk + value);
    else gpus = roundScalar(gpus + value);
  }
  w.raw('{"cpus":');
  w.number(cpus);
  w.raw(',"mem":');
  w.number(mem);
  w.raw(',"disk":');
  w.number(disk);
  w.raw(',"gpus":');
  w.number(gpus);
  for (let i = 0; i < r.length; i++) {
    const res = r[i]!;
    if (res.type !== 'RANGES') continue;
    w.raw(',');
    w.string(res.name);
    w.raw(':');
    w.string(formatRanges(res.ranges!.range));
  }
  w.raw('}');
}

/** The summary of a bag as JSON text (`JSON.stringify(summary(r))`). */
export function summaryJson(r: Resources): string {
  const w = new JsonWriter(Buffer.allocUnsafe(256));
  writeSummary(w, r);
  return w.textSince(0);
}

/** Writes resources split by the role they are reserved for, each as a summary. */
export function writeReservedByRole(w: JsonWriter, resources: Resources): void {
  const byRole = new Map<string, Resource[]>();
  for (const r of resources) {
    const role = reservationRole(r);
    if (role === '*') continue;
    const list = byRole.get(role) ?? [];
    list.push(r);
    byRole.set(role, list);
  }
  w.raw('{');
  let first = true;
  for (const [role, list] of byRole) {
    if (!first) w.raw(',');
    first = false;
    w.string(role);
    w.raw(':');
    writeSummary(w, list);
  }
  w.raw('}');
}

/**
 * A resource as Mesos's endpoints show it in full: with the legacy `role` (and, for one dynamic
 * reservation, the legacy `reservation`) beside the `reservations` stack.
 */
export function fullResource(r: Resource): Record<string, unknown> {
  const out: Record<string, unknown> = { name: r.name, type: r.type };
  if (r.scalar !== undefined) out.scalar = r.scalar;
  if (r.ranges !== undefined) out.ranges = r.ranges;
  if (r.set !== undefined) out.set = r.set;
  out.role = reservationRole(r);
  if (r.disk !== undefined) out.disk = r.disk;
  const stack = r.reservations ?? [];
  const only = stack.length === 1 ? stack[0]! : undefined;
  if (only?.type === 'DYNAMIC') {
    const reservation: Record<string, unknown> = {};
    if (only.principal !== undefined) reservation.principal = only.principal;
    if (only.labels !== undefined) reservation.labels = only.labels;
    out.reservation = reservation;
  }
  if (stack.length > 0) out.reservations = stack;
  if (r.allocation_info !== undefined) out.allocation_info = r.allocation_info;
  return out;
}

/** Writes the reserved resources of a bag in full, as a list per reservation role (`{}` when none). */
export function writeReservedFull(w: JsonWriter, resources: Resources): void {
  w.raw('{');
  let first = true;
  const roles: string[] = [];
  for (const r of resources) {
    const role = reservationRole(r);
    if (role !== '*' && !roles.includes(role)) roles.push(role);
  }
  for (const role of roles) {
    if (!first) w.raw(',');
    first = false;
    w.string(role);
    w.raw(':');
    w.value(resources.filter((r) => reservationRole(r) === role).map(fullResource));
  }
  w.raw('}');
}

/** The unreserved part of an agent's resources (the whole bag when nothing is reserved). */
export function unreservedOf(resources: Resources): Resources {
  for (const r of resources) {
    if (reservationRole(r) !== '*') return resources.filter((x) => reservationRole(x) === '*');
  }
  return resources;
}
