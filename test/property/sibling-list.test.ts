import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FiledNode, FilingKeys, SiblingList } from '../../engine/allocator/sibling-list.ts';

// A sibling list keeps its entries in a buffer with room on both sides and shifts whichever side of
// a move is shorter; driven through random inserts, removals and moves, it must hold the same ids in
// the same order as a plain array given the same operations.

type Op =
  | { t: 'insert'; at: number }
  | { t: 'remove'; at: number }
  | { t: 'move'; from: number; to: number }
  | { t: 'fill'; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('insert' as const), at: fc.nat(100) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('remove' as const), at: fc.nat(100) }) },
  {
    weight: 6,
    arbitrary: fc.record({ t: fc.constant('move' as const), from: fc.nat(100), to: fc.nat(100) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('fill' as const), n: fc.nat(12) }) },
);

describe('sibling list', () => {
  it('moves, inserts and removes as a plain array does', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const nodes: FiledNode[] = [];
        const list = new SiblingList(nodes, new FilingKeys());
        let model: number[] = [];
        const node = (id: number): FiledNode => {
          nodes[id] ??= { id, path: `n${id}` };
          return nodes[id]!;
        };
        let next = 0;
        for (const op of ops) {
          const n = model.length;
          if (op.t === 'insert') {
            const at = op.at % (n + 1);
            const id = next++;
            list.insert(at, node(id));
            model.splice(at, 0, id);
          } else if (op.t === 'remove' && n > 0) {
            const at = op.at % n;
            list.removeAt(at);
            model.splice(at, 1);
          } else if (op.t === 'move' && n > 0) {
            const from = op.from % n;
            const to = op.to % n;
            list.move(from, to);
            const [id] = model.splice(from, 1);
            model.splice(to, 0, id!);
          } else if (op.t === 'fill') {
            model = Array.from({ length: op.n }, () => next++);
            list.fill(model.map(node));
          }
          expect(list.length).toBe(model.length);
          expect(Array.from({ length: list.length }, (_, i) => list.idAt(i))).toEqual(model);
        }
      }),
      { numRuns: 300 },
    );
  });
});
