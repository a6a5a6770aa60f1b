// Maintenance on a live master over real sockets, through the v1 operator calls
// (UPDATE_MAINTENANCE_SCHEDULE, GET_MAINTENANCE_SCHEDULE, GET_MAINTENANCE_STATUS, START_MAINTENANCE,
// STOP_MAINTENANCE) and Mesos's older endpoints (/master/maintenance/schedule and /status,
// /master/machine/down and /up, and the same without /master): the schedule read back, a bad
// schedule or machine list refused with 400 and the engine's reason, a machine taken DOWN (its agent
// shut down and refused when it registers again) and brought UP, and the ACLs of each call.
import { afterEach, describe, expect, it } from 'vitest';
import { parseAcls } from '../../runtime/master/acls.ts';
import { basicAuthorization } from '../../runtime/wire/credentials.ts';
import { LiveMaster } from './live-master.ts';
import { connectAgent, type Json, postJson, rawRequest } from './master-client.ts';

const live = new LiveMaster(31);
afterEach(() => live.cleanup());

/** A v1 operator call: its status and its body (parsed when JSON). */
async function call(port: number, body: Json, headers: Record<string, string> = {}) {
  const res = await postJson(port, '/api/v1', body, { Accept: 'application/json', ...headers });
  let parsed: Json | string = res.body;
  try {
    parsed = JSON.parse(res.body) as Json;
  } catch {}
  return { status: res.status, body: parsed };
}

/** A request to an older endpoint with a JSON body (or none): its status and body. */
async function legacy(port: number, method: string, path: string, body?: unknown, headers = {}) {
  const res = await rawRequest(port, {
    method,
    path,
    headers: { 'Content-Type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  let parsed: Json | string = res.body;
  try {
    parsed = JSON.parse(res.body) as Json;
  } catch {}
  return { status: res.status, body: parsed };
}

const hour_ns = 3600e9;
const machine = (hostname: string) => ({ hostname, ip: '127.0.0.1' });
const schedule = (...hostnames: string[]) => ({
  windows: [
    {
      machine_ids: hostnames.map(machine),
      unavailability: { start: { nanoseconds: 1_900_000_000e9 }, duration: { nanoseconds: hour_ns } },
    },
  ],
});

describe('maintenance through the v1 operator API', () => {
  it('sets and reads the schedule, takes a machine DOWN and UP, and refuses bad calls with the reason', async () => {
    const m = await live.start();
    const { agent } = await live.agent('m1.example', 'cpus:2;mem:1024');
    await live.agent('m2.example', 'cpus:2;mem:1024');
    expect((await call(m.port, { type: 'GET_MAINTENANCE_SCHEDULE' })).body).toEqual({
      type: 'GET_MAINTENANCE_SCHEDULE',
      get_maintenance_schedule: { schedule: {} },
    });
    const update = (s: unknown) =>
      call(m.port, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: s } });
    expect((await update(schedule('M1.example'))).status).toBe(200);
    expect((await call(m.port, { type: 'GET_MAINTENANCE_SCHEDULE' })).body).toEqual({
      type: 'GET_MAINTENANCE_SCHEDULE',
      get_maintenance_schedule: { schedule: schedule('M1.example') },
    });
    expect((await call(m.port, { type: 'GET_MAINTENANCE_STATUS' })).body).toEqual({
      type: 'GET_MAINTENANCE_STATUS',
      get_maintenance_status: { status: { draining_machines: [{ id: machine('M1.example') }] } },
    });

    // Bad schedules and machine lists: 400 with the engine's reason, and nothing changes.
    const twice = await update({ windows: [...schedule('a').windows, ...schedule('a').windows] });
    expect(twice).toEqual({
      status: 400,
      body: 'machine {"hostname":"a","ip":"127.0.0.1"} appears more than once in the schedule',
    });
    expect((await update([])).body).toBe('the schedule must be an object {windows: [...]}');
    expect(
      (await call(m.port, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: {} })).body,
    ).toBe("Expecting 'update_maintenance_schedule.schedule' to be present");
    const start = (machines: unknown) =>
      call(m.port, { type: 'START_MAINTENANCE', start_maintenance: { machines } });
    const stop = (machines: unknown) =>
      call(m.port, { type: 'STOP_MAINTENANCE', stop_maintenance: { machines } });
    expect(await start([machine('m2.example')])).toEqual({
      status: 400,
      body: 'machine {"hostname":"m2.example","ip":"127.0.0.1"} is not part of the maintenance schedule',
    });
    expect((await start([])).body).toBe('the list of machines is empty');
    expect((await start([{ ip: '300.1.1.1' }])).body).toBe(
      'machine {"ip":"300.1.1.1"}: \'300.1.1.1\' is not an IPv4 address',
    );
    expect((await stop([machine('m1.example')])).body).toBe(
      'machine {"hostname":"m1.example","ip":"127.0.0.1"} is DRAINING, not DOWN',
    );
    expect((await call(m.port, { type: 'START_MAINTENANCE' })).body).toBe(
      "Expecting 'start_maintenance.machines' to be a list of machines",
    );

    // DOWN: the agent is told to shut down and removed; registering again is refused.
    expect((await start([machine('m1.example')])).status).toBe(200);
    const shutdown = await agent.messages.next((msg) => msg.type === 'shutdown');
    expect(shutdown.item.message).toMatch(/DOWN for maintenance/);
    const agents = (await call(m.port, { type: 'GET_AGENTS' })).body as Json;
    expect(agents.get_agents.agents.map((a: Json) => a.agent_info.hostname)).toEqual(['m2.example']);
    expect((await call(m.port, { type: 'GET_MAINTENANCE_STATUS' })).body).toEqual({
      type: 'GET_MAINTENANCE_STATUS',
      get_maintenance_status: { status: { down_machines: [machine('M1.example')] } },
    });
    // A DOWN machine cannot leave the schedule except by STOP_MAINTENANCE.
    expect((await update({})).body).toMatch(/is DOWN and cannot leave the schedule/);
    const again = await connectAgent(m.port);
    live.agents.push(again);
    again.send({ type: 'register', agent_info: { hostname: 'm1.example', port: 5051, resources: 'cpus:2' } });
    const refused = await again.messages.next((msg) => msg.type === 'shutdown' || msg.type === 'registered');
    expect(refused.item).toMatchObject({
      type: 'shutdown',
      message: expect.stringMatching(/DOWN for maintenance/),
    });

    // UP: the machine leaves the schedule and its agent registers.
    expect((await stop([machine('m1.example')])).status).toBe(200);
    expect((await call(m.port, { type: 'GET_MAINTENANCE_SCHEDULE' })).body).toEqual({
      type: 'GET_MAINTENANCE_SCHEDULE',
      get_maintenance_schedule: { schedule: {} },
    });
    await live.agent('m1.example', 'cpus:2;mem:1024');
  });
});

describe("maintenance through Mesos's older endpoints", () => {
  it('GET and POST /master/maintenance/schedule, GET /maintenance/status, POST /machine/down and /master/machine/up', async () => {
    const m = await live.start();
    const { agent } = await live.agent('m1.example', 'cpus:2;mem:1024');
    expect(await legacy(m.port, 'GET', '/master/maintenance/schedule')).toEqual({ status: 200, body: {} });
    expect(
      (await legacy(m.port, 'POST', '/master/maintenance/schedule', schedule('m1.example'))).status,
    ).toBe(200);
    expect(await legacy(m.port, 'GET', '/maintenance/schedule')).toEqual({
      status: 200,
      body: schedule('m1.example'),
    });
    expect(await legacy(m.port, 'GET', '/master/maintenance/status')).toEqual({
      status: 200,
      body: { draining_machines: [{ id: machine('m1.example') }] },
    });
    // Refusals: not JSON, a bad schedule, a list that is not one, a method the path does not take.
    const not_json = await legacy(m.port, 'POST', '/master/maintenance/schedule', '{windows');
    expect([not_json.status, not_json.body]).toEqual([
      400,
      expect.stringMatching(/^The request body is not JSON/),
    ]);
    expect(
      await legacy(m.port, 'POST', '/master/maintenance/schedule', { windows: [{ machine_ids: [] }] }),
    ).toEqual({ status: 400, body: 'window 0 lists no machines' });
    expect(await legacy(m.port, 'POST', '/master/machine/down', { hostname: 'm1.example' })).toEqual({
      status: 400,
      body: 'machines must be a list of {hostname, ip}',
    });
    expect((await legacy(m.port, 'GET', '/master/machine/down')).status).toBe(405);
    expect((await legacy(m.port, 'DELETE', '/master/maintenance/status')).status).toBe(405);

    expect((await legacy(m.port, 'POST', '/machine/down', [machine('m1.example')])).status).toBe(200);
    await agent.messages.next((msg) => msg.type === 'shutdown');
    expect(await legacy(m.port, 'GET', '/maintenance/status')).toEqual({
      status: 200,
      body: { down_machines: [machine('m1.example')] },
    });
    expect((await legacy(m.port, 'POST', '/master/machine/up', [machine('m1.example')])).status).toBe(200);
    expect(await legacy(m.port, 'GET', '/master/maintenance/status')).toEqual({ status: 200, body: {} });
  });
});

describe('maintenance ACLs', () => {
  const people = ['ops', 'dev'].map((p) => ({ principal: p, secret: `${p}-secret` }));
  const as = (principal: string) => ({
    Authorization: basicAuthorization({ principal, secret: `${principal}-secret` }),
  });
  const only_ops = [{ principals: { values: ['ops'] }, machines: { type: 'ANY' } }];
  const acls = parseAcls(
    JSON.stringify({
      permissive: false,
      update_maintenance_schedules: only_ops,
      get_maintenance_schedules: only_ops,
      start_maintenances: only_ops,
      stop_maintenances: only_ops,
      get_maintenance_statuses: only_ops,
    }),
  );

  it('each call and endpoint is allowed by its own rule and refused with 403 otherwise', async () => {
    const m = await live.start({ credentials: people, acls });
    const body = {
      type: 'UPDATE_MAINTENANCE_SCHEDULE',
      update_maintenance_schedule: { schedule: schedule('x') },
    };
    expect(await call(m.port, body, as('dev'))).toEqual({
      status: 403,
      body: "Not authorized: principal 'dev' may not update maintenance schedules",
    });
    expect((await call(m.port, { type: 'GET_MAINTENANCE_SCHEDULE' }, as('ops'))).body).toMatchObject({
      get_maintenance_schedule: { schedule: {} },
    });
    expect((await call(m.port, body, as('ops'))).status).toBe(200);
    for (const type of ['GET_MAINTENANCE_SCHEDULE', 'GET_MAINTENANCE_STATUS']) {
      const denied = await call(m.port, { type }, as('dev'));
      expect([denied.status, denied.body]).toEqual([
        403,
        expect.stringMatching(/^Not authorized: principal 'dev'/),
      ]);
    }
    const down = { type: 'START_MAINTENANCE', start_maintenance: { machines: [machine('x')] } };
    expect((await call(m.port, down, as('dev'))).body).toBe(
      "Not authorized: principal 'dev' may not start maintenances",
    );
    expect((await legacy(m.port, 'POST', '/master/machine/down', [machine('x')], as('dev'))).status).toBe(
      403,
    );
    expect((await legacy(m.port, 'GET', '/master/maintenance/status', undefined, as('dev'))).status).toBe(
      403,
    );
    expect((await legacy(m.port, 'GET', '/master/maintenance/schedule', undefined, as('dev'))).status).toBe(
      403,
    );
    expect((await legacy(m.port, 'POST', '/master/machine/down', [machine('x')], as('ops'))).status).toBe(
      200,
    );
    const up = { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [machine('x')] } };
    expect((await call(m.port, up, as('dev'))).body).toBe(
      "Not authorized: principal 'dev' may not stop maintenances",
    );
    expect((await call(m.port, up, as('ops'))).status).toBe(200);
    expect((await legacy(m.port, 'GET', '/master/maintenance/status', undefined, as('ops'))).body).toEqual(
      {},
    );
  });
});
