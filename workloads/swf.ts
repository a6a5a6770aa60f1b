// Standard Workload Format traces (Parallel Workloads Archive): rigid parallel jobs, each a gang of
// ranks that must all run at once for the traced run time. Header lines start with ';'; a job line
// has 18 numeric fields, -1 meaning unknown.
import type { Job, TraceWorkload } from './job.ts';
import { sortJobs } from './job.ts';
import { requirePositive, type SwfParams, swfDefaults, withParams } from './params.ts';

/** The 18 fields of an SWF job line, in order (SWF 2.2). */
export const swfFields = [
  'job_number',
  'submit_time_s',
  'wait_time_s',
  'run_time_s',
  'allocated_processors',
  'average_cpu_time_s',
  'used_memory_kb',
  'requested_processors',
  'requested_time_s',
  'requested_memory_kb',
  'status',
  'user_id',
  'group_id',
  'executable_number',
  'queue_number',
  'partition_number',
  'preceding_job_number',
  'think_time_s',
] as const;

/** One SWF job line, by field name. */
export type SwfRecord = Record<(typeof swfFields)[number], number> & { line: number };

const number_pattern = /^-?\d+(\.\d+)?$/;

/** Parses one job line; throws an Error naming the line number and the bad field. */
function parseRecord(text: string, line: number): SwfRecord {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== swfFields.length) {
    throw new Error(
      `SWF line ${line}: expected ${swfFields.length} whitespace-separated fields, got ${parts.length}`,
    );
  }
  const record: Record<string, number> = { line };
  swfFields.forEach((name, i) => {
    const raw = parts[i]!;
    if (!number_pattern.test(raw))
      throw new Error(`SWF line ${line}: ${name} must be a number, got '${raw}'`);
    record[name] = Number(raw);
  });
  return record as SwfRecord;
}

/** Parses an SWF file's text into its job lines; headers and blank lines are skipped. */
export function parseSwfRecords(text: string): SwfRecord[] {
  const records: SwfRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith(';')) continue;
    records.push(parseRecord(line, i + 1));
  }
  return records;
}

/** Why a record cannot become a job, or undefined when it can. */
function unusable(record: SwfRecord): string | undefined {
  if (record.job_number < 0) return 'job_number';
  if (record.submit_time_s < 0) return 'submit_time_s';
  if (record.run_time_s < 0) return 'run_time_s';
  if (record.allocated_processors <= 0 && record.requested_processors <= 0) return 'processors';
  return undefined;
}

/** The gang job for one usable record: one rank per processor, all running for the traced run time. */
export function swfJob(record: SwfRecord, params: SwfParams): Job {
  // The processors a job held are what it needed at once; the request stands in when they are unknown.
  const ranks = record.allocated_processors > 0 ? record.allocated_processors : record.requested_processors;
  const duration_ms = Math.max(params.run_time_floor_ms, Math.round(record.run_time_s * 1000));
  const tasks = [];
  for (let i = 0; i < ranks; i++)
    tasks.push({ cpus: params.rank_cpus, mem_mb: params.rank_mem_mb, duration_ms });
  return {
    id: `${params.id_prefix}${record.job_number}`,
    framework: 'mpi',
    label: 'swf',
    submit_ms: Math.round(record.submit_time_s * 1000),
    phases: [{ kind: 'gang', tasks }],
    gang: true,
  };
}

/** Increments `counts[key]`. */
function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Parses an SWF trace's text into MPI gang jobs, sorted by arrival, counting what it skipped. */
export function parseSwf(text: string, overrides?: Partial<SwfParams>): TraceWorkload {
  const params = withParams(swfDefaults, overrides, 'SWF');
  requirePositive(params, ['rank_cpus', 'rank_mem_mb', 'run_time_floor_ms'], 'SWF', ['run_time_floor_ms']);
  const records = parseSwfRecords(text);
  const skipped: Record<string, number> = {};
  const adjusted: Record<string, number> = {};
  const seen = new Map<number, number>();
  const jobs: Job[] = [];
  for (const record of records) {
    const first = seen.get(record.job_number);
    if (first !== undefined) {
      throw new Error(
        `SWF line ${record.line}: job number ${record.job_number} already used on line ${first}`,
      );
    }
    seen.set(record.job_number, record.line);
    const reason = unusable(record);
    if (reason !== undefined) {
      bump(skipped, reason);
      continue;
    }
    if (record.run_time_s * 1000 < params.run_time_floor_ms) bump(adjusted, 'run_time_floored');
    if (record.allocated_processors <= 0) bump(adjusted, 'processors_from_request');
    jobs.push(swfJob(record, params));
  }
  return { jobs: sortJobs(jobs), format: 'swf', lines: records.length, skipped, adjusted };
}
