// The simulated registry: what the leading master persisted (agents admitted, removed or
// unreachable; frameworks added or removed; weights and quota), kept from the registry effects it
// emitted, as ZooKeeper's replicated log keeps them for a live cluster. A master that takes over
// after a failover is built from its snapshot. Maps keep insertion order, which follows the order
// of the effects, so a snapshot is the same every run.
import type { Quota } from '../engine/allocator/allocator.ts';
import type { RegistryEffect } from '../engine/master/effects.ts';
import type { RegistrySnapshot } from '../engine/master/options.ts';
import type { AgentInfo, FrameworkInfo } from '../engine/master/v1.ts';

/** The registry a sequence of masters writes to. */
export class SimRegistry {
  private readonly agents = new Map<string, AgentInfo>();
  private readonly unreachable = new Map<string, number>();
  private readonly frameworks = new Map<string, FrameworkInfo>();
  private readonly weights = new Map<string, number>();
  private readonly quotas = new Map<string, Quota>();
  private maintenance: RegistrySnapshot['maintenance'];
  /** Registry operations applied so far. */
  operations = 0;

  /** Applies one registry effect. */
  apply(effect: RegistryEffect): void {
    this.operations++;
    switch (effect.op) {
      case 'agent_admitted':
        this.unreachable.delete(effect.agent_id);
        this.agents.set(effect.agent_id, effect.agent_info);
        return;
      case 'agent_removed':
        this.agents.delete(effect.agent_id);
        this.unreachable.delete(effect.agent_id);
        return;
      case 'agent_unreachable':
        this.unreachable.set(effect.agent_id, effect.time_ms);
        return;
      case 'framework_added':
        this.frameworks.set(effect.framework_id, effect.framework_info);
        return;
      case 'framework_removed':
        this.frameworks.delete(effect.framework_id);
        return;
      case 'weights_updated':
        for (const { role, weight } of effect.weights) this.weights.set(role, weight);
        return;
      case 'quota_updated':
        this.quotas.set(effect.role, effect.quota);
        return;
      case 'maintenance_updated':
        this.maintenance =
          effect.windows.length === 0
            ? undefined
            : { windows: effect.windows, down_machines: effect.down_machines };
        return;
      default:
        throw new Error(`sim registry: unknown operation ${JSON.stringify(effect)}`);
    }
  }

  /** Number of agents the registry admits (reachable or not). */
  agentCount(): number {
    return this.agents.size;
  }

  /** What a master taking over recovers from. */
  snapshot(): RegistrySnapshot {
    return {
      agents: [...this.agents].map(([agent_id, agent_info]) => ({ agent_id, agent_info })),
      unreachable: [...this.unreachable].map(([agent_id, time_ms]) => ({ agent_id, time_ms })),
      frameworks: [...this.frameworks.values()],
      weights: [...this.weights].map(([role, weight]) => ({ role, weight })),
      quotas: [...this.quotas].map(([role, quota]) => ({ role, quota })),
      ...(this.maintenance === undefined ? {} : { maintenance: this.maintenance }),
    };
  }
}
