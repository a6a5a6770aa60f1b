import { describe, expect, it } from 'vitest';
import { createRng } from '../../engine/rng.ts';
import { runDrfProperties } from '../../experiments/drf-properties.ts';
import { generateExperimentWorkload } from '../../experiments/generators.ts';
import { rampUpModel } from '../../experiments/models.ts';

describe('the Mesos paper ramp-up model', () => {
  const model = (framework: string, distribution: string) =>
    rampUpModel({ k: 32, T_s: 60, beta: 3, framework, distribution });

  it('gives the paper table for each kind of framework and task run time', () => {
    const ln = Math.log(32);
    expect(model('elastic', 'constant')['model.completion_s']).toBeCloseTo(3.5 * 60, 6);
    expect(model('elastic', 'exponential')['model.ramp_up_s']).toBeCloseTo(60 * ln, 5);
    expect(model('elastic', 'exponential')['model.completion_s']).toBeCloseTo(4 * 60, 6);
    expect(model('rigid', 'constant')['model.utilisation']).toBeCloseTo(3 / 3.5, 6);
    expect(model('rigid', 'exponential')['model.completion_s']).toBeCloseTo((ln + 3) * 60, 5);
    expect(model('rigid', 'exponential')['model.utilisation']).toBeCloseTo(3 / (ln - 1 + 3), 6);
    expect(model('elastic', 'constant')['model.utilisation']).toBe(1);
  });

  it('gives the exact expected ramp-up for finite k', () => {
    let h = 0;
    for (let i = 1; i <= 32; i++) h += 1 / i;
    expect(model('rigid', 'exponential')['model.ramp_up_exact_s']).toBeCloseTo(60 * h, 5);
    expect(model('rigid', 'constant')['model.ramp_up_exact_s']).toBeCloseTo((60 * 32) / 33, 5);
    expect(() => rampUpModel({ k: 3, T_s: 1, beta: 1, framework: 'odd', distribution: 'constant' })).toThrow(
      /framework/,
    );
  });

  it('draws background residuals whose largest matches the expectation', () => {
    // The largest of k exponential residuals averages T H_k over many seeds.
    const h8 = [1, 2, 3, 4, 5, 6, 7, 8].reduce((a, i) => a + 1 / i, 0);
    const n = 300;
    let sum = 0;
    for (let s = 0; s < n; s++) {
      const jobs = generateExperimentWorkload(
        'ramp-background',
        { k: 8, T_ms: 1000, distribution: 'exponential' },
        'bg',
        createRng(`s${s}`),
      );
      sum += Math.max(...jobs[0]!.phases[0]!.tasks.map((t) => t.duration_ms));
    }
    expect(sum / n).toBeGreaterThan(1000 * h8 * 0.9);
    expect(sum / n).toBeLessThan(1000 * h8 * 1.1);
  });
});

describe('DRF property checks', () => {
  it('reproduces the DRF paper example under DRF and leaves divisible DRF without violations', () => {
    const drf = runDrfProperties({ policy: 'drf', inputs: 30 }, '1');
    expect([drf['example.A_tasks'], drf['example.B_tasks']]).toEqual([3, 2]);
    expect(drf['example.A_dominant_share']).toBeCloseTo(2 / 3, 9);
    const divisible = runDrfProperties({ policy: 'drf-divisible', inputs: 30 }, '1');
    expect(divisible.si_violations).toBe(0);
    expect(divisible.sp_violations).toBe(0);
    expect(divisible.ef_violations).toBe(0);
  });

  it('finds FIFO breaking sharing incentive and envy-freeness', () => {
    const fifo = runDrfProperties({ policy: 'fifo', inputs: 30 }, '1');
    expect(fifo.si_violations).toBeGreaterThan(0.5);
    expect(fifo.ef_violations).toBeGreaterThan(0.5);
    expect(fifo['example.A_tasks']).toBe(4);
  });

  it('is the same for the same seed and refuses unknown policies', () => {
    expect(runDrfProperties({ policy: 'asset', inputs: 20 }, '7')).toEqual(
      runDrfProperties({ policy: 'asset', inputs: 20 }, '7'),
    );
    expect(() => runDrfProperties({ policy: 'ceei' }, '1')).toThrow(/not one of/);
  });
});
