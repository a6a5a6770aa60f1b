// The linux launcher against the machine's real cgroups (run as root): limits written into the
// container's cgroup, a memory hog killed and reported as a memory limitation, a fork bomb held at
// the pids limit, a kill that reaches processes that left the process group, and nothing left behind
// (no process, no cgroup). Each run uses a cgroups root of its own, removed at the end.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLauncher } from '../../runtime/agent/isolation.ts';
import type { LaunchRequest } from '../../runtime/agent/launcher.ts';
import { eventually } from './agent-harness.ts';

const root = `meso-test-${process.pid}-${randomUUID().slice(0, 8)}`;
const hierarchies = ['freezer', 'cpu', 'cpuacct', 'memory', 'pids'].map((c) => `/sys/fs/cgroup/${c}`);
const usable = process.getuid?.() === 0 && existsSync('/sys/fs/cgroup/freezer/cgroup.procs');
let dir = '';

/** Container cgroups left under the test's root, in any hierarchy. */
function leftCgroups(): string[] {
  return hierarchies.flatMap((h) => {
    const path = join(h, root);
    return existsSync(path)
      ? readdirSync(path, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => join(path, e.name))
      : [];
  });
}

async function sandbox(): Promise<string> {
  const path = join(dir, randomUUID());
  await mkdir(path);
  return path;
}

function request(
  sandbox_dir: string,
  value: string,
  container: LaunchRequest['container'] = {},
): LaunchRequest {
  return {
    sandbox_dir,
    command: { value, shell: true, arguments: [] },
    env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
    container,
  };
}

describe.runIf(usable)('linux launcher on cgroup v1', () => {
  const launcher = usable
    ? createLauncher({
        isolation: 'cgroups/cpu,cgroups/mem,cgroups/pids',
        cgroups_root: root,
        cgroups_pids_max: 64,
      })
    : undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meso-linux-launcher-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    for (const h of hierarchies) if (existsSync(join(h, root))) rmdirSync(join(h, root));
  });

  it('runs the command inside its cgroup with the limits of its resources, and removes the cgroup after', async () => {
    const box = await sandbox();
    const container = await launcher!.launch(
      request(
        box,
        'cat /proc/self/cgroup; cat /sys/fs/cgroup/memory/$(cut -d: -f3 < /proc/self/cgroup | head -1)/memory.limit_in_bytes 2>/dev/null; sleep 0.2',
        {
          cpus: 0.5,
          mem_mb: 64,
        },
      ),
    );
    const name = container.record.cgroup!;
    expect(readFileSync(`/sys/fs/cgroup/cpu/${root}/${name}/cpu.shares`, 'utf8').trim()).toBe('512');
    expect(readFileSync(`/sys/fs/cgroup/memory/${root}/${name}/memory.limit_in_bytes`, 'utf8').trim()).toBe(
      String(64 * 1024 * 1024),
    );
    expect(
      readFileSync(`/sys/fs/cgroup/memory/${root}/${name}/memory.memsw.limit_in_bytes`, 'utf8').trim(),
    ).toBe(String(64 * 1024 * 1024));
    expect(readFileSync(`/sys/fs/cgroup/pids/${root}/${name}/pids.max`, 'utf8').trim()).toBe('64');
    const usage = await container.usage();
    expect(usage.processes).toBeGreaterThanOrEqual(1);
    expect(await container.exited).toEqual({ code: 0 });
    const out = await readFile(join(box, 'stdout'), 'utf8');
    expect(out).toContain(`memory:/${root}/${name}`);
    expect(out).toContain(`pids:/${root}/${name}`);
    expect(leftCgroups()).toEqual([]);
  });

  it('kills a container that exceeds its memory and reports the memory limitation', async () => {
    const box = await sandbox();
    const container = await launcher!.launch(
      request(box, 'python3 -c "b = bytearray(200 * 1024 * 1024); import time; time.sleep(5)"', {
        mem_mb: 64,
      }),
    );
    const exit = await container.exited;
    expect(exit).not.toEqual({ code: 0 });
    const limitation = container.limitation?.();
    expect(limitation?.reason).toBe('REASON_CONTAINER_LIMITATION_MEMORY');
    expect(limitation?.message).toMatch(/Memory limit exceeded: Requested: 64MB/);
    expect(leftCgroups()).toEqual([]);
  });

  it('holds a fork bomb at the pids limit, and its kill leaves no process behind', async () => {
    const box = await sandbox();
    // Each process starts a detached copy of the bomb: setsid takes them out of the process group.
    const bomb = 'b() { setsid sh -c "sleep 30" & b & wait; }; b';
    const container = await launcher!.launch(request(box, bomb));
    const cgroup = `/sys/fs/cgroup/pids/${root}/${container.record.cgroup}`;
    // The bomb reaches the limit: a fork was refused.
    const refused = () => Number(readFileSync(join(cgroup, 'pids.events'), 'utf8').split(' ')[1]);
    await eventually(() => refused() > 0);
    const current = Number(readFileSync(join(cgroup, 'pids.current'), 'utf8'));
    expect(current).toBeLessThanOrEqual(64);
    expect(current).toBeGreaterThan(30);
    expect(Number(readFileSync(join(cgroup, 'pids.events'), 'utf8').split(' ')[1])).toBeGreaterThan(0);
    const pids = readFileSync(join(cgroup, 'cgroup.procs'), 'utf8').trim().split('\n').map(Number);
    await container.kill(100);
    for (const pid of pids)
      expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')).toBe(
        false,
      );
    expect(leftCgroups()).toEqual([]);
  });
});
