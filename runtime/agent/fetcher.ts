// The fetcher: before a command task, a task of a group, or a custom executor starts, every
// CommandInfo.URI of its command is brought into its sandbox, one after the other, as Mesos's
// fetcher does. Paths and file:// URIs are copied, http:// and https:// downloaded (redirects
// followed, a stalled download given up); the file is named by `output_file` (inside the sandbox,
// never outside) or else by the URI's last path component; `executable` makes it mode 0755, and
// otherwise `extract` (true unless false) unpacks a tar, compressed tar, gzip or zip archive beside
// it with the system's tar, gunzip and unzip. A URI with `cache` goes through the fetcher cache
// (fetcher-cache.ts) when the agent has one. What the fetcher does is appended to the sandbox's
// stderr, where the task's own output follows, and the first failure ends the fetch naming its URI.
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { appendFile, chmod, copyFile, lchown, mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { rootCertificates } from 'node:tls';
import { fetcher_redirects_max, fetcher_stall_timeout_ms_default } from '../constants.ts';
import { findTool } from './container-process.ts';
import type { FetcherCache } from './fetcher-cache.ts';
import { needsSwitch, requireUser, type TaskUser } from './task-user.ts';

/** CommandInfo.URI as it arrives (JSON of the v1 API; only `value` is required). */
export interface CommandUri {
  readonly value: string;
  readonly executable?: boolean;
  readonly extract?: boolean;
  readonly cache?: boolean;
  readonly output_file?: string;
}

/** What the agent's fetcher knows besides each request: its cache, trusted authorities, timeouts. */
export interface FetcherSettings {
  /** Where a relative path URI is found (--frameworks_home); without it such a URI fails. */
  readonly frameworks_home?: string;
  /** Authorities trusted for https besides the usual public roots (the agent's LIBPROCESS_SSL_CA_*). */
  readonly ca?: readonly Buffer[];
  /** How long a download may receive nothing before it is given up. */
  readonly stall_timeout_ms?: number;
  readonly cache?: FetcherCache;
}

/** One fetch: the URIs of a command into a sandbox, for a user (files made theirs at the end). */
export interface FetchRequest {
  readonly sandbox_dir: string;
  readonly uris: readonly unknown[];
  /** The user the command will run as; fetched files become theirs. */
  readonly user?: string;
}

/** A fetch failed; the message names the URI. */
export class FetchError extends Error {
  readonly uri: string;
  constructor(uri: string, message: string) {
    super(`Failed to fetch '${uri}': ${message}`);
    this.uri = uri;
  }
}

/** The archive kinds extract unpacks, by the end of the file's name. */
const archive_kinds: ReadonlyArray<{ readonly ends: readonly string[]; readonly kind: ArchiveKind }> = [
  { ends: ['.tar.gz', '.tgz', '.tar.bz2', '.tbz2', '.tar.xz', '.txz', '.tar'], kind: 'tar' },
  { ends: ['.gz'], kind: 'gzip' },
  { ends: ['.zip'], kind: 'zip' },
];

type ArchiveKind = 'tar' | 'gzip' | 'zip';

/** The archive kind of a file name, if extract would unpack it. */
export function archiveKindOf(name: string): ArchiveKind | undefined {
  const lower = name.toLowerCase();
  return archive_kinds.find((k) => k.ends.some((end) => lower.endsWith(end)))?.kind;
}

/** Checks one URI as it came in the task, with a message naming what is wrong. */
export function parseUri(raw: unknown): CommandUri {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error('a URI must be an object with a string value');
  }
  const fields = raw as Record<string, unknown>;
  const value = fields.value;
  if (typeof value !== 'string' || value.trim() === '') throw new Error('a URI needs a non-empty value');
  for (const name of ['executable', 'extract', 'cache'] as const) {
    if (fields[name] !== undefined && typeof fields[name] !== 'boolean') {
      throw new FetchError(value, `'${name}' must be true or false`);
    }
  }
  if (fields.output_file !== undefined && typeof fields.output_file !== 'string') {
    throw new FetchError(value, "'output_file' must be a string");
  }
  return fields as unknown as CommandUri;
}

/** Where a URI is read from: a local file, or a web address. */
type Source = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'http'; readonly url: URL };

/** The source of a URI value; throws for a scheme the fetcher does not speak. */
export function sourceOf(value: string, frameworks_home: string | undefined): Source {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (isAbsolute(value)) return { kind: 'file', path: value };
    if (frameworks_home === undefined) {
      throw new Error('a relative path is found under --frameworks_home, which the agent was not given');
    }
    return { kind: 'file', path: resolve(frameworks_home, value) };
  }
  if (scheme === 'http' || scheme === 'https') return { kind: 'http', url: new URL(value) };
  if (scheme === 'file') {
    const url = new URL(value);
    if (url.hostname !== '' && url.hostname !== 'localhost') {
      throw new Error(`a file:// URI names a file of this machine, not of '${url.hostname}'`);
    }
    return { kind: 'file', path: decodeURIComponent(url.pathname) };
  }
  throw new Error(`the fetcher takes paths and file://, http:// and https:// URIs, not ${scheme}://`);
}

/** The file name a URI is saved as when it has no output_file: the last component of its path. */
export function defaultFileName(source: Source): string {
  const path = source.kind === 'file' ? source.path : decodeURIComponent(source.url.pathname);
  const name = basename(path);
  if (name === '' || name === '.' || name === '..' || path.endsWith('/')) {
    throw new Error('no file name can be taken from it: give the URI an output_file');
  }
  return name;
}

/** The path inside `sandbox_dir` a file is saved as; throws for a name that leaves the sandbox. */
export function destinationOf(sandbox_dir: string, name: string): string {
  if (name === '' || name.includes('\0')) throw new Error('output_file must be a non-empty file name');
  if (isAbsolute(name)) throw new Error(`output_file '${name}' must be relative to the sandbox`);
  const path = normalize(join(sandbox_dir, name));
  const inside = relative(sandbox_dir, path);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new Error(`output_file '${name}' leaves the sandbox`);
  }
  return path;
}

/** Makes the directory of `path` and checks that, symlinks resolved, it is still inside the sandbox. */
async function makeParent(sandbox_dir: string, path: string, name: string): Promise<void> {
  const parent = dirname(path);
  await mkdir(parent, { recursive: true });
  const [real_sandbox, real_parent] = await Promise.all([realpath(sandbox_dir), realpath(parent)]);
  if (real_parent !== real_sandbox && !real_parent.startsWith(`${real_sandbox}${sep}`)) {
    throw new Error(`output_file '${name}' leaves the sandbox through a symbolic link`);
  }
}

/** Copies a local file to `path` (a directory is refused: a URI names one file). */
export async function copyLocal(from: string, path: string): Promise<void> {
  const info = await stat(from).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      error.code === 'ENOENT' ? `no such file '${from}'` : `cannot read '${from}': ${error.code}`,
    );
  });
  if (!info.isFile()) throw new Error(`'${from}' is not a regular file`);
  await copyFile(from, path);
}

/** Downloads `url` to `path`, following redirects; an answer other than 2xx fails with its status. */
export async function download(url: URL, path: string, settings: FetcherSettings): Promise<void> {
  const stall_ms = settings.stall_timeout_ms ?? fetcher_stall_timeout_ms_default;
  let current = url;
  for (let hop = 0; ; hop += 1) {
    const response = await requestOnce(current, stall_ms, settings.ca);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location !== undefined) {
      response.resume();
      if (hop >= fetcher_redirects_max) throw new Error(`more than ${fetcher_redirects_max} redirects`);
      current = new URL(location, current);
      if (current.protocol !== 'http:' && current.protocol !== 'https:') {
        throw new Error(`redirected to ${current.protocol}//, which the fetcher does not follow`);
      }
      continue;
    }
    if (status < 200 || status >= 300) {
      response.resume();
      throw new Error(`${current.href} answered ${status} ${response.statusMessage ?? ''}`.trim());
    }
    await saveBody(response, path, stall_ms);
    return;
  }
}

/** One GET, resolved with the response's head. */
function requestOnce(
  url: URL,
  stall_ms: number,
  ca: readonly Buffer[] | undefined,
): Promise<IncomingMessage> {
  return new Promise((resolveResponse, reject) => {
    const options = {
      timeout: stall_ms,
      ...(url.protocol === 'https:' && ca !== undefined && ca.length > 0
        ? { ca: [...rootCertificates, ...ca] }
        : {}),
    };
    const request = (url.protocol === 'https:' ? httpsGet : httpGet)(url, options, resolveResponse);
    request.on('timeout', () => request.destroy(new Error(`no answer from ${url.host} in ${stall_ms} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(`${url.host}: ${error.code ?? error.message}${error.code ? ` (${error.message})` : ''}`),
      ),
    );
  });
}

/** Writes a response body to `path`; a body stalled for stall_ms or cut short fails. */
function saveBody(response: IncomingMessage, path: string, stall_ms: number): Promise<void> {
  return new Promise((done, reject) => {
    const file = createWriteStream(path);
    const fail = (error: Error): void => {
      response.destroy();
      file.destroy();
      reject(error);
    };
    response.setTimeout(stall_ms, () => fail(new Error(`the download stalled for ${stall_ms} ms`)));
    response.on('aborted', () => fail(new Error('the server closed the connection before the end')));
    response.on('error', fail);
    file.on('error', fail);
    file.on('finish', () => done());
    response.pipe(file);
  });
}

/** Runs a system tool; rejects with what it printed on stderr. */
function run(tool: string, args: readonly string[], what: string): Promise<void> {
  return new Promise((done, reject) => {
    execFile(tool, [...args], { maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error === null) done();
      else reject(new Error(`${what} failed: ${stderr.trim() || error.message}`));
    });
  });
}

/** The path of a system tool extraction needs, or an error saying it is missing. */
function requireTool(name: string, file: string, find: (name: string) => string | undefined): string {
  const path = find(name);
  if (path === undefined) {
    throw new Error(`extracting '${basename(file)}' needs ${name}, which is not installed on the agent`);
  }
  return path;
}

/** Unpacks `archive` into `directory` with the system's tar, gunzip or unzip. */
export async function extractArchive(
  archive: string,
  kind: ArchiveKind,
  directory: string,
  find: (name: string) => string | undefined = findTool,
): Promise<void> {
  const name = basename(archive);
  if (kind === 'tar') {
    // GNU tar tells the compression from the file itself; it refuses members with '..'.
    await run(requireTool('tar', archive, find), ['-C', directory, '-xf', archive], `tar -xf ${name}`);
  } else if (kind === 'zip') {
    await run(requireTool('unzip', archive, find), ['-q', '-o', '-d', directory, archive], `unzip ${name}`);
  } else {
    const gunzip = requireTool('gunzip', archive, find);
    // gunzip -k keeps the archive, as the fetcher keeps every fetched file; -f replaces an old result.
    await run(gunzip, ['-k', '-f', archive], `gunzip ${name}`);
  }
}

/** Makes every file under `dir` (and `dir`) the user's. */
async function chownTree(dir: string, user: TaskUser): Promise<void> {
  await lchown(dir, user.uid, user.gid);
  for (const entry of await readdir(dir, { recursive: true })) {
    await lchown(join(dir, entry), user.uid, user.gid);
  }
}

/** Appends a line to the sandbox's stderr, where the fetcher's log goes. */
async function logLine(sandbox_dir: string, line: string): Promise<void> {
  await appendFile(join(sandbox_dir, 'stderr'), `${new Date().toISOString()} fetcher: ${line}\n`);
}

/** Fetches one checked URI into the sandbox. */
async function fetchOne(
  sandbox_dir: string,
  uri: CommandUri,
  user_name: string | undefined,
  settings: FetcherSettings,
): Promise<string> {
  const source = sourceOf(uri.value, settings.frameworks_home);
  const name = uri.output_file ?? defaultFileName(source);
  const path = destinationOf(sandbox_dir, name);
  await makeParent(sandbox_dir, path, name);
  const extract = uri.executable !== true && uri.extract !== false ? archiveKindOf(path) : undefined;
  const bring = async (to: string): Promise<void> => {
    if (source.kind === 'file') await copyLocal(source.path, to);
    else await download(source.url, to, settings);
  };
  let how = source.kind === 'file' ? 'copied' : 'downloaded';
  if (uri.cache === true && settings.cache !== undefined) {
    const cached = await settings.cache.fetch(
      `${user_name ?? ''}\0${uri.value}`,
      basename(path),
      bring,
      (line) => logLine(sandbox_dir, line),
    );
    if (cached === undefined) await bring(path);
    else if (extract !== undefined && extract !== 'gzip') {
      // A cached archive is unpacked straight from the cache: only what it holds lands in the sandbox.
      try {
        await extractArchive(cached.path, extract, dirname(path));
      } finally {
        cached.release();
      }
      return `extracted from the cache into ${relative(sandbox_dir, dirname(path)) || '.'}`;
    } else {
      try {
        await copyFile(cached.path, path);
      } finally {
        cached.release();
      }
      how = 'copied from the cache';
    }
  } else {
    await bring(path);
  }
  if (uri.executable === true) {
    await chmod(path, 0o755);
    return `${how} to ${name}, made executable`;
  }
  if (extract !== undefined) {
    await extractArchive(path, extract, dirname(path));
    return `${how} to ${name}, extracted`;
  }
  return `${how} to ${name}`;
}

/** Fetches every URI of a request in order; throws a FetchError naming the first that failed. */
export async function fetchUris(request: FetchRequest, settings: FetcherSettings): Promise<void> {
  if (request.uris.length === 0) return;
  const { sandbox_dir } = request;
  // A user the agent does not know fails the launch that follows, naming the user; the files stay the agent's.
  const found =
    request.user === undefined ? undefined : await requireUser(request.user).catch(() => undefined);
  const user = found !== undefined && needsSwitch(found) ? found : undefined;
  for (const raw of request.uris) {
    const value = (raw as { value?: unknown } | null)?.value;
    const shown = typeof value === 'string' ? value : JSON.stringify(raw);
    try {
      const uri = parseUri(raw);
      await logLine(sandbox_dir, `fetching '${uri.value}'`);
      const done = await fetchOne(sandbox_dir, uri, request.user, settings);
      await logLine(sandbox_dir, `'${uri.value}' ${done}`);
    } catch (error) {
      const failure = error instanceof FetchError ? error : new FetchError(shown, (error as Error).message);
      await logLine(sandbox_dir, failure.message).catch(() => undefined);
      throw failure;
    }
  }
  if (user !== undefined) await chownTree(sandbox_dir, user);
}
