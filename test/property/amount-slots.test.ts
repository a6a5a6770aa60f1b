import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmountSlots, growVector, type SlotVector } from '../../engine/allocator/amount-slots.ts';
import { addInto, subtractFrom } from '../../engine/allocator/client-ledger.ts';
import { assetShare, dominantShare } from '../../engine/allocator/share.ts';
import type { Quantities } from '../../engine/quantities.ts';

// Slot vectors must do exactly what records of quantities do under the same calls: the same sums
// (fixed-point), the same names present in the same order when read back as a record, and the same
// dominant and asset shares against a total.

const names = ['cpus', 'mem', 'disk', 'gpus', 'a.b', 'z', 'B', '10', 'n1', 'n2', 'n3', 'n4'];
const amountsArb: fc.Arbitrary<Quantities> = fc
  .uniqueArray(fc.constantFrom(...names), { maxLength: 10 })
  .chain((keys) =>
    fc
      .tuple(
        ...keys.map(() =>
          fc.oneof(
            fc.constant(0),
            fc.integer({ min: 0, max: 4000 }).map((v) => v / 1000),
          ),
        ),
      )
      .map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]!]))),
  );
const opArb = fc.record({ add: fc.boolean(), target: fc.nat(2), amounts: amountsArb });

describe('amount slots', () => {
  it('sum, subtract, list names and measure shares as records do', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), amountsArb, (ops, total) => {
        const vectors: SlotVector[] = [];
        const slots = new AmountSlots((capacity) => {
          for (const v of vectors) growVector(v, capacity);
        });
        for (let i = 0; i < 3; i++) vectors.push(slots.vector());
        const records: Record<string, number>[] = [{}, {}, {}];
        for (const op of ops) {
          // The same object passed twice in a row is read once: pass a fresh one sometimes.
          const amounts = op.target === 2 ? { ...op.amounts } : op.amounts;
          if (op.add) {
            addInto(records[op.target]!, amounts);
            slots.add(vectors[op.target]!, amounts);
          } else {
            subtractFrom(records[op.target]!, amounts);
            slots.subtract(vectors[op.target]!, amounts);
          }
        }
        // A vector's amounts taken from another, as a removed client's are from its ancestors.
        subtractFrom(records[0]!, records[1]!);
        slots.subtractVector(vectors[0]!, vectors[1]!);
        for (const name in total) slots.slot(name);
        const totalVector = new Float64Array(slots.capacity);
        for (const name in total) totalVector[slots.slot(name)] = total[name]!;
        for (let i = 0; i < 3; i++) {
          expect(JSON.stringify(slots.record(vectors[i]!))).toBe(JSON.stringify(records[i]));
          expect(slots.dominant(vectors[i]!, totalVector)).toBe(dominantShare(records[i]!, total));
          expect(slots.asset(vectors[i]!, totalVector)).toBe(assetShare(records[i]!, total));
        }
      }),
      { numRuns: 400 },
    );
  });
});
