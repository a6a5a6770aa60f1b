#!/usr/bin/env node
// Builds the `meso` command to JavaScript (run by npm at install, and by bin/meso.js when a source is
// newer than the build), so that a command starts without compiling TypeScript: through tsx every
// start paid about two seconds. One bundle per entry point, packages left as imports, written to a
// new folder under dist/ and made current by renaming dist/current.json (the folder and the sources
// it was made from), so a process starting while another builds never reads half a file.
import { readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
/** Builds older than this are removed by the next build (a process may still be loading a newer one). */
const keep_ms = 60_000;

/** Bundles the CLI, the experiment worker and the heap settings; returns the new build's folder. */
export async function buildCli() {
  const name = `build-${Date.now()}-${process.pid}`;
  const result = await build({
    absWorkingDir: root,
    entryPoints: { meso: 'cli/main.ts', worker: 'experiments/worker.ts', heap: 'sim/heap.ts' },
    outdir: join(dist, name),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/'));
  const pointer = join(dist, `current.json.${process.pid}`);
  writeFileSync(pointer, `${JSON.stringify({ dir: name, inputs })}\n`);
  renameSync(pointer, join(dist, 'current.json'));
  for (const old of readdirSync(dist)) {
    const path = join(dist, old);
    if (old.startsWith('build-') && old !== name && Date.now() - statSync(path).mtimeMs > keep_ms) {
      rmSync(path, { recursive: true, force: true });
    }
  }
  return join(dist, name);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
