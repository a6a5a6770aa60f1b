// The built-in command executor, run inside the agent over the launcher, as Mesos's command
// executor behaves: TASK_STARTING, then TASK_RUNNING once the command runs, then TASK_FINISHED
// (exit 0), TASK_FAILED ("Command exited with status N") or, after a kill, TASK_KILLED. A kill
// sends SIGTERM to the command's process tree and SIGKILL after the kill policy's grace period
// (default 3 s). The default executor of task groups runs each task of a group the same way.
// After an agent restart, a task whose command still runs is recovered: its process group is
// watched until it ends, and the exit status its wrapper recorded says how it ended.
import type { CommandInfo, TaskState } from '../../engine/master/v1.ts';
import { kill_grace_ms_default } from '../constants.ts';
import { commandExitMessage, commandTerminalState } from './command-messages.ts';
import { readExitStatus } from './exit-status.ts';
import type {
  ContainerHandle,
  ContainerSpec,
  ExitResult,
  LaunchedContainer,
  Launcher,
  RecoveredContainer,
} from './launcher.ts';
import type { ContainerRecord } from './posix-launcher.ts';
import {
  type CheckStatusInfo,
  checkPlanOf,
  emptyCheckStatus,
  healthPlanOf,
  startTaskCheckers,
  type TaskCheckers,
} from './task-checks.ts';

/** What the command executor reports of a task (the agent turns it into a status update). */
export interface CommandTaskReport {
  readonly state: TaskState;
  readonly message?: string;
  readonly reason?: string;
  /** The result of the task's health check, once there is one (carried on by later updates). */
  readonly healthy?: boolean;
  /** The result of the task's general check (carried on by later updates). */
  readonly check_status?: CheckStatusInfo;
}

/** What the command executor needs to run one task. */
export interface CommandTaskOptions {
  readonly launcher: Launcher;
  readonly sandbox_dir: string;
  readonly command: CommandInfo;
  /** The whole environment of the command. */
  readonly env: Readonly<Record<string, string>>;
  /** Grace period of a kill that names none (the task's kill policy, else 3 s). */
  readonly kill_grace_ms?: number;
  /** The framework understands TASK_KILLING (capability TASK_KILLING_STATE). */
  readonly killing_state?: boolean;
  /** Receives every update, in order; the last is terminal. */
  readonly report: (report: CommandTaskReport) => void;
  /** Where the command's exit status is recorded, so that it survives an agent restart. */
  readonly exit_status_file?: string;
  /** The user, resources and hostname of the command's container. */
  readonly container?: ContainerSpec;
  /** Told of the command's container as soon as it is launched (to checkpoint it). */
  readonly on_launch?: (record: ContainerRecord) => void;
  /** TaskInfo.health_check: run once the task runs; failures in a row kill the task. */
  readonly health_check?: unknown;
  /** TaskInfo.check: run once the task runs; its results are reported. */
  readonly check?: unknown;
}

/** A task being run by the command executor. */
export interface CommandTask {
  /** Kills the task: SIGTERM to its process tree, SIGKILL after the grace period. */
  kill(grace_ms?: number): void;
  /** The pid (and process group) of the command while it runs. */
  livePid(): number | undefined;
  /** The command's container while it runs. */
  liveContainer(): ContainerHandle | undefined;
  /** The agent exits leaving the task running: nothing of it may keep the agent's process alive. */
  release(): void;
  /** Resolves once the terminal update was reported and every process of the task is gone. */
  readonly done: Promise<void>;
}

/** The process-tree form of a CommandInfo; a missing `shell` means true, as in Mesos. */
export function launchCommand(command: CommandInfo): {
  value: string;
  shell: boolean;
  arguments: string[];
} {
  const value = typeof command.value === 'string' ? command.value : '';
  const shell = command.shell !== false;
  const args = Array.isArray(command.arguments) ? command.arguments.filter((a) => typeof a === 'string') : [];
  return { value, shell, arguments: shell ? [] : args.length > 0 ? args : [value] };
}

/** Starts a task's command; the first report (TASK_STARTING) is made before this returns. */
export function runCommandTask(options: CommandTaskOptions): CommandTask {
  const default_grace_ms = options.kill_grace_ms ?? kill_grace_ms_default;
  let container: LaunchedContainer | undefined;
  let released = false;
  let killed = false;
  let kill_grace_ms: number | undefined;
  let ended = false;
  // What the task's checks found last: every later update carries it, as Mesos's executors do.
  let healthy: boolean | undefined;
  let check_status: CheckStatusInfo | undefined;
  let checkers: TaskCheckers | undefined;
  let killed_unhealthy = false;
  const report = (r: CommandTaskReport): void => {
    if (ended) return;
    if (r.state !== 'TASK_STARTING' && r.state !== 'TASK_RUNNING' && r.state !== 'TASK_KILLING') ended = true;
    if (ended || r.state === 'TASK_KILLING') checkers?.stop();
    options.report({
      ...r,
      ...(healthy === undefined ? {} : { healthy }),
      ...(check_status === undefined ? {} : { check_status }),
    });
  };
  const health_plan = healthPlanOf(options.health_check);
  const check_plan = checkPlanOf(options.check);

  const run = async (): Promise<void> => {
    report({ state: 'TASK_STARTING' });
    const command = launchCommand(options.command);
    if (command.value === '') {
      report({ state: 'TASK_FAILED', message: 'Command has no value', reason: 'REASON_TASK_INVALID' });
      return;
    }
    const invalid = [health_plan, check_plan].find((plan) => typeof plan === 'string');
    if (invalid !== undefined) {
      report({ state: 'TASK_FAILED', message: invalid, reason: 'REASON_TASK_INVALID' });
      return;
    }
    try {
      container = await options.launcher.launch({
        sandbox_dir: options.sandbox_dir,
        command,
        env: options.env,
        ...(options.exit_status_file === undefined ? {} : { exit_status_file: options.exit_status_file }),
        ...(options.container === undefined ? {} : { container: options.container }),
      });
      options.on_launch?.(container.record);
      if (released) container.release();
    } catch (error) {
      report({
        state: killed ? 'TASK_KILLED' : 'TASK_FAILED',
        message: `Failed to launch command: ${(error as Error).message}`,
        reason: 'REASON_COMMAND_EXECUTOR_FAILED',
      });
      return;
    }
    if (!killed) {
      const health = typeof health_plan === 'object' ? health_plan : undefined;
      const check = typeof check_plan === 'object' ? check_plan : undefined;
      // A task with a check starts with the check's empty result, as Mesos sends it.
      if (check !== undefined) check_status = emptyCheckStatus(check);
      report({ state: 'TASK_RUNNING' });
      if (health !== undefined || check !== undefined) {
        checkers = startTaskCheckers(
          { ...(health === undefined ? {} : { health }), ...(check === undefined ? {} : { check }) },
          {
            sandbox_dir: options.sandbox_dir,
            env: options.env,
            ...(options.container === undefined ? {} : { container: options.container }),
          },
          {
            onHealth(result) {
              if (ended || killed) return;
              healthy = result.healthy;
              report({
                state: 'TASK_RUNNING',
                reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
                ...(result.healthy ? {} : { message: result.message }),
              });
              if (result.kill) {
                killed_unhealthy = true;
                task.kill();
              }
            },
            onCheck(status) {
              if (ended || killed) return;
              check_status = status;
              report({ state: 'TASK_RUNNING', reason: 'REASON_TASK_CHECK_STATUS_UPDATED' });
            },
          },
        );
      }
    }
    // A kill that came while the launch was under way takes effect now.
    else void container.kill(kill_grace_ms ?? default_grace_ms);
    // A container that hits a limit is destroyed at once, and its end is reported as that limit.
    const launched = container;
    void launched.limited?.then(() => launched.kill(0));
    const exit: ExitResult = await container.exited;
    checkers?.stop();
    const limitation = container.limitation?.();
    if (limitation !== undefined) report({ state: 'TASK_FAILED', ...limitation });
    else if (killed_unhealthy)
      report({
        state: commandTerminalState(exit, killed),
        message: `${commandExitMessage(exit)}; the task was killed because its health check failed`,
      });
    else report({ state: commandTerminalState(exit, killed), message: commandExitMessage(exit) });
    // Processes the command left behind in its group die with the task, as its container would.
    await container.kill(0);
  };

  const done = run().catch((error: unknown) => {
    report({
      state: 'TASK_FAILED',
      message: `Command executor failed: ${(error as Error).message}`,
      reason: 'REASON_COMMAND_EXECUTOR_FAILED',
    });
  });

  const task: CommandTask = {
    kill(grace_ms) {
      if (ended) return;
      checkers?.stop();
      const first = !killed;
      killed = true;
      kill_grace_ms = grace_ms ?? kill_grace_ms ?? default_grace_ms;
      if (first && options.killing_state === true && container !== undefined)
        report({ state: 'TASK_KILLING' });
      if (container !== undefined) void container.kill(kill_grace_ms);
    },
    livePid: () => (container?.running() === true ? container.pid : undefined),
    liveContainer: () => (container?.running() === true ? container : undefined),
    release() {
      released = true;
      checkers?.stop();
      container?.release();
    },
    done,
  };
  return task;
}

/** What the command executor needs to take a task over again after an agent restart. */
export interface RecoveredTaskOptions {
  /** The command's process group, or undefined when nothing of it was left. */
  readonly container: RecoveredContainer | undefined;
  /** Where the command's wrapper records its exit status. */
  readonly exit_status_file: string | undefined;
  /** A kill was asked for before the restart. */
  readonly killed: boolean;
  readonly kill_grace_ms?: number;
  readonly killing_state?: boolean;
  /** Receives the updates from now on; the last is terminal. */
  readonly report: (report: CommandTaskReport) => void;
}

/** The report of a recovered task's end, from what its wrapper recorded (if anything). */
function recoveredEnd(
  exit: ExitResult | undefined,
  killed: boolean,
  seen_running: boolean,
): CommandTaskReport {
  if (exit !== undefined)
    return { state: commandTerminalState(exit, killed), message: commandExitMessage(exit) };
  // Without a record the wrapper was killed outright: by this agent's own kill, or unseen.
  if (killed) return { state: 'TASK_KILLED', message: commandExitMessage({ signal: 'SIGKILL' }) };
  return {
    state: 'TASK_FAILED',
    message: seen_running
      ? 'Executor terminated without recording how its command ended'
      : 'Executor terminated while the agent was down',
    reason: 'REASON_EXECUTOR_TERMINATED',
  };
}

/** Takes a task over after an agent restart: waits for its command's group to end, then reports how. */
export function recoverCommandTask(options: RecoveredTaskOptions): CommandTask {
  const container = options.container;
  const default_grace_ms = options.kill_grace_ms ?? kill_grace_ms_default;
  let killed = options.killed;
  let ended = false;
  const run = async (): Promise<void> => {
    // A container that hits a limit is destroyed at once, as a launched one is.
    void container?.limited?.then(() => container.kill(0));
    if (container !== undefined) await container.ended;
    const limitation = container?.limitation?.();
    if (limitation !== undefined) {
      ended = true;
      options.report({ state: 'TASK_FAILED', ...limitation });
      return;
    }
    const exit =
      options.exit_status_file === undefined ? undefined : await readExitStatus(options.exit_status_file);
    ended = true;
    options.report(recoveredEnd(exit, killed, container !== undefined));
  };
  const done = run().catch((error: unknown) => {
    ended = true;
    options.report({
      state: 'TASK_FAILED',
      message: `Command executor failed: ${(error as Error).message}`,
      reason: 'REASON_COMMAND_EXECUTOR_FAILED',
    });
  });
  return {
    kill(grace_ms) {
      if (ended || container === undefined) return;
      const first = !killed;
      killed = true;
      if (first && options.killing_state === true) options.report({ state: 'TASK_KILLING' });
      // A kill that cannot signal the group (it is not ours any more) leaves the watch to decide.
      container.kill(grace_ms ?? default_grace_ms).catch(() => {});
    },
    livePid: () => (container?.running() === true ? container.pid : undefined),
    liveContainer: () => (container?.running() === true ? container : undefined),
    release: () => container?.release(),
    done,
  };
}
