import { describe, expect, it } from 'vitest';
import { buildPlot } from '../../experiments/plots.ts';
import { planExperiment } from '../../experiments/points.ts';
import { collectResults, resultsCsv } from '../../experiments/results.ts';
import type { RunOutcome } from '../../experiments/run-point.ts';
import { parseExperiment } from '../../experiments/spec.ts';
import { estimate } from '../../experiments/stats.ts';
import { niceTicks } from '../../experiments/svg.ts';
import { buildTable, formatNumber } from '../../experiments/tables.ts';

const spec = parseExperiment({
  name: 'fake',
  base: {},
  replicates: 2,
  axes: [{ name: 'sharing', var: 's', values: ['static', 'drf'] }],
  tables: [
    {
      title: 'sums',
      orient: 'columns',
      metrics: [
        { metric: 'time', label: 'job time', digits: 1, published: { static: 100, drf: 50, 'speed-up': 2 } },
      ],
      ratios: [{ label: 'speed-up', numerator: 'static', denominator: 'drf', digits: 2 }],
    },
    {
      title: 'rows',
      metrics: [
        {
          metric: 'util',
          label: 'utilisation',
          digits: 0,
          percent: true,
          published: { '*': { metric: 'model' } },
        },
      ],
      ratios: [{ label: 'vs static', metric: 'time', numerator: 'static', denominator: '*', digits: 1 }],
    },
  ],
  plots: [
    { title: 'bars', file: 'bars.svg', metrics: [{ metric: 'time' }] },
    { title: 'lines', file: 'lines.svg', kind: 'line', axes: ['sharing'], metrics: [{ metric: 'time' }] },
  ],
});

/** Outcomes in run order (point-major): static r0, static r1, drf r0, drf r1. */
function outcomes(): RunOutcome[] {
  const metrics = [
    { time: 120, util: 0.5, model: 0.6 },
    { time: 80, util: 0.7, model: 0.6 },
    { time: 60, util: 0.9, model: 0.8 },
    { time: 40, util: null, model: 0.8 },
  ];
  return metrics.map((m, index) => ({ index, metrics: m, notes: [], wall_ms: 1, thread: 0 }));
}

describe('experiment tables', () => {
  const plan = planExperiment(spec);
  const points = collectResults(plan, outcomes());

  it('puts the published figure beside each measured one, and ratios computed replicate by replicate', () => {
    const t = buildTable(spec.tables[0]!, plan, points);
    expect(t.columns).toEqual([
      'metric',
      'static (measured)',
      'static (paper)',
      'drf (measured)',
      'drf (paper)',
      'speed-up (measured)',
      'speed-up (paper)',
    ]);
    // Means 100 and 50 with 95% intervals from two replicates; the ratio is the mean of 120/60 and 80/40.
    const ci = (a: number, b: number) => estimate([a, b]).ci95!.toFixed(1);
    expect(t.rows).toEqual([
      ['job time', `100.0 ± ${ci(120, 80)}`, '100.0', `50.0 ± ${ci(60, 40)}`, '50.0', '2.00', '2.00'],
    ]);
  });

  it('with points as rows, takes published figures from another metric and skips missing values', () => {
    const t = buildTable(spec.tables[1]!, plan, points);
    expect(t.columns).toEqual(['sharing', 'utilisation (measured)', 'utilisation (paper)', 'vs static']);
    expect(t.rows[0]).toEqual([
      'static',
      `60% ± ${(estimate([0.5, 0.7]).ci95! * 100).toFixed(0)}%`,
      '60%',
      '1.0',
    ]);
    expect(t.rows[1]).toEqual(['drf', '90%', '80%', '2.0']);
  });

  it('formats changes signed and numbers without grouping', () => {
    expect(formatNumber(0.1, 0, true, true)).toBe('+10%');
    expect(formatNumber(-0.25, 1, true, true)).toBe('-25.0%');
    expect(formatNumber(12345.678, 1, false)).toBe('12345.7');
  });

  it('writes one CSV row per run with the axis labels and seed', () => {
    const lines = resultsCsv(plan, points).trim().split('\n');
    expect(lines[0]).toBe('point,sharing,replicate,seed,model,time,util');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('p1-drf,drf,1,1.1,0.8,40,');
  });

  it('draws bars for measured and published values, and lines over a numeric axis', () => {
    const bars = buildPlot(spec.plots[0]!, plan, points).svg;
    expect(bars.startsWith('<svg')).toBe(true);
    expect(bars).toContain('time (paper)');
    expect(bars.match(/fill="url\(#hatch\)"/g)?.length).toBe(2 + 1);
    expect(() => buildPlot(spec.plots[1]!, plan, points)).toThrow(/without a number/);
  });

  it('chooses round ticks that cover the range', () => {
    expect(niceTicks(0, 7235)).toEqual([0, 2000, 4000, 6000, 8000]);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });
});
