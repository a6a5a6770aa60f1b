// The golden record of the simulator's and the experiments' outputs: each case runs `meso sim` (or
// an experiment's quick variant) into a temp dir and hashes every file it writes, with what it
// printed on standard output. Changes to the engine's layout must keep every hash; a change that
// alters a decision rewrites the record in a commit of its own that says why.
//
//   npx tsx test/golden/golden.ts [--check | --write] [--only a,b] [--all]
//
// Without --all only the cases marked `small` run (the ones the test suite checks); --all adds the
// longer ones (a SWIM day's first hours, the mix's second seed, three experiments). Every case
// with a trace is small, so a change to the trace's bytes cannot go unrecorded.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runSimCommand, type SimCommandOptions } from '../../cli/sim.ts';
import { runExperiment } from '../../experiments/runner.ts';

const root = resolve(import.meta.dirname, '../..');
const swim = 'workloads/traces/swim/FB-2009_samples_24_times_1hr_0.tsv';
const swim50 = 'workloads/traces/swim/FB-2009_samples_24_times_1hr_0_first50jobs.tsv';

/** One recorded case: a `meso sim` run or an experiment's quick variant. */
export interface GoldenCase {
  readonly name: string;
  readonly small: boolean;
  readonly sim?: SimCommandOptions;
  readonly experiment?: string;
}

/** The cases, the shipped config and seeds first. */
export const goldenCases: readonly GoldenCase[] = [
  {
    name: 'mix-seed-1',
    small: true,
    sim: { config: 'sim/examples/mesos-paper-mix.json', traceEvents: true },
  },
  { name: 'mix-seed-2', small: false, sim: { config: 'sim/examples/mesos-paper-mix.json', seed: '2' } },
  ...(['fifo', 'random', 'asset'] as const).map((policy) => ({
    name: `swim-40-agents-${policy}`,
    small: true,
    sim: { trace: `swim:${swim50}`, agents: '40', racks: '4', policy, traceEvents: true },
  })),
  {
    name: 'swim-40-agents',
    small: true,
    sim: {
      trace: `swim:${swim50}`,
      agents: '40',
      racks: '4',
      seed: '7',
      loss: '0.01',
      traceEvents: true,
    },
  },
  {
    name: 'swim-600-agents-2h',
    small: false,
    sim: { trace: `swim:${swim}`, agents: '600', racks: '15', hours: '2' },
  },
  {
    name: 'google-2000-agents',
    small: true,
    sim: { workload: 'google', agents: '2000', racks: '50', hours: '0.2', seed: '3', traceEvents: true },
  },
  { name: 'experiment-policies-quick', small: true, experiment: 'experiments/policies.json' },
  { name: 'experiment-drf-properties-quick', small: false, experiment: 'experiments/drf-properties.json' },
  { name: 'experiment-failover-quick', small: false, experiment: 'experiments/failover.json' },
  { name: 'experiment-locality-quick', small: false, experiment: 'experiments/locality.json' },
];

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Runs one case and hashes what it wrote (results.json only, for an experiment: the rest are its renderings). */
export async function runGoldenCase(c: GoldenCase): Promise<Record<string, string>> {
  const out = mkdtempSync(join(tmpdir(), `meso-golden-${c.name}-`));
  try {
    const sums: Record<string, string> = {};
    if (c.sim !== undefined) {
      let stdout = '';
      const code = runSimCommand({
        ...c.sim,
        ...(c.sim.config === undefined ? {} : { config: join(root, c.sim.config) }),
        ...(c.sim.trace === undefined ? {} : { trace: c.sim.trace.replace(':', `:${root}/`) }),
        out,
        stdout: (t) => (stdout += t),
        stderr: () => {},
        tty: false,
      });
      if (code !== 0) throw new Error(`${c.name}: meso sim exited ${code}`);
      sums.stdout = sha(stdout);
      for (const name of readdirSync(out).sort()) {
        // config.json names the input paths, which differ between checkouts.
        if (name !== 'config.json') sums[name] = sha(readFileSync(join(out, name)));
      }
    } else if (c.experiment !== undefined) {
      await runExperiment({ file: join(root, c.experiment), outDir: out, quick: true, workers: 0 });
      sums['results.json'] = sha(readFileSync(join(out, 'results.json')));
      sums['results.csv'] = sha(readFileSync(join(out, 'results.csv')));
    }
    return sums;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The record file. */
export const goldenFile = join(import.meta.dirname, 'sums.json');

/** The recorded sums, by case. */
export function readGolden(): Record<string, Record<string, string>> {
  return JSON.parse(readFileSync(goldenFile, 'utf8'));
}

async function main(argv: readonly string[]): Promise<number> {
  const write = argv.includes('--write');
  const all = argv.includes('--all');
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt < 0 ? undefined : new Set(argv[onlyAt + 1]?.split(','));
  const cases = goldenCases.filter((c) => (only === undefined ? all || c.small : only.has(c.name)));
  const record = write
    ? (() => {
        try {
          return readGolden();
        } catch {
          return {};
        }
      })()
    : readGolden();
  let bad = 0;
  for (const c of cases) {
    const t0 = performance.now();
    const sums = await runGoldenCase(c);
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    if (write) {
      record[c.name] = sums;
      console.log(`${c.name}: recorded (${s} s)`);
      continue;
    }
    const want = record[c.name];
    const diff = Object.keys({ ...want, ...sums }).filter((f) => want?.[f] !== sums[f]);
    if (diff.length > 0) bad++;
    console.log(`${c.name}: ${diff.length === 0 ? 'identical' : `DIFFERS in ${diff.join(', ')}`} (${s} s)`);
  }
  if (write) writeFileSync(goldenFile, `${JSON.stringify(record, null, 2)}\n`);
  return bad === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
