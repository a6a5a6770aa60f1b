// `meso experiment run FILE [--out DIR] [--replicates N] [--quick] [--seed S] [--vars a=1,b=x]
// [--workers N]`: runs an experiment file (experiments/README.md describes the format): every point
// of its sweeps with every replicate's seed, in parallel on worker threads, then writes results.csv,
// results.json, the plots (SVG) and report.html into DIR (default out/experiments/NAME). The seed is
// printed first and the tables, measured beside published, last; progress and wall times go to stderr.
import { planExperiment } from '../experiments/points.ts';
import { loadExperiment, runExperiment } from '../experiments/runner.ts';
import { replicates_max } from '../experiments/spec.ts';
import type { TableResult } from '../experiments/tables.ts';

/** The command's options as the command line gives them. */
export interface ExperimentCommandOptions {
  readonly out?: string;
  readonly replicates?: string;
  readonly seed?: string;
  /** Variables over the file's: `name=value` pairs separated by commas (values as JSON, else text). */
  readonly vars?: string;
  readonly workers?: string;
  readonly quick?: boolean;
  /** Where the command writes; standard output and error unless a caller (a test) says otherwise. */
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

function whole(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${flag} must be a whole number from ${min} to ${max}, got '${value}'`);
  return n;
}

/** Parses `--vars a=1,b=text`: each value as JSON when it is JSON, else as text. */
export function parseVars(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  const vars: Record<string, unknown> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    if (eq < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new Error(`--vars: expected name=value pairs separated by commas, got '${pair}'`);
    const value = pair.slice(eq + 1).trim();
    try {
      vars[name] = JSON.parse(value);
    } catch {
      vars[name] = value;
    }
  }
  return vars;
}

/** A table as aligned text. */
export function tableText(table: TableResult): string {
  const rows = [table.columns, ...table.rows];
  const widths = table.columns.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [table.title, line(table.columns), rule, ...table.rows.map(line)].join('\n');
}

/** Runs `meso experiment run FILE`; returns the exit code. */
export async function runExperimentCommand(file: string, opts: ExperimentCommandOptions): Promise<number> {
  const stdout = opts.stdout ?? ((text: string) => process.stdout.write(text));
  const stderr = opts.stderr ?? ((text: string) => process.stderr.write(text));
  const replicates = whole(opts.replicates, 'replicates', 1, replicates_max);
  const workers = whole(opts.workers, 'workers', 0, 1024);
  const vars = parseVars(opts.vars);
  const quick = opts.quick === true;
  const options = {
    quick,
    ...(replicates === undefined ? {} : { replicates }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(vars === undefined ? {} : { vars }),
  };
  const { spec } = loadExperiment(file);
  const plan = planExperiment(spec, options);
  stderr(
    `meso experiment: ${spec.name}${quick ? ' (quick)' : ''}: seed ${plan.seeds[0]}, ${plan.points.length} points x ${plan.seeds.length} replicates\n`,
  );
  const args = [
    ...(quick ? ['--quick'] : []),
    ...(opts.replicates === undefined ? [] : ['--replicates', opts.replicates]),
    ...(opts.seed === undefined ? [] : ['--seed', opts.seed]),
    ...(opts.vars === undefined ? [] : ['--vars', opts.vars]),
    ...(opts.out === undefined ? [] : ['--out', opts.out]),
  ];
  const output = await runExperiment({
    file,
    ...options,
    ...(opts.out === undefined ? {} : { outDir: opts.out }),
    ...(workers === undefined ? {} : { workers }),
    command: ['meso experiment run', file, ...args].join(' '),
    onProgress: (line) => stderr(`${line}\n`),
  });
  stderr(`meso experiment: wrote ${output.files.join(', ')} to ${output.outDir}\n`);
  stdout(`${output.tables.map(tableText).join('\n\n')}\n`);
  return 0;
}
