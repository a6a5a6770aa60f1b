// The simulated network: latency per link kind, order kept on a link despite jitter, losses that
// drop agent messages and delay framework messages, and draws that depend only on the link.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../engine/rng.ts';
import { network_defaults, SimNetwork } from '../../sim/network.ts';

describe('simulated network', () => {
  it('delivers after the latency of the link kind', () => {
    const net = new SimNetwork(
      { ...network_defaults, master_agent_ms: 3, master_framework_ms: 7 },
      createRng(1),
    );
    expect(net.deliveryTime(net.agentLink('a>m'), 100)).toBe(103);
    expect(net.deliveryTime(net.frameworkLink('f>m'), 100)).toBe(107);
    expect(net.counts.sent).toBe(2);
  });

  it('never lets a message overtake an earlier one on its link', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 100 }),
        fc.nat(),
        (gaps, seed) => {
          const net = new SimNetwork({ ...network_defaults, jitter_ms: 50 }, createRng(seed));
          const link = net.agentLink('a>m');
          let now = 0;
          let last = -1;
          for (const gap of gaps) {
            now += gap;
            const at = net.deliveryTime(link, now)!;
            expect(at).toBeGreaterThanOrEqual(now + network_defaults.master_agent_ms);
            expect(at).toBeGreaterThanOrEqual(last);
            last = at;
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('drops lost agent messages and retransmits lost framework messages', () => {
    const params = { ...network_defaults, loss_probability: 0.5, retransmit_ms: 200 };
    const net = new SimNetwork(params, createRng(7));
    const agent = net.agentLink('a>m');
    const framework = net.frameworkLink('f>m');
    let dropped = 0;
    let delayed = 0;
    for (let i = 0; i < 200; i++) {
      if (net.deliveryTime(agent, i * 1000) === undefined) dropped++;
      const at = net.deliveryTime(framework, i * 1000);
      expect(at).toBeDefined();
      if (at! >= i * 1000 + 200) delayed++;
    }
    expect(dropped).toBeGreaterThan(60);
    expect(dropped).toBeLessThan(140);
    expect(delayed).toBeGreaterThan(60);
    expect(net.counts.lost).toBe(dropped);
    expect(net.counts.retransmitted).toBeGreaterThanOrEqual(delayed);
  });

  it("draws a link's losses from its own stream, whatever other links do", () => {
    const params = { ...network_defaults, loss_probability: 0.3 };
    const pattern = (others: number): boolean[] => {
      const net = new SimNetwork(params, createRng('s'));
      for (let i = 0; i < others; i++) {
        const other = net.agentLink(`other${i}`);
        for (let k = 0; k < 10; k++) net.deliveryTime(other, k);
      }
      const link = net.agentLink('a0001>master');
      return Array.from({ length: 50 }, (_, k) => net.deliveryTime(link, k * 10) === undefined);
    };
    expect(pattern(3)).toEqual(pattern(0));
  });

  it('refuses parameters out of range', () => {
    expect(() => new SimNetwork({ ...network_defaults, loss_probability: 1 }, createRng(1))).toThrow(
      /loss_probability/,
    );
    expect(() => new SimNetwork({ ...network_defaults, master_agent_ms: -1 }, createRng(1))).toThrow(
      /master_agent_ms/,
    );
  });
});
