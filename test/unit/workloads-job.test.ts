import { describe, expect, it } from 'vitest';
import {
  blockId,
  compareJobs,
  type Job,
  sortJobs,
  taskCount,
  validateJob,
  validateWorkload,
} from '../../workloads/job.ts';
import { swimDefaults, withParams } from '../../workloads/params.ts';

/** A small valid Hadoop job to break in each test. */
function hadoopJob(id = 'j', submit_ms = 0): Job {
  return {
    id,
    framework: 'hadoop',
    label: 'test',
    submit_ms,
    phases: [
      {
        kind: 'map',
        tasks: [
          { cpus: 1, mem_mb: 1024, duration_ms: 1000, preferred: 0 },
          { cpus: 1, mem_mb: 1024, duration_ms: 1000, preferred: 1 },
        ],
      },
      { kind: 'reduce', tasks: [{ cpus: 0.5, mem_mb: 512, duration_ms: 2000 }] },
    ],
    gang: false,
    input: { dataset: id, blocks: 2 },
  };
}

describe('job model', () => {
  it('accepts a valid job and counts its tasks over all phases', () => {
    const job = hadoopJob();
    expect(() => validateJob(job)).not.toThrow();
    expect(taskCount(job)).toBe(3);
    expect(JSON.parse(JSON.stringify(job))).toEqual(job);
  });

  it('names the job and the broken rule', () => {
    const cases: Array<[(j: Job) => void, RegExp]> = [
      [(j) => (j.phases[0]!.tasks[0]!.cpus = 0), /job j: phase 0 \(map\) task 0: cpus/],
      [(j) => (j.phases[0]!.tasks[1]!.cpus = 0.0001), /task 1: cpus/],
      [(j) => (j.phases[1]!.tasks[0]!.duration_ms = 1.5), /duration_ms must be an integer/],
      [
        (j) => (j.phases[0]!.tasks[1]!.preferred = 2),
        /preferred block 2 is outside the job's 2 input blocks/,
      ],
      [(j) => (j.submit_ms = -1), /submit_ms/],
      [(j) => (j.phases = []), /no phases/],
      [(j) => (j.phases[1]!.tasks = []), /phase 1 \(reduce\) has no tasks/],
      [(j) => (j.gang = true), /gang job has exactly one phase/],
      [(j) => (j.iterations = 3), /iterations 3 differs/],
    ];
    for (const [breakIt, message] of cases) {
      const job = hadoopJob();
      breakIt(job);
      expect(() => validateJob(job)).toThrow(message);
    }
  });

  it('rejects duplicate ids and an after that names no job', () => {
    expect(() => validateWorkload([hadoopJob('a'), hadoopJob('a')])).toThrow(/job a: duplicate id/);
    const b = { ...hadoopJob('b'), after: 'zz' };
    expect(() => validateWorkload([hadoopJob('a'), b])).toThrow(/job b: runs after zz/);
    expect(() => validateWorkload([hadoopJob('a'), { ...b, after: 'a' }])).not.toThrow();
  });

  it('orders jobs by submit time, then by id', () => {
    const jobs = [hadoopJob('b', 5), hadoopJob('c', 1), hadoopJob('a', 5)];
    expect(sortJobs(jobs).map((j) => j.id)).toEqual(['c', 'a', 'b']);
    expect(compareJobs(hadoopJob('a', 1), hadoopJob('a', 1))).toBe(0);
  });

  it('names a block by its dataset and index', () => {
    expect(blockId('swim/job3', 7)).toBe('swim/job3/7');
  });
});

describe('parameters', () => {
  it('fills in defaults and refuses unknown names and wrong types', () => {
    const p = withParams(swimDefaults, { block_bytes: 128 }, 'SWIM');
    expect(p.block_bytes).toBe(128);
    expect(p.reduces_max).toBe(swimDefaults.reduces_max);
    expect(() => withParams(swimDefaults, { blok_bytes: 1 } as never, 'SWIM')).toThrow(
      /SWIM: unknown parameter 'blok_bytes'/,
    );
    expect(() => withParams(swimDefaults, { block_bytes: '64' } as never, 'SWIM')).toThrow(
      /'block_bytes' must be like/,
    );
  });

  it('returns a copy, so editing it never edits the defaults', () => {
    const p = withParams(swimDefaults, undefined, 'SWIM');
    p.block_bytes = 1;
    expect(swimDefaults.block_bytes).toBe(64 * 1024 * 1024);
  });
});
