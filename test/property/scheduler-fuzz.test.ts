// A fuzz of POST /api/v1/scheduler on one in-process master with a registered (fake) agent and a
// subscribed framework: random methods, paths, headers (Content-Type, Accept, Mesos-Stream-Id) and
// bodies, from raw text and random JSON to calls shaped like the real ones (ACCEPT with LAUNCH of
// tasks on real offers, DECLINE, KILL, ACKNOWLEDGE ...) whose fields are now and then replaced by
// values of any type. Whatever comes in, the master answers below 500 (save the protocol's 501 for
// a call type meso does not implement), and it still serves /master/state afterwards. Status codes seen are checked too, so that the fuzz is known to reach
// past the request checks into the engine.
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../runtime/log.ts';
import { type RunningMaster, startMaster } from '../../runtime/master/server.ts';
import {
  connectAgent,
  type EventStream,
  type FakeAgent,
  type Json,
  masterState,
  openStream,
  registerAgent,
  subscribeCall,
} from '../integration/master-client.ts';

/** Requests per run; MESO_FUZZ_RUNS raises it for a longer hunt. */
const fuzz_runs = Number(process.env.MESO_FUZZ_RUNS ?? 300);

let master: RunningMaster;
let agent: FakeAgent;
let agent_id = '';
/** The framework the fuzz calls on; subscribed again when a fuzzed call ends it. */
let framework: { stream: EventStream; id: string; stream_id: string };
const streams: EventStream[] = [];

/** Subscribes a framework over raw HTTP. */
async function subscribe(): Promise<typeof framework> {
  const stream = await openStream(
    master.port,
    '/api/v1/scheduler',
    subscribeCall('fuzzed', { roles: ['*'] }),
  );
  streams.push(stream);
  const { item } = await stream.events.next((e) => e.type === 'SUBSCRIBED');
  return {
    stream,
    id: item.subscribed.framework_id.value as string,
    stream_id: stream.headers['mesos-stream-id'] as string,
  };
}

beforeAll(async () => {
  master = await startMaster({ port: 0, allocation_interval_ms: 20, log: silentLog, seed: 7 });
  agent = await connectAgent(master.port);
  agent_id = await registerAgent(agent, 'fuzz-agent', 'cpus:8;mem:8192;disk:4096');
  framework = await subscribe();
});

afterAll(async () => {
  for (const stream of streams) stream.close();
  await agent?.close();
  await master?.stop();
});

/** Ids of the offers the framework holds (real ones make ACCEPT and DECLINE reach the engine). */
function offerIds(): string[] {
  return framework.stream.events.items
    .filter((e) => e.type === 'OFFERS')
    .flatMap((e) => (e.offers.offers as Json[]).map((o) => o.id.value as string));
}

/** A request to send. */
interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

// Sometimes a well-formed value, sometimes a value of any type.
/** Mostly `usual`, now and then one of `rare` (so that most requests get past the early checks). */
const mostly = <T>(usual: T, ...rare: T[]): fc.Arbitrary<T> =>
  fc.oneof(
    { weight: 4 * rare.length, arbitrary: fc.constant(usual) },
    { weight: rare.length, arbitrary: fc.constantFrom(...rare) },
  );

// Objects keyed by the names of Object.prototype's members, which a parser must not mistake for
// its own fields.
const prototypeKeyed = fc.dictionary(
  fc.constantFrom('valueOf', 'toString', 'constructor', '__proto__', 'hasOwnProperty', 'value'),
  fc.anything(),
  { maxKeys: 3 },
);
const mutated = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 24, arbitrary: good },
    { weight: 2, arbitrary: fc.anything() },
    { weight: 1, arbitrary: prototypeKeyed },
  );
const safeText = fc.stringMatching(/^[A-Za-z0-9_.:-]{0,12}$/);
const idOf = (known: () => string) =>
  mutated(fc.oneof(fc.constant('known'), safeText).map((v) => ({ value: v === 'known' ? known() : v })));
const offerId = idOf(() => offerIds().at(-1) ?? 'none');
const agentId = idOf(() => agent_id);
const taskId = fc.oneof(fc.constantFrom('t1', 't2', 't3'), safeText).map((value) => ({ value }));
const role = fc.constantFrom('*', 'prod', 'a/b', '', '.', 'x y');
const scalarResource = fc.record({
  name: fc.constantFrom('cpus', 'mem', 'disk', 'gpus', 'weird'),
  type: mutated(fc.constantFrom('SCALAR', 'RANGES', 'SET', 'TEXT', 'BOGUS')),
  scalar: mutated(
    fc.record({ value: fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: -5, max: 9000 })) }),
  ),
  role: mutated(role),
  allocation_info: mutated(fc.record({ role })),
});
const rangesResource = fc.record({
  name: fc.constant('ports'),
  type: fc.constant('RANGES'),
  ranges: mutated(
    fc.record({
      range: fc.array(
        fc.record({ begin: fc.integer({ min: -1, max: 70000 }), end: fc.integer({ min: -1, max: 70000 }) }),
        { maxLength: 3 },
      ),
    }),
  ),
  allocation_info: fc.record({ role }),
});
const resources = mutated(fc.array(fc.oneof(scalarResource, rangesResource), { maxLength: 4 }));
const command = mutated(
  fc.record(
    {
      value: fc.constantFrom('true', 'sleep 1', ''),
      shell: mutated(fc.boolean()),
      arguments: fc.array(safeText, { maxLength: 2 }),
    },
    { requiredKeys: [] },
  ),
);
const executor = mutated(
  fc.record(
    {
      executor_id: mutated(taskId),
      type: mutated(fc.constantFrom('DEFAULT', 'CUSTOM', 'UNKNOWN')),
      command,
      resources,
      data: safeText,
    },
    { requiredKeys: ['executor_id'] },
  ),
);
const taskInfo = mutated(
  fc.record(
    {
      name: mutated(safeText),
      task_id: mutated(taskId),
      agent_id: agentId,
      resources,
      command,
      executor,
      kill_policy: mutated(fc.record({ grace_period: fc.record({ nanoseconds: fc.integer() }) })),
      data: mutated(fc.constantFrom('aGk=', 'not base64!', '')),
    },
    { requiredKeys: ['name', 'task_id', 'agent_id', 'resources'] },
  ),
);
// A launch the engine can take: a fresh task id, small resources on the known agent, a command.
let launches = 0;
const plausibleLaunch = fc
  .record({
    cpus: fc.constantFrom(0.1, 0.5, 1, 64),
    mem: fc.constantFrom(32, 128, 100_000),
    command: fc.constantFrom('true', 'sleep 1'),
    agent: mutated(mostly('known', 'other')),
  })
  .map(({ cpus, mem, command, agent }) => ({
    type: 'LAUNCH',
    launch: {
      task_infos: [
        {
          name: 'fuzz task',
          task_id: { value: `fuzz-${++launches}` },
          agent_id: agent === 'known' ? { value: agent_id } : { value: agent },
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: cpus }, allocation_info: { role: '*' } },
            { name: 'mem', type: 'SCALAR', scalar: { value: mem }, allocation_info: { role: '*' } },
          ],
          command: { value: command, shell: true },
        },
      ],
    },
  }));
const operation = mutated(
  fc.record(
    {
      type: mutated(
        fc.constantFrom('LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'NOPE'),
      ),
      launch: mutated(fc.record({ task_infos: fc.array(taskInfo, { maxLength: 3 }) })),
      launch_group: mutated(
        fc.record({ executor, task_group: fc.record({ tasks: fc.array(taskInfo, { maxLength: 2 }) }) }),
      ),
      reserve: mutated(fc.record({ resources })),
      unreserve: mutated(fc.record({ resources })),
    },
    { requiredKeys: ['type'] },
  ),
);
const filters = mutated(
  fc.record({
    refuse_seconds: mutated(fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, -1, 5, 31536000, 1e12))),
  }),
);
const uuid = mutated(
  fc.oneof(
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64')),
    safeText,
  ),
);
const roles = mutated(fc.array(role, { maxLength: 3 }));

/** Bodies under each call type's lowercase field. */
const bodies: Record<string, fc.Arbitrary<unknown>> = {
  SUBSCRIBE: fc.record({
    framework_info: mutated(
      fc.record(
        {
          user: mutated(safeText),
          name: mutated(safeText),
          id: mutated(fc.oneof(fc.constant({ value: 'known' }), taskId)),
          roles,
          role: mutated(role),
          failover_timeout: mutated(fc.double({ noNaN: true })),
          checkpoint: mutated(fc.boolean()),
          capabilities: mutated(
            fc.array(fc.record({ type: mutated(fc.constantFrom('MULTI_ROLE', 'PARTITION_AWARE', 'X')) }), {
              maxLength: 2,
            }),
          ),
        },
        { requiredKeys: ['user', 'name'] },
      ),
    ),
  }),
  ACCEPT: fc.record(
    {
      offer_ids: mutated(fc.array(offerId, { maxLength: 2 })),
      operations: mutated(fc.array(fc.oneof(plausibleLaunch, operation), { maxLength: 2 })),
      filters,
    },
    { requiredKeys: ['offer_ids'] },
  ),
  DECLINE: fc.record(
    { offer_ids: mutated(fc.array(offerId, { maxLength: 2 })), filters },
    { requiredKeys: ['offer_ids'] },
  ),
  REVIVE: fc.record({ roles }, { requiredKeys: [] }),
  SUPPRESS: fc.record({ roles }, { requiredKeys: [] }),
  KILL: fc.record(
    {
      task_id: mutated(taskId),
      agent_id: agentId,
      kill_policy: mutated(fc.record({ grace_period: fc.record({ nanoseconds: fc.integer() }) })),
    },
    { requiredKeys: ['task_id'] },
  ),
  SHUTDOWN: fc.record({ executor_id: mutated(taskId), agent_id: agentId }),
  ACKNOWLEDGE: fc.record({ agent_id: agentId, task_id: mutated(taskId), uuid }),
  RECONCILE: fc.record(
    {
      tasks: mutated(
        fc.array(fc.record({ task_id: mutated(taskId), agent_id: agentId }, { requiredKeys: ['task_id'] }), {
          maxLength: 3,
        }),
      ),
    },
    { requiredKeys: [] },
  ),
  MESSAGE: fc.record({
    agent_id: agentId,
    executor_id: mutated(taskId),
    data: mutated(fc.constantFrom('aGk=', '!!', '')),
  }),
  REQUEST: fc.record(
    { requests: mutated(fc.array(fc.record({ agent_id: agentId, resources }), { maxLength: 2 })) },
    { requiredKeys: [] },
  ),
  UPDATE_FRAMEWORK: fc.record({
    framework_info: mutated(
      fc.record({ user: safeText, name: safeText, id: fc.constant({ value: 'known' }), roles }),
    ),
  }),
  TEARDOWN: fc.constant(undefined),
};

/** A call shaped like a real one, with `known` ids filled in when it is sent. */
const call = fc
  .tuple(
    mutated(
      fc.oneof(
        // ACCEPT reaches deepest into the engine (offers, launch validation, the agent).
        { weight: 3, arbitrary: fc.constant('ACCEPT') },
        { weight: 4, arbitrary: fc.constantFrom(...Object.keys(bodies), 'UNKNOWN', 'subscribe', '') },
      ),
    ),
    mutated(mostly('known', 'other')),
    mostly(true, false),
  )
  .chain(([type, framework_id, withBody]) => {
    // Own keys only: a fuzzed type such as 'constructor' must not pick up an Object method.
    const body = typeof type === 'string' && Object.hasOwn(bodies, type) ? bodies[type]! : fc.anything();
    return body.map((value) => ({ type, framework_id, withBody, value }));
  });

/** The JSON text of a structured call, with the known framework id put in. */
function callText(c: { type: unknown; framework_id: unknown; withBody: boolean; value: unknown }): string {
  const id =
    c.framework_id === 'known'
      ? { value: framework.id }
      : c.framework_id === 'other'
        ? { value: 'nope' }
        : c.framework_id;
  const out: Json = { type: c.type, framework_id: id };
  if (c.withBody && typeof c.type === 'string') out[c.type.toLowerCase()] = c.value;
  return JSON.stringify(out).replaceAll('"id":{"value":"known"}', `"id":{"value":"${framework.id}"}`);
}

const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: mostly('POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
    path: fc.constantFrom('/api/v1/scheduler', '/master/api/v1/scheduler'),
    contentType: mostly<string | null>(
      'application/json',
      'application/json; charset=utf-8',
      'application/x-protobuf',
      'text/plain',
      'APPLICATION/JSON',
      '',
      'a/b/c;;',
      null,
    ),
    accept: fc.option(
      fc.constantFrom(
        'application/json',
        'application/x-protobuf',
        '*/*',
        'text/html',
        'application/*;q=0.5',
        ',,',
      ),
    ),
    streamId: fc.oneof(
      { weight: 4, arbitrary: fc.constant('known') },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.oneof(fc.uuid(), safeText) },
    ),
    body: fc.oneof(
      { weight: 8, arbitrary: call.map(callText) },
      { weight: 1, arbitrary: fc.json() },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    ),
  })
  .map((r) => ({
    method: r.method,
    path: r.path,
    body: r.body,
    headers: {
      ...(r.contentType === null ? {} : { 'Content-Type': r.contentType }),
      ...(r.accept === null ? {} : { Accept: r.accept }),
      ...(r.streamId === null
        ? {}
        : { 'Mesos-Stream-Id': r.streamId === 'known' ? framework.stream_id : r.streamId }),
    },
  }));

/** Sends one request; resolves with its status (a stream that opens is closed at once). */
function send(req: FuzzRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: '127.0.0.1',
        port: master.port,
        method: req.method,
        path: req.path,
        headers: req.headers,
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status === 200 && res.headers['mesos-stream-id'] !== undefined) {
          r.destroy();
          resolve(status);
          return;
        }
        res.resume();
        res.on('end', () => resolve(status));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.setTimeout(5000, () => r.destroy(new Error(`no answer within 5 s to ${req.method} ${req.body}`)));
    r.end(req.body);
  });
}

describe('POST /api/v1/scheduler under fuzzing', () => {
  it('never answers 5xx, and the master keeps serving', async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fuzzRequest, async (req) => {
        // A fuzzed TEARDOWN or failover may have ended the framework: subscribe a fresh one.
        if (
          framework.stream.events.items.some((e) => e.type === 'ERROR') ||
          (await isEnded(framework.stream))
        ) {
          framework = await subscribe();
        }
        const status = await send(req);
        seen.set(status, (seen.get(status) ?? 0) + 1);
        const what = `${status} to ${req.method} ${req.path} ${JSON.stringify(req.headers)} ${req.body}`;
        // The one 5xx the protocol has: 501 for a call type meso does not implement.
        if (status === 501) expect(implemented.has(callType(req.body) ?? 'SUBSCRIBE'), what).toBe(false);
        else expect(status, what).toBeLessThan(500);
      }),
      { numRuns: fuzz_runs },
    );
    // The fuzz reached past every request check: refusals of each kind, and calls the engine took.
    for (const status of [202, 400, 405, 415])
      expect(seen.get(status) ?? 0, `status ${status}: ${JSON.stringify([...seen])}`).toBeGreaterThan(0);
    const state = await masterState(master.port);
    expect(state.slaves.map((s: Json) => s.id)).toEqual([agent_id]);
    expect(state.slaves[0].active).toBe(true);
  });
});

/** The call types meso implements: none of them may be answered 501. */
const implemented: ReadonlySet<string> = new Set(Object.keys(bodies));

/** The `type` of a JSON call body, if it has a string one. */
function callType(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    const type =
      typeof parsed === 'object' && parsed !== null ? (parsed as { type?: unknown }).type : undefined;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a stream has ended (checked without waiting). */
async function isEnded(stream: EventStream): Promise<boolean> {
  return Promise.race([
    stream.ended.then(() => true),
    new Promise<boolean>((resolve) => setImmediate(() => resolve(false))),
  ]);
}
