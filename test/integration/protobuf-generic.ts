// A protobuf client that knows nothing of meso's definitions: messages are built and read field
// by field (numbers and wire types from Mesos's v1 protos) with protobufjs's low-level Writer and
// Reader, so a test driven by it checks meso's codec against the wire format itself.
import protobuf from 'protobufjs';

/** A field of a message being built: a number with a string, varint, double, bytes or sub-message. */
export type Field =
  | readonly [number, 'string', string]
  | readonly [number, 'varint', number]
  | readonly [number, 'double', number]
  | readonly [number, 'bytes', Uint8Array]
  | readonly [number, 'message', readonly Field[]];

/** The bytes of a message made of `fields`, in order. */
export function encodeFields(fields: readonly Field[]): Uint8Array {
  const w = protobuf.Writer.create();
  for (const [no, kind, value] of fields) {
    if (kind === 'string') w.uint32((no << 3) | 2).string(value);
    else if (kind === 'varint') w.uint32(no << 3).int64(value);
    else if (kind === 'double') w.uint32((no << 3) | 1).double(value);
    else if (kind === 'bytes') w.uint32((no << 3) | 2).bytes(value);
    else w.uint32((no << 3) | 2).bytes(encodeFields(value));
  }
  return w.finish();
}

/** `{value}` ids (FrameworkID, AgentID ...) as a sub-message field. */
export const idField = (no: number, value: string): Field => [no, 'message', [[1, 'string', value]]];

/** A decoded message: each field number with its values (varints as numbers, the rest as bytes). */
export type Fields = Map<number, Array<number | Uint8Array>>;

/** Reads a message's fields without knowing its type. */
export function decodeFields(bytes: Uint8Array): Fields {
  const r = protobuf.Reader.create(bytes);
  const out: Fields = new Map();
  while (r.pos < r.len) {
    const tag = r.uint32();
    const no = tag >>> 3;
    const wire = tag & 7;
    let value: number | Uint8Array = Number.NaN;
    if (wire === 0) value = Number(r.int64());
    else if (wire === 2) value = r.bytes();
    else r.skipType(wire);
    out.set(no, [...(out.get(no) ?? []), value]);
  }
  return out;
}

/** The sub-message at field `no` (the first), read without its type. */
export function sub(fields: Fields, no: number): Fields {
  const value = fields.get(no)?.[0];
  if (!(value instanceof Uint8Array)) throw new Error(`field ${no} is not a message`);
  return decodeFields(value);
}

/** Every sub-message at field `no`. */
export function subs(fields: Fields, no: number): Fields[] {
  return (fields.get(no) ?? []).map((v) => decodeFields(v as Uint8Array));
}

/** The string at field `no`. */
export function str(fields: Fields, no: number): string {
  const value = fields.get(no)?.[0];
  if (!(value instanceof Uint8Array)) throw new Error(`field ${no} is not a string`);
  return Buffer.from(value).toString('utf8');
}

/** The varint at field `no`. */
export function varint(fields: Fields, no: number): number | undefined {
  const value = fields.get(no)?.[0];
  return typeof value === 'number' ? value : undefined;
}

/** Splits RecordIO framing over raw bytes: complete records, and the rest. */
export function splitRecords(buffer: Buffer): { records: Buffer[]; rest: Buffer } {
  const records: Buffer[] = [];
  let at = 0;
  for (;;) {
    const newline = buffer.indexOf(0x0a, at);
    if (newline < 0) break;
    const length = Number(buffer.subarray(at, newline).toString('latin1'));
    if (buffer.length < newline + 1 + length) break;
    records.push(buffer.subarray(newline + 1, newline + 1 + length));
    at = newline + 1 + length;
  }
  return { records, rest: buffer.subarray(at) };
}
