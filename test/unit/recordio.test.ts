import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRecord, RecordIoDecoder } from '../../runtime/wire/recordio.ts';

/** Splits `bytes` at the given positions (any order, duplicates allowed) into consecutive chunks. */
function splitAt(bytes: Buffer, positions: number[]): Buffer[] {
  const cuts = [...new Set(positions.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

/** Decodes the chunks with one decoder and returns every record, checking the stream ends cleanly. */
function decodeAll(chunks: Buffer[], decoder = new RecordIoDecoder()): unknown[] {
  const out: unknown[] = [];
  for (const chunk of chunks) out.push(...decoder.push(chunk));
  decoder.end();
  return out;
}

// JSON values whose JSON round trip is exact (no -0, no undefined), with full Unicode strings.
const jsonValue = fc
  .jsonValue({ depthSize: 'small', maxDepth: 3, stringUnit: 'binary' })
  .map((v) => JSON.parse(JSON.stringify(v)));

describe('encodeRecord', () => {
  it('writes the byte length, a newline, then compact JSON', () => {
    const value = { type: 'HEARTBEAT', list: [1, 2], text: 'a b' };
    const record = encodeRecord(value).toString('utf8');
    const body = JSON.stringify(value);
    expect(record).toBe(`${body.length}\n${body}`);
    expect(record).not.toContain(' :');
  });

  it('counts bytes, not characters, for multi-byte text', () => {
    const text = 'héllo wörld ✓ 😀';
    const record = encodeRecord({ text });
    const newline = record.indexOf(0x0a);
    const length = Number(record.subarray(0, newline).toString('latin1'));
    const body = record.subarray(newline + 1);
    expect(length).toBe(body.length);
    expect(length).toBeGreaterThan(JSON.stringify({ text }).length);
    expect(JSON.parse(body.toString('utf8'))).toEqual({ text });
  });

  it('refuses a value without a JSON form', () => {
    expect(() => encodeRecord(undefined)).toThrow(/no JSON form/);
    expect(() => encodeRecord(() => 1)).toThrow(/no JSON form/);
  });
});

describe('RecordIoDecoder', () => {
  it('decodes any list of JSON values split at any byte positions', () => {
    fc.assert(
      fc.property(
        fc.array(jsonValue, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (values, cuts) => {
          const stream = Buffer.concat(values.map((v) => encodeRecord(v)));
          expect(decodeAll(splitAt(stream, cuts))).toEqual(values);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes a stream fed one byte at a time, through multi-byte characters', () => {
    const values = [{ s: '日本語テキスト' }, '😀😀', { nested: ['ä', { b: 'ß' }] }, 12345678901, null];
    const stream = Buffer.concat(values.map((v) => encodeRecord(v)));
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect(decodeAll(bytes)).toEqual(values);
  });

  it('returns each record from the push that completes it', () => {
    const decoder = new RecordIoDecoder();
    const stream = Buffer.concat([encodeRecord({ a: 1 }), encodeRecord({ b: 2 })]);
    const first = encodeRecord({ a: 1 }).length;
    expect(decoder.push(stream.subarray(0, first - 1))).toEqual([]);
    expect(decoder.buffered_bytes).toBeGreaterThan(0);
    expect(decoder.push(stream.subarray(first - 1, first + 2))).toEqual([{ a: 1 }]);
    expect(decoder.push(stream.subarray(first + 2))).toEqual([{ b: 2 }]);
    expect(decoder.buffered_bytes).toBe(0);
  });

  it('accepts string chunks', () => {
    const decoder = new RecordIoDecoder();
    const text = Buffer.concat([encodeRecord({ x: 'é' }), encodeRecord([1])]).toString('utf8');
    expect([...decoder.push(text.slice(0, 3)), ...decoder.push(text.slice(3))]).toEqual([{ x: 'é' }, [1]]);
  });

  it('errors on a length line that is not decimal digits, naming the byte', () => {
    expect(() => new RecordIoDecoder().push('12x\n{}')).toThrow(/bad length line.*0x78/);
    expect(() => new RecordIoDecoder().push(' 2\n{}')).toThrow(/bad length line/);
    expect(() => new RecordIoDecoder().push('-2\n{}')).toThrow(/bad length line/);
    expect(() => new RecordIoDecoder().push('\n{}')).toThrow(/length line.*empty/);
    expect(() => new RecordIoDecoder().push('1'.repeat(40))).toThrow(/more than 16 digits/);
  });

  it('errors on a length line split across chunks as on a whole one', () => {
    const decoder = new RecordIoDecoder();
    expect(decoder.push('1')).toEqual([]);
    expect(() => decoder.push('a\n')).toThrow(/bad length line.*after '1'/);
  });

  it('errors on a record above the size limit before reading its body', () => {
    const decoder = new RecordIoDecoder({ record_bytes_max: 10 });
    expect(decoder.push(encodeRecord('short'))).toEqual(['short']);
    expect(() => decoder.push('11\n')).toThrow(/11 bytes, above the limit of 10/);
  });

  it('errors on a body that is not JSON or not UTF-8', () => {
    expect(() => new RecordIoDecoder().push('3\nabc')).toThrow(/record 1 is not UTF-8 JSON/);
    expect(() => new RecordIoDecoder().push('0\n')).toThrow(/record 1 is not UTF-8 JSON/);
    const invalid = Buffer.concat([Buffer.from('3\n"'), Buffer.from([0xff]), Buffer.from('"')]);
    expect(() => new RecordIoDecoder().push(invalid)).toThrow(/not UTF-8 JSON/);
  });

  it('counts records in its messages', () => {
    const decoder = new RecordIoDecoder();
    const stream = Buffer.concat([encodeRecord(1), encodeRecord(2), Buffer.from('x')]);
    expect(() => decoder.push(stream)).toThrow(/record 3/);
  });

  it('stays failed after an error', () => {
    const decoder = new RecordIoDecoder();
    expect(() => decoder.push('z')).toThrow();
    expect(() => decoder.push(encodeRecord(1))).toThrow(/already failed/);
  });

  it('reports a stream that ends inside a record', () => {
    const partialBody = new RecordIoDecoder();
    partialBody.push('10\n{"a"');
    expect(() => partialBody.end()).toThrow(/ended inside record 1 \(4 of 10 body bytes/);
    const partialLine = new RecordIoDecoder();
    partialLine.push('12');
    expect(() => partialLine.end()).toThrow(/inside the length line/);
    const clean = new RecordIoDecoder();
    clean.push(encodeRecord({}));
    expect(() => clean.end()).not.toThrow();
  });

  it('refuses a bad limit', () => {
    expect(() => new RecordIoDecoder({ record_bytes_max: 0 })).toThrow(/positive integer/);
  });
});
