// Scalar quantities of resources by name, the view that sorters, quota and shares work in.
// Values are fixed-point with three decimals, as Mesos stores Value.Scalar, so sums never drift.

/** Amounts of scalar resources by name, e.g. `{ cpus: 4, mem: 8192 }`. Absent names are zero. */
export type Quantities = Readonly<Record<string, number>>;

/** Rounds a scalar to Mesos's fixed-point precision of three decimals. */
export function roundScalar(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Returns a + b, name by name. */
export function addQuantities(a: Quantities, b: Quantities): Quantities {
  const out: Record<string, number> = { ...a };
  for (const name in b) out[name] = roundScalar((out[name] ?? 0) + (b[name] ?? 0));
  return out;
}

/** Returns a - b, name by name, never below zero; names that reach zero are dropped. */
export function subtractQuantities(a: Quantities, b: Quantities): Quantities {
  const out: Record<string, number> = { ...a };
  for (const name in b) {
    const left = roundScalar((out[name] ?? 0) - (b[name] ?? 0));
    if (left > 0) out[name] = left;
    else delete out[name];
  }
  return out;
}

/** True when a holds at least b of every name. */
export function containsQuantities(a: Quantities, b: Quantities): boolean {
  for (const name in b) if ((b[name] ?? 0) > (a[name] ?? 0)) return false;
  return true;
}

/** True when a and b hold the same amount of every name. */
export function sameQuantities(a: Quantities, b: Quantities): boolean {
  return containsQuantities(a, b) && containsQuantities(b, a);
}

/** True when every amount is zero. */
export function isEmptyQuantities(a: Quantities): boolean {
  for (const name in a) if ((a[name] ?? 0) > 0) return false;
  return true;
}

/** Parses `cpus:4;mem:8192` (or `cpus=4 mem=8192`) into quantities; throws naming the bad part. */
export function parseQuantities(text: string): Quantities {
  const out: Record<string, number> = {};
  for (const part of text.split(/[;,\s]+/).filter((p) => p.length > 0)) {
    const m = /^([A-Za-z_][\w.-]*)[:=]([0-9]*\.?[0-9]+)$/.exec(part);
    if (!m) throw new Error(`bad quantity '${part}': expected NAME:NUMBER, e.g. cpus:4`);
    out[m[1]!] = roundScalar((out[m[1]!] ?? 0) + Number(m[2]));
  }
  return out;
}
