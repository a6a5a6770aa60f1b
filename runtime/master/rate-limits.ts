// Per-principal rate limits on framework calls, with Mesos's `--rate_limits` (the JSON of its
// RateLimits message: `limits` of {principal, qps, capacity}, `aggregate_default_qps` and
// `aggregate_default_capacity`). Each limited principal has one queue, shared by all its frameworks:
// calls pass at most `qps` a second, spaced 1/qps apart; a call that cannot pass at once waits, up
// to `capacity` waiting calls; one more is refused. A principal listed without `qps` is not limited.
// Frameworks whose principal is not listed, and frameworks without a principal, share the aggregate
// default queue if `aggregate_default_qps` is set, and are not limited otherwise. Calls of
// frameworks the master does not know are never limited (the engine refuses them).
//
// Beside the limits, the counters Mesos keeps per principal of registered frameworks:
// `frameworks/<principal>/messages_received` and `frameworks/<principal>/messages_processed`.
import { readFileSync } from 'node:fs';

/** One principal's limit (Mesos's RateLimit). */
export interface RateLimit {
  readonly principal: string;
  /** Calls a second; without it the principal is not limited (and `capacity` is ignored). */
  readonly qps?: number;
  /** Calls that may wait; without it, any number. */
  readonly capacity?: number;
}

/** Mesos's RateLimits. */
export interface RateLimits {
  readonly limits: readonly RateLimit[];
  readonly aggregate_default_qps?: number;
  readonly aggregate_default_capacity?: number;
}

const top_fields = new Set(['limits', 'aggregate_default_qps', 'aggregate_default_capacity']);
const limit_fields = new Set(['principal', 'qps', 'capacity']);

function checkFields(json: Record<string, unknown>, known: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(json)) {
    if (!known.has(key))
      throw new Error(`${where}: unknown field '${key}' (expected ${[...known].join(', ')})`);
  }
}

function qpsOf(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new Error(`${where} must be a positive number, got ${JSON.stringify(value)}`);
  return value;
}

function capacityOf(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new Error(`${where} must be a whole number >= 0, got ${JSON.stringify(value)}`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Parses the JSON of Mesos's RateLimits; throws naming the first bad field (`what` leads). */
export function parseRateLimits(text: string, what = '--rate_limits'): RateLimits {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what}: not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(json)) throw new Error(`${what}: expected an object like {"limits": [...]}`);
  checkFields(json, top_fields, what);
  const list = json.limits ?? [];
  if (!Array.isArray(list)) throw new Error(`${what}: 'limits' must be a list`);
  const seen = new Set<string>();
  const limits = list.map((entry: unknown, i): RateLimit => {
    const where = `${what}: limits[${i}]`;
    if (!isObject(entry)) throw new Error(`${where} must be an object like {"principal": ..., "qps": ...}`);
    checkFields(entry, limit_fields, where);
    const { principal } = entry;
    if (typeof principal !== 'string' || principal === '')
      throw new Error(`${where}.principal must be a non-empty string`);
    if (seen.has(principal)) throw new Error(`${where}: principal '${principal}' appears twice`);
    seen.add(principal);
    const qps = qpsOf(entry.qps, `${where}.qps`);
    const capacity = capacityOf(entry.capacity, `${where}.capacity`);
    return {
      principal,
      ...(qps === undefined ? {} : { qps }),
      ...(capacity === undefined ? {} : { capacity }),
    };
  });
  const qps = qpsOf(json.aggregate_default_qps, `${what}: aggregate_default_qps`);
  const capacity = capacityOf(json.aggregate_default_capacity, `${what}: aggregate_default_capacity`);
  return {
    limits,
    ...(qps === undefined ? {} : { aggregate_default_qps: qps }),
    ...(capacity === undefined ? {} : { aggregate_default_capacity: capacity }),
  };
}

/**
 * Reads `--rate_limits`, which is, as in Mesos, either the JSON itself or a file holding it
 * (`file:///path/to/file` or `/path/to/file`).
 */
export function readRateLimitsFlag(value: string): RateLimits {
  const trimmed = value.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseRateLimits(trimmed);
  const path = trimmed.startsWith('file://') ? trimmed.slice('file://'.length) : trimmed;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`--rate_limits file ${path} does not exist`);
    throw new Error(`--rate_limits file ${path} cannot be read: ${(err as Error).message}`);
  }
  return parseRateLimits(text, `--rate_limits ${path}`);
}

/** The timers a limiter waits with (createTimerHost's, or a simulated clock's in tests). */
export interface LimiterTimers {
  set(key: string, at_ms: number): void;
  clear(): void;
}

/** What `admit` did with a call. */
export type Admission =
  | { readonly kind: 'run' }
  | { readonly kind: 'queued'; readonly waiting: number }
  | {
      readonly kind: 'refused';
      /** The capacity that was full. */
      readonly capacity: number;
      /** Whose queue was full: the principal's, or the default one shared by the unlisted. */
      readonly queue: 'principal' | 'aggregate_default';
      /** When a place may be free again (ms from now, at least 1). */
      readonly retry_after_ms: number;
    };

/** A call held for its turn: `run` when it comes, `drop` if the limiter stops first. */
export interface HeldCall {
  readonly run: () => void;
  readonly drop: () => void;
}

/** The per-principal limits of one master. */
export interface CallLimiter {
  /**
   * Admits a call of a registered framework whose principal is `principal` (undefined: none):
   * runs it now, holds it for its turn, or refuses it when its queue is full. Only a call
   * admitted `run` has been run; a held one runs later; a refused one never.
   */
  admit(principal: string | undefined, call: HeldCall): Admission;
  /** Calls waiting in the queue of `principal` (the default queue for undefined or unlisted). */
  waiting(principal: string | undefined): number;
  /** Drops every waiting call (each told by `drop`) and disarms the timers. */
  stop(): void;
}

/** A queue of calls at one rate. */
interface Bucket {
  readonly key: string;
  readonly interval_ms: number;
  readonly capacity: number | undefined;
  readonly queue: HeldCall[];
  /** When the next call may pass. */
  next_ms: number;
}

/** Creates the limiter of `limits`; `timers(fire)` builds the timers that call `fire(key)`. */
export function createCallLimiter(
  limits: RateLimits,
  now: () => number,
  timers: (fire: (key: string) => void) => LimiterTimers,
): CallLimiter {
  const buckets = new Map<string, Bucket | undefined>();
  const bucket = (key: string, qps: number | undefined, capacity: number | undefined): Bucket | undefined =>
    qps === undefined ? undefined : { key, interval_ms: 1000 / qps, capacity, queue: [], next_ms: -Infinity };
  for (const limit of limits.limits) {
    buckets.set(limit.principal, bucket(`principal ${limit.principal}`, limit.qps, limit.capacity));
  }
  const fallback = bucket(
    'aggregate_default',
    limits.aggregate_default_qps,
    limits.aggregate_default_capacity,
  );
  const byKey = new Map<string, Bucket>();
  for (const b of [...buckets.values(), fallback]) if (b !== undefined) byKey.set(b.key, b);

  const bucketOf = (principal: string | undefined): Bucket | undefined =>
    principal !== undefined && buckets.has(principal) ? buckets.get(principal) : fallback;

  const clock = timers((key) => {
    const b = byKey.get(key);
    const held = b?.queue.shift();
    if (b === undefined || held === undefined) return;
    b.next_ms = now() + b.interval_ms;
    if (b.queue.length > 0) clock.set(b.key, b.next_ms);
    held.run();
  });

  return {
    admit(principal, call) {
      const b = bucketOf(principal);
      if (b === undefined) {
        call.run();
        return { kind: 'run' };
      }
      const at = now();
      if (b.queue.length === 0 && at >= b.next_ms) {
        b.next_ms = at + b.interval_ms;
        call.run();
        return { kind: 'run' };
      }
      if (b.capacity !== undefined && b.queue.length >= b.capacity) {
        return {
          kind: 'refused',
          capacity: b.capacity,
          queue: b === fallback ? 'aggregate_default' : 'principal',
          retry_after_ms: Math.max(1, Math.ceil(b.next_ms - at)),
        };
      }
      b.queue.push(call);
      if (b.queue.length === 1) clock.set(b.key, b.next_ms);
      return { kind: 'queued', waiting: b.queue.length };
    },
    waiting(principal) {
      return bucketOf(principal)?.queue.length ?? 0;
    },
    stop() {
      clock.clear();
      for (const b of byKey.values()) for (const held of b.queue.splice(0)) held.drop();
    },
  };
}

/** Mesos's per-principal message counters, kept while a framework of the principal is registered. */
export interface PrincipalCounters {
  received(principal: string): void;
  /** Counts a call processed, if the principal is still counted. */
  processed(principal: string): void;
  /** Forgets the principals no registered framework has any longer. */
  retain(principals: ReadonlySet<string>): void;
  /** `frameworks/<principal>/messages_received` and `_processed`, for the metrics snapshot. */
  snapshot(): Record<string, number>;
}

/** Creates the counters. */
export function createPrincipalCounters(): PrincipalCounters {
  const counts = new Map<string, { received: number; processed: number }>();
  const entry = (principal: string) => {
    let e = counts.get(principal);
    if (e === undefined) {
      e = { received: 0, processed: 0 };
      counts.set(principal, e);
    }
    return e;
  };
  return {
    received(principal) {
      entry(principal).received += 1;
    },
    processed(principal) {
      // Not brought back if its last framework was removed by the call itself (a TEARDOWN).
      const e = counts.get(principal);
      if (e !== undefined) e.processed += 1;
    },
    retain(principals) {
      for (const principal of counts.keys()) if (!principals.has(principal)) counts.delete(principal);
    },
    snapshot() {
      const out: Record<string, number> = {};
      for (const [principal, e] of counts) {
        out[`frameworks/${principal}/messages_received`] = e.received;
        out[`frameworks/${principal}/messages_processed`] = e.processed;
      }
      return out;
    },
  };
}
