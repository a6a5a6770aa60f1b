// RecordIO, the framing of the operator API's event stream (docs/protocol.md, "RecordIO"): each
// record is its length in bytes as decimal text, a newline, then that many bytes of JSON. Records
// are cut out of the bytes as they arrive, whatever the chunks' boundaries. The chunks of a record
// still arriving are kept as they came and joined once it is whole, so a record of many megabytes
// (the SUBSCRIBED of a large cluster, its whole state) costs one copy, not one per chunk.

/** Splits a byte stream into RecordIO records. */
export class RecordReader {
  private parts: Uint8Array[] = [];
  private size = 0;
  /** The length of the record being read once its header is in, -1 before. */
  private want = -1;
  private readonly decoder = new TextDecoder();

  /** Adds bytes; returns the records completed by them, parsed as JSON. */
  push(chunk: Uint8Array): unknown[] {
    if (chunk.length > 0) {
      this.parts.push(chunk);
      this.size += chunk.length;
    }
    const records: unknown[] = [];
    for (;;) {
      if (this.want < 0) {
        const newline = this.newline();
        if (newline < 0) break;
        const header = this.decoder.decode(this.take(newline + 1).subarray(0, newline)).trim();
        const length = Number(header);
        if (!/^\d+$/.test(header) || !Number.isSafeInteger(length)) {
          throw new Error(`not a RecordIO stream: a record length of '${header.slice(0, 40)}'`);
        }
        this.want = length;
      }
      if (this.size < this.want) break;
      const body = this.take(this.want);
      this.want = -1;
      records.push(JSON.parse(this.decoder.decode(body)));
    }
    return records;
  }

  /** Where the first newline of what is held is, or -1. */
  private newline(): number {
    let before = 0;
    for (const part of this.parts) {
      const at = part.indexOf(10);
      if (at >= 0) return before + at;
      before += part.length;
    }
    return -1;
  }

  /** Takes the first `n` bytes held (n <= size): a view of one chunk, or the chunks joined. */
  private take(n: number): Uint8Array {
    this.size -= n;
    const first = this.parts[0];
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.parts.shift();
      else this.parts[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const part = this.parts[0]!;
      const used = Math.min(part.length, n - at);
      out.set(part.subarray(0, used), at);
      at += used;
      if (used === part.length) this.parts.shift();
      else this.parts[0] = part.subarray(used);
    }
    return out;
  }
}
