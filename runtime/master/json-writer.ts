// A writer of compact JSON straight into a growing byte buffer. Large pages (the state of a
// cluster with hundreds of thousands of tasks) joined as one string, or serialized from objects,
// leave behind as much garbage as they hold text, alive long enough to need full collections of
// the master's large heap; written as bytes piece by piece, a page leaves only short-lived pieces
// and one buffer, which the caller may hand back for the next page. The writer only encodes:
// callers put the punctuation in with `raw`, and strings, numbers and whole values through the
// typed methods, which give exactly what `JSON.stringify` gives.

/** First size of the buffer; it doubles as needed. */
const initial_bytes = 64 * 1024;

const quote_byte = 0x22;
const backslash_byte = 0x5c;

/**
 * A string as JSON text, quoted and escaped exactly as `JSON.stringify` does it. Ids and names are
 * nearly always printable ASCII, which is checked here far faster than JSON.stringify runs.
 */
export function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === quote_byte || c === backslash_byte) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/** Buffer's own copying methods, in every Node release though not in its typings. */
interface BufferCopies {
  utf8Write(this: Buffer, text: string, offset: number): number;
  utf8Slice(this: Buffer, start: number, end: number): string;
}

const copies = Buffer.prototype as unknown as Partial<BufferCopies>;
// They skip the argument checks of `write` and `toString`, which cost more than the copy itself
// for the short pieces written here; the public methods stand in should they ever go away.
const utf8Write: BufferCopies['utf8Write'] =
  copies.utf8Write ??
  function (this: Buffer, text: string, offset: number): number {
    return this.write(text, offset, 'utf8');
  };
const utf8Slice: BufferCopies['utf8Slice'] =
  copies.utf8Slice ??
  function (this: Buffer, start: number, end: number): string {
    return this.toString('utf8', start, end);
  };

/** A growing buffer of UTF-8 JSON text. */
export class JsonWriter {
  #buf: Buffer;
  #pos = 0;

  /** Starts on `buffer` (reused, its contents ignored) or on a fresh one of `initial_bytes`. */
  constructor(buffer?: Buffer) {
    this.#buf = buffer !== undefined && buffer.length > 0 ? buffer : Buffer.allocUnsafe(initial_bytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  /** Makes room for `bytes` more bytes. */
  #reserve(bytes: number): void {
    const needed = this.#pos + bytes;
    if (needed <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(needed, this.#buf.length * 2));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  /** Writes text known to be ASCII and valid at this point of the JSON (keys, punctuation). */
  raw(ascii: string): void {
    const n = ascii.length;
    this.#reserve(n);
    const buf = this.#buf;
    let p = this.#pos;
    for (let i = 0; i < n; i++) buf[p++] = ascii.charCodeAt(i);
    this.#pos = p;
  }

  /**
   * Writes any text as UTF-8, as it is (the caller vouches that it is valid JSON here): one copy,
   * the fastest way to write a piece longer than a few characters.
   */
  utf8(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8 (a surrogate pair, 2 units, takes 4).
    this.#reserve(text.length * 3);
    this.#pos += utf8Write.call(this.#buf, text, this.#pos);
  }

  /** Copies bytes `start` to `end` of `source` (JSON text written before, by this or another writer). */
  copy(source: Buffer, start: number, end: number): void {
    this.#reserve(end - start);
    this.#pos += source.copy(this.#buf, this.#pos, start, end);
  }

  /** Writes a string as a JSON string, quoted and escaped as `JSON.stringify` does. */
  string(text: string): void {
    const n = text.length;
    this.#reserve(n + 2);
    const buf = this.#buf;
    const start = this.#pos;
    let p = start;
    buf[p++] = quote_byte;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      // Printable ASCII other than the quote and the backslash is written as it is; anything
      // else (escapes, non-ASCII) is rare in ids and names, and left to JSON.stringify.
      if (c < 0x20 || c > 0x7e || c === quote_byte || c === backslash_byte) {
        this.#pos = start;
        this.utf8(JSON.stringify(text));
        return;
      }
      buf[p++] = c;
    }
    buf[p++] = quote_byte;
    this.#pos = p;
  }

  /** Writes a number as JSON does (`null` for NaN and infinities). */
  number(value: number): void {
    this.raw(Number.isFinite(value) ? String(value) : 'null');
  }

  /** Writes `true` or `false`. */
  boolean(value: boolean): void {
    this.raw(value ? 'true' : 'false');
  }

  /** Writes any JSON value through JSON.stringify (for small, irregular parts). */
  value(value: unknown): void {
    const text = JSON.stringify(value);
    if (text === undefined) throw new Error(`JsonWriter: ${typeof value} has no JSON form`);
    this.utf8(text);
  }

  /** The text written since byte `from` (a position `length` gave), as a string. */
  textSince(from: number): string {
    if (!(Number.isInteger(from) && from >= 0 && from <= this.#pos)) {
      throw new Error(`JsonWriter: position ${from} is outside the ${this.#pos} bytes written`);
    }
    return utf8Slice.call(this.#buf, from, this.#pos);
  }

  /** The text written so far (a view of the buffer, valid until the next write). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }

  /** The whole buffer written into (larger than `bytes()`), to hand to the next writer. */
  buffer(): Buffer {
    return this.#buf;
  }
}
