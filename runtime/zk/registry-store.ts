// The registry of a `zk://` group in ZooKeeper, beside the masters' nodes: `<path>/registry` holds
// the snapshot a new leader recovers from, gzipped JSON. Every write is a compare-and-set on the
// version the leader last read or wrote, so a master that lost the lead without noticing cannot
// overwrite its successor's registry: its write fails, and it stops. Writes are coalesced: while
// one is in flight, later snapshots wait, and only the newest is written.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { RegistrySnapshot } from '../../engine/master/options.ts';
import { bad_version, no_node, node_exists, persistent, type ZkSession, zkCode } from './session.ts';

/** ZooKeeper refuses nodes above 1 MB (jute.maxbuffer); stay well below it. */
export const registry_node_bytes_max = 1_000_000;

/** A registry kept in ZooKeeper. */
export interface ZkRegistryStore {
  /** Reads the snapshot (undefined when none was written yet) and the version later writes check. */
  load(): Promise<RegistrySnapshot | undefined>;
  /** Writes `snapshot` after the writes before it; `onConflict` hears of a lost compare-and-set. */
  save(snapshot: RegistrySnapshot): void;
  /** Resolves once every write asked for so far is done. */
  flushed(): Promise<void>;
}

/** A registry store on `session` under `path`. */
export function createZkRegistryStore(
  session: ZkSession,
  path: string,
  onConflict: (reason: string) => void,
): ZkRegistryStore {
  const node = `${path}/registry`;
  let version = -1;
  let pending: RegistrySnapshot | undefined;
  let writing: Promise<void> | undefined;

  async function write(snapshot: RegistrySnapshot): Promise<void> {
    const data = gzipSync(JSON.stringify(snapshot));
    if (data.length > registry_node_bytes_max) {
      onConflict(`the registry (${data.length} bytes gzipped) is above ZooKeeper's node limit`);
      return;
    }
    try {
      if (version < 0) {
        await session.create(node, data, persistent);
        version = 0;
      } else {
        const stat = await new Promise<{ version: number }>((resolve, reject) =>
          session.client.setData(node, data, version, (err, s) => (err ? reject(err) : resolve(s))),
        );
        version = stat.version;
      }
    } catch (err) {
      const code = zkCode(err);
      if (code === bad_version || code === node_exists || code === no_node) {
        onConflict('another master wrote the registry (compare-and-set failed)');
      } else onConflict(`writing the registry failed: ${(err as Error).message}`);
    }
  }

  async function drain(): Promise<void> {
    while (pending !== undefined) {
      const next = pending;
      pending = undefined;
      await write(next);
    }
    writing = undefined;
  }

  return {
    async load() {
      const read = await session.read(node);
      if (read === undefined) {
        version = -1;
        return undefined;
      }
      version = read.version;
      try {
        return JSON.parse(gunzipSync(read.data).toString('utf8')) as RegistrySnapshot;
      } catch (err) {
        throw new Error(`the registry in ZooKeeper at ${node} is corrupt: ${(err as Error).message}`);
      }
    },
    save(snapshot) {
      pending = snapshot;
      writing ??= drain();
    },
    flushed: () => writing ?? Promise.resolve(),
  };
}
