// The status texts of the command executor, worded as Mesos words them so that tools matching on
// them keep working: "Command exited with status N" for an exit, and "Command terminated with
// signal <description>" for a signal, where the description is the C library's strsignal() text
// ("Terminated", "Killed"), not the signal's name.
import type { ExitResult } from './launcher.ts';

// glibc's strsignal() descriptions of the Linux signals, by the names Node reports.
const signal_descriptions: Readonly<Record<string, string>> = {
  SIGHUP: 'Hangup',
  SIGINT: 'Interrupt',
  SIGQUIT: 'Quit',
  SIGILL: 'Illegal instruction',
  SIGTRAP: 'Trace/breakpoint trap',
  SIGABRT: 'Aborted',
  SIGIOT: 'Aborted',
  SIGBUS: 'Bus error',
  SIGFPE: 'Floating point exception',
  SIGKILL: 'Killed',
  SIGUSR1: 'User defined signal 1',
  SIGSEGV: 'Segmentation fault',
  SIGUSR2: 'User defined signal 2',
  SIGPIPE: 'Broken pipe',
  SIGALRM: 'Alarm clock',
  SIGTERM: 'Terminated',
  SIGSTKFLT: 'Stack fault',
  SIGCHLD: 'Child exited',
  SIGCONT: 'Continued',
  SIGSTOP: 'Stopped (signal)',
  SIGTSTP: 'Stopped',
  SIGTTIN: 'Stopped (tty input)',
  SIGTTOU: 'Stopped (tty output)',
  SIGURG: 'Urgent I/O condition',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'File size limit exceeded',
  SIGVTALRM: 'Virtual timer expired',
  SIGPROF: 'Profiling timer expired',
  SIGWINCH: 'Window changed',
  SIGIO: 'I/O possible',
  SIGPOLL: 'I/O possible',
  SIGPWR: 'Power failure',
  SIGSYS: 'Bad system call',
};

/** The strsignal() description of a signal name ('SIGTERM' -> 'Terminated'); unknown names pass through. */
export function signalDescription(signal: string): string {
  return signal_descriptions[signal] ?? signal;
}

/** The command executor's message for how its command ended, as Mesos words it. */
export function commandExitMessage(exit: ExitResult): string {
  if ('code' in exit) {
    if (!Number.isInteger(exit.code) || exit.code < 0 || exit.code > 255) {
      throw new Error(`an exit status is an integer in [0, 255], got ${exit.code}`);
    }
    return `Command exited with status ${exit.code}`;
  }
  if (exit.signal === '') throw new Error('a signal exit must name its signal');
  return `Command terminated with signal ${signalDescription(exit.signal)}`;
}

/** The terminal task state the command executor reports for an exit. */
export type CommandTerminalState = 'TASK_FINISHED' | 'TASK_KILLED' | 'TASK_FAILED';

/**
 * The terminal state for an exit, as Mesos decides it: exit status 0 is TASK_FINISHED even after a
 * kill (the command finished on its own terms); otherwise a killed task is TASK_KILLED, else TASK_FAILED.
 */
export function commandTerminalState(exit: ExitResult, killed: boolean): CommandTerminalState {
  if ('code' in exit && exit.code === 0) return 'TASK_FINISHED';
  return killed ? 'TASK_KILLED' : 'TASK_FAILED';
}
