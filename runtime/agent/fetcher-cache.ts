// The fetcher cache (--fetcher_cache_dir, --fetcher_cache_size): a URI asked for with `cache` is
// brought once per user into the cache directory and copied (or unpacked) into each sandbox from
// there. Requests for a URI already on its way wait for that one download. The cache holds at most
// its size at rest: after a download the least recently used files nobody is copying are evicted
// until it fits, and a file that still does not fit is removed once delivered. A failed download
// leaves nothing cached and the fetcher goes to the URI directly, as Mesos falls back to bypassing
// the cache. The cache does not outlive the agent: its files are removed when the agent starts.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A cached file handed to one fetch; release it once it is copied out. */
export interface CachedFile {
  readonly path: string;
  release(): void;
}

/** The cache the fetcher asks. */
export interface FetcherCache {
  /**
   * The cached file of `key` (user and URI), brought by `bring` on first use; undefined when the
   * cache cannot serve (disabled, or the download failed) and the URI is to be fetched directly.
   */
  fetch(
    key: string,
    name: string,
    bring: (to: string) => Promise<void>,
    log: (line: string) => Promise<void>,
  ): Promise<CachedFile | undefined>;
  /** Bytes held now. */
  size(): number;
}

interface Entry {
  readonly path: string;
  readonly ready: Promise<boolean>;
  bytes: number;
  users: number;
  last_used: number;
  /** Too big to keep: removed when its last user releases it. */
  doomed: boolean;
}

/** The names of cache files: a hash of the key, then the file's own name (archives keep their suffix). */
const cache_file = /^[0-9a-f]{64}-/;

/** A cache in `dir` holding at most `size_bytes` (0 disables it); files left by an earlier agent go. */
export async function createFetcherCache(dir: string, size_bytes: number): Promise<FetcherCache> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) {
    if (cache_file.test(name) || name.startsWith('.partial-')) await rm(join(dir, name), { force: true });
  }
  const entries = new Map<string, Entry>();
  let clock = 0;
  let partials = 0;
  const held = (): number => [...entries.values()].reduce((sum, e) => sum + e.bytes, 0);

  const remove = (key: string, entry: Entry): void => {
    if (entries.get(key) === entry) entries.delete(key);
    void rm(entry.path, { force: true });
  };

  /** Evicts least recently used idle files until the cache fits, sparing `keep`. */
  const evict = (keep: Entry): void => {
    const idle = [...entries.entries()]
      .filter(([, e]) => e !== keep && e.users === 0 && e.bytes > 0)
      .sort((a, b) => a[1].last_used - b[1].last_used || a[0].localeCompare(b[0]));
    for (const [key, entry] of idle) {
      if (held() <= size_bytes) break;
      remove(key, entry);
    }
  };

  const handOut = (key: string, entry: Entry): CachedFile => {
    let released = false;
    return {
      path: entry.path,
      release: () => {
        if (released) return;
        released = true;
        entry.users -= 1;
        entry.last_used = ++clock;
        if (entry.users === 0 && entry.doomed) remove(key, entry);
      },
    };
  };

  const load = async (
    entry: Entry,
    bring: (to: string) => Promise<void>,
    log: (line: string) => Promise<void>,
  ): Promise<boolean> => {
    const partial = join(dir, `.partial-${process.pid}-${++partials}`);
    try {
      await bring(partial);
      await rename(partial, entry.path);
      entry.bytes = (await stat(entry.path)).size;
      return true;
    } catch (error) {
      await rm(partial, { force: true });
      await log(`caching failed (${(error as Error).message}); fetching directly`).catch(() => undefined);
      return false;
    }
  };

  return {
    size: held,
    async fetch(key, name, bring, log) {
      if (size_bytes <= 0) return undefined;
      let entry = entries.get(key);
      const first = entry === undefined;
      if (entry === undefined) {
        const hash = createHash('sha256').update(key).digest('hex');
        let resolveReady!: (ok: boolean) => void;
        const ready = new Promise<boolean>((r) => {
          resolveReady = r;
        });
        entry = {
          path: join(dir, `${hash}-${name}`),
          ready,
          bytes: 0,
          users: 0,
          last_used: ++clock,
          doomed: false,
        };
        entries.set(key, entry);
        entry.users += 1;
        const ok = await load(entry, bring, log);
        if (ok) {
          evict(entry);
          if (held() > size_bytes) {
            entry.doomed = true;
            await log(`${entry.bytes} bytes do not fit the fetcher cache of ${size_bytes}; not kept`);
          }
        } else remove(key, entry);
        resolveReady(ok);
        if (!ok) {
          entry.users -= 1;
          return undefined;
        }
      } else {
        entry.users += 1;
        if (!(await entry.ready)) {
          entry.users -= 1;
          return undefined;
        }
      }
      entry.last_used = ++clock;
      if (!first) await log('found in the fetcher cache');
      return handOut(key, entry);
    },
  };
}
