// How a leading master keeps what must outlive it: the registry, persisted inside the step that
// changed it (before any other effect of the step leaves), and the completed history, written
// behind (within history_write_delay_ms of a change, and when the master stops). The standalone
// kind keeps both under --work_dir (registry-file.ts); a ZooKeeper leader keeps them in ZooKeeper
// (election.ts, ../zk/registry-store.ts).
import { history_write_delay_ms } from '../constants.ts';
import type { Log } from '../log.ts';
import type { MasterHistory } from './history.ts';
import type { HostRegistrySnapshot, MemoryRegistry } from './registry.ts';
import { createFileRegistryStore } from './registry-file.ts';

/** What the host calls to keep the registry and the history. */
export interface Persistence {
  /** Where it keeps them, for the log. */
  readonly where: string;
  /** Persists the registry before returning; throws when it could not (the host stops then). */
  persist(registry: MemoryRegistry): void;
  /** Hears that the history grew; writes it behind. */
  historyChanged(history: MasterHistory): void;
  /** Writes the history now if a write is due. */
  flush(): Promise<void>;
  /** Resolves with the reason when a write failed and the master must stop. */
  readonly failed: Promise<string>;
}

/** Calls `write` once within `delay_ms` of the first of any number of `schedule` calls. */
export function writeBehind(write: () => void | Promise<void>, delay_ms = history_write_delay_ms) {
  let timer: NodeJS.Timeout | undefined;
  const run = async (): Promise<void> => {
    timer = undefined;
    await write();
  };
  return {
    schedule(): void {
      if (timer !== undefined) return;
      timer = setTimeout(() => void run(), delay_ms);
      // A stopping master flushes; the timer must not keep a finished process alive.
      timer.unref();
    },
    async flush(): Promise<void> {
      if (timer === undefined) return;
      clearTimeout(timer);
      await run();
    },
  };
}

/** The registry and history of a standalone master under `work_dir`, with what it recovers from. */
export function workDirPersistence(
  work_dir: string,
  log: Log,
): { persistence: Persistence; recovered: HostRegistrySnapshot | undefined } {
  const store = createFileRegistryStore(work_dir);
  const recovered = store.load();
  let fail: (reason: string) => void = () => undefined;
  const failed = new Promise<string>((resolve) => {
    fail = resolve;
  });
  const failing = (what: string, path: string, err: unknown): void => {
    const message = (err as Error).message;
    log.error(`${what} write failed`, { path, error: message });
    fail(`writing the ${what} ${path} failed: ${message}`);
  };
  let latest: MasterHistory | undefined;
  const behind = writeBehind(() => {
    if (latest === undefined) return;
    try {
      store.saveHistory(latest.snapshot());
    } catch (err) {
      failing('history', store.history_path, err);
    }
  });
  const persistence: Persistence = {
    where: store.path,
    persist(registry) {
      try {
        store.save(registry.snapshot());
      } catch (err) {
        // The engine moved on without its registry: this master must not act on it any more.
        failing('registry', store.path, err);
        throw err;
      }
    },
    historyChanged(history) {
      latest = history;
      behind.schedule();
    },
    flush: () => behind.flush(),
    failed,
  };
  return { persistence, recovered };
}
