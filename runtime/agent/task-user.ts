// The user a task runs as, as Mesos's --switch_user has it: the command's user, else the
// framework's, looked up on the agent (a name the agent does not know fails the launch, naming it).
// The command then runs under util-linux `setpriv` with that user's uid, gid and groups, and its
// sandbox is made that user's, so a task never runs as root by accident when a user was given.
import { execFile } from 'node:child_process';
import { chown } from 'node:fs/promises';
import { join } from 'node:path';
import type { LaunchCommand } from './launcher.ts';

/** A user of the agent's machine. */
export interface TaskUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const known = new Map<string, Promise<TaskUser | undefined>>();

/** Parses a passwd(5) line. */
export function parsePasswdLine(line: string): TaskUser | undefined {
  const [name, , uid, gid] = line.trim().split(':');
  if (!name || !/^[0-9]+$/.test(uid ?? '') || !/^[0-9]+$/.test(gid ?? '')) return undefined;
  return { name, uid: Number(uid), gid: Number(gid) };
}

/** Looks a user up through the system's name service (`getent passwd`, so LDAP users count too). */
export function lookUpUser(name: string): Promise<TaskUser | undefined> {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(name)) return Promise.resolve(undefined);
  let found = known.get(name);
  if (found === undefined) {
    found = new Promise((resolve) => {
      execFile('getent', ['passwd', name], { encoding: 'utf8', timeout: 5000 }, (error, stdout) =>
        resolve(error ? undefined : parsePasswdLine(stdout.split('\n')[0] ?? '')),
      );
    });
    known.set(name, found);
    // A miss is asked again next time: the user may be added meanwhile.
    void found.then((user) => {
      if (user === undefined) known.delete(name);
    });
  }
  return found;
}

/** The user a launch runs as; throws naming a user the agent does not have. */
export async function requireUser(name: string): Promise<TaskUser> {
  const user = await lookUpUser(name);
  if (user === undefined) {
    throw new Error(
      `user '${name}' does not exist on the agent (with --switch_user, tasks run as their user)`,
    );
  }
  return user;
}

/** Whether running as `user` needs a switch (the agent is someone else). */
export function needsSwitch(user: TaskUser): boolean {
  return process.getuid?.() !== user.uid || process.getgid?.() !== user.gid;
}

/** The command run as `user` through setpriv (in exec form: setpriv finds the program on PATH). */
export function asUser(command: LaunchCommand, user: TaskUser, setpriv: string): LaunchCommand {
  const inner = command.shell
    ? ['/bin/sh', '-c', command.value]
    : [command.value, ...command.arguments.slice(1)];
  const args = [setpriv, `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', ...inner];
  return { value: setpriv, shell: false, arguments: args };
}

/** Makes a sandbox and its output files the user's (the agent made them as itself). */
export async function giveSandbox(sandbox_dir: string, user: TaskUser): Promise<void> {
  await chown(sandbox_dir, user.uid, user.gid);
  for (const name of ['stdout', 'stderr']) {
    await chown(join(sandbox_dir, name), user.uid, user.gid).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}
