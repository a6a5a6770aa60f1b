// HDFS-like block placement (workloads/placement.ts) and the model registry (registry.ts).
import { describe, expect, it } from 'vitest';
import { createRng } from '../../engine/rng.ts';
import {
  createFrameworkLogic,
  frameworkDefaults,
  frameworkKinds,
  frameworkParams,
} from '../../engine/scheduling/registry.ts';
import { createBlockPlacement, type PlacementAgent } from '../../workloads/placement.ts';

/** `racks` racks of `perRack` hosts each. */
function cluster(racks: number, perRack: number): PlacementAgent[] {
  const agents: PlacementAgent[] = [];
  for (let r = 0; r < racks; r++) {
    for (let h = 0; h < perRack; h++) agents.push({ hostname: `r${r}h${h}`, rack: `rack${r}` });
  }
  return agents;
}

describe('block placement', () => {
  it('puts 3 replicas on 3 hosts over 2 racks, the 2nd and 3rd on one rack', () => {
    const placement = createBlockPlacement(cluster(5, 4), createRng('p'));
    for (let b = 0; b < 500; b++) {
      const hosts = placement.locate('data', b);
      expect(new Set(hosts).size).toBe(3);
      const racks = hosts.map((h) => placement.rackOf(h));
      expect(new Set(racks).size).toBe(2);
      expect(racks[0]).not.toBe(racks[1]);
      expect(racks[1]).toBe(racks[2]);
    }
  });

  it('spreads first replicas over every host', () => {
    const agents = cluster(4, 5);
    const placement = createBlockPlacement(agents, createRng('spread'));
    const counts = new Map<string, number>();
    for (let b = 0; b < 4000; b++) {
      const first = placement.locate('d', b)[0]!;
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    expect(counts.size).toBe(agents.length);
    // 200 expected per host: a uniform draw stays well within [120, 280].
    for (const n of counts.values()) expect(n).toBeGreaterThan(120);
    for (const n of counts.values()) expect(n).toBeLessThan(280);
  });

  it('depends only on the seed, the agents and the block, not on the order of questions', () => {
    const agents = cluster(3, 3);
    const a = createBlockPlacement(agents, createRng(7));
    const b = createBlockPlacement([...agents].reverse(), createRng(7));
    const forward = Array.from({ length: 50 }, (_, i) => a.locate('x', i));
    const backward = Array.from({ length: 50 }, (_, i) => b.locate('x', 49 - i)).reverse();
    expect(backward).toEqual(forward);
    const other = createBlockPlacement(agents, createRng(8));
    expect(Array.from({ length: 50 }, (_, i) => other.locate('x', i))).not.toEqual(forward);
  });

  it('uses other hosts of the one rack when there is a single rack, and caps replicas at the hosts', () => {
    const one = createBlockPlacement(cluster(1, 4), createRng(1));
    for (let b = 0; b < 50; b++) expect(new Set(one.locate('d', b)).size).toBe(3);
    const two = createBlockPlacement(cluster(1, 2), createRng(1));
    expect(two.replication).toBe(2);
    expect(new Set(two.locate('d', 0)).size).toBe(2);
    expect(createBlockPlacement([{ hostname: 'solo' }], createRng(1)).locate('d', 0)).toEqual(['solo']);
  });

  it('refuses a host listed twice and an empty cluster', () => {
    expect(() => createBlockPlacement([{ hostname: 'a' }, { hostname: 'a' }], createRng(1))).toThrow(/twice/);
    expect(() => createBlockPlacement([], createRng(1))).toThrow(/no agents/);
  });
});

describe('framework model registry', () => {
  it('names every model and creates each with its defaults', () => {
    expect(frameworkKinds).toEqual(['hadoop', 'mpi', 'service', 'spark']);
    for (const kind of frameworkKinds) {
      const logic = createFrameworkLogic(kind, undefined);
      expect(logic.name).toBe(kind);
      expect(logic.frameworkInfo()).toMatchObject({ name: kind, roles: ['*'] });
    }
  });

  it('fills parameters from the defaults and refuses unknown or mistyped ones', () => {
    expect(frameworkParams('hadoop', { delay_ms: 0 })).toEqual({
      ...frameworkDefaults('hadoop'),
      delay_ms: 0,
    });
    expect(() => frameworkParams('mpi', { delay_ms: 1 } as never)).toThrow(/unknown parameter 'delay_ms'/);
    expect(() => frameworkParams('mpi', { strategy: 3 } as never)).toThrow(/must be a string/);
    expect(() => createFrameworkLogic('mpi', { strategy: 'wait' } as never)).toThrow(
      /strategy must be one of/,
    );
    expect(() => createFrameworkLogic('nope' as never, undefined)).toThrow(/unknown framework model/);
  });
});
