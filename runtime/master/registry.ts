// The registry a leading master writes (admitted agents, unreachable agents, frameworks, weights,
// quota), kept in memory for now. Its snapshot has the shape `createMaster` recovers from, so a
// persistent registry later only has to store and load it.
import type { Quota } from '../../engine/allocator/allocator.ts';
import type { RegistryEffect } from '../../engine/master/effects.ts';
import type { RegistrySnapshot } from '../../engine/master/options.ts';
import type { AgentInfo, FrameworkInfo } from '../../engine/master/v1.ts';

/** A registry held in memory. */
export interface MemoryRegistry {
  /** Applies one registry effect. */
  apply(effect: RegistryEffect): void;
  /** What a new leader would recover from. */
  snapshot(): RegistrySnapshot;
}

/** Creates an empty in-memory registry. */
export function createMemoryRegistry(): MemoryRegistry {
  const agents = new Map<string, AgentInfo>();
  const unreachable = new Map<string, number>();
  const frameworks = new Map<string, FrameworkInfo>();
  const weights = new Map<string, number>();
  const quotas = new Map<string, Quota>();
  return {
    apply(effect) {
      switch (effect.op) {
        case 'agent_admitted':
          agents.set(effect.agent_id, effect.agent_info);
          unreachable.delete(effect.agent_id);
          return;
        case 'agent_removed':
          agents.delete(effect.agent_id);
          unreachable.delete(effect.agent_id);
          return;
        case 'agent_unreachable':
          agents.delete(effect.agent_id);
          unreachable.set(effect.agent_id, effect.time_ms);
          return;
        case 'framework_added':
          frameworks.set(effect.framework_id, effect.framework_info);
          return;
        case 'framework_removed':
          frameworks.delete(effect.framework_id);
          return;
        case 'weights_updated':
          for (const w of effect.weights) weights.set(w.role, w.weight);
          return;
        case 'quota_updated':
          // Empty guarantees without limits clear the role's quota.
          if (Object.keys(effect.quota.guarantees).length === 0 && effect.quota.limits === undefined)
            quotas.delete(effect.role);
          else quotas.set(effect.role, effect.quota);
          return;
      }
    },
    snapshot() {
      return {
        agents: [...agents].map(([agent_id, agent_info]) => ({ agent_id, agent_info })),
        unreachable: [...unreachable].map(([agent_id, time_ms]) => ({ agent_id, time_ms })),
        frameworks: [...frameworks.values()],
        weights: [...weights].map(([role, weight]) => ({ role, weight })),
        quotas: [...quotas].map(([role, quota]) => ({ role, quota })),
      };
    },
  };
}
