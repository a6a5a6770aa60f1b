// The registry of a master that runs alone (no --zk), kept under its --work_dir: meso's durable
// store in the place of Mesos's replicated log. `<work_dir>/registry` holds the snapshot a
// restarted master recovers from; it is rewritten whole, atomically and fsynced, inside the step
// that changed it, so that nothing depending on a change (SUBSCRIBED to a new framework, an agent's
// registration, an operator's 200) leaves the master before the change is on disk.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RegistrySnapshot } from '../../engine/master/options.ts';
import { CorruptFileError, readSealed, writeSealed } from './sealed-file.ts';

/** The format named in the registry file's header. */
export const registry_file_format = 'meso-registry/1';

/** A registry kept in a file. */
export interface FileRegistryStore {
  readonly path: string;
  /** The snapshot on disk, undefined when none was written; throws naming a corrupt file. */
  load(): RegistrySnapshot | undefined;
  /** Writes `snapshot` durably before returning. */
  save(snapshot: RegistrySnapshot): void;
}

/** The registry store under `work_dir` (created if missing). */
export function createFileRegistryStore(work_dir: string): FileRegistryStore {
  mkdirSync(work_dir, { recursive: true, mode: 0o700 });
  const path = join(work_dir, 'registry');
  return {
    path,
    load() {
      const body = readSealed(path, registry_file_format);
      if (body === undefined) return undefined;
      let snapshot: unknown;
      try {
        snapshot = JSON.parse(body);
      } catch (err) {
        throw new CorruptFileError(path, `its body is not JSON: ${(err as Error).message}`);
      }
      if (snapshot === null || typeof snapshot !== 'object' || Array.isArray(snapshot))
        throw new CorruptFileError(path, 'its body is not a registry snapshot');
      return snapshot as RegistrySnapshot;
    },
    save(snapshot) {
      writeSealed(path, registry_file_format, JSON.stringify(snapshot));
    },
  };
}
