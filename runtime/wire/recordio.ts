// RecordIO, the framing of every Mesos v1 streaming response: `<decimal byte length>\n<that many
// bytes of JSON>`, repeated with nothing in between. The encoder returns one Buffer per record so
// that the host writes the length line and the body in a single socket write (some clients split
// chunks on newlines and lose records otherwise). The decoder accepts a stream split at any byte.
import { recordio_record_bytes_max_default } from '../constants.ts';

/** Longest length line accepted: enough digits for any safe integer. */
const length_line_digits_max = 16;

const newline_byte = 0x0a;
const zero_byte = 0x30;
const nine_byte = 0x39;

// Fatal decoding: a body that is not valid UTF-8 is an error rather than silently repaired.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Encodes one JSON value as a RecordIO record (length line and compact JSON body in one Buffer). */
export function encodeRecord(json: unknown): Buffer {
  const text = JSON.stringify(json);
  if (text === undefined) {
    throw new Error(`RecordIO: cannot encode ${typeof json} as a record: it has no JSON form`);
  }
  const body = Buffer.from(text, 'utf8');
  const header = Buffer.from(`${body.length}\n`, 'latin1');
  return Buffer.concat([header, body], header.length + body.length);
}

/** Options of a RecordIoDecoder. */
export interface RecordIoDecoderOptions {
  /** Largest body accepted, in bytes; a longer record is an error (a limit on everything). */
  record_bytes_max?: number;
}

/**
 * A streaming RecordIO decoder: push chunks as they arrive, get back the records they complete.
 * After an error the decoder is failed: the stream's framing is lost, so every later push throws.
 */
export class RecordIoDecoder {
  readonly record_bytes_max: number;
  // Digits of the length line read so far (ASCII only, so a string is exact).
  #length_digits = '';
  // Length of the body being read, or -1 while reading a length line.
  #body_bytes = -1;
  // Parts of the body read so far, joined once the body is complete so that a multi-byte
  // character split across chunks is decoded whole and large bodies are copied once.
  #body_parts: Buffer[] = [];
  #body_bytes_read = 0;
  #failure: Error | undefined;
  #records_decoded = 0;

  constructor(options: RecordIoDecoderOptions = {}) {
    const max = options.record_bytes_max ?? recordio_record_bytes_max_default;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new Error(`RecordIO: record_bytes_max must be a positive integer, got ${max}`);
    }
    this.record_bytes_max = max;
  }

  /** Feeds a chunk of the stream; returns the records it completes, in order. */
  push(chunk: Buffer | string): unknown[] {
    if (this.#failure) {
      throw new Error(`RecordIO: decoder already failed: ${this.#failure.message}`);
    }
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const records: unknown[] = [];
    try {
      let at = 0;
      while (at < bytes.length) {
        at = this.#body_bytes < 0 ? this.#readLengthLine(bytes, at) : this.#readBody(bytes, at, records);
      }
      // A body of zero bytes completes without consuming input; catch it at the chunk's end.
      if (this.#body_bytes === 0) this.#finishRecord(records);
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error));
      throw this.#failure;
    }
    return records;
  }

  /** Declares the end of the stream; throws if it ended inside a record. */
  end(): void {
    if (this.#failure) return;
    if (this.#body_bytes >= 0) {
      throw new Error(
        `RecordIO: stream ended inside record ${this.#records_decoded + 1} ` +
          `(${this.#body_bytes_read} of ${this.#body_bytes} body bytes read)`,
      );
    }
    if (this.#length_digits.length > 0) {
      throw new Error(
        `RecordIO: stream ended inside the length line of record ${this.#records_decoded + 1} ` +
          `('${this.#length_digits}' without its newline)`,
      );
    }
  }

  /** Number of bytes held for a record not yet complete. */
  get buffered_bytes(): number {
    return this.#length_digits.length + this.#body_bytes_read;
  }

  /** Reads length-line bytes from `at`; returns where it stopped. */
  #readLengthLine(bytes: Buffer, at: number): number {
    let i = at;
    while (i < bytes.length) {
      const byte = bytes[i]!;
      if (byte === newline_byte) {
        this.#startBody();
        return i + 1;
      }
      if (byte < zero_byte || byte > nine_byte) {
        throw new Error(
          `RecordIO: bad length line for record ${this.#records_decoded + 1}: expected decimal digits ` +
            `then a newline, got byte 0x${byte.toString(16).padStart(2, '0')} after '${this.#length_digits}'`,
        );
      }
      this.#length_digits += String.fromCharCode(byte);
      if (this.#length_digits.length > length_line_digits_max) {
        throw new Error(
          `RecordIO: bad length line for record ${this.#records_decoded + 1}: ` +
            `more than ${length_line_digits_max} digits ('${this.#length_digits}...')`,
        );
      }
      i += 1;
    }
    return i;
  }

  /** Parses the completed length line and prepares to read the body. */
  #startBody(): void {
    if (this.#length_digits.length === 0) {
      throw new Error(`RecordIO: bad length line for record ${this.#records_decoded + 1}: it is empty`);
    }
    const length = Number(this.#length_digits);
    if (length > this.record_bytes_max) {
      throw new Error(
        `RecordIO: record ${this.#records_decoded + 1} is ${length} bytes, ` +
          `above the limit of ${this.record_bytes_max} bytes`,
      );
    }
    this.#length_digits = '';
    this.#body_bytes = length;
  }

  /** Reads body bytes from `at`, completing the record when all arrived; returns where it stopped. */
  #readBody(bytes: Buffer, at: number, records: unknown[]): number {
    const wanted = this.#body_bytes - this.#body_bytes_read;
    const end = Math.min(bytes.length, at + wanted);
    if (end > at) {
      this.#body_parts.push(bytes.subarray(at, end));
      this.#body_bytes_read += end - at;
    }
    if (this.#body_bytes_read === this.#body_bytes) this.#finishRecord(records);
    return end;
  }

  /** Parses the complete body as JSON and resets for the next length line. */
  #finishRecord(records: unknown[]): void {
    const body =
      this.#body_parts.length === 1
        ? this.#body_parts[0]!
        : Buffer.concat(this.#body_parts, this.#body_bytes);
    const index = this.#records_decoded + 1;
    this.#body_parts = [];
    this.#body_bytes_read = 0;
    this.#body_bytes = -1;
    let value: unknown;
    try {
      value = JSON.parse(utf8.decode(body));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const preview = body.subarray(0, 80).toString('utf8');
      throw new Error(`RecordIO: record ${index} is not UTF-8 JSON (${reason}): '${preview}'`);
    }
    this.#records_decoded = index;
    records.push(value);
  }
}
