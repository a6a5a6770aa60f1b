// Reading one line of a trace (NDJSON: the header of engine/events.ts, then one event a line). The
// events that make up nearly all of a large trace (offers, task launches and statuses, allocation
// cycles) have their few fields picked out by key from the text, without building an object: the
// type matched in place, each key looked for just past the one before (the order meso writes them
// in), numbers read digit by digit, and ids seen again reused rather than sliced afresh. The rest go
// through JSON.parse, as does any line holding a backslash: without one, a key's quoted text cannot
// occur inside a string, so what is picked is what JSON.parse would read.
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

/** The frequent types, read without JSON.parse; each line's type is matched against these in place. */
const picked_types = [
  'offer_made',
  'offer_accepted',
  'offer_declined',
  'offer_rescinded',
  'task_launched',
  'task_status',
  'allocation_cycle',
] as const;

// Strings seen again and again (agent and framework ids, states; a task's id on each of its lines)
// are kept in a small table and reused instead of sliced afresh. A slot holds the last string that
// hashed there; a hit is checked against the text in place.
const intern_bits = 12;
const interned: string[] = new Array<string>(1 << intern_bits).fill('');

function internedSlice(text: string, from: number, to: number): string {
  const n = to - from;
  if (n === 0) return '';
  let h = n;
  h = (h * 31 + text.charCodeAt(to - 1)) | 0;
  h = (h * 31 + text.charCodeAt(from + (n >> 1))) | 0;
  if (n > 2) h = (h * 31 + text.charCodeAt(to - 2)) | 0;
  if (n > 3) h = (h * 31 + text.charCodeAt(to - 3)) | 0;
  h = (h ^ (h >>> intern_bits)) & ((1 << intern_bits) - 1);
  const known = interned[h]!;
  if (known.length === n && text.startsWith(known, from)) return known;
  const value = text.slice(from, to);
  interned[h] = value;
  return value;
}

const pow10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The number at `from`, read in place; NaN when the value there is not a plain number ended by ','
 * '}' or ' '. Up to 15 digits it is the integer of its digits divided by an exact power of ten, one
 * correctly rounded division, so it equals what Number() and JSON.parse give; longer numbers and
 * exponents go through Number().
 */
function numberAt(text: string, from: number, end: number): number {
  let i = from;
  const negative = text.charCodeAt(i) === 45; // '-'
  if (negative) i++;
  let value = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
      if (fraction >= 0) fraction++;
    } else if (c === 46 && fraction < 0) {
      fraction = 0; // '.'
    } else break;
  }
  const c = text.charCodeAt(i);
  if (c === 101 || c === 69 || digits > 15) {
    // 'e', 'E', or more digits than a double holds exactly: Number() reads it.
    let close = i;
    while (close < end) {
      const d = text.charCodeAt(close);
      if (d === 44 || d === 125 || d === 32) break;
      close++;
    }
    return Number(text.slice(from, close));
  }
  if (digits === 0 || fraction === 0 || !(c === 44 || c === 125 || c === 32)) return Number.NaN;
  if (fraction > 0) value /= pow10[fraction]!;
  return negative ? -value : value;
}

/** The next backslash at or after the line being read, cached per text so each is searched for once. */
let escape_text = '';
let escape_from = 0;
let escape_at = -1;

function nextEscape(text: string, from: number): number {
  if (text !== escape_text || from < escape_from || escape_at < from) {
    escape_text = text;
    escape_from = from;
    const at = text.indexOf('\\', from);
    escape_at = at < 0 ? Number.POSITIVE_INFINITY : at;
  }
  return escape_at;
}

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
const type_first = `{${keys.type}"`;

/** Where the value of the last key found begins. */
let found = 0;

/**
 * Whether `needle` (a key) is in the line, looked for after `from` first (meso writes its keys in
 * one order, so each is found just past the one before) and then from the line's start; the value
 * then begins at `found`. In a line without a backslash a key's quoted text occurs only as that key.
 */
function findKey(text: string, needle: string, start: number, from: number, end: number): boolean {
  let i = text.indexOf(needle, from);
  if (i < 0 || i >= end) {
    if (from === start) return false;
    i = text.indexOf(needle, start);
    if (i < 0 || i >= end) return false;
  }
  found = i + needle.length;
  return true;
}

/** The string value at `found` (reused when seen lately), or undefined when it is not a string. */
function stringAtFound(text: string, end: number): string | undefined {
  const open = found;
  if (text.charCodeAt(open) !== 34) return undefined;
  const close = text.indexOf('"', open + 1);
  if (close < 0 || close >= end) return undefined;
  found = close + 1;
  return internedSlice(text, open + 1, close);
}

/** The picked type of the line and where its value ends, or undefined for the rest. */
function typeOf(text: string, start: number, end: number): string | undefined {
  let open: number;
  if (text.startsWith(type_first, start)) open = start + type_first.length;
  else {
    const k = text.indexOf(keys.type, start);
    if (k < 0 || k >= end || text.charCodeAt(k + keys.type.length) !== 34) return undefined;
    open = k + keys.type.length + 1;
  }
  for (const type of picked_types) {
    if (text.startsWith(type, open) && text.charCodeAt(open + type.length) === 34) {
      found = open + type.length + 1;
      return type;
    }
  }
  return undefined;
}

/** Picks a frequent event's fields into `out`; false when the line needs JSON.parse. */
function pickEvent(text: string, start: number, end: number, out: EventFields): boolean {
  if (nextEscape(text, start) < end) return false;
  const type = typeOf(text, start, end);
  if (type === undefined) return false;
  if (type === 'allocation_cycle') {
    if (!findKey(text, keys.time_ms, start, found, end)) return false;
    out.time_ms = numberAt(text, found, end);
    if (!Number.isFinite(out.time_ms)) return false;
    out.type = type;
    out.whole = undefined;
    return true;
  }
  const offer = type.charCodeAt(0) === 111; // 'o'
  if (!findKey(text, offer ? keys.offer_id : keys.task_id, start, found, end)) return false;
  const id = stringAtFound(text, end);
  if (id === undefined || !findKey(text, keys.framework_id, start, found, end)) return false;
  const framework_id = stringAtFound(text, end);
  if (framework_id === undefined || !findKey(text, keys.agent_id, start, found, end)) return false;
  const agent_id = stringAtFound(text, end);
  if (agent_id === undefined) return false;
  if (type === 'task_status') {
    if (!findKey(text, keys.state, start, found, end)) return false;
    const state = stringAtFound(text, end);
    if (state === undefined) return false;
    out.state = state;
  } else if (type === 'offer_declined') {
    out.refuse_seconds = findKey(text, keys.refuse_seconds, start, found, end)
      ? numberAt(text, found, end)
      : Number.NaN;
  } else if (type === 'offer_made' || type === 'task_launched') {
    for (let r = 0; r < resource_names.length; r++) {
      const v = findKey(text, keys.resources[r]!, start, found, end) ? numberAt(text, found, end) : 0;
      out.resources[r] = Number.isFinite(v) ? v : 0;
    }
  }
  if (!findKey(text, keys.time_ms, start, found, end)) return false;
  const time_ms = numberAt(text, found, end);
  if (!Number.isFinite(time_ms)) return false;
  out.type = type;
  out.time_ms = time_ms;
  out.framework_id = framework_id;
  out.agent_id = agent_id;
  if (offer) out.offer_id = id;
  else out.task_id = id;
  out.whole = undefined;
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
  if (pickEvent(text, start, end, out)) return 'event';
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
