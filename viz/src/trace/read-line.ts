// Reading one line of a trace (NDJSON: the header of engine/events.ts, then one event a line). The
// events that make up nearly all of a large trace (offers, task launches and statuses, allocation
// cycles) have their few fields picked out by key from the text, without building an object; the
// rest go through JSON.parse. The picking is sound for what meso writes: a key's quotes cannot occur
// unescaped inside a JSON string, and a value holding an escape falls back to JSON.parse.
import { trace_header } from '../../../engine/events.ts';

/** A line that cannot be read, and why; `line` counts from 1. */
export class TraceLineError extends Error {
  readonly line: number;
  readonly reason: string;

  constructor(line: number, reason: string) {
    super(`line ${line} ${reason}`);
    this.line = line;
    this.reason = reason;
  }
}

/** The fields of an event the viewer reads; one record is reused for every line. */
export interface EventFields {
  type: string;
  time_ms: number;
  framework_id: string;
  agent_id: string;
  task_id: string;
  offer_id: string;
  state: string;
  refuse_seconds: number;
  /** Scalar resources of an offer, task or agent: cpus, mem, disk, gpus. */
  readonly resources: Float64Array;
  /** The whole event, for the rare types read with JSON.parse; undefined when picked. */
  whole: Record<string, unknown> | undefined;
}

/** The scalar resources tracked, in this order wherever a series is resource-wide. */
export const resource_names = ['cpus', 'mem', 'disk', 'gpus'] as const;

/** A fresh record to read lines into. */
export function eventFields(): EventFields {
  const resources = new Float64Array(resource_names.length);
  return {
    type: '',
    time_ms: 0,
    framework_id: '',
    agent_id: '',
    task_id: '',
    offer_id: '',
    state: '',
    refuse_seconds: 0,
    resources,
    whole: undefined,
  };
}

const picked = new Set(['offer_made', 'offer_accepted', 'offer_declined', 'offer_rescinded']);
for (const type of ['task_launched', 'task_status', 'allocation_cycle']) picked.add(type);

const key = (name: string): string => `"${name}":`;
const keys = {
  type: key('type'),
  time_ms: key('time_ms'),
  framework_id: key('framework_id'),
  agent_id: key('agent_id'),
  task_id: key('task_id'),
  offer_id: key('offer_id'),
  state: key('state'),
  refuse_seconds: key('refuse_seconds'),
  resources: resource_names.map(key),
};

/** A picked string value that needs JSON.parse (absent, not a string, or escaped). */
const unpickable = '\u0000';

/** The string after `"name":` within [from, end), or `unpickable`. */
function pickString(text: string, needle: string, from: number, end: number): string {
  const i = text.indexOf(needle, from);
  if (i < 0 || i >= end) return unpickable;
  const open = i + needle.length;
  if (text.charCodeAt(open) !== 34) return unpickable;
  const close = text.indexOf('"', open + 1);
  if (close < 0 || close >= end) return unpickable;
  const value = text.slice(open + 1, close);
  return value.includes('\\') ? unpickable : value;
}

/** The number after `"name":` within [from, end), NaN when absent or not a number. */
function pickNumber(text: string, needle: string, from: number, end: number): number {
  const i = text.indexOf(needle, from);
  if (i < 0 || i >= end) return Number.NaN;
  const open = i + needle.length;
  let close = open;
  while (close < end) {
    const c = text.charCodeAt(close);
    if (c === 44 || c === 125 || c === 32) break; // ',' '}' ' '
    close++;
  }
  return close === open ? Number.NaN : Number(text.slice(open, close));
}

/** Picks a frequent event's fields into `out`; false when the line needs JSON.parse. */
function pickEvent(text: string, start: number, end: number, type: string, out: EventFields): boolean {
  out.time_ms = pickNumber(text, keys.time_ms, start, end);
  if (!Number.isFinite(out.time_ms)) return false;
  out.whole = undefined;
  out.type = type;
  if (type === 'allocation_cycle') return true;
  out.framework_id = pickString(text, keys.framework_id, start, end);
  out.agent_id = pickString(text, keys.agent_id, start, end);
  const id = type.startsWith('offer') ? keys.offer_id : keys.task_id;
  const value = pickString(text, id, start, end);
  if (out.framework_id === unpickable || out.agent_id === unpickable || value === unpickable) return false;
  if (type.startsWith('offer')) out.offer_id = value;
  else out.task_id = value;
  if (type === 'task_status') {
    out.state = pickString(text, keys.state, start, end);
    if (out.state === unpickable) return false;
  } else if (type === 'offer_declined') {
    out.refuse_seconds = pickNumber(text, keys.refuse_seconds, start, end);
  } else if (type === 'offer_made' || type === 'task_launched') {
    for (let r = 0; r < resource_names.length; r++) {
      const v = pickNumber(text, keys.resources[r]!, start, end);
      out.resources[r] = Number.isFinite(v) ? v : 0;
    }
  }
  return true;
}

/** What a line held. */
export type LineKind = 'event' | 'header' | 'blank';

/** Reads line `number` (from 1), the text [start, end) of `text`, into `out`. Throws TraceLineError. */
export function readLine(
  text: string,
  start: number,
  end: number,
  number: number,
  out: EventFields,
): LineKind {
  if (end > start && text.charCodeAt(end - 1) === 13) end--; // '\r'
  while (start < end && text.charCodeAt(start) === 32) start++;
  if (start === end) return 'blank';
  if (text.charCodeAt(start) !== 123 || text.charCodeAt(end - 1) !== 125) {
    throw new TraceLineError(
      number,
      'is not a JSON object: a trace is NDJSON, one event a line (engine/events.ts)',
    );
  }
  const t = text.indexOf(keys.type, start);
  if (t >= 0 && t < end) {
    const type = pickString(text, keys.type, t, end);
    if (picked.has(type) && pickEvent(text, start, end, type, out)) return 'event';
  }
  return readWhole(text.slice(start, end), number, out);
}

function readWhole(line: string, number: number, out: EventFields): LineKind {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new TraceLineError(number, `is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceLineError(
      number,
      'is not a JSON object: a trace is NDJSON, one event a line (engine/events.ts)',
    );
  }
  const record = value as Record<string, unknown>;
  if (record.format !== undefined) {
    if (record.format !== trace_header.format || record.version !== trace_header.version) {
      throw new TraceLineError(
        number,
        `is the header of a '${String(record.format)}' trace of version ${String(record.version)}; ` +
          `this viewer reads '${trace_header.format}' version ${trace_header.version}`,
      );
    }
    if (number !== 1) throw new TraceLineError(number, 'is a header, which only the first line may be');
    return 'header';
  }
  if (typeof record.type !== 'string') throw new TraceLineError(number, "has no event 'type'");
  if (typeof record.time_ms !== 'number' || !Number.isFinite(record.time_ms)) {
    throw new TraceLineError(number, "has no numeric 'time_ms'");
  }
  out.type = record.type;
  out.time_ms = record.time_ms;
  out.framework_id = typeof record.framework_id === 'string' ? record.framework_id : '';
  out.agent_id = typeof record.agent_id === 'string' ? record.agent_id : '';
  out.task_id = typeof record.task_id === 'string' ? record.task_id : '';
  out.offer_id = typeof record.offer_id === 'string' ? record.offer_id : '';
  out.state = typeof record.state === 'string' ? record.state : '';
  out.refuse_seconds = typeof record.refuse_seconds === 'number' ? record.refuse_seconds : 0;
  const resources = (record.resources ?? {}) as Record<string, unknown>;
  resource_names.forEach((name, r) => {
    const v = resources[name];
    out.resources[r] = typeof v === 'number' && Number.isFinite(v) ? v : 0;
  });
  out.whole = record;
  return 'event';
}
