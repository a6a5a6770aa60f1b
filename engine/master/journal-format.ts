// The format of a live master's journal: every engine input with the time it was stepped at, as
// NDJSON. A journal holds one run or more, each from a start of a master on the file: a header line
// naming the master's options (its id, policy, seed, timings and caps on completed history, and the
// registry it recovered from), then one `{"now": <ms>, "input": <MasterInput>}` line per input. The
// runtime writes journals (runtime/master/journal.ts); the simulator replays them (sim/replay/).
import type { MasterInput } from './inputs.ts';
import type { RegistrySnapshot } from './options.ts';

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
    /** How soon a join is offered (engine option joinAllocationDelayMs); absent: only the interval. */
    readonly join_allocation_delay_ms?: number;
    readonly heartbeat_interval_seconds: number;
    /** Caps on completed history; journals written before they were recorded lack them (defaults apply). */
    readonly completed_tasks_per_framework_max?: number;
    readonly completed_frameworks_max?: number;
    /** The roles frameworks may subscribe in (`--roles`); absent when any. */
    readonly roles?: readonly string[];
    /** The timings the master was given (`--offer_timeout` ...); absent ones took their defaults. */
    readonly timing?: {
      readonly agent_reregister_timeout_ms?: number;
      readonly offer_timeout_ms?: number;
      readonly agent_ping_timeout_ms?: number;
      readonly max_agent_ping_timeouts?: number;
    };
    /** Whether the master emitted history effects (it kept a registry); absent: it did not. */
    readonly history_effects?: boolean;
  };
  /** The registry this run's master was built from (a restart, an election); absent when it started empty. */
  readonly recovered?: RegistrySnapshot;
}

/** One journaled input. */
export interface JournalEntry {
  readonly now: number;
  readonly input: MasterInput;
}

/** One start of a master on the journal: its header and the inputs it stepped. */
export interface JournalRun {
  readonly header: JournalHeader;
  readonly entries: JournalEntry[];
}

/** Whether a parsed line is a run's header (inputs have `now` and `input`, headers `format`). */
function isHeaderLine(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'format' in value;
}

/** Checks one header line (line `n`); throws naming it. */
function checkHeader(header: JournalHeader, n: number): void {
  if (header?.format !== journal_format || header.version !== journal_version) {
    throw new Error(`journal line ${n} is not a ${journal_format} version ${journal_version} header`);
  }
  for (const cap of ['completed_tasks_per_framework_max', 'completed_frameworks_max'] as const) {
    const value: unknown = header.master?.[cap];
    if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 0)) {
      throw new Error(
        `journal line ${n}: master.${cap} must be a whole number >= 0, got ${JSON.stringify(value)}`,
      );
    }
  }
}

/**
 * Parses a journal's text into its runs, in order (a master restarted on the file starts a new
 * run); `header` and `entries` are the first run's. Throws naming a bad line.
 */
export function parseJournal(text: string): {
  header: JournalHeader;
  entries: JournalEntry[];
  runs: JournalRun[];
} {
  const lines = text.split('\n');
  const runs: JournalRun[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(`journal line ${i + 1} is not JSON: ${(err as Error).message}`);
    }
    if (runs.length === 0 || isHeaderLine(value)) {
      checkHeader(value as JournalHeader, i + 1);
      runs.push({ header: value as JournalHeader, entries: [] });
      continue;
    }
    const entry = value as JournalEntry;
    if (typeof entry?.now !== 'number' || typeof entry.input?.type !== 'string') {
      throw new Error(`journal line ${i + 1} is not {now, input}`);
    }
    runs[runs.length - 1]!.entries.push(entry);
  }
  const first = runs[0];
  if (first === undefined) throw new Error('journal is empty: expected a header line');
  return { header: first.header, entries: first.entries, runs };
}
