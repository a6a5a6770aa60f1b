import { describe, expect, it } from 'vitest';
import type { Allocation, Allocator } from '../../engine/allocator/allocator.ts';
import { createAllocator, type PolicyName } from '../../engine/allocator/policies.ts';
import type { Quantities } from '../../engine/quantities.ts';
import {
  allocate,
  equals,
  formatResources,
  parseResources,
  type Resources,
  reservationRole,
  toQuantities,
  unallocate,
} from '../../engine/resources.ts';
import { createRng } from '../../engine/rng.ts';

const NONE = new Map<string, Resources>();

function make(policy: PolicyName = 'drf', extra: Partial<Parameters<typeof createAllocator>[0]> = {}) {
  return createAllocator({ policy, rng: createRng('allocator-unit'), ...extra });
}

function addAgent(a: Allocator, id: string, text: string): void {
  a.addAgent(id, { hostname: `${id}.example` }, parseResources(text), NONE);
}

function addFramework(a: Allocator, id: string, roles: string[]): void {
  a.addFramework(id, { roles }, NONE, true);
}

/** Scalar quantities offered to each framework, summed. */
function totalsByFramework(offers: readonly Allocation[]): Record<string, Quantities> {
  const out: Record<string, Record<string, number>> = {};
  for (const o of offers) {
    const q = toQuantities(o.resources);
    const t = out[o.frameworkId] ?? {};
    out[o.frameworkId] = t;
    for (const name in q) t[name] = Math.round(((t[name] ?? 0) + (q[name] ?? 0)) * 1000) / 1000;
  }
  return out;
}

/** Resources parsed from text and allocated to role. */
function allocated(text: string, role: string): Resources {
  return allocate(parseResources(text), role);
}

function plain(offer: Allocation): string {
  return formatResources(unallocate(offer.resources));
}

describe('hierarchical DRF allocator', () => {
  it('offers each agent whole (coarse-grained), once, to one framework', () => {
    const a = make();
    addFramework(a, 'f1', ['web']);
    addFramework(a, 'f2', ['web']);
    addAgent(a, 'a1', 'cpus:4;mem:8192;ports:[31000-32000]');
    addAgent(a, 'a2', 'cpus:2;mem:1024');
    const offers = a.allocate(0);
    expect(offers).toHaveLength(2);
    expect(new Set(offers.map((o) => o.agentId))).toEqual(new Set(['a1', 'a2']));
    for (const o of offers) {
      expect(o.role).toBe('web');
      expect(o.resources.every((r) => r.allocation_info?.role === 'web')).toBe(true);
    }
    const a1 = offers.find((o) => o.agentId === 'a1')!;
    expect(plain(a1)).toBe('cpus:4;mem:8192;ports:[31000-32000]');
    // DRF: the framework that got the big agent is not the one that gets the second.
    expect(new Set(offers.map((o) => o.frameworkId)).size).toBe(2);
    // Everything is out in offers now: nothing more to offer.
    expect(a.allocate(1000)).toEqual([]);
  });

  it('offers reservations only to their role and its sub-roles', () => {
    const a = make();
    addFramework(a, 'dev', ['dev']);
    addFramework(a, 'hadoop', ['prod/hadoop']);
    addAgent(a, 'r1', 'cpus(prod):4;mem(prod):4096');
    addAgent(a, 'r2', 'cpus(prod):2;mem(prod):1024;cpus:1;mem:512');
    addAgent(a, 'u1', 'cpus:1;mem:512');
    const offers = a.allocate(0);
    for (const o of offers) {
      if (o.frameworkId === 'dev') {
        expect(o.resources.every((r) => reservationRole(r) === '*')).toBe(true);
      }
    }
    const hadoop = offers.filter((o) => o.frameworkId === 'hadoop');
    const reservedOffered = hadoop.flatMap((o) => o.resources.filter((r) => reservationRole(r) === 'prod'));
    expect(toQuantities(reservedOffered)).toEqual({ cpus: 6, mem: 5120 });
    // The dev framework never sees r1, even when it is the only framework wanting offers.
    const b = make();
    addFramework(b, 'dev', ['dev']);
    addAgent(b, 'r1', 'cpus(prod):4;mem(prod):4096');
    expect(b.allocate(0)).toEqual([]);
  });

  it('stops offers to a suppressed framework and resumes them on revive', () => {
    const a = make();
    addFramework(a, 'f1', ['r']);
    a.suppressOffers('f1', []);
    addAgent(a, 'a1', 'cpus:2;mem:2048');
    expect(a.allocate(0)).toEqual([]);
    expect(a.allocate(1000)).toEqual([]);
    a.reviveOffers('f1', []);
    const offers = a.allocate(2000);
    expect(offers.map((o) => [o.frameworkId, o.agentId])).toEqual([['f1', 'a1']]);
    // Revive also clears the framework's decline filters.
    a.recoverResources('f1', 'a1', offers[0]!.resources, { refuse_seconds: 3600 }, 2000);
    expect(a.allocate(3000)).toEqual([]);
    a.reviveOffers('f1', []);
    expect(a.filterCount()).toBe(0);
    expect(a.allocate(4000).map((o) => o.frameworkId)).toEqual(['f1']);
  });

  it('keeps a decline filter for refuse_seconds, then offers the resources again', () => {
    const a = make();
    addFramework(a, 'f1', ['r']);
    addAgent(a, 'a1', 'cpus:2;mem:2048');
    const [offer] = a.allocate(0);
    a.recoverResources('f1', 'a1', offer!.resources, { refuse_seconds: 5 }, 1000);
    expect(a.filterCount()).toBe(1);
    expect(a.allocate(2000)).toEqual([]);
    expect(a.allocate(5999)).toEqual([]);
    const again = a.allocate(6000);
    expect(a.filterCount()).toBe(0);
    expect(again.map((o) => o.frameworkId)).toEqual(['f1']);
    expect(equals(again[0]!.resources, offer!.resources)).toBe(true);
  });

  it('offers declined resources to another framework at once, and refuse_seconds 0 filters nothing', () => {
    const a = make();
    addFramework(a, 'f1', ['r']);
    addFramework(a, 'f2', ['r']);
    addAgent(a, 'a1', 'cpus:2;mem:2048');
    const [first] = a.allocate(0);
    a.recoverResources(first!.frameworkId, 'a1', first!.resources, { refuse_seconds: 60 }, 0);
    const [second] = a.allocate(1000);
    expect(second!.frameworkId).not.toBe(first!.frameworkId);
    a.recoverResources(second!.frameworkId, 'a1', second!.resources, { refuse_seconds: 0 }, 1000);
    const [third] = a.allocate(2000);
    expect(third!.frameworkId).toBe(second!.frameworkId);
  });

  it('re-offers a filtered agent once it frees more than was declined', () => {
    const a = make();
    addFramework(a, 'f1', ['r']);
    a.addAgent(
      'a1',
      { hostname: 'a1' },
      parseResources('cpus:4;mem:4096'),
      new Map([['f1', allocated('cpus:2;mem:2048', 'r')]]),
    );
    const [offer] = a.allocate(0);
    expect(plain(offer!)).toBe('cpus:2;mem:2048');
    a.recoverResources('f1', 'a1', offer!.resources, { refuse_seconds: 100 }, 0);
    expect(a.allocate(1000)).toEqual([]);
    // A task ends: the agent now has more than the filter covers.
    a.recoverResources('f1', 'a1', allocated('cpus:2;mem:2048', 'r'), undefined, 1500);
    const [again] = a.allocate(2000);
    expect(plain(again!)).toBe('cpus:4;mem:4096');
  });

  it('offers only what holds at least one minimum allocatable quantity', () => {
    const a = make();
    addFramework(a, 'f1', ['r']);
    addAgent(a, 'tiny', 'cpus:0.005;mem:16;disk:100');
    addAgent(a, 'ok', 'cpus:0.01;mem:16');
    expect(a.allocate(0).map((o) => o.agentId)).toEqual(['ok']);
    const b = make('drf', { minAllocatable: [{ cpus: 1, mem: 1024 }] });
    addFramework(b, 'f1', ['r']);
    addAgent(b, 'small', 'cpus:0.5;mem:8192');
    addAgent(b, 'big', 'cpus:1;mem:1024');
    expect(b.allocate(0).map((o) => o.agentId)).toEqual(['big']);
  });

  it('serves quota guarantees first (stage 1), against plain DRF order', () => {
    const run = (withQuota: boolean) => {
      const a = make();
      addFramework(a, 'fq', ['q']);
      addFramework(a, 'fo', ['o']);
      a.addAgent(
        'busy',
        { hostname: 'busy' },
        parseResources('cpus:4;mem:2048'),
        new Map([['fq', allocated('cpus:4;mem:2048', 'q')]]),
      );
      if (withQuota) a.updateQuota('q', { guarantees: { cpus: 5 } });
      addAgent(a, 'a1', 'cpus:1;mem:512');
      return a.allocate(0).map((o) => [o.frameworkId, o.agentId]);
    };
    expect(run(false)).toEqual([['fo', 'a1']]);
    expect(run(true)).toEqual([['fq', 'a1']]);
  });

  it('holds back headroom for an unsatisfied guarantee of another role', () => {
    const a = make();
    addFramework(a, 'fq', ['q']);
    a.suppressOffers('fq', []);
    addFramework(a, 'fo', ['o']);
    a.updateQuota('q', { guarantees: { cpus: 2 } });
    addAgent(a, 'a1', 'cpus:2;mem:1024');
    addAgent(a, 'a2', 'cpus:2;mem:1024');
    const offers = a.allocate(0);
    expect(totalsByFramework(offers).fo).toEqual({ cpus: 2, mem: 2048 });
    // Once the guarantee's role can take offers, it gets the held-back cpus.
    a.reviveOffers('fq', []);
    const later = a.allocate(1000);
    expect(totalsByFramework(later).fq).toEqual({ cpus: 2 });
  });

  it('never lets a role exceed its quota limits, chopping agents if needed', () => {
    const a = make();
    addFramework(a, 'f1', ['l']);
    addFramework(a, 'f2', ['l/x']);
    a.updateQuota('l', { guarantees: {}, limits: { cpus: 3 } });
    for (let i = 0; i < 4; i++) addAgent(a, `a${i}`, 'cpus:2;mem:1024');
    const offers = a.allocate(0);
    const cpus = offers.reduce((s, o) => s + (toQuantities(o.resources).cpus ?? 0), 0);
    expect(cpus).toBe(3);
    // Give one offer back: the role may take that much again, not more.
    const back = offers.find((o) => (toQuantities(o.resources).cpus ?? 0) === 2)!;
    a.recoverResources(back.frameworkId, back.agentId, back.resources, undefined, 1000);
    const again = a.allocate(2000);
    expect(again.reduce((s, o) => s + (toQuantities(o.resources).cpus ?? 0), 0)).toBe(2);
  });

  it('divides many small agents about 1:3 between roles of weight 1 and 3', () => {
    const a = make();
    addFramework(a, 'light', ['light']);
    addFramework(a, 'heavy', ['heavy']);
    a.updateWeights([{ role: 'heavy', weight: 3 }]);
    for (let i = 0; i < 400; i++) addAgent(a, `a${i}`, 'cpus:1;mem:1024');
    const totals = totalsByFramework(a.allocate(0));
    const light = totals.light?.cpus ?? 0;
    const heavy = totals.heavy?.cpus ?? 0;
    expect(light + heavy).toBe(400);
    expect(heavy / light).toBeGreaterThan(2.8);
    expect(heavy / light).toBeLessThan(3.2);
    const shares = a.shares();
    expect(shares.frameworks.light).toBeCloseTo(light / 400, 6);
    expect(shares.roles.heavy).toBeGreaterThan(0);
  });

  it('shares fairly down the role hierarchy: prod/a and prod/b split what prod gets', () => {
    const a = make();
    addFramework(a, 'fa', ['prod/a']);
    addFramework(a, 'fb', ['prod/b']);
    addFramework(a, 'fd', ['dev']);
    for (let i = 0; i < 400; i++) addAgent(a, `a${i}`, 'cpus:1;mem:1024');
    const totals = totalsByFramework(a.allocate(0));
    // Flat DRF over three frameworks would give each a third; the hierarchy gives dev half.
    expect(totals.fd?.cpus).toBeGreaterThanOrEqual(195);
    expect(totals.fd?.cpus).toBeLessThanOrEqual(205);
    expect(Math.abs((totals.fa?.cpus ?? 0) - (totals.fb?.cpus ?? 0))).toBeLessThanOrEqual(2);
  });

  it('counts resources in use reported by a re-registering agent once their framework returns', () => {
    const a = make();
    // After a master failover the agent comes back first, reporting what f1 runs on it.
    a.addAgent(
      'a1',
      { hostname: 'a1' },
      parseResources('cpus:4;mem:4096'),
      new Map([['f1', allocated('cpus:4;mem:4096', 'r')]]),
    );
    expect(a.allocate(0)).toEqual([]);
    addFramework(a, 'f1', ['r']);
    addFramework(a, 'f2', ['r']);
    addAgent(a, 'a2', 'cpus:4;mem:4096');
    expect(a.allocate(1000).map((o) => o.frameworkId)).toEqual(['f2']);
    expect(a.shares().frameworks).toEqual({ f1: 0.5, f2: 0.5 });
    // Its tasks end: the agent is offered again, to either framework.
    a.recoverResources('f1', 'a1', allocated('cpus:4;mem:4096', 'r'), undefined, 1500);
    expect(a.allocate(2000).map((o) => o.agentId)).toEqual(['a1']);
  });

  it('returns the same allocations for the same inputs and seed', () => {
    const run = () => {
      const a = make();
      for (let f = 0; f < 5; f++) addFramework(a, `f${f}`, ['r']);
      for (let i = 0; i < 50; i++) addAgent(a, `a${i}`, `cpus:${1 + (i % 4)};mem:${1024 * (1 + (i % 3))}`);
      return JSON.stringify(a.allocate(0));
    };
    expect(run()).toBe(run());
  });
});

describe('comparison policies', () => {
  it('fifo gives everything to the first registered framework', () => {
    const a = make('fifo');
    addFramework(a, 'first', ['r']);
    addFramework(a, 'second', ['r']);
    for (let i = 0; i < 10; i++) addAgent(a, `a${i}`, 'cpus:2;mem:2048');
    const offers = a.allocate(0);
    expect(offers).toHaveLength(10);
    expect(new Set(offers.map((o) => o.frameworkId))).toEqual(new Set(['first']));
    // DRF on the same case spreads the agents.
    const d = make('drf');
    addFramework(d, 'first', ['r']);
    addFramework(d, 'second', ['r']);
    for (let i = 0; i < 10; i++) addAgent(d, `a${i}`, 'cpus:2;mem:2048');
    expect(new Set(d.allocate(0).map((o) => o.frameworkId)).size).toBe(2);
  });

  it('static never offers an agent outside its partition', () => {
    const partitions: Record<string, string> = {};
    for (let i = 0; i < 6; i++) partitions[`a${i}`] = i < 3 ? 'batch' : 'svc-1';
    const a = make('static', { partitions });
    addFramework(a, 'batch-1', ['batch']);
    addFramework(a, 'batch-2', ['batch/low']);
    addFramework(a, 'svc-1', ['services']);
    addFramework(a, 'svc-2', ['services']);
    for (let i = 0; i < 6; i++) addAgent(a, `a${i}`, 'cpus:2;mem:2048');
    addAgent(a, 'orphan', 'cpus:2;mem:2048');
    const offers = a.allocate(0);
    for (const o of offers) {
      const owner = partitions[o.agentId];
      if (owner === 'batch') expect(o.role.startsWith('batch')).toBe(true);
      else expect(o.frameworkId).toBe('svc-1');
    }
    expect(offers.map((o) => o.agentId).sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
    // Within the batch partition, DRF spreads the agents between its two frameworks.
    expect(new Set(offers.filter((o) => o.role.startsWith('batch')).map((o) => o.frameworkId)).size).toBe(2);
  });

  it('slots offers whole slots and leaves the remainder unoffered', () => {
    const a = make('slots', { slot: { cpus: 1, mem: 2048 } });
    addFramework(a, 'f1', ['r']);
    addFramework(a, 'f2', ['r']);
    addAgent(a, 'a1', 'cpus:3.5;mem:8192;ports:[31000-31010]');
    const offers = a.allocate(0);
    expect(offers).toHaveLength(1);
    expect(toQuantities(offers[0]!.resources)).toEqual({ cpus: 3, mem: 6144 });
    expect(a.allocate(1000)).toEqual([]);
    // Shares count slots: 3 of the pool's 3 whole slots.
    expect(a.shares().frameworks[offers[0]!.frameworkId]).toBe(1);
  });

  it('asset fairness orders by summed shares where DRF orders by the largest', () => {
    const run = (policy: PolicyName) => {
      const a = make(policy);
      addFramework(a, 'cpu-heavy', ['x']);
      addFramework(a, 'balanced', ['y']);
      a.addAgent(
        'u1',
        { hostname: 'u1' },
        parseResources('cpus:4'),
        new Map([['cpu-heavy', allocated('cpus:4', 'x')]]),
      );
      a.addAgent(
        'u2',
        { hostname: 'u2' },
        parseResources('cpus:1;mem:3500'),
        new Map([['balanced', allocated('cpus:1;mem:3500', 'y')]]),
      );
      addAgent(a, 'free', 'cpus:5;mem:6500');
      return a.allocate(0).map((o) => o.frameworkId);
    };
    // Dominant shares: cpu-heavy 0.4, balanced 0.35. Asset shares: cpu-heavy 0.4, balanced 0.45.
    expect(run('drf')).toEqual(['balanced']);
    expect(run('asset')).toEqual(['cpu-heavy']);
  });

  it('random spreads agents by its seed, reproducibly', () => {
    const run = (seed: string) => {
      const a = createAllocator({ policy: 'random', rng: createRng(seed) });
      for (let f = 0; f < 3; f++) addFramework(a, `f${f}`, ['r']);
      for (let i = 0; i < 30; i++) addAgent(a, `a${i}`, 'cpus:1;mem:1024');
      return a.allocate(0).map((o) => `${o.agentId}:${o.frameworkId}`);
    };
    const one = run('s1');
    expect(run('s1')).toEqual(one);
    expect(new Set(one.map((s) => s.split(':')[1])).size).toBeGreaterThan(1);
    expect(run('s2')).not.toEqual(one);
  });
});
