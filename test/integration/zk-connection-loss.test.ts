// A session outlives the ZooKeeper server it is connected to: on a real three-server ensemble, the
// server a registry store writes through is killed while a write of several parts is in flight.
// The session moves to another server, the write is made again there (finding its own first
// attempt where that applied), and the store neither reports a conflict nor loses the value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistrySnapshot } from '../../engine/master/options.ts';
import { fourLetterWord, startEnsemble, type ZooKeeperEnsemble } from '../../runtime/zk/ensemble.ts';
import { createZkRegistryStore } from '../../runtime/zk/registry-store.ts';
import { openSession, type ZkSession } from '../../runtime/zk/session.ts';
import { eventually } from './e2e-harness.ts';

let zk: ZooKeeperEnsemble;
const sessions: ZkSession[] = [];
beforeAll(async () => {
  zk = await startEnsemble({ servers: 3 });
}, 60_000);
afterAll(async () => {
  for (const session of sessions) session.close();
  await zk?.stop();
});

/** The server our one session is connected to: the one whose `stat` lists a client other than itself. */
async function serverOfSession(): Promise<number> {
  let found = -1;
  await eventually(
    async () => {
      for (let i = 0; i < zk.size; i++) {
        const stat = await fourLetterWord(zk.port(i), 'stat').catch(() => '');
        // Each `stat` is itself a client: a second line under "Clients:" is the session.
        const clients = stat.split('Clients:')[1]?.split('\n\n')[0] ?? '';
        if (clients.split('\n').filter((line) => line.includes('(queued=')).length > 1) found = i;
      }
      return found >= 0;
    },
    10_000,
    'the server holding the session',
  );
  return found;
}

/** A registry of `n` frameworks with names long enough that the value takes several parts. */
function snapshot(n: number, tag: string): RegistrySnapshot {
  const frameworks = Array.from({ length: n }, (_, i) => ({
    id: { value: `f-${i}` },
    user: 'u',
    name: `${tag}-${i}-${Math.random().toString(36).repeat(30)}`,
    roles: ['*'],
  }));
  return { agents: [], frameworks, weights: [] };
}

describe('a ZooKeeper session meets the death of its server', () => {
  it('a registry write in flight when its server is killed completes through another', async () => {
    const session = await openSession(zk.connect, 4000);
    sessions.push(session);
    await session.mkdirp('/meso-loss');
    const failures: string[] = [];
    const store = createZkRegistryStore(session, '/meso-loss', (reason) => failures.push(reason));
    for (let round = 0; round < 2; round++) {
      const victim = await serverOfSession();
      let last: RegistrySnapshot | undefined;
      for (let i = 0; i < 5; i++) {
        last = snapshot(3000, `round-${round}-${i}`);
        store.save(last);
      }
      await zk.kill(victim);
      await store.flushed();
      expect(failures).toEqual([]);
      const reader = await openSession(zk.connect, 4000);
      sessions.push(reader);
      const read = await createZkRegistryStore(reader, '/meso-loss', () => undefined).load();
      expect(read?.frameworks).toEqual(last?.frameworks);
      await zk.start(victim);
    }
  }, 120_000);
});
