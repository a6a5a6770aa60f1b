// Measuring helpers of the runtime benchmark: timed GETs, percentiles, bounded waits, and the
// hottest functions of a V8 CPU profile.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

/** Clock ticks per second of /proc times (USER_HZ, 100 on Linux). */
const user_hz = 100;

/** CPU seconds (user + system) a process has used so far, from /proc; NaN where there is none. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / user_hz;
  } catch {
    return Number.NaN;
  }
}

/** A timed GET: status, bytes, time to the last byte, and the body when asked to keep it. */
export interface TimedGet {
  readonly status: number;
  readonly bytes: number;
  readonly ms: number;
  readonly body: Buffer | undefined;
}

/** GETs `path` on 127.0.0.1:`port` on a fresh connection, timing it to the last byte of the body. */
export function getTimed(port: number, path: string, keep: boolean, timeout_ms = 60_000): Promise<TimedGet> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request({ host: '127.0.0.1', port, method: 'GET', path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keep) chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          bytes,
          ms: performance.now() - start,
          body: keep ? Buffer.concat(chunks, bytes) : undefined,
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeout_ms, () =>
      req.destroy(new Error(`GET ${path}: no answer within ${timeout_ms} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}

/** The q-quantile of sorted values (nearest rank); NaN when there are none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** The median of values (in any order). */
export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** Polls `done` every 50 ms until it holds or `timeout_ms` passes; resolves with whether it held. */
export async function waitFor(done: () => boolean, timeout_ms: number): Promise<boolean> {
  const deadline = Date.now() + timeout_ms;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** A V8 CPU profile (the parts read here). */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** A function and the time spent in it (not in what it calls). */
export interface HotSpot {
  readonly where: string;
  readonly ms: number;
  readonly percent: number;
}

/** The `count` functions with the most self time; file paths are shown relative to `root`. */
export function topSelfTime(profile: CpuProfile, count: number, root: string): HotSpot[] {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byWhere = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id)?.callFrame;
    const delta = profile.timeDeltas[i] ?? 0;
    all += delta;
    if (frame === undefined) return;
    const file = frame.url.replace(`file://${root}/`, '').replace(/^file:\/\//, '');
    const where = `${frame.functionName || '(anonymous)'} ${file}${file === '' ? '' : `:${frame.lineNumber + 1}`}`;
    byWhere.set(where, (byWhere.get(where) ?? 0) + delta);
  });
  return [...byWhere]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, count)
    .map(([where, us]) => ({ where, ms: us / 1000, percent: all === 0 ? 0 : (100 * us) / all }));
}
