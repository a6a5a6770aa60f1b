// Reading a whole trace from a byte stream (a fetch body, a File): decoded and split into lines
// chunk by chunk, each line folded into the aggregate as it comes, so the trace is never held whole.
// A bad line stops the reading with an error naming it; what was read before it is kept.
import { TraceAggregate } from './aggregate.ts';
import { type TraceData, toData } from './data.ts';
import { eventFields, readLine, TraceLineError } from './read-line.ts';

/** How far the reading got. */
export interface LoadProgress {
  readonly bytes: number;
  readonly lines: number;
}

/** The outcome: the data of what was read, and the error that stopped it, if one did. */
export interface LoadResult {
  readonly data: TraceData;
  readonly error: TraceLineError | undefined;
}

/** Lines between progress reports. */
const progress_lines = 200_000;

/** Reads a trace named `name` from `stream`. */
export async function loadTrace(
  stream: ReadableStream<Uint8Array>,
  name: string,
  onProgress: (p: LoadProgress) => void = () => {},
): Promise<LoadResult> {
  const aggregate = new TraceAggregate();
  const out = eventFields();
  const decoder = new TextDecoder('utf-8');
  const reader = stream.getReader();
  let carry = '';
  let line = 0;
  let bytes = 0;
  const result = (error: TraceLineError | undefined): LoadResult => ({
    data: toData(aggregate, name, line),
    error,
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      const text = decoder.decode(value, { stream: true });
      let end = text.indexOf('\n');
      if (end < 0) {
        carry += text;
        continue;
      }
      // The line begun in the chunk before is finished on its own, so the chunk is never copied
      // onto the end of it.
      let start = 0;
      if (carry !== '') {
        const first = carry + text.slice(0, end);
        carry = '';
        line++;
        if (readLine(first, 0, first.length, line, out) === 'event') aggregate.fold(out);
        start = end + 1;
        end = text.indexOf('\n', start);
        if (line % progress_lines === 0) onProgress({ bytes, lines: line });
      }
      for (; end >= 0; end = text.indexOf('\n', start)) {
        line++;
        if (readLine(text, start, end, line, out) === 'event') aggregate.fold(out);
        start = end + 1;
        if (line % progress_lines === 0) onProgress({ bytes, lines: line });
      }
      carry = text.slice(start);
    }
    carry += decoder.decode();
    if (carry.trim() !== '') {
      line++;
      try {
        if (readLine(carry, 0, carry.length, line, out) === 'event') aggregate.fold(out);
      } catch (error) {
        if (!(error instanceof TraceLineError)) throw error;
        throw new TraceLineError(line, `is cut short: the file ends inside it (was the trace truncated?)`);
      }
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    if (error instanceof TraceLineError) {
      line = error.line - 1;
      return result(error);
    }
    throw error;
  }
  onProgress({ bytes, lines: line });
  return result(undefined);
}
