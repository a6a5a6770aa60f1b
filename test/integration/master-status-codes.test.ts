// The scheduler API's answers, one row per check of docs/protocol.md ("The scheduler API") and per
// kind of bad input, against a live master with a subscribed framework and an outstanding offer.
// After every row the master still serves /master/state, and its state is what it was before the
// row.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLog } from '../../runtime/log.ts';
import {
  createStandaloneLeaderDetector,
  type StandaloneLeaderDetector,
} from '../../runtime/master/leader.ts';
import { type RunningMaster, startMaster } from '../../runtime/master/server.ts';
import {
  connectAgent,
  type EventStream,
  type FakeAgent,
  type Json,
  masterState,
  openStream,
  rawRequest,
  registerAgent,
  subscribeCall,
} from './master-client.ts';

/** What a row works with. */
interface Setup {
  readonly port: number;
  readonly frameworkId: string;
  readonly streamId: string;
  readonly agentId: string;
  readonly offerId: string;
  readonly stream: EventStream;
  readonly leader: StandaloneLeaderDetector;
}

/** One row: a request built from the setup, and the status it must get. */
interface Row {
  readonly name: string;
  readonly status: number;
  readonly method?: string;
  readonly path?: string;
  /** Content-Type (default application/json; null: none). */
  readonly contentType?: string | null;
  /** Mesos-Stream-Id (default the framework's; null: none). */
  readonly streamId?: string | null;
  readonly headers?: Record<string, string>;
  /** The body: a JSON value, or raw text/bytes. */
  readonly body: (s: Setup) => unknown;
  readonly raw?: boolean;
  /** Changes the leader before the request. */
  readonly leader?: 'other' | 'none';
  /** A text the answer's body must contain. */
  readonly message?: string;
}

const fw = (s: Setup) => ({ value: s.frameworkId });
const decline = (s: Setup, extra: Record<string, unknown> = {}) => ({
  type: 'DECLINE',
  framework_id: fw(s),
  decline: { offer_ids: [], ...extra },
});
const launchWith = (s: Setup, operation: Record<string, unknown>) => ({
  type: 'ACCEPT',
  framework_id: fw(s),
  accept: { offer_ids: [{ value: s.offerId }], operations: [operation] },
});

const rows: Row[] = [
  { name: 'another master leads', status: 307, leader: 'other', body: decline },
  { name: 'no leader is known', status: 503, leader: 'none', body: decline },
  { name: 'GET instead of POST', status: 405, method: 'GET', body: () => '', raw: true },
  { name: 'PUT instead of POST', status: 405, method: 'PUT', body: decline },
  { name: 'no Content-Type', status: 400, contentType: null, body: decline, message: 'Content-Type' },
  { name: 'malformed JSON', status: 400, body: () => '{"type": "DECLINE",', raw: true },
  { name: 'JSON that is not an object', status: 400, body: () => [1, 2, 3] },
  { name: 'Content-Type text/plain', status: 415, contentType: 'text/plain', body: decline },
  {
    name: 'a protobuf body that is no Call',
    status: 400,
    contentType: 'application/x-protobuf',
    body: () => '\x08\x01',
    raw: true,
  },
  {
    name: 'a body above the size limit',
    status: 413,
    body: () => `{"type":"DECLINE","pad":"${'x'.repeat(5 * 1024 * 1024)}"}`,
    raw: true,
  },
  { name: 'type as a number', status: 400, body: (s) => ({ ...decline(s), type: 3 }) },
  {
    name: 'framework_id value of the wrong type',
    status: 400,
    body: (s) => ({ ...decline(s), framework_id: { value: 42 } }),
  },
  {
    name: 'offer_ids not a list',
    status: 400,
    body: (s) => ({ ...decline(s), decline: { offer_ids: 'o1' } }),
  },
  {
    name: 'refuse_seconds as text',
    status: 400,
    body: (s) => decline(s, { filters: { refuse_seconds: 'soon' } }),
  },
  { name: 'operation type as a number', status: 400, body: (s) => launchWith(s, { type: 1 }) },
  { name: 'unknown operation type name', status: 400, body: (s) => launchWith(s, { type: 'LAUNCHX' }) },
  {
    name: 'unknown resource type name',
    status: 400,
    body: (s) =>
      launchWith(s, {
        type: 'LAUNCH',
        launch: {
          task_infos: [
            {
              name: 't',
              task_id: { value: 't' },
              agent_id: { value: s.agentId },
              resources: [{ name: 'cpus', type: 'SCALARX', scalar: { value: 1 } }],
            },
          ],
        },
      }),
  },
  {
    name: 'unknown capability name in SUBSCRIBE',
    status: 400,
    streamId: null,
    body: () => subscribeCall('caps', { capabilities: [{ type: 'FLYING' }] }),
  },
  { name: 'missing type', status: 400, body: (s) => ({ framework_id: fw(s) }) },
  { name: 'missing framework_id', status: 400, body: () => ({ type: 'REVIVE' }) },
  { name: 'missing id value', status: 400, body: () => ({ type: 'REVIVE', framework_id: {} }) },
  {
    name: 'a key named like an Object method (valueOf) where the id is',
    status: 400,
    body: () => ({ type: 'REVIVE', framework_id: { valueOf: false } }),
  },
  {
    name: 'a __proto__ key carrying a type',
    status: 400,
    body: () => '{"__proto__": {"type": "REVIVE"}, "framework_id": {"value": "x"}}',
    raw: true,
  },
  {
    name: 'SUBSCRIBE without framework_info',
    status: 400,
    streamId: null,
    body: () => ({ type: 'SUBSCRIBE' }),
  },
  {
    name: 'framework_info without user',
    status: 400,
    streamId: null,
    body: () => ({ type: 'SUBSCRIBE', subscribe: { framework_info: { name: 'x' } } }),
  },
  {
    name: 'KILL without task_id',
    status: 400,
    body: (s) => ({ type: 'KILL', framework_id: fw(s), kill: {} }),
  },
  {
    name: 'ACKNOWLEDGE without uuid',
    status: 400,
    body: (s) => ({
      type: 'ACKNOWLEDGE',
      framework_id: fw(s),
      acknowledge: { agent_id: { value: s.agentId }, task_id: { value: 't' } },
    }),
  },
  {
    name: 'ACKNOWLEDGE with a uuid that is not base64',
    status: 400,
    body: (s) => ({
      type: 'ACKNOWLEDGE',
      framework_id: fw(s),
      acknowledge: { agent_id: { value: s.agentId }, task_id: { value: 't' }, uuid: 'not base64!' },
    }),
  },
  {
    name: 'unknown framework',
    status: 400,
    body: () => ({ type: 'REVIVE', framework_id: { value: 'nobody' } }),
  },
  { name: 'missing Mesos-Stream-Id', status: 400, streamId: null, body: decline },
  { name: 'wrong Mesos-Stream-Id', status: 400, streamId: 'not-the-stream', body: decline },
  {
    name: 'SUBSCRIBE with a Mesos-Stream-Id',
    status: 400,
    body: () => subscribeCall('again'),
    message: 'Mesos-Stream-Id',
  },
  {
    name: 'SUBSCRIBE accepting only HTML',
    status: 406,
    streamId: null,
    headers: { Accept: 'text/html' },
    body: () => subscribeCall('html'),
  },
  {
    name: 'SUBSCRIBE refusing JSON with q=0',
    status: 406,
    streamId: null,
    headers: { Accept: 'application/json;q=0, text/plain' },
    body: () => subscribeCall('q0'),
  },
  { name: 'unknown call type', status: 501, body: (s) => ({ type: 'TELEPORT', framework_id: fw(s) }) },
  {
    name: 'stale offer',
    status: 202,
    body: (s) => ({
      type: 'DECLINE',
      framework_id: fw(s),
      decline: { offer_ids: [{ value: 'no-such-offer' }] },
    }),
  },
  {
    name: 'nulls for absent fields, as real clients send them',
    status: 202,
    body: (s) => ({ ...decline(s, { filters: null }), kill: null, accept: null }),
  },
  {
    name: 'REVIVE on the /master alias',
    status: 202,
    path: '/master/api/v1/scheduler',
    body: (s) => ({ type: 'REVIVE', framework_id: fw(s) }),
  },
  {
    name: 'UPDATE_FRAMEWORK with the same info',
    status: 200,
    body: (s) => ({
      type: 'UPDATE_FRAMEWORK',
      framework_id: fw(s),
      update_framework: { framework_info: { user: 'tester', name: 'table', id: fw(s) } },
    }),
  },
];

let master: RunningMaster | undefined;
let agent: FakeAgent | undefined;
let setup: Setup;

beforeEach(async () => {
  const leader: { detector?: StandaloneLeaderDetector } = {};
  master = await startMaster({
    port: 0,
    allocation_interval_ms: 20,
    seed: 3,
    log: silentLog,
    leader: (self) => {
      leader.detector = createStandaloneLeaderDetector(self);
      return leader.detector;
    },
  });
  const port = master.port;
  const stream = await openStream(port, '/api/v1/scheduler', subscribeCall('table'));
  const frameworkId = (await stream.events.next((e) => e.type === 'SUBSCRIBED')).item.subscribed.framework_id
    .value;
  agent = await connectAgent(port);
  const agentId = await registerAgent(agent, 'agent-table');
  const offer = (await stream.events.next((e) => e.type === 'OFFERS')).item.offers.offers[0];
  setup = {
    port,
    frameworkId,
    streamId: stream.headers['mesos-stream-id'] as string,
    agentId,
    offerId: offer.id.value,
    stream,
    leader: leader.detector!,
  };
});

afterEach(async () => {
  await agent?.close();
  await master?.stop();
  master = undefined;
  agent = undefined;
});

/** The parts of /master/state a refused call must leave alone. */
function essentials(state: Json): unknown {
  return {
    frameworks: state.frameworks.map((f: Json) => ({
      id: f.id,
      name: f.name,
      active: f.active,
      offers: f.offers.map((o: { id: string }) => o.id),
      tasks: f.tasks.length,
    })),
    slaves: state.slaves.map((s: Json) => ({
      id: s.id,
      active: s.active,
      used: s.used_resources,
    })),
    completed_frameworks: state.completed_frameworks.length,
  };
}

describe('scheduler API status codes', () => {
  it.each(rows)('$name -> $status', async (row) => {
    const before = essentials(await masterState(setup.port));
    if (row.leader === 'other') setup.leader.appoint({ ip: '127.0.0.2', hostname: 'elsewhere', port: 5050 });
    if (row.leader === 'none') setup.leader.appoint(undefined);
    const headers: Record<string, string> = { ...row.headers };
    if (row.contentType !== null) headers['Content-Type'] = row.contentType ?? 'application/json';
    if (row.streamId !== null) headers['Mesos-Stream-Id'] = row.streamId ?? setup.streamId;
    const body = row.body(setup);
    const res = await rawRequest(setup.port, {
      method: row.method ?? 'POST',
      path: row.path ?? '/api/v1/scheduler',
      headers,
      body: row.raw ? (body as string) : JSON.stringify(body),
    });
    expect(res.status).toBe(row.status);
    if (row.status >= 400) {
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.body.length).toBeGreaterThan(0);
    }
    if (row.message !== undefined) expect(res.body).toContain(row.message);
    if (row.status === 307) expect(res.headers.location).toBe('//elsewhere:5050/api/v1/scheduler');
    if (row.leader !== undefined)
      setup.leader.appoint({ ip: '127.0.0.1', hostname: '127.0.0.1', port: setup.port });
    expect(essentials(await masterState(setup.port))).toEqual(before);
  });

  it('answers a stale offer with TASK_DROPPED or TASK_LOST for its tasks', async () => {
    const call = {
      type: 'ACCEPT',
      framework_id: { value: setup.frameworkId },
      accept: {
        offer_ids: [{ value: 'no-such-offer' }],
        operations: [
          {
            type: 'LAUNCH',
            launch: {
              task_infos: [
                {
                  name: 'late',
                  task_id: { value: 'late-1' },
                  agent_id: { value: setup.agentId },
                  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }],
                  command: { value: 'true' },
                },
              ],
            },
          },
        ],
      },
    };
    const res = await rawRequest(setup.port, {
      path: '/api/v1/scheduler',
      headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': setup.streamId },
      body: JSON.stringify(call),
    });
    expect(res.status).toBe(202);
    const update = await setup.stream.events.next((e) => e.type === 'UPDATE');
    expect(update.item.update.status.task_id.value).toBe('late-1');
    expect(['TASK_DROPPED', 'TASK_LOST']).toContain(update.item.update.status.state);
    expect(agent!.messages.items.some((m) => m.type === 'run_task')).toBe(false);
  });

  it('keeps serving after a client sends garbage on a raw socket', async () => {
    const { createConnection } = await import('node:net');
    await new Promise<void>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port: setup.port }, () => {
        socket.end('THIS IS NOT HTTP\r\n\r\n');
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.resume();
    });
    expect((await masterState(setup.port)).frameworks).toHaveLength(1);
  });
});
