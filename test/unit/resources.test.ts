import { describe, expect, it } from 'vitest';
import {
  add,
  allocatableTo,
  allocate,
  allocatedTo,
  contains,
  emptyResources,
  equals,
  flatten,
  formatResources,
  isEmpty,
  kindKey,
  normalize,
  parseResources,
  type Resource,
  type Resources,
  ranges,
  rangesOf,
  reservationRole,
  reserved,
  reservedFor,
  scalar,
  scalarValue,
  set,
  shrink,
  subtract,
  summary,
  toQuantities,
  unallocate,
  unreserved,
} from '../../engine/resources.ts';

const agentFlag = 'cpus:4;mem:8192;disk:10240;ports:[31000-32000];gpus:1';

/** Reservation roles of every entry, in order, for compact assertions. */
function roles(r: Resources): string[] {
  return r.map((res) => `${res.name}:${reservationRole(res)}`);
}

describe('parseResources and formatResources', () => {
  it('parses the agent flag form into one entry per resource', () => {
    const r = parseResources(agentFlag);
    expect(r.map((res) => res.name)).toEqual(['cpus', 'disk', 'gpus', 'mem', 'ports']);
    expect(scalarValue(r, 'cpus')).toBe(4);
    expect(scalarValue(r, 'mem')).toBe(8192);
    expect(scalarValue(r, 'disk')).toBe(10240);
    expect(scalarValue(r, 'gpus')).toBe(1);
    expect(rangesOf(r, 'ports')).toEqual([{ begin: 31000, end: 32000 }]);
    expect(r.every((res) => res.role === undefined && res.reservations === undefined)).toBe(true);
  });

  it('formats in normal order and parses back to the same bag', () => {
    const r = parseResources(agentFlag);
    const text = formatResources(r);
    expect(text).toBe('cpus:4;disk:10240;gpus:1;mem:8192;ports:[31000-32000]');
    expect(parseResources(text)).toEqual(r);
  });

  it('reads static reservations, sets, several ranges and fractional scalars', () => {
    const r = parseResources('cpus(prod):2; cpus:0.5; zones:{b,a,b}; ports:[10-20, 1-5]; mem(*):64');
    expect(roles(r)).toEqual(['cpus:*', 'cpus:prod', 'mem:*', 'ports:*', 'zones:*']);
    expect(r[1]!.reservations).toEqual([{ type: 'STATIC', role: 'prod' }]);
    expect(r[1]!.scalar?.value).toBe(2);
    expect(r[0]!.scalar?.value).toBe(0.5);
    expect(r.find((res) => res.name === 'zones')?.set?.item).toEqual(['a', 'b']);
    expect(rangesOf(r, 'ports')).toEqual([
      { begin: 1, end: 5 },
      { begin: 10, end: 20 },
    ]);
  });

  it('round-trips dynamic reservation stacks, principals and allocations', () => {
    const text = 'cpus(allocated:prod/hadoop)(prod,dynamic:prod/hadoop@alice):1.25';
    const r = parseResources(text);
    expect(r).toEqual([
      {
        name: 'cpus',
        type: 'SCALAR',
        scalar: { value: 1.25 },
        reservations: [
          { type: 'STATIC', role: 'prod' },
          { type: 'DYNAMIC', role: 'prod/hadoop', principal: 'alice' },
        ],
        allocation_info: { role: 'prod/hadoop' },
      },
    ]);
    expect(formatResources(r)).toBe(text);
  });

  it('merges repeated names and accepts a JSON array', () => {
    expect(scalarValue(parseResources('cpus:1;cpus:2.5'), 'cpus')).toBe(3.5);
    const json = JSON.stringify([{ name: 'mem', type: 'SCALAR', scalar: { value: 10 }, role: '*' }]);
    expect(parseResources(json)).toEqual([{ name: 'mem', type: 'SCALAR', scalar: { value: 10 } }]);
  });

  it('throws naming the bad part', () => {
    expect(() => parseResources('cpus:4;mem:lots')).toThrow(/mem:lots/);
    expect(() => parseResources('cpus:4;mem')).toThrow(/'mem'/);
    expect(() => parseResources('cpus:-1')).toThrow(/negative/);
    expect(() => parseResources('ports:[5-1]')).toThrow(/begin is greater than end/);
    expect(() => parseResources('ports:[1-x]')).toThrow(/1-x/);
    expect(() => parseResources('cpus():1')).toThrow(/role/);
    expect(() => parseResources('cpus(a,b):1')).toThrow(/refine/);
    expect(() => parseResources('[1,2')).toThrow(/JSON/);
  });
});

describe('normalize', () => {
  it('rejects invalid entries with a clear message', () => {
    const bad: Resource[] = [
      { name: 'cpus', type: 'SCALAR', scalar: { value: -1 } },
      { name: 'cpus', type: 'SCALAR', scalar: { value: Number.NaN } },
      { name: '', type: 'SCALAR', scalar: { value: 1 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 9, end: 3 }] } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1.5, end: 3 }] } },
      { name: 'zones', type: 'SET', set: { item: [''] } },
      { name: 'cpus', type: 'SCALAR' },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'STATIC', role: '*' }] },
    ];
    for (const res of bad) expect(() => normalize([res]), JSON.stringify(res)).toThrow(Error);
    expect(() => normalize([bad[0]!])).toThrow(/negative/);
    expect(() => normalize([bad[2]!])).toThrow(/name/);
  });

  it('turns the legacy role field into a static reservation and drops role "*"', () => {
    const r = normalize([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'prod' },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: '*' },
    ]);
    expect(r).toEqual([...scalar('cpus', 2), ...scalar('cpus', 1, 'prod')]);
    expect(r.every((res) => !('role' in res))).toBe(true);
  });

  it('drops empty entries and orders by name, reservation role, allocation role', () => {
    const r = normalize([
      { name: 'mem', type: 'SCALAR', scalar: { value: 0 } },
      ...allocate(scalar('cpus', 1), 'b'),
      ...scalar('cpus', 1, 'prod'),
      ...allocate(scalar('cpus', 1), 'a'),
      ...scalar('cpus', 1),
    ]);
    expect(r.map((res) => `${reservationRole(res)}/${res.allocation_info?.role ?? '-'}`)).toEqual([
      '*/-',
      '*/a',
      '*/b',
      'prod/-',
    ]);
  });

  it('gives distinct kind keys to entries that cannot merge', () => {
    const keys = new Set(
      [
        ...scalar('cpus', 1),
        ...scalar('cpus', 1, 'prod'),
        ...allocate(scalar('cpus', 1), 'prod'),
        ...ranges('cpus', [[1, 2]]),
      ].map(kindKey),
    );
    expect(keys.size).toBe(4);
    const mixed = add(scalar('cpus', 1), ranges('cpus', [[1, 2]]));
    expect(mixed.map((res) => res.type)).toEqual(['RANGES', 'SCALAR']);
    expect(contains(mixed, scalar('cpus', 1))).toBe(true);
  });
});

describe('scalar arithmetic', () => {
  it('keeps three decimals exactly', () => {
    expect(scalarValue(add(scalar('cpus', 0.1), scalar('cpus', 0.2)), 'cpus')).toBe(0.3);
    let r: Resources = [];
    for (let i = 0; i < 10; i++) r = add(r, scalar('cpus', 0.1));
    expect(scalarValue(r, 'cpus')).toBe(1);
    expect(equals(r, scalar('cpus', 1))).toBe(true);
    expect(isEmpty(subtract(r, scalar('cpus', 1)))).toBe(true);
  });

  it('never goes below zero and ignores kinds the left side lacks', () => {
    const r = subtract(scalar('cpus', 1), add(scalar('cpus', 5), scalar('mem', 10)));
    expect(r).toEqual([]);
    expect(subtract(scalar('cpus', 2), scalar('cpus', 1, 'prod'))).toEqual(scalar('cpus', 2));
  });
});

describe('ranges and sets', () => {
  it('merges touching and overlapping ranges', () => {
    const r = ranges('ports', [
      [20, 30],
      [1, 5],
      [6, 10],
      [25, 40],
    ]);
    expect(rangesOf(r, 'ports')).toEqual([
      { begin: 1, end: 10 },
      { begin: 20, end: 40 },
    ]);
    const joined = add(ranges('ports', [[1, 4]]), ranges('ports', [[5, 9]]));
    expect(rangesOf(joined, 'ports')).toEqual([{ begin: 1, end: 9 }]);
  });

  it('splits a range when a port inside it is taken', () => {
    const left = subtract(ranges('ports', [[31000, 32000]]), ranges('ports', [[31005, 31005]]));
    expect(rangesOf(left, 'ports')).toEqual([
      { begin: 31000, end: 31004 },
      { begin: 31006, end: 32000 },
    ]);
    expect(formatResources(left)).toBe('ports:[31000-31004,31006-32000]');
    expect(contains(ranges('ports', [[31000, 32000]]), left)).toBe(true);
    expect(contains(left, ranges('ports', [[31004, 31006]]))).toBe(false);
  });

  it('treats sets as sets', () => {
    const r = add(set('zones', ['b', 'a']), set('zones', ['c', 'a']));
    expect(r[0]!.set?.item).toEqual(['a', 'b', 'c']);
    expect(subtract(r, set('zones', ['b']))[0]!.set?.item).toEqual(['a', 'c']);
    expect(contains(r, set('zones', ['a', 'c']))).toBe(true);
    expect(contains(r, set('zones', ['a', 'd']))).toBe(false);
  });
});

describe('contains and equals', () => {
  const r = parseResources('cpus:4;mem:1024;cpus(prod):2');
  it('compares kind by kind', () => {
    expect(contains(r, parseResources('cpus:4;cpus(prod):1'))).toBe(true);
    expect(contains(r, parseResources('cpus:5'))).toBe(false);
    expect(contains(r, parseResources('cpus(dev):1'))).toBe(false);
    expect(contains(r, parseResources('disk:1'))).toBe(false);
    expect(contains(r, [])).toBe(true);
  });

  it('accepts raw lists in any order', () => {
    const raw: Resource[] = [
      { name: 'mem', type: 'SCALAR', scalar: { value: 1024 }, role: '*' },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'prod' },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
    ];
    expect(equals(raw, r)).toBe(true);
    expect(equals(add(raw, []), r)).toBe(true);
    expect(equals(raw, parseResources('cpus:4;mem:1024'))).toBe(false);
    const zero: Resource[] = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0 } }];
    expect(contains(r, zero)).toBe(true);
    expect(isEmpty(zero)).toBe(true);
    expect(add(zero, emptyResources)).toEqual([]);
  });
});

describe('reservations and allocations', () => {
  const r = parseResources('cpus:8;cpus(prod):4;cpus(prod/hadoop):2;cpus(prodx):1;cpus(dev):3');

  it('reservedFor takes reservations of the role and its ancestors only', () => {
    expect(roles(reservedFor(r, 'prod/hadoop'))).toEqual(['cpus:prod', 'cpus:prod/hadoop']);
    expect(roles(reservedFor(r, 'prod'))).toEqual(['cpus:prod']);
    expect(roles(reservedFor(r, 'prodx/a'))).toEqual(['cpus:prodx']);
    expect(reservedFor(r, 'ops')).toEqual([]);
    expect(roles(allocatableTo(r, 'prod/hadoop'))).toEqual(['cpus:*', 'cpus:prod', 'cpus:prod/hadoop']);
  });

  it('splits reserved and unreserved parts', () => {
    expect(scalarValue(unreserved(r), 'cpus')).toBe(8);
    expect(scalarValue(reserved(r), 'cpus')).toBe(10);
    expect(roles(reserved(r, 'prod'))).toEqual(['cpus:prod']);
    expect(equals(add(unreserved(r), reserved(r)), r)).toBe(true);
  });

  it('allocate, allocatedTo, unallocate and flatten', () => {
    const offered = allocate(r, 'prod/hadoop');
    expect(offered.every((res) => res.allocation_info?.role === 'prod/hadoop')).toBe(true);
    expect(contains(r, offered)).toBe(false);
    expect(allocatedTo(add(offered, allocate(scalar('mem', 5), 'dev')), 'prod/hadoop')).toEqual(offered);
    expect(unallocate(offered)).toEqual(r);
    expect(flatten(offered)).toEqual(scalar('cpus', 18));
    expect(toQuantities(offered)).toEqual({ cpus: 18 });
  });
});

describe('summary and shrink', () => {
  it('summarizes in the /master/state flat form', () => {
    const r = parseResources('cpus:4;cpus(prod):0.5;mem:8192;ports:[31000-31010];ports(prod):[31011-31020]');
    expect(summary(r)).toEqual({ cpus: 4.5, mem: 8192, disk: 0, gpus: 0, ports: '[31000-31020]' });
    expect(Object.keys(summary([])).sort()).toEqual(['cpus', 'disk', 'gpus', 'mem']);
  });

  it('shrink takes at most the target, in normal order', () => {
    const r = parseResources('cpus:2;cpus(prod):2;mem:1024;disk:50;ports:[1-10]');
    const cut = shrink(r, { cpus: 3, mem: 100 });
    expect(formatResources(cut)).toBe('cpus:2;cpus(prod):1;mem:100;ports:[1-10]');
    expect(contains(r, cut)).toBe(true);
    expect(formatResources(shrink(r, { cpus: 3, mem: 100 }, false))).toBe('cpus:2;cpus(prod):1;mem:100');
    expect(shrink(r, {}, false)).toEqual([]);
    expect(shrink(r, { cpus: 100, mem: 5000, disk: 50 })).toEqual(r);
  });
});
