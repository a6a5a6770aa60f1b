// What the simulator's wait figures mean, end to end: a task waits from when it could first run (a
// reduce from the end of its job's maps, not from the job's submission), and a job larger than the
// cluster owns the task-wait percentiles while the per-job figures stay small. This is the shape of
// SWIM FB-2009 on 600 machines, where one job of 112,523 maps sets the day's p95 task wait.
import { describe, expect, it } from 'vitest';
import { resolveSimConfig } from '../../sim/config.ts';
import { runSimulation } from '../../sim/run.ts';
import type { Distribution } from '../../sim/stats.ts';
import { summaryText } from '../../sim/summary.ts';
import type { Job, TaskSpec } from '../../workloads/job.ts';

const task = (duration_ms: number): TaskSpec => ({ cpus: 1, mem_mb: 1024, duration_ms });

/** A Hadoop job without input (no locality): `maps` maps, then `reduces` reduces, of 10 s each. */
function job(id: string, submit_ms: number, maps: number, reduces: number): Job {
  return {
    id,
    framework: 'hadoop',
    label: 'test',
    submit_ms,
    phases: [
      { kind: 'map', tasks: Array.from({ length: maps }, () => task(10_000)) },
      ...(reduces > 0
        ? [{ kind: 'reduce' as const, tasks: Array.from({ length: reduces }, () => task(10_000)) }]
        : []),
    ],
    gang: false,
  };
}

/** Runs the jobs on 8 one-CPU slots (two agents), with no decision time, strictly. */
function simulate(jobs: Job[]) {
  const config = resolveSimConfig({
    seed: '1',
    cluster: { agents: 2, resources: 'cpus:4;mem:4096' },
    frameworks: [{ name: 'hadoop', kind: 'hadoop', decision: { job_ms: 0, task_ms: 0 }, workload: { jobs } }],
    invariants_interval_ms: 5000,
  });
  return runSimulation({ config, baseDir: process.cwd(), strict: true });
}

describe('simulator wait metrics', () => {
  it('counts a reduce’s wait from the end of the maps, not from its job’s submission', () => {
    const { summary } = simulate([job('mr', 0, 1, 1)]);
    const waits = summary.task_wait_ms as Distribution;
    expect(waits.count).toBe(2);
    // The map waits for the first allocation (1 s, plus the network); the reduce for the next one
    // after the map ended, not for the map’s 10 s as well.
    expect(waits.max).toBeLessThan(2000);
    expect((summary.job_wait_ms as Distribution).max).toBeLessThan(2000);
  });

  it('separates the tasks of a job larger than the cluster from the per-job waits', () => {
    // 80 maps on 8 slots run in ten waves; nine small jobs come once the cluster is idle again.
    const small = Array.from({ length: 9 }, (_, k) => job(`small${k}`, 200_000 + k * 30_000, 1, 1));
    const { summary } = simulate([job('big', 0, 80, 0), ...small]);
    expect((summary.jobs as { finished: number }).finished).toBe(10);
    const tasks = summary.task_wait_ms as Distribution;
    const byJob = summary.task_wait_by_job_ms as Distribution;
    const jobs = summary.job_wait_ms as Distribution;
    expect(tasks.count).toBe(80 + 18);
    // Over tasks, the big job's later waves own the p95: its maps waited for eight or nine waves.
    expect(tasks.p95).toBeGreaterThanOrEqual(80_000);
    // Over jobs, the big job is one of ten: the median job's tasks hardly waited.
    expect(byJob.count).toBe(10);
    expect(byJob.p50).toBeLessThan(2000);
    expect(byJob.max).toBeGreaterThanOrEqual(40_000);
    // Every job started at the first allocation after it was submitted.
    expect(jobs.count).toBe(10);
    expect(jobs.max).toBeLessThan(2000);
    const text = summaryText(summary);
    expect(text).toMatch(/task wait, runnable to launch \(98 launches\): mean [\d.]+ s, p50 [\d.]+ s, p95 /);
    expect(text).toMatch(/task wait per job, mean of its tasks \(10 jobs\): mean /);
    expect(text).toMatch(/job wait, ready to first launch \(10 jobs\): mean /);
  });
});
