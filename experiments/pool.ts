// Runs an experiment's runs on worker threads, at most one per CPU, each worker taking the next run
// when it finishes one. Workers load the TypeScript sources through tsx's loader, registered inside
// the worker before it imports its body (Node 20 does not pass a parent's loader to workers). Results
// come back in the runs' order whatever order they finish in, so parallelism never changes them.
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { sim_worker_young_generation_mb } from '../sim/heap.ts';
import { type RunOutcome, type RunTask, runTask } from './run-point.ts';
import type { WorkerAnswer } from './worker.ts';

/** Options of a pool run. */
export interface PoolOptions {
  /** Workers wanted (at most one per CPU and one per run); 0 or 1 runs everything in this thread. */
  readonly workers?: number;
  /** Called as each run finishes. */
  readonly onDone?: (outcome: RunOutcome, done: number, total: number) => void;
}

/** Number of workers a pool of `runs` runs would start. */
export function workerCount(runs: number, wanted?: number): number {
  return Math.max(0, Math.min(wanted ?? cpus().length, cpus().length, runs));
}

/** Starts one worker thread running experiments/worker.ts: its JavaScript build, or the source under tsx. */
function startWorker(): Worker {
  const resourceLimits = { maxYoungGenerationSizeMb: sim_worker_young_generation_mb };
  // In the build of bin/build.mjs this code is a bundle beside the worker's.
  if (import.meta.url.endsWith('.mjs'))
    return new Worker(new URL('./worker.mjs', import.meta.url), { resourceLimits });
  const loader = import.meta.resolve('tsx/esm/api');
  const body = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(loader)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(body)}); });`;
  return new Worker(code, { eval: true, resourceLimits });
}

/** Runs every task, on worker threads when more than one is wanted; outcomes in task order. */
export async function runTasks(tasks: readonly RunTask[], options: PoolOptions = {}): Promise<RunOutcome[]> {
  const outcomes: RunOutcome[] = new Array(tasks.length);
  const count = workerCount(tasks.length, options.workers);
  let done = 0;
  if (count <= 1) {
    for (const task of tasks) {
      const outcome = runTask(task);
      outcomes[task.index] = outcome;
      options.onDone?.(outcome, ++done, tasks.length);
    }
    return outcomes;
  }
  const workers = Array.from({ length: count }, startWorker);
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const feed = (worker: Worker) => {
        if (next < tasks.length) worker.postMessage(tasks[next++]);
        else if (done === tasks.length) resolve();
      };
      for (const worker of workers) {
        worker.on('message', (answer: WorkerAnswer) => {
          if (!answer.ok) {
            reject(new Error(`run ${answer.index}: ${answer.error}`));
            return;
          }
          outcomes[answer.outcome.index] = answer.outcome;
          options.onDone?.(answer.outcome, ++done, tasks.length);
          feed(worker);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (done < tasks.length)
            reject(new Error(`an experiment worker exited (code ${code}) before the runs ended`));
        });
        feed(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return outcomes;
}
