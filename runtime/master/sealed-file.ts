// Files a master must find again after a crash (its registry under --work_dir), written so that a
// reader sees either the old content or the new, never a torn mix: the bytes go to a temp file
// beside the target, which is fsynced, renamed over the target, and the directory fsynced so that
// the rename itself survives a power loss. Each file starts with a header line naming its format
// and the sha256 of the body, so a file damaged on disk (or edited by hand) is detected on reading
// and reported by its path, rather than recovered as something it never held.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A sealed file that cannot be read back as written; the file is left where it is. */
export class CorruptFileError extends Error {
  readonly path: string;
  constructor(path: string, reason: string) {
    super(
      `${path} is corrupt (${reason}); it was left in place: restore it from a copy, ` +
        'or move it away to start afresh',
    );
    this.path = path;
  }
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Writes `body` to `path` atomically and durably, sealed with its format and checksum (mode 0600). */
export function writeSealed(path: string, format: string, body: string): void {
  const header = JSON.stringify({ format, sha256: sha256(body), bytes: Buffer.byteLength(body) });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${header}\n${body}`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(temp);
    throw err;
  }
  closeSync(fd);
  renameSync(temp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** The body of a sealed file, undefined when there is none; throws CorruptFileError naming it. */
export function readSealed(path: string, format: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const newline = text.indexOf('\n');
  if (newline < 0) throw new CorruptFileError(path, 'no header line');
  let header: { format?: unknown; sha256?: unknown };
  try {
    header = JSON.parse(text.slice(0, newline)) as typeof header;
  } catch {
    throw new CorruptFileError(path, 'its header line is not JSON');
  }
  if (header?.format !== format) throw new CorruptFileError(path, `its header does not name ${format}`);
  const body = text.slice(newline + 1);
  if (header.sha256 !== sha256(body)) throw new CorruptFileError(path, 'its checksum does not match');
  return body;
}
