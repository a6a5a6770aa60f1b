import { describe, expect, it } from 'vitest';
import { DrfSorter } from '../../engine/allocator/drf-sorter.ts';
import { FifoSorter } from '../../engine/allocator/fifo-sorter.ts';
import { NaiveSorter } from '../../engine/allocator/naive-sorter.ts';
import { progressiveFilling } from '../../engine/allocator/progressive-filling.ts';
import { RandomSorter } from '../../engine/allocator/random-sorter.ts';
import { assetShare, dominantShare } from '../../engine/allocator/share.ts';
import type { Sorter } from '../../engine/allocator/sorter.ts';
import type { Quantities } from '../../engine/quantities.ts';
import { createRng } from '../../engine/rng.ts';

// The DRF semantics are checked on the incremental sorter and on the naive oracle alike.
const drfSorters: ReadonlyArray<readonly [string, () => Sorter]> = [
  ['incremental', () => new DrfSorter()],
  ['naive', () => new NaiveSorter()],
];

function withClients(
  make: () => Sorter,
  clients: readonly string[],
  total: Quantities = { cpus: 10, mem: 100 },
): Sorter {
  const sorter = make();
  sorter.addTotal('s1', total);
  for (const client of clients) sorter.add(client);
  return sorter;
}

describe.each(drfSorters)('DRF sorter (%s)', (_, make) => {
  it("reproduces the DRF paper's example: A runs 3 tasks, B 2, both at a dominant share of 2/3", () => {
    const capacity = { cpus: 9, mem: 18 };
    const result = progressiveFilling(
      capacity,
      [
        { cpus: 1, mem: 4 },
        { cpus: 3, mem: 1 },
      ],
      make,
      {
        names: ['A', 'B'],
      },
    );
    expect(result.tasks).toEqual([3, 2]);
    expect(result.sequence).toEqual(['A', 'B', 'A', 'B', 'A']);
    expect(result.allocations).toEqual([
      { cpus: 3, mem: 12 },
      { cpus: 6, mem: 2 },
    ]);
    for (const allocation of result.allocations) expect(dominantShare(allocation, capacity)).toBe(2 / 3);
    expect(result.left).toEqual({ mem: 4 });
  });

  it('orders by share, then by fewer allocations, then by id', () => {
    const sorter = withClients(make, ['b', 'a', 'c', 'd']);
    // Equal shares and counts: by id, whatever the registration order.
    expect(sorter.sort()).toEqual(['a', 'b', 'c', 'd']);
    sorter.allocated('a', 's1', { cpus: 1 });
    sorter.allocated('b', 's1', { cpus: 0.5 });
    sorter.allocated('b', 's1', { cpus: 0.5 });
    sorter.allocated('c', 's1', { cpus: 1 });
    sorter.allocated('d', 's1', { mem: 9 });
    // d holds the least; a, b and c hold a tenth each, and b took two allocations for it.
    expect(sorter.sort()).toEqual(['d', 'a', 'c', 'b']);
    expect(sorter.share('b')).toBe(0.1);
    // Giving back lowers the share (b now holds less than d) but not the allocation count.
    sorter.unallocated('b', 's1', { cpus: 0.2 });
    expect(sorter.sort()).toEqual(['b', 'd', 'a', 'c']);
    sorter.allocated('b', 's1', { cpus: 0.2 });
    expect(sorter.sort()).toEqual(['d', 'a', 'c', 'b']);
    expect(sorter.allocation('b')).toEqual({ cpus: 1 });
  });

  it('divides the share by the weight', () => {
    const sorter = withClients(make, ['x', 'y']);
    sorter.allocated('x', 's1', { cpus: 4 });
    sorter.allocated('y', 's1', { cpus: 3 });
    expect(sorter.sort()).toEqual(['y', 'x']);
    sorter.updateWeight('x', 2);
    expect(sorter.share('x')).toBe(0.2);
    expect(sorter.sort()).toEqual(['x', 'y']);
  });

  it('orders roles by their subtree share over weight, then clients within each role', () => {
    const sorter = withClients(make, ['prod/a', 'prod/b', 'dev/c'], { cpus: 100 });
    sorter.allocated('prod/a', 's1', { cpus: 30 });
    sorter.allocated('prod/b', 's1', { cpus: 10 });
    sorter.allocated('dev/c', 's1', { cpus: 15 });
    // prod holds 40% against dev's 15%; a client's own share is what it holds itself.
    expect(sorter.sort()).toEqual(['dev/c', 'prod/b', 'prod/a']);
    expect(sorter.share('prod/b')).toBe(0.1);
    sorter.updateWeight('prod', 3);
    // prod's weighted share is now 0.4 / 3 < 0.15; within prod, b still precedes a.
    expect(sorter.sort()).toEqual(['prod/b', 'prod/a', 'dev/c']);
    // The weight of a role is not its clients' weight.
    expect(sorter.share('prod/a')).toBe(0.3);
  });

  it('treats a role that is also a client as a virtual leaf beside its sub-roles', () => {
    const sorter = withClients(make, ['prod', 'prod/hadoop', 'dev'], { cpus: 100 });
    sorter.allocated('prod', 's1', { cpus: 20 });
    sorter.allocated('prod/hadoop', 's1', { cpus: 5 });
    sorter.allocated('dev', 's1', { cpus: 30 });
    // The prod subtree holds 25% < 30%; inside it the sub-role holds less than prod's own part.
    expect(sorter.sort()).toEqual(['prod/hadoop', 'prod', 'dev']);
    sorter.deactivate('prod/hadoop');
    expect(sorter.sort()).toEqual(['prod', 'dev']);
    sorter.remove('prod/hadoop');
    // Without the sub-role, prod is a plain client again and holds 20% < 30%.
    expect(sorter.sort()).toEqual(['prod', 'dev']);
    sorter.allocated('prod', 's1', { cpus: 15 });
    expect(sorter.sort()).toEqual(['dev', 'prod']);
  });

  it('leaves inactive clients out but keeps what they hold', () => {
    const sorter = withClients(make, ['a', 'b']);
    sorter.allocated('a', 's1', { cpus: 2 });
    sorter.deactivate('a');
    expect(sorter.sort()).toEqual(['b']);
    expect(sorter.allocation('a')).toEqual({ cpus: 2 });
    sorter.activate('a');
    expect(sorter.sort()).toEqual(['b', 'a']);
    expect(sorter.count()).toBe(2);
    sorter.remove('a');
    expect(sorter.contains('a')).toBe(false);
    expect(sorter.count()).toBe(1);
  });

  it('measures shares against the current total', () => {
    const sorter = withClients(make, ['a', 'b'], { cpus: 10 });
    sorter.allocated('a', 's1', { cpus: 2 });
    sorter.allocated('b', 's1', { mem: 10 });
    // No mem in the pool yet: b's share is 0.
    expect(sorter.sort()).toEqual(['b', 'a']);
    sorter.addTotal('s2', { mem: 20 });
    expect(sorter.sort()).toEqual(['a', 'b']);
    sorter.removeTotal('s2', { mem: 20 });
    expect(sorter.sort()).toEqual(['b', 'a']);
  });

  it('hands out orders that later calls leave untouched', () => {
    const sorter = withClients(make, ['a', 'b', 'c']);
    const before = sorter.sort();
    sorter.allocated('a', 's1', { cpus: 1 });
    expect(before).toEqual(['a', 'b', 'c']);
    expect(sorter.sort()).toEqual(['b', 'c', 'a']);
  });

  it('finds the first client in order that a test accepts', () => {
    const sorter = withClients(make, ['a', 'b', 'c']);
    sorter.allocated('a', 's1', { cpus: 2 });
    sorter.allocated('b', 's1', { cpus: 1 });
    expect(sorter.find!((c) => c !== 'c')).toBe('b');
    expect(sorter.find!((c) => c === 'zz')).toBeUndefined();
  });

  it('refuses calls that would corrupt its books', () => {
    const sorter = withClients(make, ['a']);
    sorter.allocated('a', 's1', { cpus: 2 });
    expect(() => sorter.unallocated('a', 's1', { cpus: 3 })).toThrow(/gives back cpus:3 but holds only 2/);
    expect(() => sorter.unallocated('a', 's2', { cpus: 1 })).toThrow(/agent 's2'/);
    expect(() => sorter.allocated('zz', 's1', { cpus: 1 })).toThrow(/unknown client 'zz'/);
    expect(() => sorter.allocated('a', 's1', { cpus: -1 })).toThrow(/bad amount/);
    expect(() => sorter.add('a')).toThrow(/already added/);
    expect(() => sorter.add('prod//x')).toThrow(/bad client path/);
    expect(() => sorter.updateWeight('a', 0)).toThrow(/bad weight/);
    expect(() => sorter.removeTotal('s1', { cpus: 11 })).toThrow(
      /removes cpus:11 from the total but added only 10/,
    );
    // Nothing was changed by the refused calls.
    expect(sorter.allocation('a')).toEqual({ cpus: 2 });
    expect(sorter.share('a')).toBe(0.2);
  });
});

describe('incremental DRF sorter', () => {
  it('refuses to change while find() walks its order', () => {
    const sorter = new DrfSorter();
    sorter.addTotal('s1', { cpus: 1 });
    sorter.add('a');
    const changeWhileWalking = () =>
      sorter.find(() => {
        sorter.allocated('a', 's1', { cpus: 1 });
        return true;
      });
    expect(changeWhileWalking).toThrow(/while find/);
    // The refused change left nothing behind, and the sorter still works.
    expect(sorter.allocation('a')).toEqual({});
    expect(sorter.find(() => true)).toBe('a');
  });
});

describe('share functions', () => {
  const total = { cpus: 10, mem: 10, disk: 0 };

  it('dominant share is the largest fraction; asset share is the sum', () => {
    expect(dominantShare({ cpus: 3, mem: 5 }, total)).toBe(0.5);
    expect(assetShare({ cpus: 3, mem: 5 }, total)).toBe(0.8);
    // Resources with no total are ignored.
    expect(dominantShare({ disk: 5 }, total)).toBe(0);
    expect(assetShare({ disk: 5, cpus: 1 }, total)).toBe(0.1);
  });

  it('order a crafted pair differently', () => {
    // x holds half of one resource; y holds 30% of two: DRF serves y first, asset fairness x.
    const order = (sorter: Sorter) => {
      sorter.addTotal('s1', total);
      sorter.add('x');
      sorter.add('y');
      sorter.allocated('x', 's1', { cpus: 5 });
      sorter.allocated('y', 's1', { cpus: 3, mem: 3 });
      return sorter.sort();
    };
    expect(order(new DrfSorter())).toEqual(['y', 'x']);
    expect(order(new DrfSorter({ share: assetShare }))).toEqual(['x', 'y']);
    expect(order(new NaiveSorter({ share: assetShare }))).toEqual(['x', 'y']);
  });
});

describe('random sorter', () => {
  const clients = ['a', 'b', 'c', 'd', 'e', 'f'];
  const orders = (seed: string, rounds: number) => {
    const sorter = new RandomSorter(createRng(seed));
    for (const c of clients) sorter.add(c);
    return Array.from({ length: rounds }, () => sorter.sort().join(''));
  };

  it('gives the same orders for a seed and other orders for another seed', () => {
    expect(orders('seed-1', 10)).toEqual(orders('seed-1', 10));
    expect(orders('seed-1', 10)).not.toEqual(orders('seed-2', 10));
    // Each call draws a fresh order.
    expect(new Set(orders('seed-1', 10)).size).toBeGreaterThan(1);
    for (const order of orders('seed-3', 5)) expect([...order].sort().join('')).toBe('abcdef');
  });

  it('puts a sibling first with probability proportional to its weight', () => {
    const sorter = new RandomSorter(createRng('weights'));
    sorter.add('heavy');
    sorter.add('light');
    sorter.updateWeight('heavy', 3);
    let heavyFirst = 0;
    const rounds = 4000;
    for (let i = 0; i < rounds; i++) if (sorter.sort()[0] === 'heavy') heavyFirst++;
    // Expected 3/4; the bounds are about six standard deviations wide.
    expect(heavyFirst / rounds).toBeGreaterThan(0.7);
    expect(heavyFirst / rounds).toBeLessThan(0.8);
  });

  it('shuffles within the hierarchy and leaves inactive clients out', () => {
    const sorter = new RandomSorter(createRng('tree'));
    for (const c of ['prod/a', 'prod/b', 'prod/c', 'dev/x', 'dev/y']) sorter.add(c);
    sorter.deactivate('dev/y');
    for (let i = 0; i < 20; i++) {
      const roles = sorter.sort().map((c) => c.split('/')[0]);
      // A role's clients come together.
      expect(roles.join(',')).toMatch(/^(prod,prod,prod,dev|dev,prod,prod,prod)$/);
    }
  });
});

describe('FIFO sorter', () => {
  it('keeps registration order, whatever the clients hold', () => {
    const sorter = new FifoSorter();
    sorter.addTotal('s1', { cpus: 10 });
    for (const c of ['z', 'a', 'm']) sorter.add(c);
    sorter.allocated('z', 's1', { cpus: 9 });
    expect(sorter.sort()).toEqual(['z', 'a', 'm']);
    sorter.deactivate('a');
    expect(sorter.sort()).toEqual(['z', 'm']);
    sorter.activate('a');
    sorter.remove('z');
    sorter.add('z');
    expect(sorter.sort()).toEqual(['a', 'm', 'z']);
    expect(sorter.allocation('z')).toEqual({});
  });
});

describe('progressive filling', () => {
  it('skips a client whose task no longer fits and keeps filling the others', () => {
    const result = progressiveFilling({ cpus: 10 }, [{ cpus: 6 }, { cpus: 1 }], () => new DrfSorter(), {
      names: ['big', 'small'],
    });
    expect(result.tasks).toEqual([1, 4]);
    expect(result.left).toEqual({});
  });

  it('stops a client at its task cap', () => {
    const result = progressiveFilling({ cpus: 10 }, [{ cpus: 1 }, { cpus: 1 }], () => new DrfSorter(), {
      taskCaps: [2, 5],
    });
    expect(result.names).toEqual(['c0', 'c1']);
    expect(result.tasks).toEqual([2, 5]);
    expect(result.left).toEqual({ cpus: 3 });
  });

  it('follows the sorter it is given', () => {
    const demands = [{ cpus: 1 }, { cpus: 1 }];
    expect(progressiveFilling({ cpus: 4 }, demands, () => new FifoSorter()).tasks).toEqual([4, 0]);
    expect(progressiveFilling({ cpus: 4 }, demands, () => new DrfSorter()).tasks).toEqual([2, 2]);
  });

  it('passes weights to the sorter', () => {
    const demands = [{ cpus: 1 }, { cpus: 1 }];
    const weighted = progressiveFilling({ cpus: 9 }, demands, () => new DrfSorter(), {
      names: ['a', 'b'],
      weights: [{ path: 'a', weight: 2 }],
    });
    expect(weighted.tasks).toEqual([6, 3]);
  });

  it('refuses a task that takes nothing', () => {
    expect(() => progressiveFilling({ cpus: 4 }, [{}], () => new DrfSorter())).toThrow(/empty/);
  });
});
