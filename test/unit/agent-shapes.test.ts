import { describe, expect, it } from 'vitest';
import { AgentShapes, allocatedTotal } from '../../engine/allocator/agent-shapes.ts';
import { parseResources } from '../../engine/resources.ts';

describe('agent shapes', () => {
  it('shares one shape among agents with equal totals, and tells unequal ones apart', () => {
    const shapes = new AgentShapes(undefined);
    const a = shapes.add(parseResources('cpus:2;mem:1024'));
    const b = shapes.add(parseResources('mem:1024;cpus:2'));
    const c = shapes.add(parseResources('cpus:4;mem:1024'));
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(a.quantities).toEqual({ cpus: 2, mem: 1024 });
    expect(a.reservedRoles).toBe(0);
    expect(shapes.add(parseResources('cpus(prod):1;mem:8')).reservedRoles).toBe(1);
  });

  it('counts agents per shape: the shape outlives all but its last agent', () => {
    const shapes = new AgentShapes(undefined);
    const total = parseResources('cpus:2;mem:1024');
    const a = shapes.add(total);
    shapes.add(total);
    shapes.remove(a);
    expect(shapes.add(total)).toBe(a);
    shapes.remove(a);
    shapes.remove(a);
    expect(() => shapes.remove(a)).toThrow(/no agent has/);
    expect(shapes.add(total)).not.toBe(a);
  });

  it('builds the whole total allocated to a role once per role', () => {
    const shapes = new AgentShapes((total) => ({ slots: total.length }));
    const shape = shapes.add(parseResources('cpus:2;mem:1024'));
    expect(shape.measured).toEqual({ slots: 2 });
    const prod = allocatedTotal(shape, { role: 'prod' });
    expect(allocatedTotal(shape, { role: 'prod' })).toBe(prod);
    expect(prod.every((r) => r.allocation_info?.role === 'prod')).toBe(true);
    expect(allocatedTotal(shape, { role: 'dev' }).every((r) => r.allocation_info?.role === 'dev')).toBe(true);
  });
});
