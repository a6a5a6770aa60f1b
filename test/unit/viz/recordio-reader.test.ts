// The page's RecordIO reader: records cut out of chunks whatever their boundaries, a large record
// arriving in many chunks, and a stream that is not RecordIO named as such.
import { describe, expect, it } from 'vitest';
import { RecordReader } from '../../../viz/src/live/recordio.ts';

const encode = (value: unknown): Uint8Array => {
  const body = new TextEncoder().encode(JSON.stringify(value));
  return new Uint8Array([...new TextEncoder().encode(`${body.length}\n`), ...body]);
};
const join = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe("the page's RecordIO reader", () => {
  const values = [{ type: 'SUBSCRIBED', n: 'é'.repeat(50) }, { type: 'HEARTBEAT' }, {}, { a: [1, 2, 3] }];
  const bytes = join(values.map(encode));

  it('reads the same records however the bytes are cut', () => {
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const reader = new RecordReader();
      const got: unknown[] = [];
      for (let at = 0; at < bytes.length; at += size) got.push(...reader.push(bytes.subarray(at, at + size)));
      expect(got).toEqual(values);
    }
  });

  it('reads a record of megabytes arriving in many chunks', () => {
    const big = { type: 'SUBSCRIBED', state: 'x'.repeat(5_000_000) };
    const all = join([encode(big), encode({ type: 'HEARTBEAT' })]);
    const reader = new RecordReader();
    const got: unknown[] = [];
    for (let at = 0; at < all.length; at += 65_536) got.push(...reader.push(all.subarray(at, at + 65_536)));
    expect(got).toEqual([big, { type: 'HEARTBEAT' }]);
  });

  it('says when the stream is not RecordIO', () => {
    expect(() => new RecordReader().push(new TextEncoder().encode('<html>\n'))).toThrow(
      "not a RecordIO stream: a record length of '<html>'",
    );
  });
});
