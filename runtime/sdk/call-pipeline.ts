// One persistent HTTP/1.1 connection that pipelines calls, as libprocess-based Mesos frameworks do:
// requests go out back to back without waiting for answers (those written in the same tick leave in
// one socket write), and answers come back in order. It serves the short calls of the v1 APIs
// (ACCEPT, DECLINE, ACKNOWLEDGE, ...), whose answers are small and carry a Content-Length or are
// chunked; event streams keep their own connections. A connection that closes or fails fails every
// call still waiting for its answer, and the next call opens a new connection; one left idle is
// closed from this side before a server would close it.
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import {
  pipeline_answer_body_bytes_max,
  pipeline_answer_head_bytes_max,
  pipeline_answer_timeout_ms_default,
  pipeline_idle_close_ms_default,
  pipelined_calls_max_default,
} from '../constants.ts';
import { clientConnectionOptions } from '../wire/tls.ts';
import { type HttpTarget, hostPortOf } from './http.ts';

/** The answer to one pipelined call. */
export interface PipelinedAnswer {
  readonly status: number;
  /** Header names lowercased; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** What the caller hears of one call: its answer, or why it has none. */
export type PipelinedCallback = (err: Error | undefined, answer: PipelinedAnswer | undefined) => void;

/** Options of a call pipeline. */
export interface CallPipelineOptions {
  readonly target: HttpTarget;
  /** The request path, e.g. `/api/v1/scheduler`. */
  readonly path: string;
  /** Calls waiting for answers at most. */
  readonly pipelined_calls_max?: number;
  /** The connection is dropped (failing every waiting call) when the oldest waits longer. */
  readonly answer_timeout_ms?: number;
  /** The connection is closed after this long with no call waiting. */
  readonly idle_close_ms?: number;
}

/** A pipelined connection for POSTing JSON calls. */
export class CallPipeline {
  readonly #target: HttpTarget;
  readonly #path: string;
  readonly #host_header: string;
  readonly #calls_max: number;
  readonly #answer_timeout_ms: number;
  readonly #idle_close_ms: number;
  /** The oldest waiting call's answer timeout, or the idle close when none waits. */
  #timer: NodeJS.Timeout | undefined;
  #close_when_idle = false;
  #socket: Socket | undefined;
  #waiting: PipelinedCallback[] = [];
  #corked = false;
  #closed = false;

  constructor(options: CallPipelineOptions) {
    this.#target = options.target;
    this.#path = options.path;
    this.#host_header = hostPortOf(options.target);
    this.#calls_max = options.pipelined_calls_max ?? pipelined_calls_max_default;
    this.#answer_timeout_ms = options.answer_timeout_ms ?? pipeline_answer_timeout_ms_default;
    this.#idle_close_ms = options.idle_close_ms ?? pipeline_idle_close_ms_default;
  }

  /** Calls waiting for their answers. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** POSTs `body` (JSON text) with the extra `headers`; `done` hears the answer or the failure. */
  post(body: string, headers: Readonly<Record<string, string>>, done: PipelinedCallback): void {
    if (this.#closed || this.#close_when_idle) {
      done(new Error('call pipeline closed'), undefined);
      return;
    }
    if (this.#waiting.length >= this.#calls_max) {
      done(new Error(`more than ${this.#calls_max} calls waiting for answers`), undefined);
      return;
    }
    const socket = this.#socket ?? this.#open();
    let head = `POST ${this.#path} HTTP/1.1\r\nHost: ${this.#host_header}\r\nContent-Type: application/json\r\nAccept: application/json\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    head += `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    this.#waiting.push(done);
    if (this.#waiting.length === 1) this.#armTimer();
    if (!this.#corked) {
      // Everything written in this tick leaves in one write.
      this.#corked = true;
      socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    socket.write(head + body);
  }

  /** Closes the connection; calls still waiting fail. */
  close(): void {
    this.#closed = true;
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
    this.#fail(new Error('call pipeline closed'));
  }

  /** Refuses new calls at once, and closes once the calls already sent have their answers. */
  closeWhenIdle(): void {
    if (this.#waiting.length === 0) this.close();
    else this.#close_when_idle = true;
  }

  /** (Re-)arms the answer timeout for the oldest waiting call, or the idle close when none waits. */
  #armTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const socket = this.#socket;
    if (socket === undefined) return;
    if (this.#waiting.length === 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (this.#socket !== socket || this.#waiting.length > 0) return;
        this.#socket = undefined;
        socket.end();
      }, this.#idle_close_ms);
      this.#timer.unref();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const err = new Error(
        `no answer from ${this.#host_header}${this.#path} within ${this.#answer_timeout_ms} ms`,
      );
      socket.destroy();
      if (this.#socket === socket) {
        this.#socket = undefined;
        this.#fail(err);
      }
    }, this.#answer_timeout_ms);
    this.#timer.unref();
  }

  #open(): Socket {
    const { host, port, tls } = this.#target;
    const socket =
      tls === undefined
        ? connect({ host, port, noDelay: true })
        : connectTls({ host, port, ...clientConnectionOptions(tls) }).setNoDelay(true);
    const reader = new AnswerReader();
    this.#socket = socket;
    const gone = (err: Error) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#fail(err);
    };
    socket.on('data', (chunk: Buffer) => {
      if (this.#socket !== socket) return;
      let answers: PipelinedAnswer[];
      try {
        answers = reader.push(chunk);
      } catch (err) {
        socket.destroy();
        gone(err as Error);
        return;
      }
      for (const answer of answers) {
        const done = this.#waiting.shift();
        if (done === undefined) {
          socket.destroy();
          gone(new Error(`an answer (HTTP ${answer.status}) came for no call`));
          return;
        }
        done(undefined, answer);
      }
      if (answers.length > 0) this.#armTimer();
      if (this.#close_when_idle && this.#waiting.length === 0) this.close();
    });
    socket.on('error', (err) => gone(err));
    socket.on('close', () => gone(new Error('connection closed before the answer')));
    return socket;
  }

  #fail(err: Error): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    this.#armTimer();
    for (const done of waiting) done(err, undefined);
    if (this.#close_when_idle) this.#closed = true;
  }
}

/** Reads HTTP/1.1 answers off a byte stream: Content-Length bodies, chunked bodies, or none. */
export class AnswerReader {
  #buffer: Buffer = Buffer.alloc(0);
  #head: { status: number; headers: Record<string, string> } | undefined;

  /** Takes more bytes; returns the answers they complete, in order. Throws on a malformed answer. */
  push(chunk: Buffer): PipelinedAnswer[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const answers: PipelinedAnswer[] = [];
    for (;;) {
      if (this.#head === undefined) {
        const end = this.#buffer.indexOf('\r\n\r\n');
        if (end < 0) {
          if (this.#buffer.length > pipeline_answer_head_bytes_max) throw new Error('answer head too long');
          return answers;
        }
        this.#head = parseHead(this.#buffer.toString('latin1', 0, end));
        this.#buffer = this.#buffer.subarray(end + 4);
      }
      const body = this.#takeBody(this.#head.headers);
      if (body === undefined) return answers;
      answers.push({ status: this.#head.status, headers: this.#head.headers, body });
      this.#head = undefined;
    }
  }

  /** The body of the current answer once all of it is here; undefined while more is to come. */
  #takeBody(headers: Readonly<Record<string, string>>): Buffer | undefined {
    if (headers['transfer-encoding']?.toLowerCase() === 'chunked') return this.#takeChunked();
    const length = headers['content-length'] === undefined ? 0 : Number(headers['content-length']);
    if (!Number.isSafeInteger(length) || length < 0) throw new Error('bad Content-Length in answer');
    if (length > pipeline_answer_body_bytes_max) throw new Error('answer body too long');
    if (this.#buffer.length < length) return undefined;
    const body = this.#buffer.subarray(0, length);
    this.#buffer = this.#buffer.subarray(length);
    return body;
  }

  /** A chunked body once its last chunk (and trailer) is here. */
  #takeChunked(): Buffer | undefined {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const line_end = this.#buffer.indexOf('\r\n', at);
      if (line_end < 0) return undefined;
      const size = Number.parseInt(this.#buffer.toString('latin1', at, line_end).split(';')[0]!, 16);
      if (!Number.isSafeInteger(size) || size < 0) throw new Error('bad chunk size in answer');
      if (size === 0) {
        // No trailers are expected: the body ends with an empty line.
        const trailer_end = this.#buffer.indexOf('\r\n', line_end + 2);
        if (trailer_end < 0) return undefined;
        this.#buffer = this.#buffer.subarray(trailer_end + 2);
        return Buffer.concat(parts);
      }
      const data_end = line_end + 2 + size;
      if (this.#buffer.length < data_end + 2) return undefined;
      parts.push(this.#buffer.subarray(line_end + 2, data_end));
      if (parts.reduce((n, p) => n + p.length, 0) > pipeline_answer_body_bytes_max) {
        throw new Error('answer body too long');
      }
      at = data_end + 2;
    }
  }
}

/** The status and headers of an answer head. */
function parseHead(text: string): { status: number; headers: Record<string, string> } {
  const lines = text.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (match === null) throw new Error(`not an HTTP answer: '${(lines[0] ?? '').slice(0, 80)}'`);
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed header line in answer: '${line.slice(0, 80)}'`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(match[1]), headers };
}
