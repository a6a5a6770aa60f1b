// A command whose end must be known even if the agent is not there to see it (a task of a
// checkpointing framework: the agent may crash and come back while it runs) runs under a small
// shell wrapper. The wrapper waits for the command and writes its exit status into a file, which
// a restarted agent reads once the command's process group has ended, since it can no longer wait
// for a process that is not its child. The wrapper catches the signals a kill sends (a caught
// signal is reset to its default in the command it starts; a shell runs the trap only once its
// foreground command is done), so that it outlives the command and records how it ended; a
// SIGKILL ends it too, and then no status is recorded.
import { accessSync, constants as fs_constants, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { command_start_poll_ms, command_start_wait_ms } from '../constants.ts';
import type { ExitResult, LaunchCommand } from './launcher.ts';
import { isLive, readProcessGroups } from './process-groups.ts';

/**
 * The wrapper: `sh -c <this> meso-exit-status <status file> <command argv...>`. A signal caught
 * before the command starts (a kill right after the launch) would reach only the wrapper, so the
 * command is then not started and the signal is recorded as the command's end.
 */
const wrapper_script = [
  'f=$1; shift; k=',
  "trap 'k=129' HUP; trap 'k=130' INT; trap 'k=131' QUIT; trap 'k=143' TERM",
  'if [ -z "$k" ]; then "$@"; s=$?; else s=$k; fi',
  'printf \'%s\\n\' "$s" > "$f"; exit "$s"',
].join('\n');

/** What to spawn for a wrapped command. */
export interface WrappedCommand {
  readonly file: string;
  readonly args: readonly string[];
  readonly argv0: string;
}

/**
 * The program `value` names, found as execvp finds it: a name with a slash as it is (relative to
 * the sandbox), else the first executable file of that name along PATH. The wrapper runs the
 * program by its path, so that a name like `echo` never means a builtin of the wrapper's shell.
 */
export function resolveProgram(value: string, path: string | undefined, cwd: string): string | undefined {
  if (value.includes('/')) return value;
  for (const dir of (path ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const candidate = join(dir === '' ? '.' : dir, value);
    const absolute = isAbsolute(candidate) ? candidate : join(cwd, candidate);
    try {
      accessSync(absolute, fs_constants.X_OK);
      if (statSync(absolute).isFile()) return candidate;
    } catch {
      // Not here: try the next directory.
    }
  }
  return undefined;
}

/**
 * The wrapped form of a command, or undefined when it cannot be wrapped: an exec-form command
 * whose argv[0] differs from its program (a shell cannot set another argv[0]) runs unwrapped.
 * Throws when an exec-form program cannot be found, as a failed exec would.
 */
export function wrapCommand(
  command: LaunchCommand,
  exit_status_file: string,
  env: Readonly<Record<string, string>>,
  cwd: string,
): WrappedCommand | undefined {
  const prefix = ['-c', wrapper_script, 'meso-exit-status', exit_status_file];
  // `sh -c value sh`: the trailing name is the command's $0, as when the agent runs `sh -c value`.
  if (command.shell)
    return { file: '/bin/sh', args: [...prefix, '/bin/sh', '-c', command.value, 'sh'], argv0: 'sh' };
  const argv0 = command.arguments[0] ?? command.value;
  if (argv0 !== command.value) return undefined;
  const program = resolveProgram(command.value, env.PATH, cwd);
  if (program === undefined) throw new Error(`'${command.value}' is not an executable file on PATH`);
  return { file: '/bin/sh', args: [...prefix, program, ...command.arguments.slice(1)], argv0: 'sh' };
}

/** Signal names by number (the first name Node lists for a number: SIGABRT before SIGIOT). */
const signal_names = new Map<number, string>();
for (const [name, number] of Object.entries(constants.signals)) {
  if (!signal_names.has(number)) signal_names.set(number, name);
}

/**
 * How a command ended, from the status its shell reported: 0-255, where a shell reports a command
 * ended by signal N as 128 + N. A status above 128 that names a signal is read as that signal, as
 * shells read it (an explicit `exit 143` cannot be told apart from SIGTERM there).
 */
export function exitResultOfStatus(status: number): ExitResult {
  if (!Number.isInteger(status) || status < 0 || status > 255) {
    throw new Error(`an exit status is an integer in [0, 255], got ${status}`);
  }
  const signal = status > 128 ? signal_names.get(status - 128) : undefined;
  return signal === undefined ? { code: status } : { signal };
}

/** Parses a status file's text; undefined when it holds no status (the wrapper was cut short). */
export function parseExitStatus(text: string): ExitResult | undefined {
  const trimmed = text.trim();
  if (!/^[0-9]{1,3}$/.test(trimmed) || Number(trimmed) > 255) return undefined;
  return exitResultOfStatus(Number(trimmed));
}

/** Reads the exit status the wrapper recorded, if it recorded one. */
export async function readExitStatus(exit_status_file: string): Promise<ExitResult | undefined> {
  try {
    return parseExitStatus(await readFile(exit_status_file, 'latin1'));
  } catch {
    return undefined;
  }
}

/**
 * Whether the command under the wrapper `pid` has started: the wrapper is gone, or another live
 * process of its group runs another program than the wrapper. Until then a signal to the group
 * could reach the command's process between its fork and its exec, while it still holds the
 * wrapper's traps, and be lost; after its exec it has the default dispositions.
 */
async function wrappedCommandStarted(pid: number): Promise<boolean> {
  const wrapper = await readFile(`/proc/${pid}/cmdline`).catch(() => undefined);
  if (wrapper === undefined) return true;
  for (const member of await readProcessGroups(new Set([pid]))) {
    if (member.pid === pid || !isLive(member)) continue;
    const program = await readFile(`/proc/${member.pid}/cmdline`).catch(() => undefined);
    if (program !== undefined && !program.equals(wrapper)) return true;
  }
  return false;
}

/** Waits (boundedly) until the command under the wrapper `pid` has started, so a kill reaches it. */
export async function untilWrappedCommandStarted(pid: number): Promise<void> {
  const deadline_ms = Date.now() + command_start_wait_ms;
  while (Date.now() < deadline_ms && !(await wrappedCommandStarted(pid))) {
    await new Promise((resolve) => setTimeout(resolve, command_start_poll_ms));
  }
}
