// The posix launcher against real processes: exits, shell and exec forms, sandbox files, the
// environment, killing a process tree with escalation, and usage readings from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandExitMessage, commandTerminalState } from '../../runtime/agent/command-messages.ts';
import type { LaunchCommand, LaunchedContainer } from '../../runtime/agent/launcher.ts';
import { createPosixLauncher, parseProcStat } from '../../runtime/agent/posix-launcher.ts';

const launcher = createPosixLauncher();
const path_env = { PATH: '/usr/local/bin:/usr/bin:/bin' };
const containers: LaunchedContainer[] = [];
const others: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  // End only what these tests started, by pid: the containers' groups, then other children.
  await Promise.all(
    containers.splice(0).map((c) => (c.exit() ? Promise.resolve() : c.kill(0).then(() => {}))),
  );
  for (const child of others.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  }
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh sandbox directory, removed after the test. */
async function sandbox(): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'meso-launcher-')));
  dirs.push(dir);
  return dir;
}

/** Launches and remembers the container for cleanup. */
async function launch(
  sandbox_dir: string,
  command: LaunchCommand,
  env: Record<string, string> = path_env,
): Promise<LaunchedContainer> {
  const container = await launcher.launch({ sandbox_dir, command, env });
  containers.push(container);
  return container;
}

const sh = (value: string): LaunchCommand => ({ value, shell: true, arguments: [] });

/**
 * Whether a pid no longer runs. A zombie has ended too: it only waits for its parent to reap it,
 * and an orphan's reaper is init, which on some machines (containers) never reaps.
 */
async function isGone(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw error;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => undefined);
  return stat === undefined || parseProcStat(stat).state === 'Z';
}

/** Polls `check` until it holds or `timeout_ms` passes; returns whether it held. */
async function waitFor(check: () => Promise<boolean>, timeout_ms = 5000): Promise<boolean> {
  const until = Date.now() + timeout_ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

/** Reads a file once it exists and is non-empty. */
async function readWhenWritten(path: string): Promise<string> {
  let text = '';
  const written = await waitFor(async () => {
    text = await readFile(path, 'utf8').catch(() => '');
    return text.endsWith('\n');
  });
  if (!written) throw new Error(`${path} was never written`);
  return text.trim();
}

describe('posix launcher: exits and output', () => {
  it('reports exit 0 as a finished command', async () => {
    const dir = await sandbox();
    const exit = await (await launch(dir, sh('true'))).exited;
    expect(exit).toEqual({ code: 0 });
    expect(commandExitMessage(exit)).toBe('Command exited with status 0');
    expect(commandTerminalState(exit, false)).toBe('TASK_FINISHED');
  });

  it('reports exit 3 as a failed command with its status', async () => {
    const dir = await sandbox();
    const container = await launch(dir, sh('exit 3'));
    const exit = await container.exited;
    expect(exit).toEqual({ code: 3 });
    expect(container.exit()).toEqual({ code: 3 });
    expect(commandExitMessage(exit)).toBe('Command exited with status 3');
    expect(commandTerminalState(exit, false)).toBe('TASK_FAILED');
  });

  it('writes stdout and stderr to files in the sandbox, and runs in it', async () => {
    const dir = await sandbox();
    await (await launch(dir, sh('echo to-out; echo to-err >&2; pwd'))).exited;
    expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe(`to-out\n${dir}\n`);
    expect(await readFile(join(dir, 'stderr'), 'utf8')).toBe('to-err\n');
  });

  it('runs `sh -c value` for a shell command, expanding it', async () => {
    const dir = await sandbox();
    await (
      await launch(
        dir,
        { value: 'echo "$GREETING" $((1 + 2))', shell: true, arguments: ['ignored'] },
        {
          ...path_env,
          GREETING: 'hello world',
        },
      )
    ).exited;
    expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe('hello world 3\n');
  });

  it('execs value with arguments as the whole argv, without a shell', async () => {
    const dir = await sandbox();
    await (await launch(dir, { value: '/bin/echo', shell: false, arguments: ['echo', 'a  b', '$HOME', '*'] }))
      .exited;
    expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe('a  b $HOME *\n');
  });

  it('passes arguments[0] as argv[0]', async () => {
    const dir = await sandbox();
    const command = { value: '/bin/sh', shell: false, arguments: ['custom-name', '-c', 'echo $0'] };
    await (await launch(dir, command)).exited;
    expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe('custom-name\n');
  });

  it('gives the process exactly the environment asked for', async () => {
    const dir = await sandbox();
    const env = { ...path_env, MESOS_SANDBOX: dir, ANSWER: '42' };
    await (await launch(dir, { value: '/usr/bin/env', shell: false, arguments: ['env'] }, env)).exited;
    const lines = (await readFile(join(dir, 'stdout'), 'utf8')).trim().split('\n').sort();
    expect(lines).toEqual(
      Object.entries(env)
        .map(([name, value]) => `${name}=${value}`)
        .sort(),
    );
  });

  it('refuses a launch that cannot start, naming the command', async () => {
    const dir = await sandbox();
    await expect(launch(dir, { value: '/no/such/program', shell: false, arguments: [] })).rejects.toThrow(
      /cannot launch '\/no\/such\/program'/,
    );
    await expect(launch(join(dir, 'missing'), sh('true'))).rejects.toThrow(/does not exist/);
    await expect(launch('relative/dir', sh('true'))).rejects.toThrow(/must be absolute/);
    await expect(launch(dir, sh(''))).rejects.toThrow(/nothing to run/);
  });
});

describe('posix launcher: kill', () => {
  it('ends the whole process tree: a shell and the sleep it started', async () => {
    const dir = await sandbox();
    const container = await launch(dir, sh('sleep 30 & echo $! > child.pid; wait'));
    const child = Number(await readWhenWritten(join(dir, 'child.pid')));
    expect(child).toBeGreaterThan(0);
    expect(await isGone(child)).toBe(false);
    const exit = await container.kill(2000);
    expect(exit).toEqual({ signal: 'SIGTERM' });
    expect(commandExitMessage(exit)).toBe('Command terminated with signal Terminated');
    expect(commandTerminalState(exit, true)).toBe('TASK_KILLED');
    expect(await isGone(container.pid)).toBe(true);
    expect(await waitFor(() => isGone(child), 2000)).toBe(true);
  });

  it('sends SIGKILL after the grace period to a process that traps SIGTERM', async () => {
    const dir = await sandbox();
    const script = "trap 'echo got-term >> trapped' TERM; echo ready > ready; while :; do sleep 0.05; done";
    const container = await launch(dir, sh(script));
    await readWhenWritten(join(dir, 'ready'));
    const started = Date.now();
    const exit = await container.kill(400);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(exit).toEqual({ signal: 'SIGKILL' });
    expect(commandExitMessage(exit)).toBe('Command terminated with signal Killed');
    expect(await readFile(join(dir, 'trapped'), 'utf8')).toContain('got-term');
    expect(await isGone(container.pid)).toBe(true);
  });

  it('lets a second kill shorten the grace period, never lengthen it', async () => {
    const dir = await sandbox();
    const container = await launch(dir, sh("trap '' TERM; echo ready > ready; while :; do sleep 0.05; done"));
    await readWhenWritten(join(dir, 'ready'));
    const started = Date.now();
    const first = container.kill(30_000);
    const second = container.kill(100);
    expect(second).toBe(first);
    expect(await first).toEqual({ signal: 'SIGKILL' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('signals nothing outside its group, and nothing once its group has ended', async () => {
    const dir = await sandbox();
    const bystander = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    others.push(bystander);
    const container = await launch(dir, sh('sleep 30'));
    await container.kill(1000);
    expect(await isGone(bystander.pid!)).toBe(false);
    const done = await launch(dir, sh('exit 7'));
    await done.exited;
    expect(await done.kill(0)).toEqual({ code: 7 });
    expect(await isGone(bystander.pid!)).toBe(false);
  });

  it('refuses a negative grace period', async () => {
    const dir = await sandbox();
    const container = await launch(dir, sh('sleep 30'));
    expect(() => container.kill(-1)).toThrow(/non-negative/);
  });
});

describe('posix launcher: usage', () => {
  it('reads CPU time and resident memory of a busy process group', async () => {
    const dir = await sandbox();
    const container = await launch(dir, sh('while :; do :; done'));
    const busy = await waitFor(async () => (await container.usage()).cpus_user_time_secs > 0.05, 10_000);
    expect(busy).toBe(true);
    const usage = await container.usage();
    expect(usage.cpus_user_time_secs).toBeGreaterThan(0);
    expect(usage.cpus_system_time_secs).toBeGreaterThanOrEqual(0);
    expect(usage.mem_rss_bytes).toBeGreaterThan(0);
    expect(usage.processes).toBe(1);
    await container.kill(0);
    expect((await container.usage()).processes).toBe(0);
  });

  it('counts every live process of the group', async () => {
    const dir = await sandbox();
    const container = await launch(dir, sh('sleep 30 & sleep 30 & echo started > started; wait'));
    await readWhenWritten(join(dir, 'started'));
    expect((await container.usage()).processes).toBe(3);
  });
});

describe('parseProcStat', () => {
  it('reads fields after a command name holding spaces and parentheses', () => {
    const fields = ['S', '1', '42', '42', '0', '-1', '0', '0', '0', '0', '0', '250', '50', '7', '3'];
    const rest = [...fields, '20', '0', '1', '0', '100', '1000', '300'].join(' ');
    const proc = parseProcStat(`42 (my (odd) name) ${rest}`);
    expect(proc).toEqual({
      pid: 42,
      state: 'S',
      ppid: 1,
      pgrp: 42,
      utime_ticks: 250,
      stime_ticks: 50,
      cutime_ticks: 7,
      cstime_ticks: 3,
      rss_pages: 300,
    });
  });

  it('refuses a line it cannot read', () => {
    expect(() => parseProcStat('garbage')).toThrow(/unreadable/);
  });
});
