// Builds the web app (viz/) with Vite when its bundle is missing or stale, so that a fresh clone
// needs no build step of its own: `npm ci` builds it (the `prepare` script runs this file), and a
// master or `meso viz` whose sources changed since builds it again before serving the page. A bundle
// lives in viz/dist/<hash>, where the hash covers every source of the app, so a changed source means
// a new folder; concurrent starts build into folders of their own and the first rename wins.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The app's folder (viz/). This file runs from its source and from the command's bundle in dist/,
 * so the folder is found by walking up to the one that holds viz/index.html.
 */
export function vizDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'build.ts'))) return dir;
    if (existsSync(join(dir, 'viz', 'index.html'))) return join(dir, 'viz');
    const up = dirname(dir);
    if (up === dir) throw new Error('The web app (viz/index.html) is not in this checkout');
    dir = up;
  }
}

/** Every file the bundle is built from, sorted. */
function sourceFiles(viz: string): string[] {
  const files: string[] = [join(viz, 'index.html')];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(join(viz, 'src'));
  // The app reads the engine's event schema; it is a source of the bundle too.
  files.push(join(viz, '..', 'engine', 'events.ts'));
  return files;
}

/** The hash of the app's sources: names and contents. */
export function sourceHash(viz = vizDir()): string {
  const hash = createHash('sha256');
  for (const file of sourceFiles(viz)) {
    hash.update(relative(viz, file));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** Runs Vite's build of `viz` into `out`. */
async function viteBuild(viz: string, out: string): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: viz,
    base: '/',
    publicDir: false,
    logLevel: 'warn',
    worker: { format: 'es' },
    build: {
      outDir: out,
      emptyOutDir: true,
      target: 'es2022',
      reportCompressedSize: false,
      chunkSizeWarningLimit: 1024,
    },
  });
}

/** Removes the bundles of older sources (best effort: another process may be serving one). */
async function pruneOld(dist: string, keep: string): Promise<void> {
  for (const name of await readdir(dist).catch(() => [] as string[])) {
    if (name === keep || name.startsWith('.tmp-')) continue;
    await rm(join(dist, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

let building: Promise<string> | undefined;

/** The folder of an up-to-date bundle, building it first when missing or stale (once per process). */
export function vizBundle(): Promise<string> {
  building ??= ensureBundle().catch((error: unknown) => {
    building = undefined;
    throw error;
  });
  return building;
}

async function ensureBundle(): Promise<string> {
  const viz = vizDir();
  const dist = join(viz, 'dist');
  const hash = sourceHash(viz);
  const target = join(dist, hash);
  if (existsSync(join(target, 'index.html'))) return target;
  await mkdir(dist, { recursive: true });
  const temp = join(dist, `.tmp-${randomUUID()}`);
  try {
    await viteBuild(viz, temp);
    await rename(temp, target).catch((error: NodeJS.ErrnoException) => {
      // Another process finished the same build first; its bundle is as good as ours.
      if (!existsSync(join(target, 'index.html'))) throw error;
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  await pruneOld(dist, hash);
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = await vizBundle();
  console.log(`meso web UI built: ${relative(process.cwd(), dir) || '.'}`);
}
