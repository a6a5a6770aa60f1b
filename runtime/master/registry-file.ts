// The registry of a master that runs alone (no --zk), kept under its --work_dir: meso's durable
// store in the place of Mesos's replicated log. `<work_dir>/registry` holds the snapshot a
// restarted master recovers from; it is rewritten whole, atomically and fsynced, inside the step
// that changed it, so that nothing depending on a change (SUBSCRIBED to a new framework, an agent's
// registration, an operator's 200) leaves the master before the change is on disk.
// `<work_dir>/history` holds the completed history /master/state shows (history.ts), sealed the
// same way but written behind: within history_write_delay_ms of a change, and when the master stops.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CompletedHistory } from '../../engine/master/options.ts';
import type { HostRegistrySnapshot } from './registry.ts';
import { CorruptFileError, readSealed, writeSealed } from './sealed-file.ts';

/** The format named in the registry file's header. */
export const registry_file_format = 'meso-registry/1';
/** The format named in the history file's header. */
export const history_file_format = 'meso-history/1';

/** A registry kept in a file. */
export interface FileRegistryStore {
  readonly path: string;
  readonly history_path: string;
  /** The snapshot on disk with its history, undefined when none was written; throws naming a corrupt file. */
  load(): HostRegistrySnapshot | undefined;
  /** Writes `snapshot` (without its history) durably before returning. */
  save(snapshot: HostRegistrySnapshot): void;
  /** Writes the completed history durably before returning. */
  saveHistory(history: CompletedHistory): void;
}

/** The JSON object in a sealed file's body; throws naming the file when it is not one. */
function objectIn(path: string, format: string): Record<string, unknown> | undefined {
  const body = readSealed(path, format);
  if (body === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    throw new CorruptFileError(path, `its body is not JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new CorruptFileError(path, 'its body is not a JSON object');
  return value as Record<string, unknown>;
}

/** The registry store under `work_dir` (created if missing). */
export function createFileRegistryStore(work_dir: string): FileRegistryStore {
  mkdirSync(work_dir, { recursive: true, mode: 0o700 });
  const path = join(work_dir, 'registry');
  const history_path = join(work_dir, 'history');
  return {
    path,
    history_path,
    load() {
      const snapshot = objectIn(path, registry_file_format) as HostRegistrySnapshot | undefined;
      const history = objectIn(history_path, history_file_format) as CompletedHistory | undefined;
      if (snapshot === undefined && history === undefined) return undefined;
      return { ...snapshot, ...(history === undefined ? {} : { history }) };
    },
    save(snapshot) {
      const { history: _, ...registry } = snapshot;
      writeSealed(path, registry_file_format, JSON.stringify(registry));
    },
    saveHistory(history) {
      writeSealed(history_path, history_file_format, JSON.stringify(history));
    },
  };
}
