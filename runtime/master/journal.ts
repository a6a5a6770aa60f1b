// The journal of a live master (its format: engine/master/journal-format.ts), so that the
// simulator can replay a live run and reproduce the same decisions (or replay it under another
// allocation policy: `meso replay`, sim/replay/).
// The file is appended to, never truncated: each start of a master on it (a restart after a crash,
// each election of a ZooKeeper leader) writes a new header line, and the replay takes each run in
// turn. Each input is written before the engine steps it (write-ahead: one write of a line per
// step, about 4 us here), so an input whose effects anyone could have seen is in the file even when
// the process is killed the moment after. The file is the master's whole input, secrets of calls
// aside, so it is created with mode 0600 and an older file is narrowed to it.
import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import type { MasterInput } from '../../engine/master/inputs.ts';
import { type JournalHeader, journal_format, journal_version } from '../../engine/master/journal-format.ts';

/** An open journal. */
export interface Journal {
  readonly path: string;
  /** Writes one input, about to be stepped at `now`. */
  append(now: number, input: MasterInput): void;
  /** Closes the file; later appends throw. */
  close(): void;
}

/** Opens a journal file for appending (creating it with mode 0600) and writes a header for this run. */
export function openJournal(path: string, header: Omit<JournalHeader, 'format' | 'version'>): Journal {
  const fd = openSync(path, 'a', 0o600);
  fchmodSync(fd, 0o600);
  let closed = false;
  const write = (line: string): void => {
    if (closed) throw new Error(`journal ${path} is closed`);
    writeSync(fd, line);
  };
  write(`${JSON.stringify({ format: journal_format, version: journal_version, ...header })}\n`);
  return {
    path,
    append(now, input) {
      write(`${JSON.stringify({ now, input })}\n`);
    },
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}
