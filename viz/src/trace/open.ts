// Opening a trace from the page: a worker of its own reads it, reporting progress, and hands over the
// aggregate; the worker ends with the reading.
import type { TraceData } from './data.ts';
import type { WorkerReply, WorkerRequest } from './messages.ts';

/** A trace as opened: its data, and why the reading stopped early, if it did. */
export interface OpenedTrace {
  readonly data: TraceData;
  readonly error: string | undefined;
  readonly parse_ms: number;
}

/** Reads the trace `request` names; rejects with a message when it cannot be read at all. */
export function openTrace(
  request: WorkerRequest,
  onProgress: (bytes: number, lines: number) => void,
): Promise<OpenedTrace> {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  return new Promise<OpenedTrace>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if (reply.kind === 'progress') return onProgress(reply.bytes, reply.lines);
      worker.terminate();
      if (reply.kind === 'failed') reject(new Error(reply.message));
      else resolve({ data: reply.data, error: reply.error?.message, parse_ms: reply.parse_ms });
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(`the trace reader failed: ${event.message}`));
    };
    worker.postMessage(request);
  });
}
