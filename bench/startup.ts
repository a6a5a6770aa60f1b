// Start time of the `meso` command: wall time from spawning `node bin/meso.js ...` to its exit, for
// the top-level --help, every command's --help, and a bad argument to `meso sim` (which starts
// itself again with a larger young generation before it can answer). The target is 0.5 s each;
// before the JavaScript build (bin/build.mjs) every start took about 2-3 s, `meso sim` 5-9 s.
//
//   npm run bench:startup              table (median and worst of --runs, default 7)
//   npm run bench:startup -- --json    one JSON line per command line
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'meso.js');
const target_ms = 500;

const lines: ReadonlyArray<readonly string[]> = [
  ['--help'],
  ...['scenario', 'master', 'agent', 'local', 'test-framework', 'sim', 'experiment', 'replay'].map((c) => [
    c,
    '--help',
  ]),
  ['sim', '--no-such-flag'],
];

/** Wall time of one run of the command, ms. */
function timeOnce(args: readonly string[]): number {
  const start = performance.now();
  const child = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  const ms = performance.now() - start;
  if (child.error !== undefined) throw child.error;
  return ms;
}

function main(): void {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  const at = argv.indexOf('--runs');
  const runs = at >= 0 ? Number(argv[at + 1]) : 7;
  timeOnce(['--help']); // builds dist/ if it is missing or stale, so no line pays for the build
  let failed = false;
  if (!json)
    console.log(`${'command'.padEnd(28)} ${'median ms'.padStart(10)} ${'worst ms'.padStart(10)}  target`);
  for (const args of lines) {
    const times = Array.from({ length: runs }, () => timeOnce(args)).sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? 0;
    const worst = times[times.length - 1] ?? 0;
    if (median > target_ms) failed = true;
    const name = `meso ${args.join(' ')}`;
    if (json)
      console.log(
        JSON.stringify({
          bench: 'startup',
          command: name,
          runs,
          median_ms: median,
          worst_ms: worst,
          target_ms,
        }),
      );
    else
      console.log(
        `${name.padEnd(28)} ${median.toFixed(0).padStart(10)} ${worst.toFixed(0).padStart(10)}  ${target_ms}`,
      );
  }
  if (failed) process.exitCode = 1;
}

main();
