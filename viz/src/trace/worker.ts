// The parsing worker: reads a trace (a URL or a file the user picked) off the page's thread, so the
// page stays responsive while millions of lines go by, and sends back the aggregate with its arrays
// transferred. Messages: progress while reading, then done (data, and the error that stopped the
// reading, if one did) or failed (the trace could not be fetched at all).
import { buffersOf } from './data.ts';
import { loadTrace } from './load.ts';
import type { WorkerReply, WorkerRequest } from './messages.ts';

const post = (reply: WorkerReply, transfer: Transferable[] = []): void =>
  self.postMessage(reply, { transfer });

async function read(request: WorkerRequest): Promise<void> {
  let stream: ReadableStream<Uint8Array>;
  if (request.file !== undefined) stream = request.file.stream();
  else {
    const url = request.url ?? '';
    const response = await fetch(url).catch((error: Error) => error);
    if (response instanceof Error)
      return post({ kind: 'failed', message: `cannot fetch ${url}: ${response.message}` });
    if (!response.ok || response.body === null) {
      const body = (await response.text().catch(() => '')).slice(0, 200);
      return post({
        kind: 'failed',
        message: `cannot fetch ${url}: ${response.status} ${response.statusText} ${body}`.trim(),
      });
    }
    stream = response.body;
  }
  const started = performance.now();
  const { data, error } = await loadTrace(stream, request.name, (p) => post({ kind: 'progress', ...p }));
  const reply: WorkerReply = {
    kind: 'done',
    data,
    error: error === undefined ? undefined : { line: error.line, message: error.message },
    parse_ms: performance.now() - started,
  };
  post(reply, buffersOf(data));
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  read(event.data).catch((error: unknown) =>
    post({ kind: 'failed', message: String((error as Error).message ?? error) }),
  );
};
