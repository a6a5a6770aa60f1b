import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addQuantities, type Quantities } from '../../engine/quantities.ts';
import {
  add,
  contains,
  equals,
  formatResources,
  isEmpty,
  normalize,
  parseResources,
  type ReservationInfo,
  type Resource,
  type Resources,
  shrink,
  subtract,
  toQuantities,
  type ValueRange,
} from '../../engine/resources.ts';
import { addRanges, containsRanges, normalizeRanges, subtractRanges } from '../../engine/resources-ranges.ts';

const runs = { numRuns: 200 };

const stacks: ReadonlyArray<readonly ReservationInfo[] | undefined> = [
  undefined,
  [{ type: 'STATIC', role: 'prod' }],
  [
    { type: 'STATIC', role: 'prod' },
    { type: 'DYNAMIC', role: 'prod/hadoop', principal: 'alice' },
  ],
  [{ type: 'DYNAMIC', role: 'dev' }],
];

const kindArb = fc.record({
  stack: fc.constantFrom(...stacks),
  allocation: fc.constantFrom(undefined, 'prod', 'dev'),
});

/** Scalars in thousandths, as the fixed-point resources hold them. */
const scalarArb = fc
  .record({ name: fc.constantFrom('cpus', 'mem', 'gpus'), milli: fc.integer({ min: 0, max: 50_000 }) })
  .map(({ name, milli }) => ({ name, type: 'SCALAR' as const, scalar: { value: milli / 1000 } }));

const rangesArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 15 })), { maxLength: 4 })
  .map((pairs) => ({
    name: 'ports',
    type: 'RANGES' as const,
    ranges: { range: pairs.map(([begin, length]) => ({ begin, end: begin + length })) },
  }));

const setArb = fc
  .subarray(['a', 'b', 'c', 'd', 'e'])
  .map((item) => ({ name: 'zones', type: 'SET' as const, set: { item } }));

/** A raw (not normal) resource entry with a random reservation stack and allocation. */
const entryArb: fc.Arbitrary<Resource> = fc
  .tuple(fc.oneof(scalarArb, scalarArb, rangesArb, setArb), kindArb)
  .map(([value, { stack, allocation }]) => ({
    ...value,
    ...(stack !== undefined ? { reservations: stack } : {}),
    ...(allocation !== undefined ? { allocation_info: { role: allocation } } : {}),
  }));

const rawArb = fc.array(entryArb, { maxLength: 8 });
const bagArb: fc.Arbitrary<Resources> = rawArb.map(normalize);
/** Two normal bags and their entries spliced together in a random order. */
const splicedArb = fc
  .tuple(bagArb, bagArb)
  .chain(([a, b]) =>
    fc
      .shuffledSubarray([...a, ...b], { minLength: a.length + b.length })
      .map((spliced) => ({ a, b, spliced })),
  );

/** The scalar part of a bag. */
function scalarsOf(r: Resources): Resources {
  return r.filter((res) => res.type === 'SCALAR');
}

describe('resource algebra laws', () => {
  it('add is commutative and associative, with the empty bag as identity', () => {
    fc.assert(
      fc.property(bagArb, bagArb, bagArb, (a, b, c) => {
        expect(add(a, b)).toEqual(add(b, a));
        expect(add(add(a, b), c)).toEqual(add(a, add(b, c)));
        expect(add(a, [])).toEqual(a);
        expect(add([], a)).toEqual(a);
      }),
      runs,
    );
  });

  it('subtract undoes add when b shares no port or zone with a', () => {
    fc.assert(
      fc.property(bagArb, bagArb, (a, b0) => {
        // Ranges and sets are sets, so a port both sides hold is only counted once by add.
        const b = add(
          scalarsOf(b0),
          subtract(
            b0.filter((res) => res.type !== 'SCALAR'),
            a,
          ),
        );
        expect(subtract(add(a, b), b)).toEqual(a);
        expect(equals(subtract(add(a, b), b), a)).toBe(true);
      }),
      runs,
    );
  });

  it('a sum contains its parts, and a difference is contained in what it was taken from', () => {
    fc.assert(
      fc.property(bagArb, bagArb, (a, b) => {
        expect(contains(add(a, b), a)).toBe(true);
        expect(contains(add(a, b), b)).toBe(true);
        expect(contains(a, subtract(a, b))).toBe(true);
        expect(contains(a, a)).toBe(true);
        expect(isEmpty(subtract(a, a))).toBe(true);
        // Containment agrees with subtraction: b fits in a exactly when nothing of b is left over.
        expect(contains(a, b)).toBe(isEmpty(subtract(b, a)));
      }),
      runs,
    );
  });

  it('equals ignores the order of entries and tells different bags apart', () => {
    fc.assert(
      fc.property(splicedArb, ({ a, b, spliced }) => {
        const sum = add(a, b);
        expect(equals(spliced, sum)).toBe(true);
        expect(equals(sum, spliced)).toBe(true);
        expect(normalize(spliced)).toEqual(sum);
        // Every operation reads a spliced list as the bag it stands for.
        expect(add(spliced, [])).toEqual(sum);
        expect(contains(spliced, sum) && contains(sum, spliced)).toBe(true);
        expect(subtract(spliced, a)).toEqual(subtract(sum, a));
        expect(formatResources(spliced)).toBe(formatResources(sum));
        expect(equals(a, sum)).toBe(contains(a, b) && isEmpty(scalarsOf(b)));
      }),
      runs,
    );
  });

  it('normalize is idempotent and leaves normal bags alone', () => {
    fc.assert(
      fc.property(rawArb, (raw) => {
        const once = normalize(raw);
        expect(normalize(once)).toEqual(once);
        // Splitting every entry into its own bag and adding them back gives the same normal form.
        expect(raw.reduce<Resources>((sum, res) => add(sum, normalize([res])), [])).toEqual(once);
      }),
      runs,
    );
  });

  it('toQuantities is additive', () => {
    fc.assert(
      fc.property(bagArb, bagArb, (a, b) => {
        expect(toQuantities(add(a, b))).toEqual(addQuantities(toQuantities(a), toQuantities(b)));
      }),
      runs,
    );
  });

  it('formatResources and parseResources round-trip', () => {
    fc.assert(
      fc.property(bagArb, (a) => {
        expect(parseResources(formatResources(a))).toEqual(a);
      }),
      runs,
    );
  });

  it('shrink stays inside r and takes exactly min(total, target) of each scalar', () => {
    const targetArb: fc.Arbitrary<Quantities> = fc.dictionary(
      fc.constantFrom('cpus', 'mem', 'gpus', 'disk'),
      fc.integer({ min: 0, max: 60_000 }).map((milli) => milli / 1000),
    );
    fc.assert(
      fc.property(bagArb, targetArb, fc.boolean(), (r, target, keep) => {
        const cut = shrink(r, target, keep);
        expect(contains(r, cut)).toBe(true);
        const have = toQuantities(r);
        const got = toQuantities(cut);
        for (const name of new Set([...Object.keys(have), ...Object.keys(target)])) {
          expect(got[name] ?? 0).toBe(Math.min(have[name] ?? 0, target[name] ?? 0));
        }
        const nonScalar = r.filter((res) => res.type !== 'SCALAR');
        expect(cut.filter((res) => res.type !== 'SCALAR')).toEqual(keep ? nonScalar : []);
      }),
      runs,
    );
  });
});

describe('range operations against a set of integers', () => {
  const listArb = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 8 })), { maxLength: 5 })
    .map((pairs) => normalizeRanges(pairs.map(([begin, length]) => ({ begin, end: begin + length }))));

  /** Every integer a range list holds. */
  function points(list: readonly ValueRange[]): number[] {
    const out: number[] = [];
    for (const { begin, end } of list) for (let p = begin; p <= end; p++) out.push(p);
    return out;
  }

  /** True when the list is sorted with gaps between ranges (the normal form). */
  function isNormal(list: readonly ValueRange[]): boolean {
    return list.every((r, i) => r.begin <= r.end && (i === 0 || list[i - 1]!.end + 1 < r.begin));
  }

  it('union, difference and containment match the naive model', () => {
    fc.assert(
      fc.property(listArb, listArb, (a, b) => {
        const pa = new Set(points(a));
        const pb = new Set(points(b));
        const union = addRanges(a, b);
        const difference = subtractRanges(a, b);
        expect(isNormal(union) && isNormal(difference)).toBe(true);
        expect(points(union)).toEqual([...new Set([...pa, ...pb])].sort((x, y) => x - y));
        expect(points(difference)).toEqual([...pa].filter((p) => !pb.has(p)));
        expect(containsRanges(a, b)).toBe([...pb].every((p) => pa.has(p)));
      }),
      { numRuns: 300 },
    );
  });
});
