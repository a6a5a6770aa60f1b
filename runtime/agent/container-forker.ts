// The linux launcher's forker: one small long-lived process (a Perl script, run by the perl of
// Debian's essential perl-base) that forks every container's first process, so that the agent
// itself never forks. A fork of the agent copies the page tables of a large process and leaves it
// faulting on its own pages afterwards; a fork of the forker costs a small fraction of that. The
// forked child joins the container's cgroups (writes its own pid into each cgroup.procs file) before
// it execs anything, so no process of the container ever runs outside them, and then execs the
// container's first program (the exit-status wrapper, util-linux `unshare`, setpriv or the command)
// in a session of its own, in the sandbox, with stdout and stderr appended to the sandbox's files
// and nothing but the request's environment. The forker reaps its children and reports how each
// ended. The agent talks to it over pipes, a line per message, every field hex-encoded:
//   agent -> forker   f ID CWD STDOUT STDERR READY_IN_CHILD N PROCS... N ENV... FILE ARGV0 N ARGS...
//   forker -> agent   p ID PID          forked (ID's first process is PID)
//                     e ID MESSAGE      could not fork or set up (nothing runs)
//                     x ID c CODE | x ID s SIGNAL   the first process ended
//                     r ID              the command is about to run (written by the container)
// Fd 3 of each child is the forker's pipe to the agent: the last shell before the command writes
// `r ID` there and closes it before the exec; with READY_IN_CHILD 1 the forked child does so itself.
// When the agent goes (the pipe to the forker closes), the forker exits and leaves the containers
// running, as the agent's own children would be: a restarted agent finds them by their cgroups.
// When the forker goes while the agent runs (killed, or it crashed), every fork not yet ready fails
// naming the forker (its child, if there was one, is killed and the launcher removes its cgroup);
// containers already running go on, each watched through /proc until its first process ends; the
// next fork starts a new forker.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { cgroup_watch_poll_ms } from '../constants.ts';
import type { ExitResult } from './launcher.ts';

const forker_script = String.raw`
use strict;
use warnings;
use POSIX ();
my %ids;
sub send_line { my $line = join(' ', @_) . "\n"; syswrite(STDOUT, $line); }
sub hex_of { return unpack('H*', $_[0]); }
sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $id = delete $ids{$pid};
    next unless defined $id;
    if (POSIX::WIFSIGNALED($?)) { send_line('x', $id, 's', POSIX::WTERMSIG($?)); }
    else { send_line('x', $id, 'c', POSIX::WEXITSTATUS($?)); }
  }
}
$SIG{CHLD} = \&reap;
$SIG{PIPE} = 'IGNORE';
sub start {
  my @f = map { pack('H*', $_) } split / /, $_[0];
  my ($id, $cwd, $stdout, $stderr, $ready) = splice(@f, 0, 5);
  my $n = shift @f; my @procs = splice(@f, 0, $n);
  $n = shift @f; my @env = splice(@f, 0, $n);
  my ($file, $argv0) = splice(@f, 0, 2);
  $n = shift @f; my @args = splice(@f, 0, $n);
  my $hid = hex_of($id);
  # SIGCHLD waits until the child is in %ids, however soon it ends.
  my $chld = POSIX::SigSet->new(POSIX::SIGCHLD());
  POSIX::sigprocmask(POSIX::SIG_BLOCK(), $chld);
  my $pid = fork();
  if (!defined $pid) {
    POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $chld);
    send_line('e', $hid, hex_of("cannot fork: $!"));
    return;
  }
  if ($pid == 0) {
    $SIG{CHLD} = 'DEFAULT';
    $SIG{PIPE} = 'DEFAULT';
    POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $chld);
    POSIX::dup2(1, 3) == 3 or POSIX::_exit(127);
    my $say = sub { my $line = join(' ', @_) . "\n"; POSIX::write(3, $line, length $line); };
    my $fail = sub { $say->('e', $hid, hex_of($_[0])); POSIX::_exit(127); };
    $say->('p', $hid, $$);
    POSIX::setsid();
    for my $procs (@procs) {
      open(my $fh, '>', $procs) or $fail->("cannot open $procs: $!");
      syswrite($fh, "$$\n") or $fail->("cannot join the cgroup of $procs: $!");
      close($fh) or $fail->("cannot join the cgroup of $procs: $!");
    }
    chdir($cwd) or $fail->("cannot enter $cwd: $!");
    open(STDIN, '<', '/dev/null') or $fail->("cannot open /dev/null: $!");
    open(STDOUT, '>>', $stdout) or $fail->("cannot open $stdout: $!");
    open(STDERR, '>>', $stderr) or $fail->("cannot open $stderr: $!");
    %ENV = ();
    for my $kv (@env) { my $i = index($kv, '='); $ENV{substr($kv, 0, $i)} = substr($kv, $i + 1); }
    if ($ready eq '1') { $say->('r', $hid); POSIX::close(3); }
    { no warnings 'exec'; exec { $file } $argv0, @args; }
    print STDERR "$argv0: cannot run $file: $!\n";
    POSIX::_exit($!{ENOENT} ? 127 : 126);
  }
  $ids{$pid} = $hid;
  POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $chld);
}
my $buf = '';
while (1) {
  my $got = sysread(STDIN, $buf, 65536, length $buf);
  if (!defined $got) { next if $!{EINTR}; last; }
  last if $got == 0;
  while ((my $i = index($buf, "\n")) >= 0) {
    my $line = substr($buf, 0, $i + 1, '');
    chomp $line;
    start(substr($line, 2)) if substr($line, 0, 2) eq 'f ';
  }
}
`;

/** What the forker starts: as spawnInSandbox's arguments, plus the cgroups the child joins. */
export interface ForkRequest {
  readonly cwd: string;
  readonly stdout_file: string;
  readonly stderr_file: string;
  readonly env: Readonly<Record<string, string>>;
  readonly file: string;
  readonly argv0: string;
  readonly args: readonly string[];
  /** The cgroup.procs files the child writes its pid into before it execs anything. */
  readonly procs_files: readonly string[];
  /** The child itself says the command is about to run (nothing of the container's comes between). */
  readonly ready_in_child: boolean;
}

/** A first process the forker started, once its command is about to run (or it ended before). */
export interface ForkedProcess {
  readonly pid: number;
  readonly exited: Promise<ExitResult>;
  /** The agent no longer waits for this process (it exits leaving the container running). */
  release(): void;
}

/** The forker of one launcher, started at its first fork. */
export interface ContainerForker {
  /** A new fork's id. */
  nextId(): string;
  /** The line the last shell before the command writes on fd 3 for fork `id`. */
  readyLine(id: string): string;
  /**
   * Forks `id`; resolves once its command is about to run, or once its first process ended before
   * (then `exited` tells how); rejects when it could not be set up (nothing of it runs then).
   */
  fork(id: string, request: ForkRequest): Promise<ForkedProcess>;
  /** The pid of the forker while one runs. */
  pid(): number | undefined;
}

const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');
const unhex = (text: string): string => Buffer.from(text, 'hex').toString('utf8');

/** Signal names by number (the first name Node lists for a number). */
const signal_names = new Map<number, string>();
for (const [name, number] of Object.entries(constants.signals)) {
  if (!signal_names.has(number)) signal_names.set(number, name);
}

/** The state and start time of a process (fields 3 and 22 of /proc/PID/stat); undefined once gone. */
async function processStat(pid: number): Promise<{ state: string; start: string } | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => undefined);
  if (text === undefined) return undefined;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', start: fields[19] ?? '' };
}

/**
 * Calls `ended` once process `pid` (no longer the forker's child, so nobody here can wait for it)
 * has ended: gone from /proc, a zombie, or its pid taken by a process started later. The watch
 * keeps the agent alive while `held` says so.
 */
function watchUntilEnded(pid: number, held: () => boolean, ended: () => void): void {
  let start: string | undefined;
  const check = (): void => {
    void processStat(pid).then((stat) => {
      start ??= stat?.start;
      if (stat === undefined || stat.state === 'Z' || stat.start !== start) {
        ended();
        return;
      }
      const timer = setTimeout(check, cgroup_watch_poll_ms);
      if (!held()) timer.unref();
    });
  };
  check();
}

/** What the agent holds of a fork until its first process ends. */
interface Fork {
  pid?: number;
  error?: Error;
  /** Answered once: ready, ended before ready, or failed. */
  settled: boolean;
  resolve(forked: ForkedProcess): void;
  reject(error: Error): void;
  ended(exit: ExitResult): void;
  /** Still keeps the agent alive. */
  held: boolean;
  exited: Promise<ExitResult>;
}

/** Sends SIGKILL to `pid`, which may have ended already. */
function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // It ended meanwhile.
  }
}

/** A forker run by the given perl. */
export function createContainerForker(perl: string): ContainerForker {
  let child: ChildProcess | undefined;
  const forks = new Map<string, Fork>();
  let next = 0;
  let held = 0;

  // The forker keeps the agent alive only while some container's end is waited for.
  const hold = (delta: number): void => {
    held += delta;
    if (child === undefined) return;
    const streams = [child.stdin, child.stdout] as Array<{ ref?(): void; unref?(): void } | null>;
    if (held > 0) {
      child.ref();
      for (const stream of streams) stream?.ref?.();
    } else {
      child.unref();
      for (const stream of streams) stream?.unref?.();
    }
  };
  const unhold = (fork: Fork): void => {
    if (!fork.held) return;
    fork.held = false;
    hold(-1);
  };
  const settle = (fork: Fork): void => {
    if (fork.settled) return;
    fork.settled = true;
    if (fork.error !== undefined || fork.pid === undefined) {
      unhold(fork);
      fork.reject(fork.error ?? new Error('the container forker reported no pid'));
      return;
    }
    fork.resolve({ pid: fork.pid, exited: fork.exited, release: () => unhold(fork) });
  };

  const onLine = (line: string): void => {
    const [kind, id_hex, a, b] = line.split(' ');
    if (id_hex === undefined) return;
    const id = unhex(id_hex);
    const fork = forks.get(id);
    if (fork === undefined) return;
    if (kind === 'p') fork.pid = Number(a);
    else if (kind === 'r') settle(fork);
    else if (kind === 'e') {
      fork.error = new Error(unhex(a ?? ''));
      // Without a pid nothing was forked, and no end will be told.
      if (fork.pid === undefined) {
        forks.delete(id);
        settle(fork);
      }
    } else if (kind === 'x') {
      forks.delete(id);
      settle(fork);
      unhold(fork);
      fork.ended(a === 's' ? { signal: signal_names.get(Number(b)) ?? `SIG${b}` } : { code: Number(b) });
    }
  };

  const start = (): ChildProcess => {
    const started = spawn(perl, ['-e', forker_script], { stdio: ['pipe', 'pipe', 'inherit'] });
    let buffer = '';
    started.stdout?.setEncoding('latin1');
    started.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
        onLine(buffer.slice(0, at));
        buffer = buffer.slice(at + 1);
      }
    });
    started.stdin?.on('error', () => {});
    let over = false;
    const gone = (how: string): void => {
      if (over) return;
      over = true;
      if (child === started) child = undefined;
      // A fork not yet ready fails (its child, forked or not, is killed: the launcher then removes
      // the cgroup it may have joined). A first process already running goes on, watched through
      // /proc; how it ended is then unknown here (the exit-status wrapper's record tells it).
      for (const [id, fork] of forks) {
        forks.delete(id);
        if (!fork.settled) {
          fork.error ??= new Error(`the container forker (pid ${started.pid ?? 'none'}) ${how}`);
          if (fork.pid !== undefined) killQuietly(fork.pid);
          settle(fork);
          unhold(fork);
          fork.ended({ signal: 'UNKNOWN' });
          continue;
        }
        const pid = fork.pid!;
        watchUntilEnded(
          pid,
          () => fork.held,
          () => {
            unhold(fork);
            fork.ended({ signal: 'UNKNOWN' });
          },
        );
      }
    };
    started.on('error', (error) => gone(`could not run: ${error.message}`));
    started.once('exit', (code, signal) =>
      gone(signal !== null ? `was killed by ${signal}` : `exited with code ${code}`),
    );
    return started;
  };

  return {
    nextId: () => `${next++}`,
    pid: () => child?.pid,
    readyLine: (id) => `r ${hex(id)}`,
    fork(id, request) {
      child ??= start();
      const fields = [
        id,
        request.cwd,
        request.stdout_file,
        request.stderr_file,
        request.ready_in_child ? '1' : '0',
        String(request.procs_files.length),
        ...request.procs_files,
        String(Object.keys(request.env).length),
        ...Object.entries(request.env).map(([name, value]) => `${name}=${value}`),
        request.file,
        request.argv0,
        String(request.args.length),
        ...request.args,
      ];
      return new Promise<ForkedProcess>((resolve, reject) => {
        let ended: (exit: ExitResult) => void = () => {};
        const exited = new Promise<ExitResult>((r) => {
          ended = r;
        });
        forks.set(id, { settled: false, held: true, resolve, reject, ended, exited });
        hold(1);
        child?.stdin?.write(`f ${fields.map(hex).join(' ')}\n`);
      });
    },
  };
}
