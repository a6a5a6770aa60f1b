// The registry a leading master writes (admitted agents, unreachable agents, frameworks, weights,
// quota, the maintenance schedule with its DOWN machines), kept in memory. Its snapshot has the shape `createMaster` recovers from; the durable
// stores (registry-file.ts without --zk, ../zk/registry-store.ts with it) store and load it.
import type { RegistryEffect } from '../../engine/master/effects.ts';
import type { RegistrySnapshot } from '../../engine/master/options.ts';
import type { FrameworkInfo } from '../../engine/master/v1.ts';

/** A registry held in memory. */
export interface MemoryRegistry {
  /** Applies one registry effect. */
  apply(effect: RegistryEffect): void;
  /** What a new leader would recover from. */
  snapshot(): RegistrySnapshot;
}

/**
 * Creates an in-memory registry holding `recovered` (what the master was built from): the engine
 * emits no effects for what it recovers, so a registry that started empty would write a snapshot
 * without it at the first change.
 */
export function createMemoryRegistry(recovered?: RegistrySnapshot): MemoryRegistry {
  const agents = new Map((recovered?.agents ?? []).map((a) => [a.agent_id, a.agent_info] as const));
  const unreachable = new Map((recovered?.unreachable ?? []).map((u) => [u.agent_id, u.time_ms] as const));
  const frameworks = new Map<string, FrameworkInfo>();
  for (const info of recovered?.frameworks ?? [])
    if (info.id !== undefined) frameworks.set(info.id.value, info);
  const weights = new Map((recovered?.weights ?? []).map((w) => [w.role, w.weight] as const));
  const quotas = new Map((recovered?.quotas ?? []).map((q) => [q.role, q.quota] as const));
  let maintenance = recovered?.maintenance;
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
        case 'maintenance_updated':
          maintenance =
            effect.windows.length === 0
              ? undefined
              : { windows: effect.windows, down_machines: effect.down_machines };
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
        ...(maintenance === undefined ? {} : { maintenance }),
      };
    },
  };
}
