// The registry a leading master writes (admitted agents, unreachable agents, frameworks, weights,
// quota, the maintenance schedule with its DOWN machines), kept in memory. Its snapshot has the shape `createMaster` recovers from; the durable
// stores (registry-file.ts without --zk, ../zk/registry-store.ts with it) store and load it.
// Beside what the engine recovers, the host's registry keeps the principal each agent registered
// as (agent authentication is the host's, not the engine's): a master built from it binds each
// agent id to that principal again, so no other principal can re-register as the agent after a
// restart or a failover.
import type { RegistryEffect } from '../../engine/master/effects.ts';
import type { RegistrySnapshot } from '../../engine/master/options.ts';
import type { FrameworkInfo } from '../../engine/master/v1.ts';

/**
 * The snapshot the host persists: the engine's, with the agents' principals. The field is the
 * host's alone, so it extends the engine's type here rather than widening engine/master/options.ts;
 * the engine recovers from the same object and never reads it. A registry written before the field
 * existed has no principals: its agents are bound again by the first principal that re-registers them.
 */
export interface HostRegistrySnapshot extends RegistrySnapshot {
  /** The principal each admitted or unreachable agent registered as, when it authenticated. */
  readonly agent_principals?: ReadonlyArray<{ readonly agent_id: string; readonly principal: string }>;
}

/** A registry held in memory. */
export interface MemoryRegistry {
  /** Applies one registry effect. */
  apply(effect: RegistryEffect): void;
  /**
   * Binds `agent_id` to the principal it authenticated as; called before the step's registry
   * effects are applied and persisted, so the binding is durable with the admission it goes with.
   */
  bindPrincipal(agent_id: string, principal: string | undefined): void;
  /** The principal `agent_id` is bound to, if any. */
  principalOf(agent_id: string): string | undefined;
  /** What a new leader would recover from. */
  snapshot(): HostRegistrySnapshot;
}

/**
 * Creates an in-memory registry holding `recovered` (what the master was built from): the engine
 * emits no effects for what it recovers, so a registry that started empty would write a snapshot
 * without it at the first change.
 */
export function createMemoryRegistry(recovered?: HostRegistrySnapshot): MemoryRegistry {
  const agents = new Map((recovered?.agents ?? []).map((a) => [a.agent_id, a.agent_info] as const));
  const unreachable = new Map((recovered?.unreachable ?? []).map((u) => [u.agent_id, u.time_ms] as const));
  const frameworks = new Map<string, FrameworkInfo>();
  for (const info of recovered?.frameworks ?? [])
    if (info.id !== undefined) frameworks.set(info.id.value, info);
  const weights = new Map((recovered?.weights ?? []).map((w) => [w.role, w.weight] as const));
  const quotas = new Map((recovered?.quotas ?? []).map((q) => [q.role, q.quota] as const));
  let maintenance = recovered?.maintenance;
  const principals = new Map<string, string>();
  for (const entry of recovered?.agent_principals ?? [])
    if (typeof entry?.agent_id === 'string' && typeof entry.principal === 'string')
      principals.set(entry.agent_id, entry.principal);
  return {
    bindPrincipal(agent_id, principal) {
      if (principal === undefined) principals.delete(agent_id);
      else principals.set(agent_id, principal);
    },
    principalOf: (agent_id) => principals.get(agent_id),
    apply(effect) {
      switch (effect.op) {
        case 'agent_admitted':
          agents.set(effect.agent_id, effect.agent_info);
          unreachable.delete(effect.agent_id);
          return;
        case 'agent_removed':
          agents.delete(effect.agent_id);
          unreachable.delete(effect.agent_id);
          // The engine refuses a removed agent's id from now on: nothing is left to bind.
          principals.delete(effect.agent_id);
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
        ...(principals.size === 0
          ? {}
          : { agent_principals: [...principals].map(([agent_id, principal]) => ({ agent_id, principal })) }),
      };
    },
  };
}
