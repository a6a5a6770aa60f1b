// The one place the workload library reads files: it reads a trace and hands the text to the pure
// parsers. A gzip-compressed file (name ending in .gz) is decompressed first.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { TraceWorkload } from './job.ts';
import type { SwfParams, SwimParams } from './params.ts';
import { parseSwf } from './swf.ts';
import { parseSwim } from './swim.ts';

/** Reads a file as text, decompressing it when its name ends in .gz. */
export function readTraceText(path: string): string {
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** Loads `swim:PATH` or `swf:PATH` into jobs, with the parameters of that format. */
export function loadTrace(spec: string, params?: Partial<SwimParams> | Partial<SwfParams>): TraceWorkload {
  const colon = spec.indexOf(':');
  const format = colon < 0 ? '' : spec.slice(0, colon);
  const path = spec.slice(colon + 1);
  if ((format !== 'swim' && format !== 'swf') || path === '') {
    throw new Error(`trace '${spec}': expected 'swim:PATH' or 'swf:PATH'`);
  }
  let text: string;
  try {
    text = readTraceText(path);
  } catch (err) {
    throw new Error(`trace '${spec}': cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return format === 'swim'
      ? parseSwim(text, params as Partial<SwimParams> | undefined)
      : parseSwf(text, params as Partial<SwfParams> | undefined);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}
