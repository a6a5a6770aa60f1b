// What the page and the parsing worker say to each other.
import type { TraceData } from './data.ts';

/** Read this trace: a URL to fetch, or a file the user picked. */
export interface WorkerRequest {
  readonly name: string;
  readonly url?: string;
  readonly file?: File;
}

/** The worker's messages. */
export type WorkerReply =
  | { readonly kind: 'progress'; readonly bytes: number; readonly lines: number }
  | {
      readonly kind: 'done';
      readonly data: TraceData;
      readonly error: { readonly line: number; readonly message: string } | undefined;
      readonly parse_ms: number;
    }
  | { readonly kind: 'failed'; readonly message: string };
