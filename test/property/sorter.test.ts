// The incremental DRF sorter against the naive one that recomputes everything: on random sequences
// of every Sorter call, over flat and hierarchical clients, both must give the same order (tie-breaks
// included), the same shares and the same allocations.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DrfSorter } from '../../engine/allocator/drf-sorter.ts';
import { NaiveSorter } from '../../engine/allocator/naive-sorter.ts';
import { assetShare, type ShareFunction } from '../../engine/allocator/share.ts';
import type { Sorter } from '../../engine/allocator/sorter.ts';
import type { Quantities } from '../../engine/quantities.ts';

const flatClients = ['f1', 'f2', 'f3', 'f4', 'f5'];
// Paths that are clients and inner nodes at once (`a`, `a/b`), deep paths, and flat ones.
const treeClients = ['a', 'a/b', 'a/b/c', 'a/c', 'b', 'b/x', 'b/y', 'c/d/e', 'c'];
const treePaths = [...treeClients, 'c/d'];
const agents = ['s1', 's2', 's3'];

// Small integer amounts (in tenths) make equal shares, and so tie-breaks, common.
const amounts: fc.Arbitrary<Quantities> = fc
  .record(
    {
      cpus: fc.integer({ min: 0, max: 4 }),
      mem: fc.integer({ min: 0, max: 4 }),
      gpus: fc.integer({ min: 0, max: 1 }),
    },
    { requiredKeys: [] },
  )
  .map((q) => Object.fromEntries(Object.entries(q).map(([name, v]) => [name, v / 10])));

type Op =
  | { readonly kind: 'add' | 'remove' | 'activate' | 'deactivate'; readonly client: string }
  | { readonly kind: 'weight'; readonly path: string; readonly weight: number }
  | { readonly kind: 'allocated'; readonly client: string; readonly agent: string; readonly q: Quantities }
  | { readonly kind: 'unallocated'; readonly client: string; readonly agent: string; readonly part: number }
  | { readonly kind: 'addTotal'; readonly agent: string; readonly q: Quantities }
  | { readonly kind: 'removeTotal'; readonly agent: string; readonly part: number }
  | { readonly kind: 'sort'; readonly accept: readonly string[] };

function ops(clients: readonly string[], paths: readonly string[]): fc.Arbitrary<Op[]> {
  const client = fc.constantFrom(...clients);
  const agent = fc.constantFrom(...agents);
  const kind = <K extends Op['kind']>(k: K) => fc.constant(k);
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 1, arbitrary: fc.record({ kind: kind('add'), client }) },
    { weight: 1, arbitrary: fc.record({ kind: kind('remove'), client }) },
    { weight: 1, arbitrary: fc.record({ kind: kind('activate'), client }) },
    { weight: 1, arbitrary: fc.record({ kind: kind('deactivate'), client }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: kind('weight'),
        path: fc.constantFrom(...paths),
        weight: fc.constantFrom(0.5, 1, 2, 3),
      }),
    },
    { weight: 10, arbitrary: fc.record({ kind: kind('allocated'), client, agent, q: amounts }) },
    {
      weight: 4,
      arbitrary: fc.record({ kind: kind('unallocated'), client, agent, part: fc.constantFrom(0, 0.5, 1) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: kind('addTotal'), agent, q: amounts }) },
    { weight: 1, arbitrary: fc.record({ kind: kind('removeTotal'), agent, part: fc.constantFrom(0.5, 1) }) },
    { weight: 6, arbitrary: fc.record({ kind: kind('sort'), accept: fc.subarray([...clients]) }) },
  );
  // A setup registers most clients and some capacity, so that most calls of the body matter.
  const setup = fc.tuple(
    fc.subarray([...clients], { minLength: 2 }),
    fc.array(fc.record({ kind: kind('addTotal'), agent, q: amounts }), { minLength: 1, maxLength: 3 }),
  );
  return fc
    .tuple(setup, fc.array(op, { minLength: 10, maxLength: 120, size: 'max' }))
    .map(([[added, totals], body]) => [
      ...added.map((c): Op => ({ kind: 'add', client: c })),
      ...totals,
      ...body,
    ]);
}

/** Part of what is held: whole tenths, so the give-back is exact and never exceeds the holding. */
function partOf(held: Quantities, part: number): Quantities {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(held)) out[name] = Math.floor(value * 10 * part) / 10;
  return out;
}

/** Applies one call to both sorters, keeping the model of holdings and totals the calls need. */
function apply(
  op: Op,
  sorters: readonly Sorter[],
  held: Map<string, Quantities>,
  totals: Map<string, Quantities>,
) {
  const [oracle] = sorters;
  const known = (c: string) => oracle!.contains(c);
  switch (op.kind) {
    case 'add':
      if (known(op.client)) return;
      for (const s of sorters) s.add(op.client);
      return;
    case 'remove':
    case 'activate':
    case 'deactivate':
      if (!known(op.client)) return;
      for (const s of sorters) s[op.kind](op.client);
      if (op.kind === 'remove') for (const agent of agents) held.delete(`${op.client}@${agent}`);
      return;
    case 'weight':
      for (const s of sorters) s.updateWeight(op.path, op.weight);
      return;
    case 'allocated': {
      if (!known(op.client)) return;
      const key = `${op.client}@${op.agent}`;
      held.set(key, sum(held.get(key) ?? {}, op.q));
      for (const s of sorters) s.allocated(op.client, op.agent, op.q);
      return;
    }
    case 'unallocated': {
      if (!known(op.client)) return;
      const key = `${op.client}@${op.agent}`;
      const back = partOf(held.get(key) ?? {}, op.part);
      held.set(key, sum(held.get(key) ?? {}, back, -1));
      for (const s of sorters) s.unallocated(op.client, op.agent, back);
      return;
    }
    case 'addTotal':
      totals.set(op.agent, sum(totals.get(op.agent) ?? {}, op.q));
      for (const s of sorters) s.addTotal(op.agent, op.q);
      return;
    case 'removeTotal': {
      const back = partOf(totals.get(op.agent) ?? {}, op.part);
      totals.set(op.agent, sum(totals.get(op.agent) ?? {}, back, -1));
      for (const s of sorters) s.removeTotal(op.agent, back);
      return;
    }
    case 'sort': {
      // find() walks the order in place; it must pick what the oracle's full order would.
      const accept = (c: string) => op.accept.includes(c);
      expect(sorters[1]!.find!(accept)).toBe(oracle!.sort().find(accept));
      expect(sorters[1]!.sort()).toEqual(oracle!.sort());
      return;
    }
  }
}

/** a + sign * b in whole tenths. */
function sum(a: Quantities, b: Quantities, sign = 1): Quantities {
  const out: Record<string, number> = { ...a };
  for (const [name, value] of Object.entries(b))
    out[name] = Math.round(((out[name] ?? 0) + sign * value) * 10) / 10;
  return out;
}

function agree(clients: readonly string[], paths: readonly string[], share: ShareFunction | undefined) {
  fc.assert(
    fc.property(ops(clients, paths), (sequence) => {
      const naive = new NaiveSorter(share ? { share } : {});
      const drf = new DrfSorter(share ? { share } : {});
      const held = new Map<string, Quantities>();
      const totals = new Map<string, Quantities>();
      let snapshot: readonly string[] = [];
      let snapshotCopy: string[] = [];
      for (const op of sequence) {
        apply(op, [naive, drf], held, totals);
        // An order handed out earlier is a snapshot: later calls must not change it.
        expect(snapshot).toEqual(snapshotCopy);
        if (op.kind === 'sort') {
          snapshot = drf.sort();
          snapshotCopy = [...snapshot];
        }
        expect(drf.count()).toBe(naive.count());
        for (const c of clients) {
          expect(drf.contains(c)).toBe(naive.contains(c));
          if (!naive.contains(c)) continue;
          expect(drf.share(c)).toBe(naive.share(c));
          expect(drf.allocation(c)).toEqual(naive.allocation(c));
        }
      }
      expect(drf.sort()).toEqual(naive.sort());
    }),
    { numRuns: 200 },
  );
}

describe('incremental DRF sorter against the naive one', () => {
  it('agrees on flat clients', () => agree(flatClients, flatClients, undefined));
  it('agrees on hierarchical clients', () => agree(treeClients, treePaths, undefined));
  it('agrees on hierarchical clients with asset shares', () => agree(treeClients, treePaths, assetShare));
});
