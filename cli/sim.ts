// `meso sim`: runs the discrete-event simulator. Either a JSON config file (cluster, frameworks with
// their workloads, policy, faults, latencies, end time):
//   meso sim CONFIG --seed N --out DIR [--hours H] [--trace-events]
// or a run described by flags:
//   meso sim --trace swim:FILE | --trace swf:FILE | --workload NAME
//            [--agents 600] [--agent-resources 'cpus:8;mem:16384'] [--racks N] [--policy drf]
//            [--seed 1] [--out DIR] [--hours 24] [--latency-ms 0.5] [--loss 0] [--trace-events]
// The seed is printed first; the summary last. With --out, the directory gets summary.json,
// config.json, utilisation.csv, shares.csv, offers.csv, jobs.csv (and trace.ndjson with
// --trace-events), the same bytes for the same seed and config. Wall-clock time goes to stderr only,
// with a progress bar when stderr is a terminal and the run takes more than a few seconds.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import { type PolicyName, policyNames } from '../engine/allocator/policies.ts';
import { createRng } from '../engine/rng.ts';
import type { WorkloadSource } from '../sim/config.ts';
import {
  type FrameworkKind,
  framework_kinds,
  resolveSimConfig,
  type SimConfig,
  sim_end_ms_max,
} from '../sim/config.ts';
import { runSimulation } from '../sim/run.ts';
import type { Simulation } from '../sim/simulator.ts';
import { summaryText } from '../sim/summary.ts';
import { readSource, sourceKey } from '../sim/workload-source.ts';
import { isWorkloadName, workloadDefaults, workloadNames } from '../workloads/generators/index.ts';
import type { Job } from '../workloads/job.ts';

/** The command's options as the command line gives them (text; booleans for switches). */
export interface SimCommandOptions {
  /** Path of a JSON config; the flags describing a run are refused with it. */
  readonly config?: string;
  readonly seed?: string;
  readonly out?: string;
  readonly hours?: string;
  readonly traceEvents?: boolean;
  readonly trace?: string;
  readonly workload?: string;
  readonly agents?: string;
  readonly agentResources?: string;
  readonly racks?: string;
  readonly policy?: string;
  readonly latencyMs?: string;
  readonly loss?: string;
  /** Stop at the first broken invariant (exit code 1). */
  readonly strict?: boolean;
  /** Where the command writes; standard output and error unless a caller (a test) says otherwise. */
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /** Whether stderr is a terminal (progress bar); process.stderr.isTTY by default. */
  readonly tty?: boolean;
}

/** Flags that describe a run, refused together with a config file. */
const run_flags = [
  'trace',
  'workload',
  'agents',
  'agentResources',
  'racks',
  'policy',
  'latencyMs',
  'loss',
] as const;

/** Wall time after which a progress bar appears, in ms. */
const progress_after_ms = 2000;

const default_agent_resources = 'cpus:8;mem:16384';
/** Machines per rack when --racks is not given. */
const agents_per_rack = 40;

function number(value: string | undefined, flag: string, min: number, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
    throw new Error(`--${flag} must be ${integer ? 'a whole number' : 'a number'} >= ${min}, got '${value}'`);
  return n;
}

/** Which framework kinds a source's jobs need. */
function kindsOf(jobs: readonly Job[]): FrameworkKind[] {
  const kinds = new Set<string>(jobs.map((j) => j.framework));
  return framework_kinds.filter((k) => kinds.has(k));
}

/** The config a run described by flags makes, and the jobs already read for it. */
function configFromFlags(
  opts: SimCommandOptions,
  seed: string,
): {
  config: SimConfig;
  preloaded: { jobs: Map<string, Job[]>; notes: string[] };
} {
  if ((opts.trace === undefined) === (opts.workload === undefined))
    throw new Error('give a config file, or exactly one of --trace swim:FILE|swf:FILE and --workload NAME');
  if (opts.policy !== undefined && !policyNames.includes(opts.policy as PolicyName))
    throw new Error(`--policy must be one of ${policyNames.join(', ')}, got '${opts.policy}'`);
  const agents = number(opts.agents, 'agents', 1, true) ?? 600;
  const source = sourceOf(opts, agents);
  const notes: string[] = [];
  const jobs = readSource(source, createRng(seed).fork('workloads'), process.cwd(), notes);
  const latency = number(opts.latencyMs, 'latency-ms', 0);
  const hours = number(opts.hours, 'hours', Number.MIN_VALUE) ?? 24;
  const raw = {
    seed,
    end_ms: Math.round(hours * 3_600_000),
    policy: opts.policy ?? 'drf',
    cluster: {
      agents,
      resources: opts.agentResources ?? default_agent_resources,
      racks: number(opts.racks, 'racks', 1, true) ?? Math.max(1, Math.ceil(agents / agents_per_rack)),
    },
    frameworks: kindsOf(jobs).map((kind) => ({ name: kind, kind, workload: source })),
    network: {
      ...(latency === undefined ? {} : { master_agent_ms: latency, master_framework_ms: latency }),
      ...(opts.loss === undefined ? {} : { loss_probability: number(opts.loss, 'loss', 0) }),
    },
  };
  return { config: resolveSimConfig(raw), preloaded: { jobs: new Map([[sourceKey(source), jobs]]), notes } };
}

/** The workload of --trace or --workload; a generator sized by machines is sized for --agents. */
function sourceOf(opts: SimCommandOptions, agents: number): WorkloadSource {
  if (opts.trace !== undefined) return { trace: resolveTrace(opts.trace) };
  const name = opts.workload!;
  if (!isWorkloadName(name))
    throw new Error(`--workload '${name}' is unknown; known: ${workloadNames.join(', ')}`);
  const sized = Object.hasOwn(workloadDefaults(name), 'machines');
  return sized ? { generator: name, params: { machines: agents } } : { generator: name };
}

/** A trace spec with its path made absolute, so config.json names the file wherever it is read. */
function resolveTrace(spec: string): string {
  const colon = spec.indexOf(':');
  if (colon < 0) throw new Error(`--trace must be swim:FILE or swf:FILE, got '${spec}'`);
  return `${spec.slice(0, colon)}:${resolve(spec.slice(colon + 1))}`;
}

/** The config of a config file, with --seed and --hours applied. */
function configFromFile(path: string, opts: SimCommandOptions): SimConfig {
  for (const flag of run_flags) {
    if (opts[flag] !== undefined)
      throw new Error(
        `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} cannot be combined with a config file`,
      );
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`cannot read config ${path}: ${(error as Error).message}`);
  }
  const hours = number(opts.hours, 'hours', Number.MIN_VALUE);
  const merged = {
    ...raw,
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(hours === undefined ? {} : { end_ms: Math.round(hours * 3_600_000) }),
  };
  try {
    return resolveSimConfig(merged);
  } catch (error) {
    throw new Error(`config ${path}: ${(error as Error).message}`);
  }
}

/** Steps of the progress bar. */
const progress_steps = 1000;

/**
 * A progress display on stderr that appears once the run has taken a while. Progress is the larger
 * of simulated time over the end time and jobs ended over jobs, as a run stops at whichever comes first.
 */
function progressReporter(end_ms: number, tty: boolean) {
  const started = performance.now();
  let bar: cliProgress.SingleBar | undefined;
  const update = (now_ms: number, events: number, sim: Simulation): void => {
    if (!tty) return;
    const wall = performance.now() - started;
    if (bar === undefined && wall < progress_after_ms) return;
    const done = Math.max(now_ms / end_ms, sim.jobsToEnd === 0 ? 0 : sim.jobsEnded / sim.jobsToEnd);
    const payload = {
      sim: `${(now_ms / 3_600_000).toFixed(2)} h`,
      jobs: `${sim.jobsEnded}/${sim.jobsToEnd}`,
      rate: Math.round(events / (wall / 1000)),
    };
    if (bar === undefined) {
      bar = new cliProgress.SingleBar(
        {
          format: 'sim |{bar}| {percentage}% | {sim} simulated | jobs {jobs} | {rate} events/s',
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(progress_steps, 0, payload);
    }
    bar.update(Math.round(done * progress_steps), payload);
  };
  return { update, stop: () => bar?.stop() };
}

/** Runs `meso sim`; returns the exit code (0, or 1 when invariants broke). */
export function runSimCommand(opts: SimCommandOptions): number {
  const stdout = opts.stdout ?? ((text: string) => process.stdout.write(text));
  const stderr = opts.stderr ?? ((text: string) => process.stderr.write(text));
  const seed = opts.seed ?? '1';
  const fromFile = opts.config !== undefined;
  const { config, preloaded } = fromFile
    ? { config: configFromFile(opts.config!, opts), preloaded: undefined }
    : configFromFlags(opts, seed);
  if (config.end_ms > sim_end_ms_max) throw new Error('--hours: at most one year');
  stderr(`meso sim: seed ${config.seed}\n`);
  const progress = progressReporter(config.end_ms, opts.tty ?? process.stderr.isTTY === true);
  const started = performance.now();
  let result: ReturnType<typeof runSimulation>;
  try {
    result = runSimulation({
      config,
      baseDir: fromFile ? dirname(resolve(opts.config!)) : process.cwd(),
      ...(opts.out === undefined ? {} : { outDir: opts.out }),
      traceEvents: opts.traceEvents === true,
      ...(preloaded === undefined ? {} : { preloaded }),
      onProgress: progress.update,
      strict: opts.strict === true,
    });
  } finally {
    progress.stop();
  }
  const wall_s = (performance.now() - started) / 1000;
  const events = result.sim.counts.events;
  stderr(
    `meso sim: ${wall_s.toFixed(2)} s wall, ${events} events (${Math.round(events / wall_s)} events/s)\n`,
  );
  if (opts.out !== undefined) stderr(`meso sim: wrote ${result.files.join(', ')} to ${opts.out}\n`);
  stdout(`${summaryText(result.summary)}\n`);
  return result.sim.invariants.count > 0 ? 1 : 0;
}
