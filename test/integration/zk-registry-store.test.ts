// The registry in a real ZooKeeper server, beyond its 1 MB node limit: a snapshot whose gzipped
// JSON is over 1 MB is written in parts and read back whole by another session; a write from a
// store that did not read the newest version loses its compare-and-set (and its parts are removed
// by the next good write); a part gone missing is reported, never recovered.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistrySnapshot } from '../../engine/master/options.ts';
import { part_bytes_max } from '../../runtime/zk/chunked-node.ts';
import { startEnsemble, type ZooKeeperEnsemble } from '../../runtime/zk/ensemble.ts';
import { createZkRegistryStore } from '../../runtime/zk/registry-store.ts';
import { openSession, type ZkSession } from '../../runtime/zk/session.ts';

let zk: ZooKeeperEnsemble;
const sessions: ZkSession[] = [];
beforeAll(async () => {
  zk = await startEnsemble({ servers: 1 });
}, 60_000);
afterAll(async () => {
  for (const session of sessions) session.close();
  await zk?.stop();
});

async function session(): Promise<ZkSession> {
  const s = await openSession(zk.connect, 5000);
  sessions.push(s);
  return s;
}

/** A registry of frameworks named with random hex: about `bytes` of JSON that gzip cannot shrink below half. */
function bigSnapshot(bytes: number): RegistrySnapshot {
  const frameworks = [];
  for (let i = 0; i * 1100 < bytes; i++) {
    frameworks.push({
      id: { value: `f-${i}` },
      user: 'u',
      name: randomBytes(512).toString('hex'),
      roles: ['*'],
    });
  }
  return { agents: [], frameworks, weights: [{ role: 'prod', weight: 2 }] };
}

describe('the registry in ZooKeeper', () => {
  it('keeps a registry over 1 MB in parts, fenced by compare-and-set', async () => {
    const path = '/meso-store';
    const a = await session();
    await a.mkdirp(path);
    const conflicts: string[] = [];
    const leader = createZkRegistryStore(a, path, (reason) => conflicts.push(reason));
    expect(await leader.load()).toBeUndefined();
    const snapshot = bigSnapshot(3_000_000);
    leader.save(snapshot);
    await leader.flushed();
    expect(conflicts).toEqual([]);
    const parts = await a.children(`${path}/registry-parts`);
    expect(parts.length).toBeGreaterThan(1_000_000 / part_bytes_max);

    // A successor reads it whole, and writes over it.
    const b = await session();
    const successor = createZkRegistryStore(b, path, (reason) => conflicts.push(`b: ${reason}`));
    expect(await successor.load()).toEqual(snapshot);
    successor.save({ ...snapshot, weights: [{ role: 'prod', weight: 3 }] });
    await successor.flushed();

    // The old leader did not read that version: its write is refused.
    leader.save({ ...snapshot, weights: [{ role: 'prod', weight: 9 }] });
    await leader.flushed();
    expect(conflicts).toEqual(['another master wrote the registry (compare-and-set failed)']);
    successor.save({ ...snapshot, weights: [{ role: 'prod', weight: 4 }] });
    await successor.flushed();
    const reader = createZkRegistryStore(await session(), path, () => undefined);
    expect((await reader.load())?.weights).toEqual([{ role: 'prod', weight: 4 }]);
    // Only the newest write's parts are left.
    expect((await b.children(`${path}/registry-parts`)).length).toBe(parts.length);

    const [first] = await b.children(`${path}/registry-parts`);
    await b.remove(`${path}/registry-parts/${first}`);
    await expect(reader.load()).rejects.toThrow(/registry in ZooKeeper is corrupt: its part .* is missing/);
  }, 60_000);
});
