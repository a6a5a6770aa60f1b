// Writing a run's files: summary.json, the config as it ran (config.json), metrics CSVs
// (utilisation.csv, shares.csv, offers.csv, jobs.csv) and, when asked for, trace.ndjson: a header
// line (format and version, engine/events.ts), then one engine trace event a line. The trace is streamed as the run goes, since a day of a large cluster makes
// millions of events. Nothing written depends on the wall clock.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type TraceEvent, trace_header } from '../engine/events.ts';
import type { SimConfig } from './config.ts';
import { offers_header, shares_header, utilisation_header } from './metrics.ts';
import type { Simulation } from './simulator.ts';

/** Bytes of trace lines buffered before a write. */
const trace_buffer_bytes = 1 << 20;

/** A trace.ndjson file written as events come. */
export class TraceWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;
  /** Events written. */
  events = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
    // The header tells a reader the format and its version; it is not an event.
    writeSync(this.fd, `${JSON.stringify(trace_header)}\n`);
  }

  /** Appends one event. */
  write(event: TraceEvent): void {
    const line = `${JSON.stringify(event)}\n`;
    this.buffer.push(line);
    this.size += line.length;
    this.events++;
    if (this.size >= trace_buffer_bytes) this.flush();
  }

  /** Writes what is buffered and closes the file. */
  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
  }
}

/** The config as JSON: inline jobs are replaced by their count, the rest is as resolved. */
function configJson(config: SimConfig): string {
  const frameworks = config.frameworks.map((f) =>
    f.workload !== undefined && 'jobs' in f.workload
      ? { ...f, workload: { jobs: f.workload.jobs.length } }
      : f,
  );
  return `${JSON.stringify({ ...config, frameworks }, null, 2)}\n`;
}

/** Quotes a CSV field when it needs it. */
function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function jobsCsv(sim: Simulation): string {
  const lines = ['job_id,framework,label,tasks,submit_ms,ready_ms,start_ms,end_ms,completion_ms,state'];
  const blank = (x: number | undefined) => (x === undefined ? '' : String(x));
  for (const job of sim.metrics.jobs.values()) {
    const completion = job.ended_ms === undefined ? '' : String(job.ended_ms - job.submit_ms);
    lines.push(
      [
        csvField(job.job_id),
        csvField(job.framework),
        csvField(job.label),
        job.tasks,
        job.submit_ms,
        blank(job.ready_ms),
        blank(job.started_ms),
        blank(job.ended_ms),
        completion,
        job.long_running && job.state === 'pending' ? 'service' : job.state,
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Creates the output directory. */
export function prepareOutput(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** Writes every file of a finished run into `dir`; returns the names written. */
export function writeOutputs(dir: string, sim: Simulation, summary: Record<string, unknown>): string[] {
  const m = sim.metrics;
  const files: Array<[string, string]> = [
    ['summary.json', `${JSON.stringify(summary, null, 2)}\n`],
    ['config.json', configJson(sim.config)],
    ['utilisation.csv', `${[utilisation_header, ...m.utilisationRows].join('\n')}\n`],
    ['shares.csv', `${[shares_header, ...m.shareRows].join('\n')}\n`],
    ['offers.csv', `${[offers_header, ...m.offerRows].join('\n')}\n`],
    ['jobs.csv', jobsCsv(sim)],
  ];
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return files.map(([name]) => name);
}
