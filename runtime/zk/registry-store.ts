// The registry of a `zk://` group in ZooKeeper, beside the masters' nodes: `<path>/registry` holds
// the snapshot a new leader recovers from and `<path>/history` the completed history /master/state
// shows, each a chunked node (chunked-node.ts: any size, compare-and-set on its manifest), so that
// a master that lost the lead without noticing cannot overwrite its successor's registry: its
// write fails, and it stops. Writes are coalesced per node: while one is in flight, later values
// wait, and only the newest is written; `flushed` resolves when every value asked for is written. A
// value may be given as a function, called only when its write begins: a burst of changes (a
// thousand agents re-registering with a new leader) then costs one snapshot a write, not one each.
import type { CompletedHistory } from '../../engine/master/options.ts';
import type { HostRegistrySnapshot } from '../master/registry.ts';
import { type ChunkedNode, ConflictError, chunkedNode } from './chunked-node.ts';
import type { ZkSession } from './session.ts';

/** A registry kept in ZooKeeper. */
export interface ZkRegistryStore {
  /** Reads the snapshot with its history (undefined when none was written yet). */
  load(): Promise<HostRegistrySnapshot | undefined>;
  /** Writes `snapshot` (without its history) after the writes before it. */
  save(snapshot: HostRegistrySnapshot | (() => HostRegistrySnapshot)): void;
  /** Writes the history after the history writes before it. */
  saveHistory(history: CompletedHistory): void;
  /** Resolves once every write asked for so far is done. */
  flushed(): Promise<void>;
}

/** Newest-value-wins writes to one node. */
function coalesced(node: ChunkedNode, onFailure: (reason: string) => void) {
  let pending: { value: () => unknown } | undefined;
  let writing: Promise<void> | undefined;
  async function drain(): Promise<void> {
    while (pending !== undefined) {
      const next = pending.value;
      pending = undefined;
      try {
        await node.write(next());
      } catch (err) {
        onFailure(
          err instanceof ConflictError
            ? err.message
            : `writing the registry failed: ${(err as Error).message}`,
        );
      }
    }
    writing = undefined;
  }
  return {
    save(value: () => unknown): void {
      pending = { value };
      writing ??= drain();
    },
    flushed: (): Promise<void> => writing ?? Promise.resolve(),
  };
}

/** A registry store on `session` under `path`; `onConflict` hears of a lost compare-and-set or a failed write. */
export function createZkRegistryStore(
  session: ZkSession,
  path: string,
  onConflict: (reason: string) => void,
): ZkRegistryStore {
  const registry = chunkedNode(session, `${path}/registry`);
  const history = chunkedNode(session, `${path}/history`);
  const registryWrites = coalesced(registry, onConflict);
  const historyWrites = coalesced(history, onConflict);
  return {
    async load() {
      const snapshot = (await registry.read()) as HostRegistrySnapshot | undefined;
      const kept = (await history.read()) as CompletedHistory | undefined;
      if (snapshot === undefined && kept === undefined) return undefined;
      return { ...snapshot, ...(kept === undefined ? {} : { history: kept }) };
    },
    save(snapshot) {
      registryWrites.save(() => {
        const { history: _, ...rest } = typeof snapshot === 'function' ? snapshot() : snapshot;
        return rest;
      });
    },
    saveHistory: (value) => historyWrites.save(() => value),
    flushed: async () => {
      await registryWrites.flushed();
      await historyWrites.flushed();
    },
  };
}
