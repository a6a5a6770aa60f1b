// The format of a live master's journal: every engine input with the time it was stepped at, as
// NDJSON. The first line is a header naming the master's options (its id, policy, seed, timings and
// caps on completed history); every later line is `{"now": <ms>, "input": <MasterInput>}`. The
// runtime writes journals (runtime/master/journal.ts); the simulator replays them (sim/replay/).
import type { MasterInput } from './inputs.ts';

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
