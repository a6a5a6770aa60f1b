// `meso sim` end to end: the same seed and config write byte-identical files, another seed writes
// different ones, a config file runs as its flags would, and the SWIM 50-job sample finishes every
// job with the invariants checked strictly.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimCommand, type SimCommandOptions } from '../../cli/sim.ts';

const swim50 = resolve('workloads/traces/swim/FB-2009_samples_24_times_1hr_0_first50jobs.tsv');
const haveSwim = existsSync(swim50);
if (!haveSwim) console.warn(`sim-cli tests skipped: ${swim50} is absent`);

const root = mkdtempSync(join(tmpdir(), 'meso-sim-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the command quietly; returns its exit code and what it printed. */
function run(opts: SimCommandOptions): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runSimCommand({
    ...opts,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    tty: false,
  });
  return { code, stdout, stderr };
}

/** Every file of a directory, by name. */
function files(dir: string): Map<string, Buffer> {
  return new Map(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name))]),
  );
}

describe('meso sim with the example config', () => {
  it('runs the Mesos-paper mix with faults, loss and a failover, every job finishing, invariants strict', () => {
    const out = join(root, 'mix');
    const { code, stdout } = run({ config: 'sim/examples/mesos-paper-mix.json', out, strict: true });
    expect(code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.all_jobs_ended).toBe(true);
    expect(summary.jobs.unfinished).toBe(0);
    expect(summary.faults.master_failovers).toBe(1);
    expect(summary.faults.agent_crashes).toBeGreaterThan(0);
    expect(summary.frameworks.map((f: { kind: string }) => f.kind)).toEqual([
      'hadoop',
      'mpi',
      'spark',
      'service',
    ]);
    expect(stdout).toMatch(/invariant violations: 0/);
  });
});

describe.skipIf(!haveSwim)('meso sim', () => {
  const flags = { trace: `swim:${swim50}`, agents: '40', racks: '4', traceEvents: true };

  it('writes byte-identical files for the same seed, and different ones for another seed', () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    const c = join(root, 'c');
    expect(run({ ...flags, seed: '7', out: a }).code).toBe(0);
    expect(run({ ...flags, seed: '7', out: b }).code).toBe(0);
    expect(run({ ...flags, seed: '8', out: c }).code).toBe(0);
    const fa = files(a);
    expect([...fa.keys()]).toEqual([
      'config.json',
      'jobs.csv',
      'offers.csv',
      'shares.csv',
      'summary.json',
      'trace.ndjson',
      'utilisation.csv',
    ]);
    const fb = files(b);
    for (const [name, bytes] of fa) expect(bytes.equals(fb.get(name)!), name).toBe(true);
    const fc = files(c);
    expect(fc.get('trace.ndjson')!.equals(fa.get('trace.ndjson')!)).toBe(false);
    expect(fc.get('summary.json')!.equals(fa.get('summary.json')!)).toBe(false);
  });

  it('prints the seed first and the summary last, wall time only on stderr', () => {
    const out = join(root, 'd');
    const { stdout, stderr } = run({ ...flags, seed: '3', out });
    expect(stderr.split('\n')[0]).toBe('meso sim: seed 3');
    expect(stderr).toMatch(/s wall/);
    expect(stdout).toMatch(/jobs: 50 finished, 0 failed, 0 unfinished of 50/);
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).not.toMatch(/wall/);
  });

  it('finishes all 50 SWIM jobs from a config file with invariants checked', () => {
    const dir = join(root, 'e');
    const config = join(root, 'swim50.json');
    writeFileSync(
      config,
      JSON.stringify({
        cluster: { agents: 30, resources: 'cpus:8;mem:16384', racks: 3 },
        frameworks: [{ name: 'hadoop', kind: 'hadoop', workload: { trace: `swim:${swim50}` } }],
        invariants_interval_ms: 10_000,
      }),
    );
    const { code } = run({ config, seed: '5', out: dir, strict: true });
    expect(code).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.seed).toBe('5');
    expect(summary.all_jobs_ended).toBe(true);
    expect(summary.jobs).toMatchObject({ total: 50, finished: 50, failed: 0, unfinished: 0 });
    expect(summary.invariants.violations).toBe(0);
    expect(summary.invariants.checks).toBeGreaterThan(100);
    const jobs = readFileSync(join(dir, 'jobs.csv'), 'utf8').trim().split('\n');
    expect(jobs).toHaveLength(51);
    expect(jobs.slice(1).every((line) => line.endsWith(',finished'))).toBe(true);
  });

  it('names a flag that cannot go with a config file', () => {
    expect(() => run({ config: join(root, 'swim50.json'), agents: '5' })).toThrow(
      /--agents cannot be combined/,
    );
  });

  it('asks for a workload when there is neither a config nor --trace or --workload', () => {
    expect(() => run({})).toThrow(/--trace swim:FILE\|swf:FILE and --workload NAME/);
  });
});
