import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperimentCommand } from '../../cli/experiment.ts';
import { runExperiment } from '../../experiments/runner.ts';

const dir = mkdtempSync(join(tmpdir(), 'meso-experiments-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny experiment: two frameworks of normally distributed tasks on a few agents, two policies. */
const tiny = {
  name: 'tiny',
  title: 'Tiny',
  seed: '5',
  replicates: 2,
  vars: { agents: 3 },
  base: {
    end_ms: 600000,
    cluster: { agents: '$agents', resources: 'cpus:2;mem:2048' },
    frameworks: [
      {
        repeat: 2,
        name: 'f{i}',
        kind: 'hadoop',
        workload: {
          generate: 'steady-tasks',
          params: { tasks: 12, duration_mean_ms: 5000, duration_sd_ms: 2000 },
        },
      },
    ],
  },
  axes: [{ name: 'policy', path: 'policy', values: ['drf', 'fifo'] }],
  tables: [
    {
      title: 'Tiny results',
      metrics: [
        { metric: 'job_time_sum_s.f0', label: 'f0 job time', digits: 1, published: { drf: 30, fifo: 20 } },
        { metric: 'util_cpus', label: 'cpu', percent: true },
      ],
    },
  ],
  plots: [{ title: 'Tiny plot', file: 'tiny.svg', metrics: [{ metric: 'job_time_sum_s.f0', label: 'f0' }] }],
  discussion: ['Differences are expected.'],
};

function writeSpec(name: string, spec: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

describe('the experiment runner', () => {
  const file = writeSpec('tiny.json', tiny);

  it('writes results, plots and a report with published figures beside measured ones', async () => {
    const out = join(dir, 'a');
    const result = await runExperiment({ file, outDir: out, workers: 2 });
    expect(result.files).toEqual(['results.json', 'results.csv', 'tiny.svg', 'report.html']);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(json.seeds).toEqual(['5', '5.1']);
    expect(json.points).toHaveLength(2);
    const table = json.tables[0];
    expect(table.columns).toEqual(['policy', 'f0 job time (measured)', 'f0 job time (paper)', 'cpu']);
    expect(table.rows.map((r: string[]) => r[2])).toEqual(['30.0', '20.0']);
    for (const row of table.rows) expect(row[1]).toMatch(/^\d+\.\d ± \d+\.\d$/);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(1 + 2 * 2);
    const report = readFileSync(join(out, 'report.html'), 'utf8');
    expect(report).toContain('<svg');
    expect(report).toContain('f0 job time (paper)');
    expect(report).toContain('Differences are expected.');
    expect(report).toContain('<code>5.1</code>');
    expect(readFileSync(join(out, 'tiny.svg'), 'utf8')).toContain('f0 (paper)');
    // Replicates run on worker threads when the machine has more than one CPU.
    if (cpus().length > 1) expect(result.threads.some((t) => t !== 0)).toBe(true);
  });

  it('gives the same results.json for the same seed, in parallel or not, and other results for another seed', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    const c = join(dir, 'c');
    await runExperiment({ file, outDir: b, workers: 0 });
    await runExperiment({ file, outDir: c, workers: 0, seed: '6' });
    const read = (d: string) => readFileSync(join(d, 'results.json'), 'utf8');
    expect(read(b)).toBe(read(a));
    expect(read(c)).not.toBe(read(a));
  });

  it('runs from the command line and prints the tables', async () => {
    let stdout = '';
    let stderr = '';
    const code = await runExperimentCommand(file, {
      out: join(dir, 'cli'),
      replicates: '1',
      workers: '0',
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
    });
    expect(code).toBe(0);
    expect(stdout).toContain('Tiny results');
    expect(stderr).toContain('seed 5, 2 points x 1 replicates');
    await expect(runExperimentCommand(file, { replicates: '0', stderr: () => {} })).rejects.toThrow(
      /--replicates/,
    );
    await expect(runExperimentCommand(file, { quick: true, stderr: () => {} })).rejects.toThrow(
      /no quick variant/,
    );
  });
});
