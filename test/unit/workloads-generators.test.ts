import { describe, expect, it } from 'vitest';
import { createRng } from '../../engine/rng.ts';
import {
  generateWorkload,
  isWorkloadName,
  type WorkloadName,
  workloadDefaults,
  workloadNames,
} from '../../workloads/generators/index.ts';
import { type Job, taskCount } from '../../workloads/job.ts';
import { facebookHadoopDefaults } from '../../workloads/params.ts';

/** Sum of cpus x run time over a set of jobs, in cpu-ms. */
function cpuMs(jobs: readonly Job[]): number {
  let sum = 0;
  for (const job of jobs)
    for (const phase of job.phases) for (const t of phase.tasks) sum += t.cpus * t.duration_ms;
  return sum;
}

/** Jobs by label, as `label: count`. */
function byLabel(jobs: readonly Job[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const job of jobs) out[job.label] = (out[job.label] ?? 0) + 1;
  return out;
}

// A smaller Google-like mix keeps these tests fast; its shape is the same as the default's.
const smallGoogle = { machines: 500 } as const;

describe('workload registry', () => {
  it('names every generator and refuses unknown names and parameters', () => {
    expect(workloadNames).toEqual([
      'facebook-hadoop',
      'google',
      'large-hadoop',
      'services',
      'spark-als',
      'torque-mpi',
    ]);
    expect(isWorkloadName('google')).toBe(true);
    expect(isWorkloadName('toString')).toBe(false);
    expect(() => generateWorkload('nope' as WorkloadName, undefined, createRng(1))).toThrow(
      /unknown workload 'nope'/,
    );
    expect(() => generateWorkload('spark-als', { iteration: 3 } as never, createRng(1))).toThrow(
      /spark-als: unknown parameter 'iteration'/,
    );
    expect(() => generateWorkload('spark-als', { duration_jitter: 1 }, createRng(1))).toThrow(
      /duration_jitter/,
    );
    expect(() => generateWorkload('torque-mpi', { large_positions: [8] }, createRng(1))).toThrow(
      /large position 8/,
    );
  });

  it('gives the same jobs for the same seed, JSON-equal, for every generator', () => {
    for (const name of workloadNames) {
      const params = name === 'google' ? smallGoogle : undefined;
      const a = JSON.stringify(generateWorkload(name, params, createRng('seed-1')));
      const b = JSON.stringify(generateWorkload(name, params, createRng('seed-1')));
      expect(a, name).toBe(b);
    }
  });

  it('draws each generator from its own stream, whatever ran before it', () => {
    const rng = createRng(7);
    generateWorkload('services', undefined, rng);
    const after = generateWorkload('facebook-hadoop', undefined, rng);
    expect(after).toEqual(generateWorkload('facebook-hadoop', undefined, createRng(7)));
  });

  it('changes arrivals with the seed where arrivals are random', () => {
    for (const name of ['facebook-hadoop', 'google'] as const) {
      const params = name === 'google' ? smallGoogle : undefined;
      const a = generateWorkload(name, params, createRng(1)).map((j) => j.submit_ms);
      const b = generateWorkload(name, params, createRng(2)).map((j) => j.submit_ms);
      expect(a, name).not.toEqual(b);
    }
  });
});

describe('Facebook Hadoop mix', () => {
  it("has 100 jobs in the paper's 8 bins with exact map and reduce counts", () => {
    const bins = facebookHadoopDefaults.bins;
    expect(bins.reduce((n, b) => n + b.jobs, 0)).toBe(100);
    const jobs = generateWorkload('facebook-hadoop', undefined, createRng(3));
    expect(jobs).toHaveLength(100);
    expect(byLabel(jobs)).toEqual({
      'bin1-selection': 38,
      'bin2-text_search': 18,
      'bin3-aggregation': 14,
      'bin4-selection': 12,
      'bin5-aggregation': 6,
      'bin6-selection': 6,
      'bin7-text_search': 4,
      'bin8-join': 2,
    });
    bins.forEach((bin, b) => {
      for (const job of jobs.filter((j) => j.label.startsWith(`bin${b + 1}-`))) {
        expect(job.phases[0]!.tasks).toHaveLength(bin.maps);
        expect(job.phases[1]?.tasks.length ?? 0).toBe(bin.reduces);
        expect(job.input?.blocks).toBe(bin.maps);
      }
    });
    expect(jobs.reduce((n, j) => n + taskCount(j), 0)).toBe(5162);
  });

  it('arrives about 14 s apart on average, in a shuffled order', () => {
    const gaps: number[] = [];
    const orders = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const jobs = generateWorkload('facebook-hadoop', undefined, createRng(seed));
      for (let i = 0; i < jobs.length; i++)
        gaps.push(jobs[i]!.submit_ms - (i === 0 ? 0 : jobs[i - 1]!.submit_ms));
      orders.add(jobs.map((j) => j.label).join());
    }
    const mean_s = gaps.reduce((a, b) => a + b, 0) / gaps.length / 1000;
    // 3,000 exponential gaps: the sample mean is within 6% of 14 s with overwhelming probability.
    expect(Math.abs(mean_s - 14) / 14).toBeLessThan(0.06);
    expect(orders.size).toBe(30);
  });
});

describe('the other paper workloads', () => {
  it('large Hadoop mix: 10 jobs of 2,400 maps, each after the one before', () => {
    const jobs = generateWorkload('large-hadoop', undefined, createRng(1));
    expect(jobs).toHaveLength(10);
    jobs.forEach((job, k) => {
      expect(job.phases).toHaveLength(1);
      expect(job.phases[0]!.tasks).toHaveLength(2400);
      expect(job.after).toBe(k === 0 ? undefined : jobs[k - 1]!.id);
    });
  });

  it('Spark ALS: 5 staggered jobs of iterations x tasks, each task on its partition', () => {
    const jobs = generateWorkload('spark-als', { iterations: 7, tasks_per_iteration: 12 }, createRng(1));
    expect(jobs).toHaveLength(5);
    expect(jobs.map((j) => j.submit_ms)).toEqual([0, 120_000, 240_000, 360_000, 480_000]);
    for (const job of jobs) {
      expect(job.iterations).toBe(7);
      expect(job.phases).toHaveLength(7);
      for (const phase of job.phases)
        expect(phase.tasks.map((t) => t.preferred)).toEqual([...Array(12).keys()]);
    }
    // Reading input from disk makes the first iteration slower than the cached ones.
    const first = jobs[0]!.phases[0]!.tasks.reduce((s, t) => s + t.duration_ms, 0);
    const later = jobs[0]!.phases[1]!.tasks.reduce((s, t) => s + t.duration_ms, 0);
    expect(first).toBeGreaterThan(later);
  });

  it('Torque/MPI: 8 gang jobs of 24 ranks, six small and two large', () => {
    const jobs = generateWorkload('torque-mpi', undefined, createRng(1));
    expect(jobs).toHaveLength(8);
    for (const job of jobs) {
      expect(job.gang).toBe(true);
      expect(job.phases[0]!.tasks).toHaveLength(24);
    }
    expect(byLabel(jobs)).toEqual({ 'tachyon-small': 6, 'tachyon-large': 2 });
  });

  it('services: long-running, instance counts within bounds', () => {
    const jobs = generateWorkload(
      'services',
      { services: 40, instances_min: 3, instances_max: 5 },
      createRng(1),
    );
    expect(jobs).toHaveLength(40);
    const sizes = new Set(jobs.map(taskCount));
    expect([...sizes].sort()).toEqual([3, 4, 5]);
    for (const job of jobs) expect(job.long_running).toBe(true);
  });
});

describe('Google-like mix', () => {
  it('offers the batch and service shares of the cluster it is sized for', () => {
    const p = {
      ...workloadDefaults('google'),
      machines: 2000,
      batch_tasks_sigma: 0.5,
      batch_duration_sigma: 0.5,
    };
    const jobs = generateWorkload('google', p, createRng(11));
    const cpus = p.machines * p.machine_cpus;
    const services = jobs.filter((j) => j.long_running);
    const batch = jobs.filter((j) => !j.long_running);
    expect(services).toHaveLength(20);
    const service_cpus = services.reduce((s, j) => s + taskCount(j) * p.service_task_cpus, 0);
    expect(Math.abs(service_cpus / cpus - p.service_cpu_share)).toBeLessThan(0.01);
    const batch_share = cpuMs(batch) / (p.horizon_ms * cpus);
    expect(Math.abs(batch_share - p.batch_cpu_share) / p.batch_cpu_share).toBeLessThan(0.03);
    expect(Math.max(...batch.map((j) => j.submit_ms))).toBeLessThan(p.horizon_ms);
  });

  it('is mostly short batch tasks beside a few long services', () => {
    const jobs = generateWorkload('google', smallGoogle, createRng(5));
    const services = jobs.filter((j) => j.long_running);
    const batch = jobs.filter((j) => !j.long_running);
    expect(services.length).toBe(5);
    expect(batch.length).toBeGreaterThan(100 * services.length);
    const durations = batch
      .flatMap((j) => j.phases[0]!.tasks.map((t) => t.duration_ms))
      .sort((a, b) => a - b);
    // Half the batch tasks finish within about the 10 minute median.
    expect(durations[Math.floor(durations.length / 2)]!).toBeLessThan(15 * 60_000);
  });
});
