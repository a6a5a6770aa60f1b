// The host's in-memory registry keeps the principal each agent registered as beside the engine's
// snapshot: it comes back from a snapshot (and from the file store under a work_dir), goes when
// the agent is removed, stays while the agent is unreachable, and a registry written without it
// still loads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentInfo } from '../../engine/master/v1.ts';
import { createMemoryRegistry } from '../../runtime/master/registry.ts';
import { createFileRegistryStore } from '../../runtime/master/registry-file.ts';

const info = (id: string): AgentInfo => ({ id: { value: id }, hostname: id, resources: [] }) as AgentInfo;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('agent principals in the registry', () => {
  it('round-trips through a snapshot and the work_dir file, and goes with a removed agent', () => {
    const registry = createMemoryRegistry();
    for (const id of ['S0', 'S1', 'S2']) {
      registry.bindPrincipal(id, id === 'S2' ? undefined : `p-${id}`);
      registry.apply({ type: 'registry', op: 'agent_admitted', agent_id: id, agent_info: info(id) });
    }
    registry.apply({ type: 'registry', op: 'agent_unreachable', agent_id: 'S1', time_ms: 5 });
    expect(registry.snapshot().agent_principals).toEqual([
      { agent_id: 'S0', principal: 'p-S0' },
      { agent_id: 'S1', principal: 'p-S1' },
    ]);

    const dir = mkdtempSync(join(tmpdir(), 'meso-registry-'));
    dirs.push(dir);
    const store = createFileRegistryStore(dir);
    store.save(registry.snapshot());
    const again = createMemoryRegistry(store.load());
    expect([again.principalOf('S0'), again.principalOf('S1'), again.principalOf('S2')]).toEqual([
      'p-S0',
      'p-S1',
      undefined,
    ]);

    again.apply({ type: 'registry', op: 'agent_removed', agent_id: 'S0' });
    expect(again.principalOf('S0')).toBeUndefined();
    again.apply({ type: 'registry', op: 'agent_removed', agent_id: 'S1' });
    expect(again.snapshot().agent_principals).toBeUndefined();
  });

  it('loads a registry written without principals, binding no agent', () => {
    const old = { agents: [{ agent_id: 'S0', agent_info: info('S0') }], frameworks: [] };
    const registry = createMemoryRegistry(old);
    expect(registry.principalOf('S0')).toBeUndefined();
    expect(registry.snapshot()).toEqual({ ...old, unreachable: [], weights: [], quotas: [] });
  });
});
