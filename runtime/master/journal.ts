// The journal of a live master: every engine input with the time it was stepped at, as NDJSON, so
// that the simulator can replay a live run and reproduce the same decisions (or replay it under
// another allocation policy). The first line is a header naming the master's options (its id,
// policy, seed, timings and caps on completed history); every later line is
// `{"now": <ms>, "input": <MasterInput>}`. `replayJournal` builds a master from the header and
// steps it through the entries.
// Lines are appended in step order and written in batches (once per turn of the event loop, and
// when the buffer grows large), so journaling costs one write per batch rather than per input.
import { closeSync, openSync, writeSync } from 'node:fs';
import { createAllocator, type PolicyName } from '../../engine/allocator/policies.ts';
import type { MasterInput } from '../../engine/master/inputs.ts';
import { createMaster, type Master } from '../../engine/master/master.ts';
import type { MasterOptions } from '../../engine/master/options.ts';
import { createRng } from '../../engine/rng.ts';
import { journal_buffer_bytes_max } from '../constants.ts';

/** The format name in a journal's header. */
export const journal_format = 'meso-master-journal';
/** The format version in a journal's header. */
export const journal_version = 1;

/** What the first line of a journal says about the master that wrote it. */
export interface JournalHeader {
  readonly format: typeof journal_format;
  readonly version: typeof journal_version;
  /** Wall-clock time the journal was opened (ms since the epoch). */
  readonly opened_ms: number;
  /** The options the engine master was created with, and the allocator's policy and seed. */
  readonly master: {
    readonly master_id: string;
    readonly hostname: string;
    readonly ip: string;
    readonly port: number;
    readonly policy: string;
    readonly seed: string;
    readonly allocation_interval_ms: number;
    readonly heartbeat_interval_seconds: number;
    /** Caps on completed history; journals written before they were recorded lack them (defaults apply). */
    readonly completed_tasks_per_framework_max?: number;
    readonly completed_frameworks_max?: number;
  };
}

/** One journaled input. */
export interface JournalEntry {
  readonly now: number;
  readonly input: MasterInput;
}

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

/** Parses a journal's text: its header and its entries, in order. Throws naming a bad line. */
export function parseJournal(text: string): { header: JournalHeader; entries: JournalEntry[] } {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new Error('journal is empty: expected a header line');
  const header = JSON.parse(lines[0]!) as JournalHeader;
  if (header.format !== journal_format || header.version !== journal_version) {
    throw new Error(`journal line 1 is not a ${journal_format} version ${journal_version} header`);
  }
  for (const cap of ['completed_tasks_per_framework_max', 'completed_frameworks_max'] as const) {
    const value: unknown = header.master?.[cap];
    if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 0)) {
      throw new Error(
        `journal line 1: master.${cap} must be a whole number >= 0, got ${JSON.stringify(value)}`,
      );
    }
  }
  const entries = lines.slice(1).map((line, i) => {
    let entry: JournalEntry;
    try {
      entry = JSON.parse(line) as JournalEntry;
    } catch (err) {
      throw new Error(`journal line ${i + 2} is not JSON: ${(err as Error).message}`);
    }
    if (typeof entry.now !== 'number' || typeof entry.input?.type !== 'string') {
      throw new Error(`journal line ${i + 2} is not {now, input}`);
    }
    return entry;
  });
  return { header, entries };
}

/** The engine master options a journal's header names; caps an older header lacks take their defaults. */
export function replayOptionsOf(header: JournalHeader): MasterOptions {
  const h = header.master;
  return {
    masterId: h.master_id,
    createAllocator: () => createAllocator({ policy: h.policy as PolicyName, rng: createRng(h.seed) }),
    hostname: h.hostname,
    ip: h.ip,
    port: h.port,
    allocationIntervalMs: h.allocation_interval_ms,
    heartbeatIntervalSeconds: h.heartbeat_interval_seconds,
    ...(h.completed_tasks_per_framework_max === undefined
      ? {}
      : { completedTasksPerFrameworkMax: h.completed_tasks_per_framework_max }),
    ...(h.completed_frameworks_max === undefined
      ? {}
      : { completedFrameworksMax: h.completed_frameworks_max }),
  };
}

/** Replays a journal's text: a master built as its header says, stepped through every entry in order. */
export function replayJournal(text: string): { header: JournalHeader; master: Master } {
  const { header, entries } = parseJournal(text);
  const master = createMaster(replayOptionsOf(header));
  for (const entry of entries) master.step(entry.input, entry.now);
  return { header, master };
}
