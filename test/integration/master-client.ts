// Test clients of a live master that share no code with it: a raw HTTP client and scheduler stream
// reader over node:http (with their own RecordIO parsing; the agent's tests use them too), and a
// fake agent over a raw `ws` WebSocket speaking the agent protocol as JSON written by hand.
import { randomBytes } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import WebSocket from 'ws';

/** A finished HTTP exchange. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What to send. */
export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/** Sends one request and reads the whole answer. */
export function rawRequest(port: number, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: '127.0.0.1',
        port,
        method: req.method ?? 'POST',
        path: req.path,
        headers: req.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    // A test expecting a plain answer from an endpoint that streams fails fast instead of hanging.
    r.setTimeout(10_000, () => r.destroy(new Error(`no complete answer to ${req.path} within 10 s`)));
    r.end(req.body);
  });
}

/** POSTs a JSON call. */
export function postJson(
  port: number,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return rawRequest(port, {
    path,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** Received JSON, read freely by the tests (a wrong guess fails the test that made it). */
// biome-ignore lint/suspicious/noExplicitAny: tests read nested wire JSON without declaring every shape.
export type Json = Record<string, any>;

/** A queue of received items that tests wait on. */
export class Inbox<T> {
  readonly items: T[] = [];
  #waiters: Array<() => void> = [];
  push(item: T): void {
    this.items.push(item);
    for (const w of this.#waiters.splice(0)) w();
  }
  /** Waits for the first item (from index `from`) matching `test`; returns it and its index. */
  async next(test: (item: T) => boolean, from = 0, timeout_ms = 8000): Promise<{ item: T; index: number }> {
    const deadline = Date.now() + timeout_ms;
    for (;;) {
      const index = this.items.findIndex((item, i) => i >= from && test(item));
      if (index >= 0) return { item: this.items[index]!, index };
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching item within ${timeout_ms} ms; got ${JSON.stringify(this.items)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** An open event stream (scheduler or operator). */
export interface EventStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly events: Inbox<Json>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Closes the stream from the client side. */
  close(): void;
}

/** Parses RecordIO records out of a growing buffer; returns the records and the unparsed rest. */
function parseRecords(buffer: Buffer): { records: Json[]; rest: Buffer } {
  const records: Json[] = [];
  let at = 0;
  for (;;) {
    const newline = buffer.indexOf(0x0a, at);
    if (newline < 0) break;
    const length = Number(buffer.subarray(at, newline).toString('latin1'));
    if (!Number.isInteger(length)) throw new Error(`bad RecordIO length line at byte ${at}`);
    if (buffer.length < newline + 1 + length) break;
    records.push(JSON.parse(buffer.subarray(newline + 1, newline + 1 + length).toString('utf8')));
    at = newline + 1 + length;
  }
  return { records, rest: buffer.subarray(at) };
}

/** POSTs a call that answers with a stream; resolves once the status line arrives. */
export function openStream(
  port: number,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<EventStream> {
  return streamRequest(port, 'POST', path, JSON.stringify(body), {
    'Content-Type': 'application/json',
    ...headers,
  });
}

/** GETs a path that answers with a RecordIO stream (GET /master/events). */
export function getStream(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<EventStream> {
  return streamRequest(port, 'GET', path, undefined, headers);
}

function streamRequest(
  port: number,
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const events = new Inbox<Json>();
    let endStream: () => void = () => {};
    const ended = new Promise<void>((r) => {
      endStream = r;
    });
    const r = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers,
        agent: false,
      },
      (res) => {
        let pending: Buffer = Buffer.alloc(0);
        res.on('data', (chunk: Buffer) => {
          const parsed = parseRecords(Buffer.concat([pending, chunk]));
          pending = parsed.rest;
          for (const record of parsed.records) events.push(record);
        });
        res.on('end', () => endStream());
        res.on('close', () => endStream());
        res.on('error', () => endStream());
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          events,
          ended,
          close: () => r.destroy(),
        });
      },
    );
    r.on('error', (err) => {
      endStream();
      reject(err);
    });
    r.end(body);
  });
}

/** A SUBSCRIBE call for a framework named `name`. */
export function subscribeCall(name: string, extra: Json = {}): Json {
  return { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name, ...extra } } };
}

/** A framework subscribed on its own scheduler stream. */
export interface SubscribedFramework {
  readonly stream: EventStream;
  readonly frameworkId: string;
  /** POSTs a call of the framework on its stream (its framework id and Mesos-Stream-Id added). */
  call(body: Json): Promise<RawResponse>;
}

/** Subscribes the framework `name` and waits for SUBSCRIBED; its stream is added to `streams`. */
export async function subscribeFramework(
  port: number,
  name: string,
  streams: EventStream[],
  extra: Json = {},
): Promise<SubscribedFramework> {
  const stream = await openStream(port, '/api/v1/scheduler', subscribeCall(name, extra));
  streams.push(stream);
  const subscribed = await stream.events.next((e) => e.type === 'SUBSCRIBED');
  const frameworkId = subscribed.item.subscribed.framework_id.value as string;
  const call = (body: Json): Promise<RawResponse> =>
    postJson(
      port,
      '/api/v1/scheduler',
      { ...body, framework_id: { value: frameworkId } },
      { 'Mesos-Stream-Id': stream.headers['mesos-stream-id'] as string },
    );
  return { stream, frameworkId, call };
}

/** What a command task runs and takes. */
export interface CommandTaskShape {
  readonly cpus?: number;
  readonly mem?: number;
  readonly command?: string;
}

/** A command task (`true` of 0.5 cpus and 64 MB unless `shape` says otherwise) on `agentId`. */
export function commandTaskInfo(
  id: string,
  agentId: string,
  { cpus = 0.5, mem = 64, command = 'true' }: CommandTaskShape = {},
): Json {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: agentId },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
      { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
    ],
    command: { value: command },
  };
}

/** An ACCEPT call launching `task_infos` on the offer `offerId` (framework id left to the caller). */
export function acceptLaunchCall(offerId: Json, task_infos: Json[], extra: Json = {}): Json {
  return {
    type: 'ACCEPT',
    accept: {
      offer_ids: [offerId],
      operations: [{ type: 'LAUNCH', launch: { task_infos } }],
      ...extra,
    },
  };
}

/** Sends a status update of `taskId` from a fake agent, `extra` merged into the status; returns its uuid. */
export function sendStatusUpdate(
  agent: FakeAgent,
  frameworkId: string,
  taskId: string,
  state: string,
  extra: Json = {},
): string {
  const uuid = statusUuid();
  agent.send({
    type: 'status_update',
    framework_id: frameworkId,
    status: { task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', uuid, ...extra },
  });
  return uuid;
}

/** A fresh status update uuid: 16 random bytes in base64. */
export function statusUuid(): string {
  return randomBytes(16).toString('base64');
}

/** A fake agent on the agent channel. */
export interface FakeAgent {
  readonly messages: Inbox<Json>;
  send(message: Json): void;
  /** Sends raw text. */
  sendText(text: string): void;
  close(): Promise<void>;
}

/** Connects a fake agent that answers pings with pongs. */
export function connectAgent(port: number, headers: Record<string, string> = {}): Promise<FakeAgent> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/agent`, { headers });
    const messages = new Inbox<Json>();
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Json;
      messages.push(message);
      if (message.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
    });
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        messages,
        send: (message) => ws.send(JSON.stringify(message)),
        sendText: (text) => ws.send(text),
        close: () =>
          new Promise<void>((done) => {
            if (ws.readyState === ws.CLOSED) done();
            else {
              ws.once('close', () => done());
              ws.close();
            }
          }),
      }),
    );
  });
}

/** Registers a fake agent and resolves with its id. */
export async function registerAgent(
  agent: FakeAgent,
  hostname: string,
  resources = 'cpus:4;mem:4096',
): Promise<string> {
  agent.send({ type: 'register', agent_info: { hostname, port: 5051, resources } });
  const { item } = await agent.messages.next((m) => m.type === 'registered');
  return item.agent_id.value as string;
}

/** GET /master/state as JSON. */
export async function masterState(port: number, headers: Record<string, string> = {}): Promise<Json> {
  const res = await rawRequest(port, { method: 'GET', path: '/master/state', headers });
  if (res.status !== 200) throw new Error(`/master/state answered ${res.status}: ${res.body}`);
  return JSON.parse(res.body) as Json;
}

/** The value of the series `series` (name and labels) in a Prometheus text page, if it is there. */
export function metricValue(page: string, series: string): number | undefined {
  const found = page.split('\n').find((l) => l.startsWith(`${series} `));
  return found === undefined ? undefined : Number(found.slice(series.length + 1));
}
