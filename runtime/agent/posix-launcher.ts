// The posix launcher, behind the Launcher interface of launcher.ts: it isolates nothing beyond a
// process group of its own. Each container is a detached process (setsid, so its pid is also its
// process group id) whose descendants stay in that group unless they leave it on purpose, so
// signalling the group reaches the whole process tree. A container's record (pid, start time, boot)
// lets a restarted agent find its group again; such a recovered container is not the agent's child,
// so its end is seen by polling the group.
import { spawnForm, spawnInSandbox, userCommand, validateRequest } from './container-process.ts';
import { untilWrappedCommandStarted } from './exit-status.ts';
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

/** Creates the posix launcher: a process group per container, usage read from /proc, no limits. */
export function createPosixLauncher(): Launcher {
  return { isolation: 'posix/cpu,posix/mem', launch: launchPosix, recover: recoverPosix };
}

/** Starts the request's command in a new process group, with stdout and stderr into the sandbox. */
async function launchPosix(request: LaunchRequest): Promise<LaunchedContainer> {
  await validateRequest(request);
  const form = spawnForm(request, await userCommand(request, request.sandbox_dir));
  const status_file = form.wrapped ? request.exit_status_file : undefined;
  const spawned = await spawnInSandbox(request, form, status_file);
  return trackContainer(spawned.pid, spawned.exited, form.wrapped, spawned.release);
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
export async function recoverPosix(record: ContainerRecord): Promise<RecoveredContainer | undefined> {
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
