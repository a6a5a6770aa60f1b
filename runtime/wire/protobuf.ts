// The protobuf codec of the scheduler and executor APIs (application/x-protobuf), through
// protobufjs over the Mesos v1 definitions in runtime/wire/proto/. A decoded Call becomes the same
// object its JSON form parses to (snake_case names, enums as names, 64-bit integers as numbers,
// bytes as base64), so one path checks and handles both; an event is encoded from its JSON-shaped
// object. The definitions are parsed once, at first use, so that a process that never speaks
// protobuf never pays for them.
import protobuf from 'protobufjs';
import { application_json, application_protobuf } from '../http-util.ts';
import { executor_proto } from './proto/executor-proto.ts';
import { mesos_proto } from './proto/mesos-proto.ts';
import { scheduler_proto } from './proto/scheduler-proto.ts';
import { encodeRecord } from './recordio.ts';

/** The API whose messages a body carries. */
export type ProtobufApi = 'scheduler' | 'executor';

let root: protobuf.Root | undefined;

/** The parsed definitions (every message meso takes or sends over protobuf). */
export function protobufRoot(): protobuf.Root {
  if (root !== undefined) return root;
  const parsed = new protobuf.Root();
  for (const text of [mesos_proto, scheduler_proto, executor_proto]) {
    protobuf.parse(text, parsed, { keepCase: true });
  }
  parsed.resolveAll();
  root = parsed;
  return parsed;
}

/** The message type `name` of an API ('Call' or 'Event'). */
export function apiType(api: ProtobufApi, name: 'Call' | 'Event'): protobuf.Type {
  return protobufRoot().lookupType(`mesos.v1.${api}.${name}`);
}

/** How decoded messages become JSON-shaped objects: the shapes Mesos's JSON uses. */
const object_options: protobuf.IConversionOptions = {
  enums: String,
  longs: Number,
  bytes: String,
  defaults: false,
  arrays: false,
  objects: false,
};

/** Decodes a protobuf Call into the object its JSON form would parse to, or says why it cannot. */
export function decodeCall(
  api: ProtobufApi,
  body: Uint8Array,
): { readonly call: Record<string, unknown> } | { readonly error: string } {
  const type = apiType(api, 'Call');
  try {
    const message = type.decode(body);
    return { call: type.toObject(message, object_options) as Record<string, unknown> };
  } catch (error) {
    return { error: `Failed to parse body into Call protobuf: ${(error as Error).message}` };
  }
}

/** Encodes a JSON-shaped Event (or Call, for clients) of an API as protobuf bytes. */
export function encodeMessage(api: ProtobufApi, name: 'Call' | 'Event', value: object): Uint8Array {
  const type = apiType(api, name);
  return type.encode(type.fromObject(value)).finish();
}

/** Decodes protobuf bytes of an API's message into its JSON-shaped object (for clients and tests). */
export function decodeMessage(
  api: ProtobufApi,
  name: 'Call' | 'Event',
  body: Uint8Array,
): Record<string, unknown> {
  const type = apiType(api, name);
  return type.toObject(type.decode(body), object_options) as Record<string, unknown>;
}

/** The media types an event stream may be written in. */
export type StreamMediaType = typeof application_json | typeof application_protobuf;

/**
 * The media type of an event stream for a request's Accept header: the first of JSON and protobuf
 * it names (a q of 0 refuses one), JSON for a wildcard or no header, undefined when it allows neither.
 */
export function streamMediaType(accept: string | undefined): StreamMediaType | undefined {
  if (accept === undefined || accept.trim() === '') return application_json;
  let wildcard = false;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (params.some((p) => /^q=0(\.0*)?$/.test(p))) continue;
    if (range === application_json || range === application_protobuf) return range;
    if (range === '*/*' || range === 'application/*') wildcard = true;
  }
  return wildcard ? application_json : undefined;
}

/** One event as a RecordIO record in the stream's media type (`<length>\n<body>`). */
export function eventRecord(api: ProtobufApi, type: StreamMediaType, event: object): Buffer {
  if (type === application_json) return encodeRecord(event);
  const body = encodeMessage(api, 'Event', event);
  const header = Buffer.from(`${body.length}\n`, 'latin1');
  return Buffer.concat([header, body], header.length + body.length);
}
