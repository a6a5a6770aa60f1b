#!/usr/bin/env node
// Entry point for `npx meso`: loads the TypeScript CLI through tsx's loader, so a checkout runs without a build.
// Commands that simulate start again with a larger young generation (sim/heap.ts says why).
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { sim_node_flag } = await import('../sim/heap.ts');
const simulating = ['sim', 'experiment'].includes(process.argv[2] ?? '');
const flag = sim_node_flag.split('=')[0];
if (simulating && !process.execArgv.some((arg) => arg.startsWith(flag))) {
  const args = [sim_node_flag, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)];
  const child = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (child.error !== undefined) throw child.error;
  process.exit(child.status ?? 128 + (constants.signals[child.signal] ?? 1));
}
await import('../cli/main.ts');
