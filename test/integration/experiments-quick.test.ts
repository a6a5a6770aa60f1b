import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../experiments/runner.ts';

const dir = mkdtempSync(join(tmpdir(), 'meso-experiments-quick-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each shipped experiment, and a metric its quick variant must measure at every point. */
const shipped: ReadonlyArray<readonly [string, string]> = [
  ['macrobenchmark', 'job_time_sum_s.facebook'],
  ['locality', 'locality_node'],
  ['ramp-up', 'completion_s'],
  ['scalability', 'launch_overhead_s'],
  ['failover', 'mttr_s'],
  ['policies', 'util_cpus'],
  ['drf-properties', 'si_violations'],
];

describe('the shipped experiments, quick variants', () => {
  for (const [name, metric] of shipped) {
    it(`${name} runs to completion and measures ${metric} at every point`, async () => {
      const out = join(dir, name);
      const result = await runExperiment({
        file: join(import.meta.dirname, '../../experiments', `${name}.json`),
        outDir: out,
        quick: true,
        workers: 0,
      });
      expect(result.plan.quick).toBe(true);
      for (const point of result.points) {
        const value = point.estimates[metric]?.mean;
        expect(typeof value, `${name} ${point.plan.label}: ${metric}`).toBe('number');
      }
      for (const table of result.tables) expect(table.rows.length).toBeGreaterThan(0);
      expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<table>');
    });
  }
});
