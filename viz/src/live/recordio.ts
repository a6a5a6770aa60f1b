// RecordIO, the framing of the operator API's event stream (docs/protocol.md, "RecordIO"): each
// record is its length in bytes as decimal text, a newline, then that many bytes of JSON. Records
// are cut out of the bytes as they arrive, whatever the chunks' boundaries.

/** Splits a byte stream into RecordIO records. */
export class RecordReader {
  private buffer = new Uint8Array(0);
  private readonly decoder = new TextDecoder();

  /** Adds bytes; returns the records completed by them, parsed as JSON. */
  push(chunk: Uint8Array): unknown[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    const records: unknown[] = [];
    let at = 0;
    for (;;) {
      const newline = joined.indexOf(10, at);
      if (newline < 0) break;
      const header = this.decoder.decode(joined.subarray(at, newline)).trim();
      const length = Number(header);
      if (!/^\d+$/.test(header) || !Number.isSafeInteger(length)) {
        throw new Error(`not a RecordIO stream: a record length of '${header.slice(0, 40)}'`);
      }
      if (newline + 1 + length > joined.length) break;
      records.push(JSON.parse(this.decoder.decode(joined.subarray(newline + 1, newline + 1 + length))));
      at = newline + 1 + length;
    }
    this.buffer = joined.slice(at);
    return records;
  }
}
