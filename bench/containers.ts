// Containers launched back to back on one agent's linux launcher, with cgroups (cpu, memory, pids)
// and namespaces (pid with its own /proc, mount with a private /tmp, ipc, uts, network/none): the
// time from the launch call until the container's command is about to run inside its cgroups and
// namespaces (the launch resolves then, and the agent reports TASK_RUNNING), p50 / p99; how long
// until all of them were launched, and until every container has ended and its cgroups are removed.
// Needs root and cgroup v1 or v2.
//
//   npm run bench:containers                          1,000 containers, one launch at a time
//   npm run bench:containers -- --containers 200 --json    one JSON line per figure
//   npm run bench:containers -- --parallel 4          up to 4 launches under way at once
//   npm run bench:containers -- --profile             also time the pieces a launch is made of
//   npm run bench:containers -- --work_dir /tmp       sandboxes under /tmp (default: under /var/tmp)
//
// An agent's sandboxes live under its --work_dir (e.g. /var/lib/meso); one under /tmp costs each
// launch more, since the container's private /tmp must then have the sandbox mounted back into it.
//
// Output: a progress bar on stderr (a terminal only), then a summary; with --json, only JSON lines.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findTool } from '../runtime/agent/container-process.ts';
import { createLauncher, detectCgroups } from '../runtime/agent/isolation.ts';
import type { LaunchedContainer } from '../runtime/agent/launcher.ts';
import { cgroups_hierarchy_default } from '../runtime/constants.ts';
import { leftCgroups, removeCgroupsRoot, uniqueCgroupsRoot } from '../test/integration/cgroup-fixture.ts';

const { values } = parseArgs({
  options: {
    containers: { type: 'string', default: '1000' },
    parallel: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'profile-runs': { type: 'string', default: '100' },
    work_dir: { type: 'string', default: '/var/tmp' },
  },
});

function whole(name: 'containers' | 'parallel' | 'profile-runs'): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer, got '${values[name]}'`);
    process.exit(2);
  }
  return n;
}
const count = whole('containers');
const parallel = whole('parallel');
const profile_runs = whole('profile-runs');
const json = values.json;
const isolation =
  'cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid,namespaces/ipc,namespaces/uts,filesystem/linux,network/none';
const target_p50_ms = 5;
const target_total_s = 10;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
const elapsed_ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const load = (): number[] => os.loadavg().map((l) => round(l));

/** One JSON line per figure with --json. */
function emit(figure: string, value: unknown, extra: Record<string, unknown> = {}): void {
  if (json) console.log(JSON.stringify({ bench: 'containers', figure, value, ...extra }));
}

/** A progress bar on stderr, drawn only on a terminal and never with --json. */
function progressBar(total: number): { tick(done: number): void; end(): void } {
  const shown = !json && process.stderr.isTTY === true;
  let last = -1;
  return {
    tick(done) {
      const filled = Math.floor((done / total) * 40);
      if (!shown || filled === last) return;
      last = filled;
      process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(40 - filled)}] ${done}/${total}`);
    },
    end() {
      if (shown) process.stderr.write(`\r${' '.repeat(60)}\r`);
    },
  };
}

async function series(): Promise<boolean> {
  const root = uniqueCgroupsRoot('bench');
  const dir = await mkdtemp(join(values.work_dir, 'meso-bench-containers-'));
  const launcher = createLauncher({ isolation, cgroups_root: root });
  const latencies: number[] = [];
  const running: LaunchedContainer[] = [];
  const load_before = load();
  const bar = progressBar(count);
  try {
    const started = process.hrtime.bigint();
    let next = 0;
    const launchOne = async (i: number): Promise<void> => {
      const sandbox_dir = join(dir, String(i));
      await mkdir(sandbox_dir);
      const t0 = process.hrtime.bigint();
      const container = await launcher.launch({
        sandbox_dir,
        command: { value: 'true', shell: true, arguments: [] },
        env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
        container: { cpus: 0.1, mem_mb: 32, hostname: `c${i}` },
      });
      latencies.push(elapsed_ms(t0));
      running.push(container);
      bar.tick(running.length);
    };
    const worker = async (): Promise<void> => {
      while (next < count) await launchOne(next++);
    };
    await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
    const launched_s = elapsed_ms(started) / 1000;
    // A container's `exited` resolves once its cgroups are removed.
    const exits = await Promise.all(running.map((c) => c.exited));
    const total_s = elapsed_ms(started) / 1000;
    bar.end();
    const failed = exits.filter((e) => !('code' in e) || e.code !== 0).length;
    const left = leftCgroups(root).length;
    latencies.sort((a, b) => a - b);
    const p50 = round(percentile(latencies, 50));
    const p99 = round(percentile(latencies, 99));
    const conditions = { cores: os.cpus().length, node: process.version, load_before, load_after: load() };
    emit('launch_p50_ms', p50, {
      unit: 'ms',
      target: target_p50_ms,
      containers: count,
      parallel,
      isolation,
      work_dir: values.work_dir,
    });
    emit('launch_p99_ms', p99, { unit: 'ms', containers: count, parallel });
    emit('all_launched_s', round(launched_s), {
      unit: 's',
      target: target_total_s,
      containers: count,
      parallel,
    });
    emit('all_ended_and_removed_s', round(total_s), { unit: 's', containers: count, parallel });
    emit('launches_per_s', Math.round(count / launched_s), { unit: '1/s', containers: count, parallel });
    emit('failed', failed, { containers: count });
    emit('cgroups_left', left, { containers: count });
    emit('conditions', conditions);
    if (!json) {
      console.log(
        `${count} containers (${isolation}), ${parallel === 1 ? 'one launch at a time' : `${parallel} launches at once`}, sandboxes under ${values.work_dir}:\n` +
          `  launch to running   p50 ${p50} ms, p99 ${p99} ms   (target p50 < ${target_p50_ms} ms)\n` +
          `  all launched        ${round(launched_s)} s (${Math.round(count / launched_s)}/s)   (target < ${target_total_s} s)\n` +
          `  all ended, removed  ${round(total_s)} s\n` +
          `  ${failed} failed, ${left} cgroups left; ${conditions.cores} cores, load ${load_before.join(' ')} before, ${conditions.load_after.join(' ')} after`,
      );
    }
    return failed === 0 && left === 0;
  } finally {
    bar.end();
    await Promise.all(running.map((c) => (c.running() ? c.kill(0) : undefined)));
    removeCgroupsRoot(root);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Median wall time of `runs` runs of `once`, ms. */
async function medianOf(runs: number, once: () => Promise<void> | void): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await once();
    times.push(elapsed_ms(t0));
  }
  times.sort((a, b) => a - b);
  return percentile(times, 50);
}

/** Runs a program to its end from this process (as the agent spawns); throws on failure. */
function runToEnd(file: string, args: readonly string[]): void {
  const result = spawnSync(file, args, { stdio: 'ignore' });
  if (result.status !== 0)
    throw new Error(`${file} ${args.join(' ')} ended with ${result.status ?? result.signal}`);
}

/**
 * The pieces a launch is made of, each timed on its own (median of --profile-runs): the cgroups made
 * and removed, the agent's spawn of a process, the shell that joins the cgroups, util-linux
 * `unshare` into every namespace, and each program run inside them.
 */
async function profile(): Promise<void> {
  const root = uniqueCgroupsRoot('bench-profile');
  const cgroups = detectCgroups(['cpu', 'memory', 'pids'], root, cgroups_hierarchy_default, 'bench');
  const limits = { cpu_shares: 102, mem_limit_bytes: 32 << 20, swap_limit_bytes: 0, pids_max: 4096 };
  const tools = { unshare: findTool('unshare')!, mount: findTool('mount')!, ip: findTool('ip')! };
  const flags = ['--pid', '--fork', '--mount-proc', '--kill-child', '--mount', '--ipc', '--uts', '--net'];
  const rows: Array<[string, number]> = [];
  const time = async (what: string, once: () => Promise<void> | void): Promise<void> => {
    rows.push([what, round(await medianOf(profile_runs, once), 3)]);
  };
  try {
    let n = 0;
    const made: string[] = [];
    await time('cgroups made with their limits (agent, async fs)', async () => {
      const name = `p${n++}`;
      await cgroups.create(name, limits);
      made.push(name);
    });
    let r = 0;
    await time('cgroups removed (agent, async fs)', async () => {
      await cgroups.find(made[r++]!)?.remove();
    });
    await time("agent's spawn of /bin/true, to its 'spawn' event", async () => {
      const child = spawn('/bin/true', [], { stdio: 'ignore', detached: true });
      await new Promise((resolve) => child.once('spawn', resolve));
      await new Promise((resolve) => child.once('exit', resolve));
    });
    await time("agent's spawn of /bin/true, to its end", () => runToEnd('/bin/true', []));
    const joined = await cgroups.create('join', limits);
    await time('sh joining the cgroups, to its end', () =>
      runToEnd('/bin/sh', ['-c', joined.procs_files.map((f) => `echo $$ > ${f}`).join('; ')]),
    );
    // Leave the cgroup again: the timing process's own cgroups are the parent's.
    await joined.remove().catch(() => {});
    await time('unshare into every namespace, /bin/true, to its end', () =>
      runToEnd(tools.unshare, [...flags, '--', '/bin/true']),
    );
    await time('... and a sh inside (the namespaces init), to its end', () =>
      runToEnd(tools.unshare, [...flags, '--', '/bin/sh', '-c', 'exit 0']),
    );
    await time('... and hostname written by that sh', () =>
      runToEnd(tools.unshare, [...flags, '--', '/bin/sh', '-c', "printf '%s' c > /proc/sys/kernel/hostname"]),
    );
    await time('... and mount of a tmpfs on /tmp by that sh', () =>
      runToEnd(tools.unshare, [...flags, '--', '/bin/sh', '-c', `${tools.mount} -t tmpfs tmpfs /tmp`]),
    );
    await time('... and ip link set lo up by that sh', () =>
      runToEnd(tools.unshare, [...flags, '--', '/bin/sh', '-c', `${tools.ip} link set lo up`]),
    );
    for (const name of made.slice(r)) await cgroups.find(name)?.remove();
  } finally {
    removeCgroupsRoot(root);
  }
  for (const [what, ms] of rows)
    emit('profile_ms', ms, { unit: 'ms', what, runs: profile_runs, load: load() });
  if (!json) {
    console.log(`pieces of a launch, each alone (median of ${profile_runs}; load ${load().join(' ')}):`);
    for (const [what, ms] of rows) console.log(`  ${ms.toFixed(2).padStart(7)} ms  ${what}`);
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error('bench:containers makes cgroups and namespaces: run it as root');
    process.exit(2);
  }
  if (values.profile) await profile();
  if (!(await series())) process.exitCode = 1;
}

await main();
