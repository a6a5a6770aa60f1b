// `meso replay JOURNAL [--policy P] [--out DIR]`: replays a live master's journal (written with
// `meso master --journal FILE`) through the engine. It prints what the replay did (offers, launches,
// status updates, utilisation, each framework's share and first-offer wait); with --policy it
// replays the same inputs under that policy too and prints both side by side. With --out it writes
// trace.ndjson (every trace event of the replay under the journal's own policy: the live master's,
// byte for byte), trace-<policy>.ndjson for the other policy, and report.json with the figures.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PolicyName, policyNames } from '../engine/allocator/policies.ts';
import { type TraceEvent, trace_header } from '../engine/events.ts';
import { replayJournal } from '../sim/replay/journal-replay.ts';
import { measureReplay, type ReplayFigures, reportText } from '../sim/replay/report.ts';

/** The command's options as the command line gives them. */
export interface ReplayCommandOptions {
  readonly policy?: string;
  readonly out?: string;
  /** Where the command writes; standard output unless a caller (a test) says otherwise. */
  readonly stdout?: (text: string) => void;
}

/** Trace events as NDJSON: the header line (engine/events.ts), then one event a line. */
export function traceText(trace: readonly TraceEvent[]): string {
  let text = `${JSON.stringify(trace_header)}\n`;
  for (const event of trace) text += `${JSON.stringify(event)}\n`;
  return text;
}

/** Replays `file` and reports; returns the exit code. Throws naming a bad flag or journal line. */
export function runReplayCommand(file: string, opts: ReplayCommandOptions = {}): number {
  const stdout = opts.stdout ?? ((text: string) => process.stdout.write(text));
  if (opts.policy !== undefined && !policyNames.includes(opts.policy as PolicyName))
    throw new Error(`--policy must be one of ${policyNames.join(', ')}, got '${opts.policy}'`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the journal ${file}: ${(error as Error).message}`);
  }
  const own = replayJournal(text);
  const policy = own.header.master.policy;
  const runs: ReplayFigures[] = [measureReplay(policy, own.trace, own.end_ms)];
  const statuses = own.trace.filter((e) => e.type === 'task_status').length;
  stdout(
    `replayed ${file}: master ${own.header.master.master_id}, policy ${policy}, seed ${own.header.master.seed}\n` +
      `${runs[0]!.offers} offers, ${runs[0]!.tasks_launched} tasks launched, ${statuses} status updates ` +
      `over ${runs[0]!.duration_s.toFixed(3)} s\n`,
  );
  const other =
    opts.policy === undefined ? undefined : replayJournal(text, { policy: opts.policy as PolicyName });
  if (other !== undefined) runs.push(measureReplay(`${opts.policy} (replayed)`, other.trace, other.end_ms));
  stdout(reportText(runs));
  if (opts.out !== undefined) {
    mkdirSync(opts.out, { recursive: true });
    writeFileSync(join(opts.out, 'trace.ndjson'), traceText(own.trace));
    if (other !== undefined)
      writeFileSync(join(opts.out, `trace-${opts.policy}.ndjson`), traceText(other.trace));
    writeFileSync(join(opts.out, 'report.json'), `${JSON.stringify({ journal: file, runs }, null, 2)}\n`);
    stdout(
      `wrote ${other === undefined ? '' : `trace-${opts.policy}.ndjson, `}trace.ndjson, report.json to ${opts.out}\n`,
    );
  }
  return 0;
}
