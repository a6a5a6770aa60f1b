// The posix launcher, behind the Launcher interface of launcher.ts: it isolates nothing beyond a
// process group of its own. Each container is a detached process (setsid, so its pid is also its
// process group id) whose descendants stay in that group unless they leave it on purpose, so
// signalling the group reaches the whole process tree. A container's record (pid, start time, boot)
// lets a restarted agent find its group again; such a recovered container is not the agent's child,
// so its end is seen by polling the group.
import { spawn } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import {
  readExitStatus,
  untilWrappedCommandStarted,
  type WrappedCommand,
  wrapCommand,
} from './exit-status.ts';
import type {
  ExitResult,
  LaunchedContainer,
  Launcher,
  LaunchRequest,
  RecoveredContainer,
} from './launcher.ts';
import {
  type ContainerRecord,
  containerRecordOf,
  createGroupKiller,
  groupEnded,
  liveGroupMembers,
  type ResourceUsage,
  readGroupUsage,
  recordedGroupLives,
} from './process-groups.ts';

export {
  type ContainerRecord,
  type ProcStat,
  parseProcStat,
  type ResourceUsage,
  readGroupUsage,
  readProcessGroups,
} from './process-groups.ts';

/** Creates the posix launcher: a process group per container, no resource isolation. */
export function createPosixLauncher(): Launcher {
  return { isolation: 'posix', launch: launchPosix, recover: recoverPosix };
}

/** Checks a launch request, with messages naming what is wrong. */
async function validateRequest(request: LaunchRequest): Promise<void> {
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

/** What to spawn for a request: the command itself, or its wrapper when its exit must be recorded. */
function spawnForm(request: LaunchRequest): WrappedCommand & { readonly wrapped: boolean } {
  const { command, exit_status_file } = request;
  if (exit_status_file !== undefined) {
    let wrapped: WrappedCommand | undefined;
    try {
      wrapped = wrapCommand(command, exit_status_file, request.env, request.sandbox_dir);
    } catch (error) {
      throw new Error(
        `cannot launch '${command.value}' in '${request.sandbox_dir}': ${(error as Error).message}`,
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

/** Starts the request's command in a new process group, with stdout and stderr into the sandbox. */
async function launchPosix(request: LaunchRequest): Promise<LaunchedContainer> {
  await validateRequest(request);
  const { sandbox_dir, command } = request;
  const form = spawnForm(request);
  // Append, so that an executor and the task it runs can share the sandbox's files.
  const stdout = await open(join(sandbox_dir, 'stdout'), 'a');
  const stderr = await open(join(sandbox_dir, 'stderr'), 'a').catch(async (error: unknown) => {
    await stdout.close();
    throw error;
  });
  try {
    const child = spawn(form.file, form.args, {
      argv0: form.argv0,
      cwd: sandbox_dir,
      env: { ...request.env },
      detached: true,
      stdio: ['ignore', stdout.fd, stderr.fd],
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
    const status_file = form.wrapped ? request.exit_status_file : undefined;
    const exited =
      status_file === undefined
        ? ended
        : ended.then(async (exit) => (await readExitStatus(status_file)) ?? exit);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.on('error', (error) =>
        reject(new Error(`cannot launch '${command.value}' in '${sandbox_dir}': ${error.message}`)),
      );
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`launch of '${command.value}' reported no pid`);
    return trackContainer(pid, exited, form.wrapped, () => child.unref());
  } finally {
    // The child holds its own copies of the descriptors.
    await Promise.allSettled([stdout.close(), stderr.close()]);
  }
}

/** The handle of a started process group: exit tracking, kill with escalation, usage. */
function trackContainer(
  pid: number,
  exited: Promise<ExitResult>,
  wrapped: boolean,
  release: () => void,
): LaunchedContainer {
  const record = containerRecordOf(pid);
  let result: ExitResult | undefined;
  void exited.then((exit) => {
    result = exit;
  });
  // While the first process is unreaped it is a member, and the group id cannot be reused while
  // any member exists, so the group signalled is always the one made here.
  const killGroup = createGroupKiller(
    pid,
    async () => (result === undefined ? 1 : liveGroupMembers(pid)),
    wrapped ? () => untilWrappedCommandStarted(pid) : undefined,
  );
  // Every kill answers the same promise: a later one only shortens the first one's grace period.
  let killing: Promise<ExitResult> | undefined;
  return {
    pid,
    record,
    exited,
    exit: () => result,
    running: () => result === undefined,
    release,
    kill(grace_ms) {
      const group = killGroup(grace_ms);
      killing ??= group.then(() => exited);
      return killing;
    },
    async usage(): Promise<ResourceUsage> {
      const usage = await readGroupUsage(new Set([pid]));
      return usage.get(pid)!;
    },
  };
}

/** Finds a container again from its record, watching its group until nothing of it is left. */
async function recoverPosix(record: ContainerRecord): Promise<RecoveredContainer | undefined> {
  if (!(await recordedGroupLives(record))) return undefined;
  const pid = record.pid;
  let alive = true;
  const ended = groupEnded(pid).then(() => {
    alive = false;
  });
  const killGroup = createGroupKiller(pid, async () => (alive ? liveGroupMembers(pid) : 0));
  let killing: Promise<void> | undefined;
  return {
    pid,
    record,
    ended,
    running: () => alive,
    // Its group is only watched, by a timer that never keeps the process alive.
    release: () => {},
    kill(grace_ms) {
      const group = killGroup(grace_ms);
      // The watcher notices the end at its own pace; a kill resolves once it has.
      killing ??= group.then(() => ended);
      return killing;
    },
    async usage(): Promise<ResourceUsage> {
      const usage = await readGroupUsage(new Set([pid]));
      return usage.get(pid)!;
    },
  };
}
