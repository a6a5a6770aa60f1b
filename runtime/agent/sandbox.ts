// Sandboxes: the directory each executor run gets, laid out under the agent's work_dir as Mesos
// lays it out, and the safe file access behind the agent's /files/browse and /files/read.
// A sandbox's contents belong to the task, which may plant symlinks, FIFOs or renamed directories
// to reach files elsewhere, so every access resolves symlinks, checks that the result lies inside
// a sandbox root, and checks again what was actually opened (through /proc/self/fd), closing the
// window between the check and the open; a file with other hard links is refused, since one of them
// may lie outside.
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import {
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  symlink,
} from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { files_browse_entries_max, files_read_bytes_max } from '../constants.ts';

/** The ids that place a sandbox in the work_dir. */
export interface SandboxIds {
  readonly agent_id: string;
  readonly framework_id: string;
  readonly executor_id: string;
  readonly container_id: string;
}

/** Refuses an id that could not be a single path component (Mesos's rule: no '/', NUL, '.' or '..'). */
export function validateSandboxId(kind: string, id: string): void {
  if (id === '' || id === '.' || id === '..' || id.includes('/') || id.includes('\0')) {
    throw new Error(
      `${kind} '${id}' cannot name a sandbox directory: it must be non-empty, not '.' or '..', without '/' or NUL`,
    );
  }
}

/** The executor directory (the parent of every run) of a framework's executor on an agent. */
export function executorDirectory(work_dir: string, ids: Omit<SandboxIds, 'container_id'>): string {
  validateSandboxId('agent id', ids.agent_id);
  validateSandboxId('framework id', ids.framework_id);
  validateSandboxId('executor id', ids.executor_id);
  return join(work_dir, 'slaves', ids.agent_id, 'frameworks', ids.framework_id, 'executors', ids.executor_id);
}

/** `<work_dir>/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/<container>`, as Mesos. */
export function sandboxDirectory(work_dir: string, ids: SandboxIds): string {
  validateSandboxId('container id', ids.container_id);
  return join(executorDirectory(work_dir, ids), 'runs', ids.container_id);
}

/** Temporary `latest` links made by this process (each gets its own name). */
let latestLinks = 0;

/** Creates a run's sandbox and points the executor's `runs/latest` symlink at it; returns its path. */
export async function createSandbox(work_dir: string, ids: SandboxIds): Promise<string> {
  if (!isAbsolute(work_dir)) throw new Error(`work_dir must be an absolute path, got '${work_dir}'`);
  const directory = sandboxDirectory(work_dir, ids);
  await mkdir(directory, { recursive: true });
  // Replace the link atomically: make it under a temporary name, then rename over the old one. The
  // name is this call's own: the tasks of a group create their sandboxes under one run at once.
  const runs = join(directory, '..');
  const temporary = join(runs, `.latest-${process.pid}-${ids.container_id}-${++latestLinks}`);
  await rm(temporary, { force: true });
  await symlink(ids.container_id, temporary);
  await rename(temporary, join(runs, 'latest'));
  return directory;
}

/** Why a sandbox access was refused; the host answers 400, 403 or 404 by kind. */
export type SandboxAccessErrorKind = 'bad_request' | 'forbidden' | 'not_found';

/** A refused sandbox access, with a message fit for the response body. */
export class SandboxAccessError extends Error {
  readonly kind: SandboxAccessErrorKind;
  constructor(kind: SandboxAccessErrorKind, message: string) {
    super(message);
    this.name = 'SandboxAccessError';
    this.kind = kind;
  }
}

/** Parses an optional integer query parameter (offset, length); undefined when absent. */
export function parseFilesInteger(name: string, value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (!/^-?[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new SandboxAccessError('bad_request', `Failed to parse ${name}: '${value}' is not an integer`);
  }
  return Number(value);
}

/** Whether `path` is `root` or lies under it (both absolute and normalized). */
function isWithin(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The real paths of the roots that exist. */
async function realRoots(roots: readonly string[]): Promise<string[]> {
  const found = await Promise.all(roots.map((root) => realpath(resolve(root)).catch(() => undefined)));
  return found.filter((root): root is string => root !== undefined);
}

/** Resolves a requested path to its real path inside a root, or refuses it. */
async function resolveInside(roots: readonly string[], path: string, real_roots: string[]): Promise<string> {
  if (path === '' || path.includes('\0'))
    throw new SandboxAccessError('bad_request', "Expecting 'path=value' in query");
  if (!isAbsolute(path)) throw new SandboxAccessError('bad_request', `'${path}' is not an absolute path`);
  const lexical = resolve(path);
  // Refuse what is outside every root before touching the file system, so that a refusal says
  // nothing about whether a file exists out there.
  const named = roots.map((root) => resolve(root));
  if (![...named, ...real_roots].some((root) => isWithin(root, lexical))) {
    throw new SandboxAccessError('forbidden', `'${path}' is outside every sandbox`);
  }
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES') throw new SandboxAccessError('forbidden', `'${path}' is inaccessible`);
    throw new SandboxAccessError('not_found', `'${path}' does not exist`);
  }
  if (!real_roots.some((root) => isWithin(root, real))) {
    throw new SandboxAccessError('forbidden', `'${path}' resolves outside every sandbox`);
  }
  return real;
}

/**
 * A check of what was opened (its real path, the real roots) beyond lying in a sandbox, such as the
 * caller's authorization; it throws a SandboxAccessError to refuse.
 */
export type SandboxGuard = (real_path: string, real_roots: readonly string[]) => void;

/** Opens a resolved path without blocking and checks that what was opened lies inside a root. */
async function openInside(
  real: string,
  path: string,
  real_roots: string[],
  flags: number,
  guard: SandboxGuard | undefined,
): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO planted in the sandbox must not hang the agent.
    handle = await open(real, flags | constants.O_NONBLOCK | constants.O_NOCTTY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SandboxAccessError('not_found', `'${path}' does not exist`);
    if (code === 'ENOTDIR') throw new SandboxAccessError('bad_request', `'${path}' is not a directory`);
    throw new SandboxAccessError('forbidden', `'${path}' cannot be opened (${code ?? 'error'})`);
  }
  const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => '');
  if (!real_roots.some((root) => isWithin(root, opened))) {
    await handle.close();
    throw new SandboxAccessError(
      'forbidden',
      `'${path}' changed while being opened and now lies outside every sandbox`,
    );
  }
  try {
    guard?.(opened, real_roots);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

/** The length of `bytes` without a trailing, incomplete UTF-8 character (unless that leaves nothing). */
function completeUtf8Length(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead byte
    const expected = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    const cut = bytes.length - back;
    return expected > back && cut > 0 ? cut : bytes.length;
  }
  return bytes.length;
}

/** Reads a sandbox file, as /files/read: offset -1 (the default) answers the size; reads are capped. */
export async function readSandboxFile(
  roots: readonly string[],
  path: string,
  offset: number = -1,
  length: number = -1,
  guard?: SandboxGuard,
): Promise<{ data: string; offset: number }> {
  if (!Number.isSafeInteger(offset) || offset < -1) {
    throw new SandboxAccessError('bad_request', `offset must be an integer >= -1, got ${offset}`);
  }
  if (!Number.isSafeInteger(length) || length < -1) {
    throw new SandboxAccessError('bad_request', `length must be an integer >= -1, got ${length}`);
  }
  const real_roots = await realRoots(roots);
  const real = await resolveInside(roots, path, real_roots);
  const handle = await openInside(real, path, real_roots, constants.O_RDONLY, guard);
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new SandboxAccessError('bad_request', `Cannot read a directory: '${path}'`);
    if (!info.isFile()) throw new SandboxAccessError('bad_request', `'${path}' is not a regular file`);
    // A hard link is the file itself under another name: a task may link any file of the agent's
    // file system into its sandbox, and no path check can tell, so a file with more than one name
    // is not served.
    if (info.nlink > 1) {
      throw new SandboxAccessError(
        'forbidden',
        `'${path}' has ${info.nlink} hard links: a file linked from elsewhere is not served from a sandbox`,
      );
    }
    const size = info.size;
    const start = offset === -1 ? size : offset;
    if (start >= size) return { data: '', offset: size };
    const wanted = Math.min(length === -1 ? size - start : length, files_read_bytes_max, size - start);
    const buffer = Buffer.alloc(wanted);
    const { bytesRead } = await handle.read(buffer, 0, wanted, start);
    const bytes = buffer.subarray(0, bytesRead);
    // Stop before a character split by the read, so the next read (at offset + bytes) starts whole.
    return { data: bytes.subarray(0, completeUtf8Length(bytes)).toString('utf8'), offset: start };
  } finally {
    await handle.close();
  }
}

/** One entry of a /files/browse answer, as Mesos describes a file. */
export interface SandboxFileInfo {
  /** The requested path joined with the entry's name. */
  readonly path: string;
  readonly nlink: number;
  readonly size: number;
  /** Modification time, in whole seconds since the epoch. */
  readonly mtime: number;
  /** As `ls -l` shows it: 'drwxr-xr-x'. */
  readonly mode: string;
  /** Owner's user and group names (numbers when they have none). */
  readonly uid: string;
  readonly gid: string;
}

/** The `ls -l` form of a mode: type letter then rwx triplets with setuid, setgid and sticky bits. */
export function fileModeString(mode: number): string {
  const type = mode & constants.S_IFMT;
  const letters: Record<number, string> = {
    [constants.S_IFDIR]: 'd',
    [constants.S_IFLNK]: 'l',
    [constants.S_IFCHR]: 'c',
    [constants.S_IFBLK]: 'b',
    [constants.S_IFIFO]: 'p',
    [constants.S_IFSOCK]: 's',
  };
  const triplet = (shift: number, special: boolean, set: string, unset: string): string => {
    const bits = (mode >> shift) & 7;
    const execute = bits & 1 ? (special ? set : 'x') : special ? unset : '-';
    return (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + execute;
  };
  return (
    (letters[type] ?? '-') +
    triplet(6, (mode & 0o4000) !== 0, 's', 'S') +
    triplet(3, (mode & 0o2000) !== 0, 's', 'S') +
    triplet(0, (mode & 0o1000) !== 0, 't', 'T')
  );
}

let account_names: Promise<{ users: Map<number, string>; groups: Map<number, string> }> | undefined;

/** User and group names by id, from /etc/passwd and /etc/group (read once). */
function accountNames(): Promise<{ users: Map<number, string>; groups: Map<number, string> }> {
  const table = async (file: string): Promise<Map<number, string>> => {
    const names = new Map<number, string>();
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id && /^[0-9]+$/.test(id) && !names.has(Number(id))) names.set(Number(id), name);
    }
    return names;
  };
  account_names ??= Promise.all([table('/etc/passwd'), table('/etc/group')]).then(([users, groups]) => ({
    users,
    groups,
  }));
  return account_names;
}

/** Lists a sandbox directory, as /files/browse: entries sorted by path, at most files_browse_entries_max. */
export async function browseSandbox(
  roots: readonly string[],
  path: string,
  guard?: SandboxGuard,
): Promise<SandboxFileInfo[]> {
  const real_roots = await realRoots(roots);
  const real = await resolveInside(roots, path, real_roots);
  const handle = await openInside(real, path, real_roots, constants.O_RDONLY | constants.O_DIRECTORY, guard);
  try {
    // List through the descriptor, so the listing is of the directory that passed the check.
    const opened = `/proc/self/fd/${handle.fd}`;
    const names = (await readdir(opened)).sort(compareText).slice(0, files_browse_entries_max);
    const { users, groups } = await accountNames();
    const base = path.length > 1 ? path.replace(/\/+$/, '') : path;
    const entries: SandboxFileInfo[] = [];
    for (const name of names) {
      const info = await entryStat(opened, real, name, real_roots);
      if (!info) continue;
      entries.push({
        path: base === '/' ? `/${name}` : `${base}/${name}`,
        nlink: info.nlink,
        size: info.size,
        mtime: Math.floor(info.mtimeMs / 1000),
        mode: fileModeString(info.mode),
        uid: users.get(info.uid) ?? String(info.uid),
        gid: groups.get(info.gid) ?? String(info.gid),
      });
    }
    return entries;
  } finally {
    await handle.close();
  }
}

/** Orders strings by code unit, a full and locale-free order. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Stats an entry, following a symlink only when its target lies inside a root; undefined if gone. */
async function entryStat(opened: string, real: string, name: string, real_roots: string[]) {
  const link = await lstat(join(opened, name)).catch(() => undefined);
  if (!link?.isSymbolicLink()) return link;
  const target = await realpath(join(real, name)).catch(() => undefined);
  if (target === undefined || !real_roots.some((root) => isWithin(root, target))) return link;
  return (await stat(target).catch(() => undefined)) ?? link;
}
