// A `meso agent` asked for isolation the machine cannot give stops at start, with a message naming
// what is missing and how to run without, rather than running its tasks unisolated: no cgroups
// mounted at --cgroups_hierarchy, cgroups it may not write (an agent not run as root), namespaces
// without root.
import { spawnSync } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Processes, repo_root } from './e2e-harness.ts';

const procs = new Processes();
const meso = join(repo_root, 'bin', 'meso.js');
let dir = '';

beforeAll(async () => {
  dir = await procs.dir('meso-isolation-errors-');
  // Any user may make its work_dir here (nobody's agent below).
  await chmod(dir, 0o777);
  // Built now, as root: the agent run as nobody could not write a stale build again.
  spawnSync(process.execPath, [meso, '--version'], { cwd: repo_root });
});
afterAll(() => procs.cleanup());

// The cases run as nobody need a checkout nobody may read (a clone under a private 0700 directory
// is not); elsewhere they are skipped, as vitest reports.
const nobodyReadsCheckout =
  spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', meso]).status === 0;

/** Runs `meso agent` with `flags` (as `user` when given) and answers its exit code and stderr. */
async function agent(name: string, flags: readonly string[], user?: string) {
  const args = [meso, 'agent', '--master=127.0.0.1:1', `--work_dir=${join(dir, name)}`, ...flags];
  const run =
    user === undefined
      ? procs.spawn(process.execPath, args)
      : procs.spawn('setpriv', [
          `--reuid=${user}`,
          `--regid=${user}`,
          '--clear-groups',
          process.execPath,
          ...args,
        ]);
  const { code } = await run.exited;
  return { code, stderr: run.stderr() };
}

describe.runIf(process.getuid?.() === 0 && process.platform === 'linux')(
  'isolation the machine lacks',
  () => {
    it('names an empty --cgroups_hierarchy', async () => {
      const { code, stderr } = await agent('a1', ['--isolation=cgroups/mem', `--cgroups_hierarchy=${dir}`]);
      expect(code).toBe(1);
      expect(stderr).toContain(
        `--isolation=cgroups/mem needs cgroups, but nothing is mounted at ${dir} (--cgroups_hierarchy)`,
      );
      expect(stderr).toContain('--isolation=posix/cpu,posix/mem');
    });

    it.runIf(nobodyReadsCheckout)('names the cgroup it may not write, and what would let it', async () => {
      const { code, stderr } = await agent(
        'a2',
        ['--isolation=cgroups/mem', '--cgroups_root=meso-not-ours'],
        '65534',
      );
      expect(code).toBe(1);
      expect(stderr).toMatch(
        /--isolation=cgroups\/mem: cannot create cgroups in \S+\/meso-not-ours \(EACCES\)/,
      );
      expect(stderr).toContain(
        'the agent needs root, or a delegated cgroup it may write named by --cgroups_root',
      );
    });

    it.runIf(nobodyReadsCheckout)('refuses namespaces without root', async () => {
      const { code, stderr } = await agent('a3', ['--isolation=namespaces/pid'], '65534');
      expect(code).toBe(1);
      expect(stderr).toContain(
        '--isolation=namespaces/pid: entering namespaces needs the agent to run as root',
      );
    });
  },
);
