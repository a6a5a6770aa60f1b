// Containers launched back to back on one agent's linux launcher, with cgroups (cpu, memory, pids)
// and namespaces (pid with its own /proc, mount, ipc, uts, network/none): the time from the launch
// call to the container's first process running inside its cgroups and namespaces (what the agent
// waits for before TASK_RUNNING), p50 / p99, and how long the whole series takes until every
// container has ended and its cgroups are removed. Needs root and cgroup v1 or v2.
//
//   npm run bench:containers                 1,000 containers
//   npm run bench:containers -- --containers 200 --json
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLauncher } from '../runtime/agent/isolation.ts';
import type { LaunchedContainer } from '../runtime/agent/launcher.ts';
import { leftCgroups, removeCgroupsRoot, uniqueCgroupsRoot } from '../test/integration/cgroup-fixture.ts';

const args = process.argv.slice(2);
const at = args.indexOf('--containers');
const count = at < 0 ? 1000 : Number(args[at + 1]);
if (!Number.isInteger(count) || count < 1) {
  console.error(`--containers must be a positive integer, got '${args[at + 1]}'`);
  process.exit(2);
}
const json = args.includes('--json');
const isolation =
  'cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid,namespaces/ipc,namespaces/uts,filesystem/linux,network/none';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error('bench:containers makes cgroups and namespaces: run it as root');
    process.exit(2);
  }
  const root = uniqueCgroupsRoot('bench');
  const dir = await mkdtemp(join(tmpdir(), 'meso-bench-containers-'));
  const launcher = createLauncher({ isolation, cgroups_root: root });
  const latencies: number[] = [];
  const running: LaunchedContainer[] = [];
  try {
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      const sandbox_dir = join(dir, randomUUID());
      await mkdir(sandbox_dir);
      const t0 = process.hrtime.bigint();
      const container = await launcher.launch({
        sandbox_dir,
        command: { value: 'true', shell: true, arguments: [] },
        env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
        container: { cpus: 0.1, mem_mb: 32, hostname: `c${i}` },
      });
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      running.push(container);
    }
    const launched_s = Number(process.hrtime.bigint() - started) / 1e9;
    const exits = await Promise.all(running.map((c) => c.exited));
    const total_s = Number(process.hrtime.bigint() - started) / 1e9;
    const failed = exits.filter((e) => !('code' in e) || e.code !== 0).length;
    const left = leftCgroups(root).length;
    latencies.sort((a, b) => a - b);
    const figures = {
      containers: count,
      isolation,
      p50_ms: Number(percentile(latencies, 50).toFixed(2)),
      p99_ms: Number(percentile(latencies, 99).toFixed(2)),
      launched_s: Number(launched_s.toFixed(2)),
      all_ended_s: Number(total_s.toFixed(2)),
      per_s: Number((count / launched_s).toFixed(0)),
      failed,
      cgroups_left: left,
    };
    if (json) console.log(JSON.stringify(figures));
    else {
      console.log(
        `${count} containers (${isolation}): launch to running p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms; ` +
          `all launched in ${figures.launched_s} s (${figures.per_s}/s), all ended and removed in ${figures.all_ended_s} s; ` +
          `${failed} failed, ${left} cgroups left`,
      );
    }
    if (failed > 0 || left > 0) process.exitCode = 1;
  } finally {
    await Promise.all(running.map((c) => (c.running() ? c.kill(0) : undefined)));
    removeCgroupsRoot(root);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
