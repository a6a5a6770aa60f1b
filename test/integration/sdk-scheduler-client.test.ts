// The SDK's scheduler client, against fake masters written here with node:http (to script 503s,
// redirects, streams split at every byte, silence and errors) and against a real in-process master
// (calls, failover by a second scheduler, teardown).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SchedulerEvent } from '../../engine/master/scheduler-api.ts';
import { silentLog } from '../../runtime/log.ts';
import { type RunningMaster, startMaster } from '../../runtime/master/server.ts';
import { SchedulerCallError, SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import { encodeRecord } from '../../runtime/wire/recordio.ts';
import { eventually, getJson, type Json } from './e2e-harness.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A request a fake master received. */
interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Json;
}

/** A fake master: `answer` decides each request; every request is recorded. */
async function fakeMaster(
  answer: (req: Received, res: ServerResponse, index: number) => void,
): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const r = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json,
      };
      received.push(r);
      answer(r, res, received.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, received };
}

/** Writes records one byte per write, each in its own turn of the event loop, so reads split anywhere. */
async function writeByteByByte(res: ServerResponse, records: unknown[]): Promise<void> {
  const bytes = Buffer.concat(records.map((r) => encodeRecord(r)));
  for (const byte of bytes) {
    if (res.destroyed) return;
    res.write(Buffer.from([byte]));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A SUBSCRIBED event. */
function subscribed(framework_id: string, heartbeat_interval_seconds = 5): Json {
  return {
    type: 'SUBSCRIBED',
    subscribed: { framework_id: { value: framework_id }, heartbeat_interval_seconds },
  };
}

/** Starts a client (closed after the test). */
function client(master: string, options: Partial<ConstructorParameters<typeof SchedulerClient>[0]> = {}) {
  const c = new SchedulerClient({
    master,
    framework_info: { user: 'tester', name: 'sdk test', roles: ['*'] },
    backoff_ms_min: 10,
    backoff_ms_max: 50,
    ...options,
  });
  cleanups.push(() => c.close());
  return c;
}

describe('the scheduler client against scripted masters', () => {
  it('retries 503, follows a protocol-relative 307, and reads a stream split at every byte', async () => {
    const leader = await fakeMaster((req, res) => {
      if (req.body.type === 'SUBSCRIBE') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'stream-1' });
        void writeByteByByte(res, [
          subscribed('F-1'),
          { type: 'HEARTBEAT' },
          { type: 'ERROR_LIKE_TEXT', note: 'ünïcödé ✓ split across bytes' },
        ]);
        return;
      }
      res.writeHead(req.body.type === 'DECLINE' ? 202 : 400, { 'Content-Type': 'text/plain' });
      res.end(req.body.type === 'DECLINE' ? '' : 'Offer O9 is no longer valid');
    });
    const standby = await fakeMaster((_req, res, index) => {
      if (index < 2) {
        res.writeHead(503);
        res.end('No leading master is known; retry later');
        return;
      }
      res.writeHead(307, { Location: `//127.0.0.1:${leader.port}/api/v1/scheduler` });
      res.end();
    });
    const c = client(`127.0.0.1:${standby.port}`);
    const events = c.events();
    const subscription = await c.subscribed();
    expect(subscription).toMatchObject({
      framework_id: 'F-1',
      stream_id: 'stream-1',
      master: `127.0.0.1:${leader.port}`,
    });
    expect(standby.received).toHaveLength(3);
    expect(standby.received.every((r) => r.body.type === 'SUBSCRIBE')).toBe(true);
    expect(standby.received[0]!.body.framework_id).toBeUndefined();

    const seen: SchedulerEvent[] = [];
    for await (const event of events) {
      seen.push(event);
      if (seen.length === 3) break;
    }
    expect(seen.map((e) => e.type)).toEqual(['SUBSCRIBED', 'HEARTBEAT', 'ERROR_LIKE_TEXT']);
    expect((seen[2] as unknown as Json).note).toBe('ünïcödé ✓ split across bytes');

    // Calls go to the leader on the subscription's path, with its stream id.
    await c.decline([{ value: 'O1' }], { refuse_seconds: 7 });
    const decline = leader.received.find((r) => r.body.type === 'DECLINE')!;
    expect(decline.path).toBe('/api/v1/scheduler');
    expect(decline.headers['mesos-stream-id']).toBe('stream-1');
    expect(decline.headers['content-type']).toBe('application/json');
    expect(decline.body).toEqual({
      type: 'DECLINE',
      framework_id: { value: 'F-1' },
      decline: { offer_ids: [{ value: 'O1' }], filters: { refuse_seconds: 7 } },
    });
    const refused = await c.accept([{ value: 'O9' }], []).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SchedulerCallError);
    expect(refused).toMatchObject({ status: 400, call_type: 'ACCEPT', body: 'Offer O9 is no longer valid' });
  });

  it('ends its backoff when its detector names a new leader, and subscribes to it at once', async () => {
    // The first master answers 503 (recovering); the client waits before trying again, by a
    // backoff drawn below a minute. The new leader must be tried when named, not after that wait.
    const recovering = await fakeMaster((_req, res) => {
      res.writeHead(503);
      res.end('No leading master is known; retry later');
    });
    const leader = await fakeMaster((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'stream-9' });
      res.write(encodeRecord(subscribed('F-9')));
    });
    let leading = { ip: '127.0.0.1', hostname: '127.0.0.1', port: recovering.port };
    const listeners = new Set<() => void>();
    const detector = {
      leader: () => leading,
      onChange(listener: () => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const c = client('unused', { master: detector, backoff_ms_min: 60_000, backoff_ms_max: 60_000 });
    // A wait of at least 5 s (most draws are): only the detector's news can end it within 2 s.
    const waits: number[] = [];
    c.on('retrying', ({ delay_ms }: { delay_ms: number }) => waits.push(delay_ms));
    await eventually(() => (waits.at(-1) ?? 0) >= 5000, 10_000, 'a long backoff');
    const attempts = recovering.received.length;
    expect(attempts).toBeGreaterThan(0);
    leading = { ip: '127.0.0.1', hostname: '127.0.0.1', port: leader.port };
    for (const listener of listeners) listener();
    await eventually(() => c.subscription !== undefined, 2000, 'a subscription to the new leader');
    expect(c.subscription?.master).toBe(`127.0.0.1:${leader.port}`);
    expect(recovering.received.length).toBe(attempts);
  });

  it('sends an acknowledgement lost with its master again to the next leader, but not a decline', async () => {
    const streamed = (id: string) => (req: Received, res: ServerResponse) => {
      if (req.body.type === 'SUBSCRIBE') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': id });
        res.write(encodeRecord(subscribed('F-1')));
        return;
      }
      if (id === 'stream-old') res.socket?.destroy();
      else res.writeHead(202).end();
    };
    const old_leader = await fakeMaster(streamed('stream-old'));
    const new_leader = await fakeMaster(streamed('stream-new'));
    let leader = { ip: '127.0.0.1', hostname: '127.0.0.1', port: old_leader.port };
    const listeners = new Set<() => void>();
    const c = new SchedulerClient({
      master: {
        leader: () => leader,
        onChange(listener) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      framework_info: { user: 'tester', name: 'sdk test', roles: ['*'] },
      backoff_ms_min: 10,
      backoff_ms_max: 50,
    });
    cleanups.push(() => c.close());
    await c.subscribed();
    const status = {
      task_id: { value: 't1' },
      agent_id: { value: 'S1' },
      uuid: 'dXVpZA==',
      state: 'TASK_RUNNING',
    };
    const acked = c.acknowledge(status as never);
    const declined = c.decline([{ value: 'O1' }]).catch((error: unknown) => error);
    await eventually(() => old_leader.received.some((r) => r.body.type === 'ACKNOWLEDGE'), 5000, 'the ack');
    expect(await declined).toMatchObject({ status: 0, call_type: 'DECLINE' });
    // The leader dies; the detector names the next one.
    leader = { ip: '127.0.0.1', hostname: '127.0.0.1', port: new_leader.port };
    for (const listener of listeners) listener();
    expect(await acked).toBe(true);
    const resent = new_leader.received.filter((r) => r.body.type === 'ACKNOWLEDGE');
    expect(resent).toHaveLength(1);
    expect(resent[0]!.headers['mesos-stream-id']).toBe('stream-new');
    expect(resent[0]!.body.acknowledge).toEqual({
      agent_id: { value: 'S1' },
      task_id: { value: 't1' },
      uuid: 'dXVpZA==',
    });
    expect(new_leader.received.some((r) => r.body.type === 'DECLINE')).toBe(false);
  });

  it('drops a stream silent for three heartbeats and subscribes again with its framework id', async () => {
    const master = await fakeMaster((_req, res, index) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': `stream-${index}` });
      // A heartbeat interval of 0.1 s, then silence: the client gives up after 0.3 s.
      res.write(encodeRecord(subscribed('F-7', 0.1)));
    });
    const c = client(`127.0.0.1:${master.port}`);
    const reasons: string[] = [];
    c.on('disconnected', (reason) => reasons.push(reason));
    await c.subscribed();
    const started_ms = Date.now();
    await eventually(() => master.received.length >= 2, 5000, 'a second SUBSCRIBE');
    expect(Date.now() - started_ms).toBeGreaterThanOrEqual(250);
    expect(reasons[0]).toMatch(/no event for 300 ms/);
    const again = master.received[1]!.body;
    expect(again.framework_id).toEqual({ value: 'F-7' });
    expect(again.subscribe.framework_info).toMatchObject({ id: { value: 'F-7' }, name: 'sdk test' });
    await eventually(() => c.subscription?.stream_id === 'stream-1', 5000, 'the new stream id');
  });

  it('stops for good on an ERROR event, and on a SUBSCRIBE refused with a 4xx', async () => {
    const erring = await fakeMaster((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 's' });
      res.write(encodeRecord(subscribed('F-2')));
      res.end(encodeRecord({ type: 'ERROR', error: { message: 'Framework failed over' } }));
    });
    const c = client(`127.0.0.1:${erring.port}`);
    const closed = new Promise<string>((resolve) => c.once('closed', resolve));
    const types: string[] = [];
    for await (const event of c.events()) types.push(event.type);
    expect(types).toEqual(['SUBSCRIBED', 'ERROR']);
    expect(await closed).toMatch(/Framework failed over/);
    expect(erring.received).toHaveLength(1);
    expect(c.closed).toBe(true);

    const refusing = await fakeMaster((_req, res) => {
      res.writeHead(400);
      res.end('Framework has been removed');
    });
    const d = client(`127.0.0.1:${refusing.port}`);
    await expect(d.subscribed()).rejects.toThrow(/400: Framework has been removed/);
    expect(refusing.received).toHaveLength(1);
  });
});

describe('the scheduler client against a live master', () => {
  async function master(): Promise<RunningMaster> {
    const m = await startMaster({
      port: 0,
      allocation_interval_ms: 50,
      heartbeat_interval_seconds: 1,
      log: silentLog,
    });
    cleanups.push(() => m.stop());
    return m;
  }

  it('makes calls, loses its framework to a failover, and the new scheduler tears it down', async () => {
    const m = await master();
    const first = client(`127.0.0.1:${m.port}`);
    const { framework_id } = await first.subscribed();
    await first.suppress();
    await first.revive(['*']);
    await first.reconcile();
    await expect(first.kill({ value: 'no-such-task' })).resolves.toBeUndefined();
    // The iterator hands out the events from now on: the answer to the kill, then heartbeats.
    const later: SchedulerEvent[] = [];
    for await (const event of first.events()) {
      later.push(event);
      if (event.type === 'HEARTBEAT') break;
    }
    const answer = later.find((e) => e.type === 'UPDATE');
    expect(answer === undefined || answer.update.status.task_id.value === 'no-such-task').toBe(true);
    expect(later.at(-1)?.type).toBe('HEARTBEAT');

    // A second scheduler subscribes with the same id: the first gets ERROR and stops.
    const firstClosed = new Promise<string>((resolve) => first.once('closed', resolve));
    const second = client(`127.0.0.1:${m.port}`, {
      framework_info: { user: 'tester', name: 'sdk test', roles: ['*'], id: { value: framework_id } },
    });
    expect((await second.subscribed()).framework_id).toBe(framework_id);
    expect(await firstClosed).toMatch(/failed over/i);
    await expect(first.suppress()).rejects.toBeInstanceOf(SchedulerCallError);

    await second.teardown();
    expect(second.closed).toBe(true);
    const state = await getJson(m.port, '/master/state');
    expect(state.frameworks).toEqual([]);
    expect(state.completed_frameworks.map((f: Json) => f.id)).toEqual([framework_id]);
  });
});
