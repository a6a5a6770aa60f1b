// The body of an experiment worker thread: it runs the runs the pool sends, one at a time, and
// answers each with its outcome or its error.
import { parentPort } from 'node:worker_threads';
import { type RunTask, runTask } from './run-point.ts';

/** A worker's answer to one run. */
export type WorkerAnswer =
  | { readonly ok: true; readonly outcome: ReturnType<typeof runTask> }
  | { readonly ok: false; readonly index: number; readonly error: string };

const port = parentPort;
if (port === null) throw new Error('experiments/worker.ts runs only as a worker thread');
port.on('message', (task: RunTask) => {
  let answer: WorkerAnswer;
  try {
    answer = { ok: true, outcome: runTask(task) };
  } catch (error) {
    answer = { ok: false, index: task.index, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(answer);
});
