// The master of the runtime benchmark in a child process (bench/runtime-master.ts), optionally
// under `node --cpu-prof`, and the hottest functions of its profile once it has stopped.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { type HotSpot, topSelfTime } from './runtime-measure.ts';

/** A master in a child process. */
export interface ChildMaster {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly profileDir: string | undefined;
  /** Hears the lines the master prints after its first (printed on stderr when none listens). */
  readonly lines: Set<(line: string) => void>;
}

/** More for the child master: node flags and flags of bench/runtime-master.ts. */
export interface ChildMasterExtra {
  readonly nodeArgs?: readonly string[];
  readonly masterArgs?: readonly string[];
}

/** Starts the benchmark's master in a child process; resolves once it listens. */
export function startChildMaster(
  repo: string,
  completedMax: number,
  profile: boolean,
  more: ChildMasterExtra = {},
): Promise<ChildMaster> {
  const profileDir = profile ? mkdtempSync(join(os.tmpdir(), 'meso-bench-prof-')) : undefined;
  // MESO_BENCH_MASTER_FLAGS adds node flags for the master alone (`--trace-gc`, `--max-old-space-size=...`).
  const extra = (process.env.MESO_BENCH_MASTER_FLAGS ?? '').split(' ').filter((f) => f !== '');
  const nodeArgs = [
    ...extra,
    ...(more.nodeArgs ?? []),
    ...(profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir]),
  ];
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      '--import',
      'tsx',
      join(repo, 'bench', 'runtime-master.ts'),
      '--completed-tasks-max',
      String(completedMax),
      ...(more.masterArgs ?? []),
    ],
    { cwd: repo, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = new Set<(line: string) => void>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the benchmark master did not start within 30 s'));
    }, 30_000);
    let text = '';
    let started = false;
    // The first line starting `{"url"` says where the master listens; anything else it prints
    // (node's own tracing, with MESO_BENCH_MASTER_FLAGS) goes to stderr.
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n')) {
        const line = text.slice(0, newline);
        text = text.slice(newline + 1);
        if (!started && line.startsWith('{"url"')) {
          started = true;
          clearTimeout(timer);
          const { url } = JSON.parse(line) as { url: string };
          resolve({ url, port: Number(new URL(url).port), child, profileDir, lines });
        } else if (lines.size > 0) {
          for (const listener of lines) listener(line);
        } else {
          process.stderr.write(`master: ${line}\n`);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the benchmark master exited with code ${code} before listening`));
    });
  });
}

/** Stops the child master (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
export async function stopChildMaster(m: ChildMaster): Promise<void> {
  if (m.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => m.child.once('exit', () => resolve()));
  m.child.kill('SIGTERM');
  const timer = setTimeout(() => m.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  m.child.stdin?.destroy();
}

/**
 * The hottest functions of a stopped child master's CPU profile (none when it was not profiled),
 * file paths relative to `repo`; the profile is copied to MESO_BENCH_KEEP_PROFILE when that is set.
 */
export function profileHotSpots(m: ChildMaster, repo: string, count: number): HotSpot[] | undefined {
  if (m.profileDir === undefined) return undefined;
  const file = readdirSync(m.profileDir).find((f) => f.endsWith('.cpuprofile'));
  const keep = process.env.MESO_BENCH_KEEP_PROFILE;
  if (keep !== undefined && file !== undefined) copyFileSync(join(m.profileDir, file), keep);
  const top =
    file === undefined
      ? []
      : topSelfTime(JSON.parse(readFileSync(join(m.profileDir, file), 'utf8')), count, repo);
  rmSync(m.profileDir, { recursive: true, force: true });
  return top;
}
