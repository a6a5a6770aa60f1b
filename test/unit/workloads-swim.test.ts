import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Job, validateWorkload } from '../../workloads/job.ts';
import { loadTrace } from '../../workloads/load-trace.ts';
import { swimDefaults } from '../../workloads/params.ts';
import { parseSwim, parseSwimRecords } from '../../workloads/swim.ts';

const data = join(import.meta.dirname, '..', '..', 'workloads', 'traces');

const mib = 1024 * 1024;
const block = 64 * mib;

/** Map and reduce counts of a job. */
function counts(job: Job): [number, number] {
  return [job.phases[0]!.tasks.length, job.phases[1]?.tasks.length ?? 0];
}

describe('SWIM parsing', () => {
  it('derives map and reduce counts from bytes', () => {
    const text = [
      `a\t10\t10\t0\t0\t0`, // no input: still one map; no shuffle or output: no reduce
      `b\t20\t10\t${block}\t1\t0`, // exactly one block; one byte of shuffle gives one reduce
      `c\t30\t10\t${block + 1}\t1000000000\t1`, // one byte over a block; 10^9 + 1 bytes give two reduces
      `d\t40\t10\t${5 * block}\t${2000 * 1e9}\t0`, // reduces capped at 999
    ].join('\n');
    const jobs = parseSwim(text).jobs;
    expect(jobs.map((j) => j.id)).toEqual(['swim/a', 'swim/b', 'swim/c', 'swim/d']);
    expect(jobs.map(counts)).toEqual([
      [1, 0],
      [1, 1],
      [2, 2],
      [5, 999],
    ]);
    expect(jobs.map((j) => j.submit_ms)).toEqual([10_000, 20_000, 30_000, 40_000]);
    expect(jobs[2]!.input).toEqual({ dataset: 'swim/c', blocks: 2 });
    expect(jobs[2]!.phases[0]!.tasks.map((t) => t.preferred)).toEqual([0, 1]);
    validateWorkload(jobs);
  });

  it('times tasks from bytes per second with a floor', () => {
    // 100 MiB of input at 4 MiB/s: a full 64 MiB block takes 16 s, the 36 MiB rest 9 s.
    // 12 MiB of shuffle and output on one reduce takes 3 s; a tiny input takes the 2 s floor.
    const text = `x\t0\t0\t${100 * mib}\t${6 * mib}\t${6 * mib}\ny\t1\t1\t10\t0\t0\n`;
    const [x, y] = parseSwim(text).jobs;
    expect(x!.phases[0]!.tasks.map((t) => t.duration_ms)).toEqual([16_000, 9_000]);
    expect(x!.phases[1]!.tasks.map((t) => t.duration_ms)).toEqual([3_000]);
    expect(y!.phases[0]!.tasks[0]!.duration_ms).toBe(swimDefaults.map_duration_floor_ms);
    const slow = parseSwim(text, { map_rate_bytes_per_s: 2 * mib, map_cpus: 2, map_mem_mb: 4096 }).jobs[0]!;
    expect(slow.phases[0]!.tasks[0]).toEqual({ cpus: 2, mem_mb: 4096, duration_ms: 32_000, preferred: 0 });
  });

  it('scales bytes with data_scale', () => {
    const text = `x\t0\t0\t${10 * block}\t0\t0`;
    expect(parseSwim(text, { data_scale: 0.5 }).jobs[0]!.phases[0]!.tasks).toHaveLength(5);
  });

  it('names the line of a bad row', () => {
    const good = 'a\t1\t1\t1\t1\t1';
    expect(() => parseSwim(`${good}\n\nb\t2\t1\t1\t1`)).toThrow(/SWIM line 3: expected 6 fields/);
    expect(() => parseSwim(`${good}\nb\t2\t1\tlots\t1\t1`)).toThrow(
      /SWIM line 2: map_input_bytes must be a number/,
    );
    expect(() => parseSwim(`${good}\nb\t-2\t1\t1\t1\t1`)).toThrow(/SWIM line 2: submit_time_s/);
    expect(() => parseSwim(`${good}\n${good}`)).toThrow(/SWIM line 2: job id 'a' already used on line 1/);
    expect(() => parseSwim(good, { block_bytes: 0 })).toThrow(/'block_bytes' must be a number > 0/);
  });
});

describe('SWIM traces in workloads/traces', () => {
  // The README's table: jobs and mean inter-arrival (last submit time over the number of jobs).
  const table: Array<[string, number, number]> = [
    ['FB-2009_samples_24_times_1hr_0.tsv', 5894, 14.7],
    ['FB-2009_samples_24_times_1hr_1.tsv', 6638, 13.0],
    ['FB-2010_samples_24_times_1hr_0.tsv', 24442, 3.5],
    ['FB-2009_samples_24_times_1hr_0_first50jobs.tsv', 50, Number.NaN],
  ];

  for (const [file, jobs, mean_s] of table) {
    it(`${file} has ${jobs} jobs`, () => {
      const records = parseSwimRecords(readFileSync(join(data, 'swim', file), 'utf8'));
      expect(records).toHaveLength(jobs);
      if (!Number.isNaN(mean_s)) {
        const last = Math.max(...records.map((r) => r.submit_time_s));
        expect(last / records.length).toBeCloseTo(mean_s, 1);
        // Gaps add up to the cumulative submit times, as the format says.
        expect(records.reduce((sum, r) => sum + r.inter_job_gap_s, 0)).toBe(last);
      }
    });
  }

  it('loads FB-2009 into valid Hadoop jobs, its first 50 equal to the test file', () => {
    const day = loadTrace(`swim:${join(data, 'swim', 'FB-2009_samples_24_times_1hr_0.tsv')}`);
    expect(day.jobs).toHaveLength(5894);
    expect(day.format).toBe('swim');
    validateWorkload(day.jobs);
    const first = loadTrace(`swim:${join(data, 'swim', 'FB-2009_samples_24_times_1hr_0_first50jobs.tsv')}`);
    expect(JSON.stringify(first.jobs)).toBe(JSON.stringify(day.jobs.slice(0, 50)));
    // Most Facebook jobs are small: the median job has a single map.
    const maps = day.jobs.map((j) => j.phases[0]!.tasks.length).sort((a, b) => a - b);
    expect(maps[Math.floor(maps.length / 2)]).toBe(1);
  });
});

describe('loadTrace', () => {
  it('refuses a spec without a known format, and names an unreadable file', () => {
    expect(() => loadTrace('csv:/x')).toThrow(/expected 'swim:PATH' or 'swf:PATH'/);
    expect(() => loadTrace('swim:')).toThrow(/expected 'swim:PATH'/);
    expect(() => loadTrace('swim:no/such/file.tsv')).toThrow(/cannot read no\/such\/file.tsv/);
  });
});
