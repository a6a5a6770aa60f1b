// SWIM traces (Facebook Hadoop, 2009 and 2010): one job a line with byte counts and no tasks. Task
// counts follow SWIM's own replay tools (one map per 64 MiB block, reduces from bytes per reducer);
// task run times follow from bytes processed per second, with a floor for the cost of starting a task.
import type { Job, Phase, TaskSpec, TraceWorkload } from './job.ts';
import { sortJobs } from './job.ts';
import { requirePositive, type SwimParams, swimDefaults, withParams } from './params.ts';

/** One row of a SWIM file, as written. */
export interface SwimRecord {
  /** 1-based line number in the file, for messages. */
  line: number;
  job_id: string;
  submit_time_s: number;
  inter_job_gap_s: number;
  map_input_bytes: number;
  shuffle_bytes: number;
  reduce_output_bytes: number;
}

const fields = [
  'job_id',
  'submit_time_s',
  'inter_job_gap_s',
  'map_input_bytes',
  'shuffle_bytes',
  'reduce_output_bytes',
] as const;

const decimal = /^\d+(\.\d+)?$/;

/** Parses one non-blank line; throws an Error naming the line number and the bad field. */
function parseRecord(text: string, line: number): SwimRecord {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== fields.length) {
    throw new Error(
      `SWIM line ${line}: expected ${fields.length} fields (${fields.join(', ')}), got ${parts.length}`,
    );
  }
  const numbers: number[] = [];
  for (let i = 1; i < fields.length; i++) {
    const raw = parts[i]!;
    if (!decimal.test(raw)) {
      throw new Error(`SWIM line ${line}: ${fields[i]} must be a number >= 0, got '${raw}'`);
    }
    numbers.push(Number(raw));
  }
  const [submit_time_s, inter_job_gap_s, map_input_bytes, shuffle_bytes, reduce_output_bytes] = numbers as [
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    line,
    job_id: parts[0]!,
    submit_time_s,
    inter_job_gap_s,
    map_input_bytes,
    shuffle_bytes,
    reduce_output_bytes,
  };
}

/** Parses a SWIM file's text into its rows; blank lines are ignored, a bad line throws naming it. */
export function parseSwimRecords(text: string): SwimRecord[] {
  const records: SwimRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    records.push(parseRecord(line, i + 1));
  }
  return records;
}

/** Run time of a task that processes `bytes` at `rate_bytes_per_s`, never below `floor_ms`. */
function durationMs(bytes: number, rate_bytes_per_s: number, floor_ms: number): number {
  return Math.max(floor_ms, Math.round((bytes / rate_bytes_per_s) * 1000));
}

/** Number of map and reduce tasks SWIM's replay would run for a row, under `params`. */
export function swimTaskCounts(record: SwimRecord, params: SwimParams): { maps: number; reduces: number } {
  const input = record.map_input_bytes * params.data_scale;
  const reduce_bytes = (record.shuffle_bytes + record.reduce_output_bytes) * params.data_scale;
  const maps = Math.max(1, Math.ceil(input / params.block_bytes));
  const reduces =
    reduce_bytes === 0 ? 0 : Math.min(params.reduces_max, Math.ceil(reduce_bytes / params.reduce_task_bytes));
  return { maps, reduces };
}

/** The Hadoop job for one SWIM row: a map phase over its input blocks, then a reduce phase if any. */
export function swimJob(record: SwimRecord, params: SwimParams): Job {
  const { maps, reduces } = swimTaskCounts(record, params);
  const input = record.map_input_bytes * params.data_scale;
  const map_tasks: TaskSpec[] = new Array(maps);
  for (let i = 0; i < maps; i++) {
    // Every map reads a whole block except the last, which reads what is left.
    const bytes = Math.max(0, Math.min(params.block_bytes, input - i * params.block_bytes));
    map_tasks[i] = {
      cpus: params.map_cpus,
      mem_mb: params.map_mem_mb,
      duration_ms: durationMs(bytes, params.map_rate_bytes_per_s, params.map_duration_floor_ms),
      preferred: i,
    };
  }
  const phases: Phase[] = [{ kind: 'map', tasks: map_tasks }];
  if (reduces > 0) {
    // Shuffle and output are spread evenly over the reduces (a uniform partitioner, no skew).
    const per_reduce = ((record.shuffle_bytes + record.reduce_output_bytes) * params.data_scale) / reduces;
    const duration_ms = durationMs(
      per_reduce,
      params.reduce_rate_bytes_per_s,
      params.reduce_duration_floor_ms,
    );
    const tasks: TaskSpec[] = [];
    for (let i = 0; i < reduces; i++) {
      tasks.push({ cpus: params.reduce_cpus, mem_mb: params.reduce_mem_mb, duration_ms });
    }
    phases.push({ kind: 'reduce', tasks });
  }
  const id = `${params.id_prefix}${record.job_id}`;
  return {
    id,
    framework: 'hadoop',
    label: 'swim',
    submit_ms: Math.round(record.submit_time_s * 1000),
    phases,
    gang: false,
    input: { dataset: id, blocks: maps },
  };
}

/** Checks SWIM parameters, throwing an Error naming the first bad one. */
export function checkSwimParams(params: SwimParams): void {
  requirePositive(
    params,
    [
      'block_bytes',
      'reduce_task_bytes',
      'reduces_max',
      'map_rate_bytes_per_s',
      'reduce_rate_bytes_per_s',
      'data_scale',
      'map_cpus',
      'map_mem_mb',
      'reduce_cpus',
      'reduce_mem_mb',
      'map_duration_floor_ms',
      'reduce_duration_floor_ms',
    ],
    'SWIM',
    ['map_duration_floor_ms', 'reduce_duration_floor_ms'],
  );
}

/** Parses a SWIM trace's text into Hadoop jobs, sorted by arrival; a bad line throws naming it. */
export function parseSwim(text: string, overrides?: Partial<SwimParams>): TraceWorkload {
  const params = withParams(swimDefaults, overrides, 'SWIM');
  checkSwimParams(params);
  const records = parseSwimRecords(text);
  const seen = new Map<string, number>();
  const jobs: Job[] = [];
  for (const record of records) {
    const first = seen.get(record.job_id);
    if (first !== undefined) {
      throw new Error(`SWIM line ${record.line}: job id '${record.job_id}' already used on line ${first}`);
    }
    seen.set(record.job_id, record.line);
    jobs.push(swimJob(record, params));
  }
  return { jobs: sortJobs(jobs), format: 'swim', lines: records.length, skipped: {}, adjusted: {} };
}
