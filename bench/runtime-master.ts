// The master of the runtime benchmark, run in a child process of its own (so that its CPU time,
// heap and profile are its own): a live master on 127.0.0.1 and a free port, logging only
// warnings. It writes one JSON line `{"url": ..., "pid": ...}` on stdout once it listens, and stops
// cleanly on SIGTERM or SIGINT (so that `node --cpu-prof` writes its profile on the way out), or
// when its stdin closes (the benchmark that started it has gone). A line `memory` on its stdin is
// answered by one line `{"memory": {...}}` of process.memoryUsage(), after a full garbage collection
// when node runs with --expose-gc.
//
//   node --import tsx bench/runtime-master.ts [--allocation-interval-ms N] [--completed-tasks-max N]
//     [--completed-frameworks-max N]
import { parseArgs } from 'node:util';
import { startMaster } from '../runtime/master/server.ts';

/** A positive integer option, or an error naming it. */
function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isInteger(n) && n > 0))
    throw new Error(`--${name} must be a positive integer, got '${value}'`);
  return n;
}

const { values } = parseArgs({
  options: {
    'allocation-interval-ms': { type: 'string' },
    'completed-tasks-max': { type: 'string' },
    'completed-frameworks-max': { type: 'string' },
  },
});
const allocation = positiveInteger(values['allocation-interval-ms'], 'allocation-interval-ms');
const completed = positiveInteger(values['completed-tasks-max'], 'completed-tasks-max');
const frameworks = positiveInteger(values['completed-frameworks-max'], 'completed-frameworks-max');

const master = await startMaster({
  ip: '127.0.0.1',
  port: 0,
  log_level: 'warn',
  seed: 'bench-runtime',
  ...(allocation === undefined ? {} : { allocation_interval_ms: allocation }),
  ...(completed === undefined ? {} : { completed_tasks_per_framework_max: completed }),
  ...(frameworks === undefined ? {} : { completed_frameworks_max: frameworks }),
});
process.stdout.write(`${JSON.stringify({ url: master.url, pid: process.pid })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  master
    .stop()
    .catch((err: unknown) => process.stderr.write(`bench master: stop failed: ${String(err)}\n`))
    .finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
let input = '';
process.stdin.on('data', (chunk: Buffer) => {
  input += chunk.toString();
  for (let newline = input.indexOf('\n'); newline >= 0; newline = input.indexOf('\n')) {
    const command = input.slice(0, newline).trim();
    input = input.slice(newline + 1);
    if (command !== 'memory') continue;
    (globalThis as { gc?: () => void }).gc?.();
    process.stdout.write(`${JSON.stringify({ memory: process.memoryUsage() })}\n`);
  }
});
process.stdin.resume();
