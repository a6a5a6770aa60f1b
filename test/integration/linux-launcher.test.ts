// The linux launcher against the machine's real cgroups (run as root): limits written into the
// container's cgroup, a memory hog killed and reported as a memory limitation, a fork bomb held at
// the pids limit, a kill that reaches processes that left the process group, and nothing left behind
// (no process, no cgroup). Each run uses a cgroups root of its own, removed at the end.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLauncher, detectCgroups } from '../../runtime/agent/isolation.ts';
import type { LaunchRequest } from '../../runtime/agent/launcher.ts';
import { createLinuxLauncher } from '../../runtime/agent/linux-launcher.ts';
import { eventually } from './agent-harness.ts';
import {
  leftCgroups as leftUnder,
  removeCgroupsRoot,
  uniqueCgroupsRoot,
  cgroups_v1_usable as usable,
} from './cgroup-fixture.ts';

const leftCgroups = (): string[] => leftUnder(root);

const root = uniqueCgroupsRoot('launcher');
let dir = '';

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
    removeCgroupsRoot(root);
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

describe.runIf(usable)('linux launcher: cpu quota, namespaces, users, recovery', () => {
  const all =
    'cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid,namespaces/ipc,namespaces/uts,filesystem/linux,network/none';
  const make = () => createLauncher({ isolation: all, cgroups_root: root, cgroups_enable_cfs: true });
  const launcher = usable ? make() : undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meso-linux-launcher-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    removeCgroupsRoot(root);
  });

  it('gives a busy loop with cpus=0.5 and CFS half a CPU, within 10%, over 2 s', async () => {
    const box = await sandbox();
    // The run's root outweighs every other process of the shared machine, so that the loop gets
    // all the CPU its quota allows however loaded the machine is: what is measured is the quota.
    await mkdir(`/sys/fs/cgroup/cpu/${root}`, { recursive: true });
    await writeFile(`/sys/fs/cgroup/cpu/${root}/cpu.shares`, '262144');
    const container = await launcher!.launch(request(box, 'while :; do :; done', { cpus: 0.5 }));
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const cpu = async (): Promise<number> => {
        const u = await container.usage();
        return u.cpus_user_time_secs + u.cpus_system_time_secs;
      };
      const [t0, c0] = [performance.now(), await cpu()];
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const [t1, c1] = [performance.now(), await cpu()];
      const share = (c1 - c0) / ((t1 - t0) / 1000);
      expect(share).toBeGreaterThan(0.45);
      expect(share).toBeLessThan(0.55);
      const stats = (await container.usage()) as unknown as Record<string, number>;
      expect(stats.cpus_limit).toBe(0.5);
      expect(stats.cpus_nr_throttled).toBeGreaterThan(0);
    } finally {
      await container.kill(0);
    }
    expect(leftCgroups()).toEqual([]);
  });

  it('runs the task as pid 1 of its own pid namespace, with its own /proc, hostname, /tmp and only loopback', async () => {
    const box = await sandbox();
    const script = [
      'echo pid=$$',
      `[ -e /proc/${process.pid} ] && echo agent-visible || echo agent-hidden`,
      'echo procs=$(ls /proc | grep -c "^[0-9]")',
      'echo host=$(hostname)',
      'echo tmp=$(ls -A /tmp | tr "\\n" " ")',
      'echo links=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" " ")',
      'echo sandbox=$(pwd) && touch /tmp/inside',
    ].join('; ');
    const container = await launcher!.launch(request(box, script, { hostname: 'task_7.web' }));
    expect(await container.exited).toEqual({ code: 0 });
    const out = await readFile(join(box, 'stdout'), 'utf8');
    expect(out).toContain('pid=1\n');
    expect(out).toContain('agent-hidden');
    expect(Number(/procs=(\d+)/.exec(out)?.[1])).toBeLessThanOrEqual(5);
    expect(out).toContain('host=task-7-web\n');
    expect(out).toContain(`sandbox=${box}\n`);
    expect(out).toContain('links=lo\n');
    // The private /tmp holds only the way to the sandbox (when it lies under /tmp), and goes with the container.
    expect(out).toContain(box.startsWith('/tmp/') ? `tmp=${box.split('/')[2]}\n` : 'tmp=\n');
    expect(existsSync('/tmp/inside')).toBe(false);
    expect(leftCgroups()).toEqual([]);
  });

  it("runs a task of user nobody as nobody, in a sandbox that is nobody's, unable to read a root-only file", async () => {
    const box = await sandbox();
    // Root's own file, where the task can name it (its private /tmp hides the test's directory).
    const secret = join(box, 'root-only');
    await writeFile(secret, 'secret\n', { mode: 0o600 });
    const container = await launcher!.launch(
      request(box, `id -un; echo written > own; cat ${secret} || echo refused`, { user: 'nobody' }),
    );
    expect(await container.exited).toEqual({ code: 0 });
    const out = await readFile(join(box, 'stdout'), 'utf8');
    expect(out).toContain('nobody\n');
    expect(out).toContain('refused');
    expect(out).not.toContain('secret');
    expect(await readFile(join(box, 'stderr'), 'utf8')).toMatch(/Permission denied/);
    expect((await stat(box)).uid).toBe(65534);
    expect((await stat(join(box, 'own'))).uid).toBe(65534);
  });

  it('fails the launch of a user the agent does not have, naming it', async () => {
    const box = await sandbox();
    await expect(launcher!.launch(request(box, 'true', { user: 'no-such-user-x1' }))).rejects.toThrow(
      /user 'no-such-user-x1' does not exist on the agent/,
    );
    expect(leftCgroups()).toEqual([]);
  });

  it('recovers a container from its record in a new launcher, and destroys the orphans no record names', async () => {
    const kept = await launcher!.launch(request(await sandbox(), 'sleep 30'));
    const orphan = await launcher!.launch(request(await sandbox(), 'sleep 30'));
    kept.release();
    orphan.release();
    const orphan_pids = await readFile(
      `/sys/fs/cgroup/freezer/${root}/${orphan.record.cgroup}/cgroup.procs`,
      'utf8',
    );
    const restarted = make();
    const recovered = await restarted.recover(kept.record);
    expect(recovered?.running()).toBe(true);
    expect(await restarted.destroyOrphans!([kept.record])).toEqual([orphan.record.cgroup]);
    for (const pid of orphan_pids.trim().split('\n').map(Number)) {
      expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')).toBe(
        false,
      );
    }
    expect(leftCgroups().filter((path) => path.endsWith(orphan.record.cgroup!))).toEqual([]);
    await recovered!.kill(100);
    expect(recovered!.running()).toBe(false);
    expect(await restarted.recover(kept.record)).toBeUndefined();
    await Promise.allSettled([kept.exited, orphan.exited]);
    expect(leftCgroups()).toEqual([]);
  });
});

describe.runIf(usable)('linux launcher: who forks the first process', () => {
  const script = 'echo pid=$$; echo host=$(hostname); cat /proc/self/cgroup';
  const namespaces = { pid: true, mount: true, ipc: true, uts: true, net: true };
  const make = (perl: string | undefined) =>
    createLinuxLauncher({
      isolation: 'cgroups/mem,namespaces/pid',
      cgroups: detectCgroups(['memory', 'pids'], root, '/sys/fs/cgroup', 'test'),
      namespaces,
      enable_cfs: false,
      limit_swap: true,
      pids_max: 64,
      ...(perl === undefined ? {} : { perl }),
    });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meso-linux-launcher-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    removeCgroupsRoot(root);
  });

  for (const [what, perl] of [
    ['the forker (perl)', '/usr/bin/perl'],
    ['the agent itself, on a machine without perl', undefined],
  ] as const) {
    it(`puts a container forked by ${what} in its cgroups and namespaces before its command runs`, async () => {
      const launcher = make(perl);
      const box = await sandbox();
      const container = await launcher.launch(request(box, script, { hostname: 'forked', mem_mb: 32 }));
      // The launch resolved once the command was about to run: it is already in its cgroup.
      const procs = readFileSync(
        `/sys/fs/cgroup/memory/${root}/${container.record.cgroup}/cgroup.procs`,
        'utf8',
      );
      expect(procs.split('\n')).toContain(String(container.pid));
      expect(await container.exited).toEqual({ code: 0 });
      const out = await readFile(join(box, 'stdout'), 'utf8');
      expect(out).toContain('pid=1\n');
      expect(out).toContain('host=forked\n');
      expect(out).toContain(`memory:/${root}/${container.record.cgroup}`);
      expect(leftCgroups()).toEqual([]);
    });
  }

  it('reports a program the forker cannot find as exit 127, with argv[0] as the request gives it', async () => {
    const launcher = createLinuxLauncher({
      isolation: 'cgroups/mem',
      cgroups: detectCgroups(['memory'], root, '/sys/fs/cgroup', 'test'),
      namespaces: { pid: false, mount: false, ipc: false, uts: false, net: false },
      enable_cfs: false,
      limit_swap: true,
      pids_max: 64,
      perl: '/usr/bin/perl',
    });
    const box = await sandbox();
    const missing = await launcher.launch({
      ...request(box, 'no-such-program-x1'),
      command: { value: 'no-such-program-x1', shell: false, arguments: ['no-such-program-x1'] },
    });
    expect(await missing.exited).toEqual({ code: 127 });
    expect(await readFile(join(box, 'stderr'), 'utf8')).toMatch(/cannot run no-such-program-x1/);
    const box2 = await sandbox();
    const named = await launcher.launch({
      ...request(box2, '/bin/sh'),
      command: {
        value: '/bin/sh',
        shell: false,
        arguments: ['my-name', '-c', 'tr "\\0" " " < /proc/$$/cmdline', 'x'],
      },
    });
    expect(await named.exited).toEqual({ code: 0 });
    expect(await readFile(join(box2, 'stdout'), 'utf8')).toMatch(/^my-name -c /);
    expect(leftCgroups()).toEqual([]);
  });
});
