// Simulation configs: defaults are filled in, and a mistake is named with the field it is in.
import { describe, expect, it } from 'vitest';
import { resolveSimConfig, sim_defaults } from '../../sim/config.ts';

const minimal = {
  cluster: { agents: 3, resources: 'cpus:4;mem:8192' },
  frameworks: [{ name: 'l', kind: 'launcher' }],
};

describe('simulation config', () => {
  it('fills in every default', () => {
    const config = resolveSimConfig(minimal);
    expect(config.seed).toBe('1');
    expect(config.policy).toBe('drf');
    expect(config.cluster).toEqual([{ count: 3, resources: 'cpus:4;mem:8192', racks: 1, attributes: {} }]);
    expect(config.frameworks[0]!.roles).toEqual(['*']);
    expect(config.frameworks[0]!.decision).toEqual(sim_defaults.decision);
    expect(config.master).toEqual(sim_defaults.master);
    expect(config.faults.masters).toEqual([]);
    expect(config.network.loss_probability).toBe(0);
  });

  it('takes agent groups with racks and attributes', () => {
    const config = resolveSimConfig({
      ...minimal,
      cluster: {
        groups: [
          { agents: 4, resources: 'cpus:8;mem:16384', racks: 2 },
          { agents: 2, resources: 'cpus:32;mem:65536', attributes: { kind: 'big' } },
        ],
      },
    });
    expect(config.cluster.map((g) => [g.count, g.racks, g.attributes])).toEqual([
      [4, 2, {}],
      [2, 1, { kind: 'big' }],
    ]);
  });

  it.each([
    [{ ...minimal, cluster: { agents: 0, resources: 'cpus:1' } }, /cluster.agents/],
    [{ ...minimal, cluster: { agents: 2, resources: 'cpus:x' } }, /cluster.resources/],
    [{ ...minimal, frameworks: [{ name: 'l', kind: 'yarn' }] }, /frameworks\[0\].kind/],
    [{ ...minimal, frameworks: [] }, /at least one framework/],
    [
      { ...minimal, frameworks: [minimal.frameworks[0], minimal.frameworks[0]] },
      /two frameworks are named 'l'/,
    ],
    [{ ...minimal, policy: 'best' }, /policy/],
    [{ ...minimal, colour: 'red' }, /unknown field 'colour'/],
    [{ ...minimal, network: { loss_probability: 1 } }, /loss_probability/],
    [{ ...minimal, faults: { agents: [{ agent: 3, at_ms: 10 }] } }, /faults.agents\[0\].agent/],
    [{ ...minimal, faults: { agents: [{ agent: 0, at_ms: 10, recover_at_ms: 5 }] } }, /recover_at_ms/],
    [
      { ...minimal, faults: { masters: [{ at_ms: 10, recovery_ms: 100 }, { at_ms: 50 }] } },
      /before the previous failover has recovered/,
    ],
    [
      {
        ...minimal,
        frameworks: [{ name: 'h', kind: 'hadoop', roles: ['a', 'b'], decision: { job_ms: -1 } }],
      },
      /decision.job_ms/,
    ],
  ])('refuses a bad config (%#)', (config, message) => {
    expect(() => resolveSimConfig(config)).toThrow(message);
  });
});
