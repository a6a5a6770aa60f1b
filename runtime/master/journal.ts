// The journal of a live master (its format: engine/master/journal-format.ts), so that the
// simulator can replay a live run and reproduce the same decisions (or replay it under another
// allocation policy: `meso replay`, sim/replay/).
// Lines are appended in step order and written in batches (once per turn of the event loop, and
// when the buffer grows large), so journaling costs one write per batch rather than per input.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { MasterInput } from '../../engine/master/inputs.ts';
import { type JournalHeader, journal_format, journal_version } from '../../engine/master/journal-format.ts';
import { journal_buffer_bytes_max } from '../constants.ts';

/** An open journal. */
export interface Journal {
  readonly path: string;
  /** Appends one input, stepped at `now`. */
  append(now: number, input: MasterInput): void;
  /** Writes what is buffered. */
  flush(): void;
  /** Flushes and closes the file; later appends throw. */
  close(): void;
}

/** Opens a journal file (replacing one already there: a journal holds one master's run) and writes its header. */
export function openJournal(path: string, header: Omit<JournalHeader, 'format' | 'version'>): Journal {
  const fd = openSync(path, 'w');
  let pending: string[] = [];
  let pendingBytes = 0;
  let scheduled = false;
  let closed = false;

  function flush(): void {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    pendingBytes = 0;
    writeSync(fd, text);
  }

  function push(line: string): void {
    if (closed) throw new Error(`journal ${path} is closed`);
    pending.push(line);
    pendingBytes += line.length;
    if (pendingBytes >= journal_buffer_bytes_max) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  push(`${JSON.stringify({ format: journal_format, version: journal_version, ...header })}\n`);
  return {
    path,
    append(now, input) {
      push(`${JSON.stringify({ now, input })}\n`);
    },
    flush,
    close() {
      if (closed) return;
      flush();
      closed = true;
      closeSync(fd);
    },
  };
}
