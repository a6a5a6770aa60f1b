// Starting a container's first process, as every launcher does: the request checked, the command in
// the form to spawn (under the exit-status wrapper when its end must survive an agent restart, and
// under setpriv when it runs as another user), stdout and stderr appended to the sandbox's files,
// and the process started detached in the sandbox with nothing but the request's environment.
import { spawn } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { readExitStatus, resolveProgram, type WrappedCommand, wrapCommand } from './exit-status.ts';
import type { ExitResult, LaunchCommand, LaunchRequest } from './launcher.ts';
import { asUser, giveSandbox, needsSwitch, requireUser } from './task-user.ts';

/** Where the agent looks for the system tools it runs (util-linux, iproute2), whatever a task's PATH. */
const tool_path = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The absolute path of a system tool, or undefined when the machine lacks it. */
export function findTool(name: string): string | undefined {
  return resolveProgram(name, tool_path, '/');
}

/** Checks a launch request, with messages naming what is wrong. */
export async function validateRequest(request: LaunchRequest): Promise<void> {
  const { sandbox_dir, command } = request;
  if (!isAbsolute(sandbox_dir)) throw new Error(`sandbox directory must be absolute, got '${sandbox_dir}'`);
  const info = await stat(sandbox_dir).catch(() => undefined);
  if (!info?.isDirectory())
    throw new Error(`sandbox directory '${sandbox_dir}' does not exist or is not a directory`);
  if (command.value === '') throw new Error('the command has no value: nothing to run');
  for (const [name, value] of Object.entries(request.env)) {
    if (name === '' || name.includes('=') || name.includes('\0') || value.includes('\0')) {
      throw new Error(`bad environment variable '${name}': names hold no '=' and neither holds NUL`);
    }
  }
}

/** What to spawn for a command: itself, or its wrapper when its exit must be recorded in `exit_status_file`. */
export function spawnForm(
  request: LaunchRequest,
  command: LaunchCommand,
): WrappedCommand & { readonly wrapped: boolean } {
  const { exit_status_file } = request;
  if (exit_status_file !== undefined) {
    let wrapped: WrappedCommand | undefined;
    try {
      wrapped = wrapCommand(command, exit_status_file, request.env, request.sandbox_dir);
    } catch (error) {
      throw new Error(
        `cannot launch '${request.command.value}' in '${request.sandbox_dir}': ${(error as Error).message}`,
      );
    }
    if (wrapped !== undefined) return { ...wrapped, wrapped: true };
  }
  return {
    file: command.shell ? '/bin/sh' : command.value,
    args: command.shell ? ['-c', command.value] : command.arguments.slice(1),
    argv0: command.shell ? 'sh' : (command.arguments[0] ?? command.value),
    wrapped: false,
  };
}

/** The request's command, run as its container's user when that is another than the agent's. */
export async function userCommand(request: LaunchRequest, sandbox_dir: string): Promise<LaunchCommand> {
  const name = request.container?.user;
  if (name === undefined) return request.command;
  const user = await requireUser(name);
  if (!needsSwitch(user)) return request.command;
  const setpriv = findTool('setpriv');
  if (setpriv === undefined) throw new Error(`running as user '${name}' needs util-linux setpriv, not found`);
  await giveSandbox(sandbox_dir, user);
  return asUser(request.command, user, setpriv);
}

/**
 * How a command ended: what its exit-status wrapper recorded in `status_file`, if it was wrapped
 * and recorded one; else how its first process ended.
 */
export function withRecordedStatus(
  ended: Promise<ExitResult>,
  status_file: string | undefined,
): Promise<ExitResult> {
  return status_file === undefined
    ? ended
    : ended.then(async (exit) => (await readExitStatus(status_file)) ?? exit);
}

/** A started first process. */
export interface SpawnedProcess {
  readonly pid: number;
  /** How the command ended: what its wrapper recorded, else how the process itself ended. */
  readonly exited: Promise<ExitResult>;
  /** Stops the process from keeping the agent alive. */
  release(): void;
}

/** How the first process tells the launcher that the command is about to run: a byte on this fd. */
export const ready_fd = 3;

/** Spawns `file args` detached in the sandbox, with stdout and stderr appended to the sandbox's files. */

/**
 * Spawns `file args` detached in the sandbox, with stdout and stderr appended to the sandbox's files.
 * With `await_ready`, the process is given a pipe at fd 3 (ready_fd) and the spawn resolves once it
 * writes there (the command is then about to run, inside whatever its first processes set up), or
 * once it closes that pipe or ends without writing (then `exited` tells how it ended).
 */
export async function spawnInSandbox(
  request: LaunchRequest,
  spawned: { file: string; args: readonly string[]; argv0: string },
  status_file: string | undefined,
  await_ready = false,
): Promise<SpawnedProcess> {
  const { sandbox_dir, command } = request;
  // Append, so that an executor and the task it runs can share the sandbox's files.
  const stdout = await open(join(sandbox_dir, 'stdout'), 'a');
  const stderr = await open(join(sandbox_dir, 'stderr'), 'a').catch(async (error: unknown) => {
    await stdout.close();
    throw error;
  });
  try {
    const child = spawn(spawned.file, spawned.args, {
      argv0: spawned.argv0,
      cwd: sandbox_dir,
      env: { ...request.env },
      detached: true,
      stdio: await_ready ? ['ignore', stdout.fd, stderr.fd, 'pipe'] : ['ignore', stdout.fd, stderr.fd],
    });
    const ready_pipe = await_ready ? child.stdio[ready_fd] : null;
    // Listened to before anything else can run, so that neither the byte nor the pipe's end is missed.
    const ready =
      ready_pipe === null || ready_pipe === undefined
        ? undefined
        : new Promise<void>((resolve) => {
            const done = (): void => {
              ready_pipe.destroy();
              resolve();
            };
            ready_pipe.once('data', done);
            ready_pipe.once('end', done);
            ready_pipe.once('error', done);
            child.once('exit', done);
          });
    // Listen for the exit before anything else can run, and keep an error listener for the
    // child's whole life: an 'error' event without one would throw in the agent.
    const ended = new Promise<ExitResult>((resolve) => {
      child.once('exit', (code, signal) =>
        resolve(code !== null ? { code } : { signal: signal ?? 'UNKNOWN' }),
      );
    });
    // A wrapped command's own end is what its wrapper recorded; without a record (the wrapper
    // was killed outright) the wrapper's end stands for it.
    const exited = withRecordedStatus(ended, status_file);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.on('error', (error) =>
        reject(new Error(`cannot launch '${command.value}' in '${sandbox_dir}': ${error.message}`)),
      );
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`launch of '${command.value}' reported no pid`);
    await ready;
    return { pid, exited, release: () => child.unref() };
  } finally {
    // The child holds its own copies of the descriptors.
    await Promise.allSettled([stdout.close(), stderr.close()]);
  }
}
