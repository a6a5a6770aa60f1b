import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateWorkload } from '../../workloads/job.ts';
import { loadTrace } from '../../workloads/load-trace.ts';
import { parseSwf } from '../../workloads/swf.ts';

const traces = join(import.meta.dirname, '..', '..', 'workloads', 'traces');
const nasa = join(traces, 'swf', 'NASA-iPSC-1993-3.1-cln.swf.gz');

/** An SWF job line from the fields that matter here; the rest are -1. */
function line(job: number, submit: number, run: number, allocated: number, requested = -1): string {
  const rest = Array(8).fill('-1').join(' ');
  return `${job} ${submit} -1 ${run} ${allocated} -1 -1 ${requested} -1 -1 ${rest}`;
}

describe('SWF parsing', () => {
  it('turns each usable line into a gang of ranks, and counts what it skips', () => {
    const text = [
      '; Version: 2.2',
      '; MaxProcs: 128',
      '',
      line(1, 0, 100, 4),
      line(3, 50, 0, 2), // run time 0: raised to the floor
      line(2, 20, 30, -1, 8), // allocated unknown: the request stands in
      line(4, -1, 10, 4), // submit unknown: skipped
      line(5, 60, -1, 4), // run time unknown: skipped
      line(6, 70, 10, -1, -1), // processors unknown: skipped
      line(7, 80, 10, 0, 0),
    ].join('\n');
    const w = parseSwf(text, { rank_mem_mb: 512 });
    expect(w.lines).toBe(7);
    expect(w.skipped).toEqual({ submit_time_s: 1, run_time_s: 1, processors: 2 });
    expect(w.adjusted).toEqual({ run_time_floored: 1, processors_from_request: 1 });
    expect(w.jobs.map((j) => j.id)).toEqual(['swf/1', 'swf/2', 'swf/3']);
    expect(w.jobs.map((j) => j.submit_ms)).toEqual([0, 20_000, 50_000]);
    expect(w.jobs.map((j) => j.phases[0]!.tasks.length)).toEqual([4, 8, 2]);
    expect(w.jobs.map((j) => j.phases[0]!.tasks[0]!.duration_ms)).toEqual([100_000, 30_000, 1_000]);
    expect(w.jobs[0]!.phases[0]!.tasks[0]).toEqual({ cpus: 1, mem_mb: 512, duration_ms: 100_000 });
    for (const job of w.jobs) {
      expect(job.gang).toBe(true);
      expect(job.framework).toBe('mpi');
    }
    validateWorkload(w.jobs);
  });

  it('names the line of a bad row', () => {
    const good = line(1, 0, 10, 1);
    expect(() => parseSwf(`; h\n${good}\n1 2 3`)).toThrow(
      /SWF line 3: expected 18 whitespace-separated fields, got 3/,
    );
    expect(() => parseSwf(`${good}\n${good.replace(/^1 0/, '2 x')}`)).toThrow(
      /SWF line 2: submit_time_s must be a number/,
    );
    expect(() => parseSwf(`${good}\n${good}`)).toThrow(/SWF line 2: job number 1 already used on line 1/);
  });
});

describe('SWF trace in workloads/traces', () => {
  it('loads the NASA iPSC/860 log: 18,239 rigid jobs on up to 128 processors', () => {
    const w = loadTrace(`swf:${nasa}`);
    expect(w.format).toBe('swf');
    expect(w.lines).toBe(18_239);
    expect(w.jobs.length + Object.values(w.skipped).reduce((a, b) => a + b, 0)).toBe(w.lines);
    expect(w.jobs.length).toBe(18_239);
    expect(w.adjusted.run_time_floored).toBeGreaterThan(0);
    validateWorkload(w.jobs);
    const ranks = new Set(w.jobs.map((j) => j.phases[0]!.tasks.length));
    // The iPSC/860 allocated power-of-two partitions of its 128 nodes.
    expect([...ranks].sort((a, b) => a - b)).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
    const last = w.jobs.at(-1)!;
    // The log covers October to December 1993: about 92 days.
    expect(last.submit_ms / 86_400_000).toBeGreaterThan(85);
    expect(last.submit_ms / 86_400_000).toBeLessThan(93);
  });
});
