// The agent's fetcher on its own: copies of paths and file:// URIs, downloads from a server on
// loopback (redirects, error answers), every archive kind unpacked with the system's tools (made
// here with tar, gzip and zip), executable and extract, output_file kept inside the sandbox, the
// failures that name their URI, the fetcher's lines in the sandbox's stderr, and the cache.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentOptionsOf } from '../../cli/agent.ts';
import {
  archiveKindOf,
  destinationOf,
  extractArchive,
  FetchError,
  type FetcherSettings,
  fetchUris,
} from '../../runtime/agent/fetcher.ts';
import { createFetcherCache } from '../../runtime/agent/fetcher-cache.ts';
import { makeTestCa } from '../integration/tls-fixture.ts';

const dirs: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(prefix = 'meso-fetch-'): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  dirs.push(dir);
  return dir;
}

/** A source directory holding `hello.txt` and `sub/deep.txt`, and an empty sandbox. */
async function setUp(): Promise<{ src: string; sandbox: string }> {
  const src = await tempDir();
  const sandbox = await tempDir('meso-sandbox-');
  writeFileSync(join(src, 'hello.txt'), 'hello\n');
  mkdirSync(join(src, 'content', 'sub'), { recursive: true });
  writeFileSync(join(src, 'content', 'top.txt'), 'top\n');
  writeFileSync(join(src, 'content', 'sub', 'deep.txt'), 'deep\n');
  return { src, sandbox };
}

async function fetch(sandbox: string, uris: unknown[], settings: FetcherSettings = {}): Promise<void> {
  await fetchUris({ sandbox_dir: sandbox, uris }, settings);
}

/** The error a fetch fails with. */
async function failure(sandbox: string, uris: unknown[], settings: FetcherSettings = {}): Promise<Error> {
  return fetch(sandbox, uris, settings).then(
    () => {
      throw new Error('the fetch succeeded');
    },
    (error: Error) => error,
  );
}

/** A server on 127.0.0.1 answering from `routes` (path to status and body, or a redirect target). */
async function serve(
  routes: Record<string, { status?: number; body?: string | Buffer; location?: string }>,
): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const route = routes[(req.url ?? '').split('?')[0]!];
    if (route === undefined) {
      res.writeHead(404).end('not here');
      return;
    }
    res.writeHead(route.status ?? 200, route.location === undefined ? {} : { location: route.location });
    res.end(route.body ?? '');
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

describe('the fetcher', () => {
  it('copies an absolute path and a file:// URI, named by the path or by output_file', async () => {
    const { src, sandbox } = await setUp();
    await fetch(sandbox, [
      { value: join(src, 'hello.txt') },
      { value: `file://${join(src, 'hello.txt')}`, output_file: 'conf/copy.txt' },
    ]);
    expect(readFileSync(join(sandbox, 'hello.txt'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(sandbox, 'conf', 'copy.txt'), 'utf8')).toBe('hello\n');
    // Not executable unless asked.
    expect(statSync(join(sandbox, 'hello.txt')).mode & 0o111).toBe(0);
    const log = readFileSync(join(sandbox, 'stderr'), 'utf8');
    expect(log).toContain(`fetching '${join(src, 'hello.txt')}'`);
    expect(log).toContain('copied to conf/copy.txt');
  });

  it('finds a relative path under frameworks_home, and refuses one without it', async () => {
    const { src, sandbox } = await setUp();
    await fetch(sandbox, [{ value: 'hello.txt' }], { frameworks_home: src });
    expect(readFileSync(join(sandbox, 'hello.txt'), 'utf8')).toBe('hello\n');
    const error = await failure(sandbox, [{ value: 'hello.txt' }]);
    expect(error.message).toBe(
      "Failed to fetch 'hello.txt': a relative path is found under --frameworks_home, which the agent was not given",
    );
  });

  it('makes a file executable (0755) and then does not extract it', async () => {
    const { src, sandbox } = await setUp();
    execFileSync('tar', ['-C', join(src, 'content'), '-czf', join(src, 'run.tar.gz'), '.']);
    await fetch(sandbox, [{ value: join(src, 'run.tar.gz'), executable: true }]);
    expect(statSync(join(sandbox, 'run.tar.gz')).mode & 0o777).toBe(0o755);
    expect(await readdir(sandbox)).not.toContain('top.txt');
  });

  it.skipIf(process.getuid?.() !== 0)(
    "makes what it fetched the task user's when the task runs as another user",
    async () => {
      const { src, sandbox } = await setUp();
      execFileSync('tar', ['-C', join(src, 'content'), '-cf', join(src, 'bundle.tar'), '.']);
      await fetchUris(
        { sandbox_dir: sandbox, uris: [{ value: join(src, 'bundle.tar') }], user: 'nobody' },
        {},
      );
      const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
      for (const path of ['bundle.tar', 'top.txt', 'sub', join('sub', 'deep.txt'), 'stderr']) {
        expect(statSync(join(sandbox, path)).uid, path).toBe(nobody);
      }
    },
  );

  const tar_kinds: Array<[string, string]> = [
    ['.tar', '-cf'],
    ['.tar.gz', '-czf'],
    ['.tgz', '-czf'],
    ['.tar.bz2', '-cjf'],
    ['.tbz2', '-cjf'],
    ['.tar.xz', '-cJf'],
    ['.txz', '-cJf'],
  ];
  for (const [suffix, flags] of tar_kinds) {
    it(`extracts a ${suffix} archive made with tar ${flags}, keeping the archive`, async () => {
      const { src, sandbox } = await setUp();
      const archive = join(src, `bundle${suffix}`);
      execFileSync('tar', ['-C', join(src, 'content'), flags, archive, '.']);
      await fetch(sandbox, [{ value: archive }]);
      expect(readFileSync(join(sandbox, 'top.txt'), 'utf8')).toBe('top\n');
      expect(readFileSync(join(sandbox, 'sub', 'deep.txt'), 'utf8')).toBe('deep\n');
      expect(statSync(join(sandbox, `bundle${suffix}`)).isFile()).toBe(true);
    });
  }

  it('extracts a .zip archive with unzip and a .gz file with gunzip', async () => {
    const { src, sandbox } = await setUp();
    execFileSync('zip', ['-q', '-r', join(src, 'bundle.zip'), '.'], { cwd: join(src, 'content') });
    execFileSync('gzip', ['-k', join(src, 'hello.txt')]);
    await fetch(sandbox, [{ value: join(src, 'bundle.zip') }, { value: join(src, 'hello.txt.gz') }]);
    expect(readFileSync(join(sandbox, 'sub', 'deep.txt'), 'utf8')).toBe('deep\n');
    expect(readFileSync(join(sandbox, 'hello.txt'), 'utf8')).toBe('hello\n');
    expect(statSync(join(sandbox, 'hello.txt.gz')).isFile()).toBe(true);
  });

  it('says which tool is missing when the agent has no unzip', async () => {
    const { src, sandbox } = await setUp();
    execFileSync('zip', ['-q', '-r', join(src, 'bundle.zip'), '.'], { cwd: join(src, 'content') });
    await expect(extractArchive(join(src, 'bundle.zip'), 'zip', sandbox, () => undefined)).rejects.toThrow(
      "extracting 'bundle.zip' needs unzip, which is not installed on the agent",
    );
  });

  it('leaves an archive packed when extract is false', async () => {
    const { src, sandbox } = await setUp();
    execFileSync('tar', ['-C', join(src, 'content'), '-cf', join(src, 'bundle.tar'), '.']);
    await fetch(sandbox, [{ value: join(src, 'bundle.tar'), extract: false }]);
    expect((await readdir(sandbox)).sort()).toEqual(['bundle.tar', 'stderr']);
  });

  it('fails naming the URI when an archive is not one', async () => {
    const { src, sandbox } = await setUp();
    writeFileSync(join(src, 'fake.tar.gz'), 'not an archive');
    const error = await failure(sandbox, [{ value: join(src, 'fake.tar.gz') }]);
    expect(error).toBeInstanceOf(FetchError);
    expect(error.message).toMatch(
      new RegExp(`^Failed to fetch '${join(src, 'fake.tar.gz')}': tar -xf fake.tar.gz failed: `),
    );
  });

  it('knows the archive kinds by the end of the name', () => {
    expect(archiveKindOf('a.TGZ')).toBe('tar');
    expect(archiveKindOf('a.tar.xz')).toBe('tar');
    expect(archiveKindOf('a.gz')).toBe('gzip');
    expect(archiveKindOf('a.zip')).toBe('zip');
    expect(archiveKindOf('a.jar')).toBeUndefined();
    expect(archiveKindOf('tar')).toBeUndefined();
  });

  it('refuses an output_file that leaves the sandbox, and writes nothing outside it', async () => {
    const { src, sandbox } = await setUp();
    const value = join(src, 'hello.txt');
    for (const [output_file, why] of [
      ['../escaped.txt', 'leaves the sandbox'],
      ['a/../../escaped.txt', 'leaves the sandbox'],
      ['/tmp/escaped.txt', 'must be relative to the sandbox'],
      ['.', 'leaves the sandbox'],
    ]) {
      const error = await failure(sandbox, [{ value, output_file }]);
      expect(error.message).toBe(`Failed to fetch '${value}': output_file '${output_file}' ${why}`);
    }
    // A symbolic link in the sandbox (say, from an archive fetched before) is no way out either.
    symlinkSync(src, join(sandbox, 'out'));
    const error = await failure(sandbox, [{ value, output_file: 'out/escaped.txt' }]);
    expect(error.message).toContain(
      "output_file 'out/escaped.txt' leaves the sandbox through a symbolic link",
    );
    expect(await readdir(src)).not.toContain('escaped.txt');
    expect(() => destinationOf(sandbox, 'ok/inside.txt')).not.toThrow();
  });

  it('fails naming the URI for a missing file, a directory, a bad scheme and a bad URI, stopping at the first', async () => {
    const { src, sandbox } = await setUp();
    const missing = join(src, 'nope.txt');
    const error = await failure(sandbox, [{ value: missing }, { value: join(src, 'hello.txt') }]);
    expect(error.message).toBe(`Failed to fetch '${missing}': no such file '${missing}'`);
    expect(await readdir(sandbox)).not.toContain('hello.txt');
    expect(readFileSync(join(sandbox, 'stderr'), 'utf8')).toContain(`Failed to fetch '${missing}'`);
    expect((await failure(sandbox, [{ value: join(src, 'content') }])).message).toContain(
      'is not a regular file',
    );
    expect((await failure(sandbox, [{ value: 'hdfs://namenode/x.jar' }])).message).toBe(
      "Failed to fetch 'hdfs://namenode/x.jar': the fetcher takes paths and file://, http:// and https:// URIs, not hdfs://",
    );
    expect((await failure(sandbox, [{ value: 'file://elsewhere/x' }])).message).toContain(
      "a file:// URI names a file of this machine, not of 'elsewhere'",
    );
    expect((await failure(sandbox, [{ value: '' }])).message).toContain('a URI needs a non-empty value');
    expect((await failure(sandbox, [{ value: missing, executable: 'yes' }])).message).toBe(
      `Failed to fetch '${missing}': 'executable' must be true or false`,
    );
  });

  it('downloads over http, following redirects, named by the last path component', async () => {
    const { sandbox } = await setUp();
    const server = await serve({
      '/files/data.txt': { body: 'served\n' },
      '/moved': { status: 302, location: '/files/data.txt' },
    });
    await fetch(sandbox, [
      { value: `${server.url}/files/data.txt?v=1` },
      { value: `${server.url}/moved`, output_file: 'again.txt' },
    ]);
    expect(readFileSync(join(sandbox, 'data.txt'), 'utf8')).toBe('served\n');
    expect(readFileSync(join(sandbox, 'again.txt'), 'utf8')).toBe('served\n');
    expect(server.hits).toEqual(['/files/data.txt?v=1', '/moved', '/files/data.txt']);
  });

  it('fails naming the URI for an error answer, a refused connection and a URL without a file name', async () => {
    const { sandbox } = await setUp();
    const server = await serve({});
    const missing = `${server.url}/missing.txt`;
    expect((await failure(sandbox, [{ value: missing }])).message).toBe(
      `Failed to fetch '${missing}': ${missing} answered 404 Not Found`,
    );
    const closed = await serve({});
    await new Promise((done) => servers.pop()!.close(done));
    const refused = `${closed.url}/x.txt`;
    expect((await failure(sandbox, [{ value: refused }])).message).toMatch(
      new RegExp(
        `^Failed to fetch '${refused.replace(/[.?]/g, '\\$&')}': 127\\.0\\.0\\.1:[0-9]+: ECONNREFUSED`,
      ),
    );
    expect((await failure(sandbox, [{ value: `${server.url}/` }])).message).toContain(
      'no file name can be taken from it: give the URI an output_file',
    );
  });

  it("downloads over https trusting the agent's CA, and fails naming the URI without it", async () => {
    const { sandbox } = await setUp();
    const ca = makeTestCa();
    try {
      const server = createHttpsServer(
        { cert: readFileSync(ca.server_cert), key: readFileSync(ca.server_key) },
        (_req, res) => res.end('secret\n'),
      );
      servers.push(server);
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/s.txt`;
      await fetch(sandbox, [{ value: url }], { ca: [readFileSync(ca.ca)] });
      expect(readFileSync(join(sandbox, 's.txt'), 'utf8')).toBe('secret\n');
      const error = await failure(sandbox, [{ value: url, output_file: 'again.txt' }]);
      expect(error.message).toMatch(
        new RegExp(
          `^Failed to fetch '${url.replace(/[.]/g, '\\.')}': 127\\.0\\.0\\.1:[0-9]+: UNABLE_TO_VERIFY_LEAF_SIGNATURE`,
        ),
      );
    } finally {
      ca.remove();
    }
  });

  it('downloads an archive and extracts it', async () => {
    const { src, sandbox } = await setUp();
    execFileSync('tar', ['-C', join(src, 'content'), '-czf', join(src, 'b.tgz'), '.']);
    const server = await serve({ '/b.tgz': { body: readFileSync(join(src, 'b.tgz')) } });
    await fetch(sandbox, [{ value: `${server.url}/b.tgz` }]);
    expect(readFileSync(join(sandbox, 'sub', 'deep.txt'), 'utf8')).toBe('deep\n');
  });
});

describe('the fetcher cache', () => {
  it('downloads a cached URI once, copies or unpacks it into each sandbox, and bypasses it without cache', async () => {
    const { src } = await setUp();
    execFileSync('tar', ['-C', join(src, 'content'), '-czf', join(src, 'b.tgz'), '.']);
    const server = await serve({
      '/b.tgz': { body: readFileSync(join(src, 'b.tgz')) },
      '/plain.txt': { body: 'plain\n' },
    });
    const cache = await createFetcherCache(await tempDir('meso-cache-'), 1024 * 1024);
    const sandboxes = [await tempDir(), await tempDir(), await tempDir()];
    const uris = [
      { value: `${server.url}/b.tgz`, cache: true },
      { value: `${server.url}/plain.txt`, cache: true },
    ];
    // Two at once: the second waits for the first download.
    await Promise.all(sandboxes.slice(0, 2).map((s) => fetch(s, uris, { cache })));
    await fetch(sandboxes[2]!, uris, { cache });
    for (const sandbox of sandboxes) {
      expect(readFileSync(join(sandbox, 'sub', 'deep.txt'), 'utf8')).toBe('deep\n');
      expect(readFileSync(join(sandbox, 'plain.txt'), 'utf8')).toBe('plain\n');
      // A cached archive is unpacked from the cache: the archive itself is not in the sandbox.
      expect(await readdir(sandbox)).not.toContain('b.tgz');
    }
    expect(server.hits.sort()).toEqual(['/b.tgz', '/plain.txt']);
    expect(readFileSync(join(sandboxes[2]!, 'stderr'), 'utf8')).toContain('found in the fetcher cache');
    await fetch(sandboxes[2]!, [{ value: `${server.url}/plain.txt` }], { cache });
    expect(server.hits.length).toBe(3);
  });

  it('evicts the least recently used file to fit, keeps nothing bigger than itself, and does not cache a failure', async () => {
    const server = await serve({
      '/a': { body: 'a'.repeat(60) },
      '/b': { body: 'b'.repeat(60) },
      '/big': { body: 'c'.repeat(200) },
    });
    const dir = await tempDir('meso-cache-');
    const cache = await createFetcherCache(dir, 100);
    const sandbox = await tempDir();
    const get = (path: string) => fetch(sandbox, [{ value: `${server.url}${path}`, cache: true }], { cache });
    await get('/a');
    expect(cache.size()).toBe(60);
    await get('/b');
    expect(cache.size()).toBe(60);
    await get('/a');
    expect(server.hits).toEqual(['/a', '/b', '/a']);
    await get('/big');
    expect(readFileSync(join(sandbox, 'big'), 'utf8')).toBe('c'.repeat(200));
    expect(cache.size()).toBe(0);
    await expect(get('/gone')).rejects.toThrow(`${server.url}/gone answered 404`);
    expect(cache.size()).toBe(0);
    expect((await readdir(dir)).filter((name) => !name.startsWith('.'))).toEqual([]);
  });

  it('clears the files of an earlier agent when it starts', async () => {
    const dir = await tempDir('meso-cache-');
    writeFileSync(join(dir, `${'0'.repeat(64)}-old.txt`), 'old');
    writeFileSync(join(dir, 'unrelated.txt'), 'kept');
    await createFetcherCache(dir, 100);
    expect(await readdir(dir)).toEqual(['unrelated.txt']);
  });
});

describe('the fetcher flags', () => {
  const base = { master: '127.0.0.1:5050', work_dir: '/tmp/w' };
  it('reads --fetcher_cache_size, --fetcher_stall_timeout, --fetcher_cache_dir and --frameworks_home', () => {
    expect(
      agentOptionsOf({
        ...base,
        fetcher_cache_size: '512MB',
        fetcher_stall_timeout: '30secs',
        fetcher_cache_dir: '/var/cache/fetch',
        frameworks_home: '/opt/frameworks',
      }),
    ).toMatchObject({
      fetcher_cache_size_bytes: 512 * 1024 * 1024,
      fetcher_stall_timeout_ms: 30_000,
      fetcher_cache_dir: '/var/cache/fetch',
      frameworks_home: '/opt/frameworks',
    });
    expect(agentOptionsOf({ ...base, fetcher_cache_size: '0B' }).fetcher_cache_size_bytes).toBe(0);
  });

  it('refuses a bad size or stall timeout, naming the flag', () => {
    expect(() => agentOptionsOf({ ...base, fetcher_cache_size: 'lots' })).toThrow(
      "--fetcher_cache_size must be a size such as 512MB or 2GB (units: B, KB, MB, GB, TB), got 'lots'",
    );
    expect(() => agentOptionsOf({ ...base, fetcher_stall_timeout: '0secs' })).toThrow(
      '--fetcher_stall_timeout must be from 1ms',
    );
  });
});
