#!/usr/bin/env node
// Entry point for `npx meso`. Runs the JavaScript build of the CLI in dist/ (bin/build.mjs, run by npm
// at install), building it again first when a source file is newer than it, so a checkout that is
// being edited still runs what it holds. Without esbuild it loads the TypeScript through tsx instead.
// Commands that simulate start again with a larger young generation (sim/heap.ts says why).
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The folder of the current build, if every source it was made from is older than it. */
function freshBuild() {
  try {
    const current = JSON.parse(readFileSync(join(root, 'dist', 'current.json'), 'utf8'));
    const built = statSync(join(root, 'dist', current.dir, 'meso.mjs')).mtimeMs;
    const stale = current.inputs.some((p) => statSync(join(root, p)).mtimeMs > built);
    return stale ? undefined : join(root, 'dist', current.dir);
  } catch {
    return undefined;
  }
}

/** The build to run, made now if missing or stale; undefined when it cannot be made (no esbuild). */
async function build() {
  const fresh = freshBuild();
  if (fresh !== undefined) return fresh;
  try {
    const { buildCli } = await import('./build.mjs');
    return await buildCli();
  } catch {
    return undefined;
  }
}

const dir = await build();
let heap;
if (dir === undefined) {
  const { register } = await import('tsx/esm/api');
  register();
  heap = await import('../sim/heap.ts');
} else {
  heap = await import(pathToFileURL(join(dir, 'heap.mjs')).href);
}
const simulating = ['sim', 'experiment'].includes(process.argv[2] ?? '');
const flag = heap.sim_node_flag.split('=')[0];
if (simulating && !process.execArgv.some((arg) => arg.startsWith(flag))) {
  const args = [
    heap.sim_node_flag,
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    ...process.argv.slice(2),
  ];
  const child = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (child.error !== undefined) throw child.error;
  process.exit(child.status ?? 128 + (constants.signals[child.signal] ?? 1));
}
await import(dir === undefined ? '../cli/main.ts' : pathToFileURL(join(dir, 'meso.mjs')).href);
