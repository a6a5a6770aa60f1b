// End to end: a real master, a real agent and a raw-HTTP scheduler (node:http only) over sockets on
// 127.0.0.1. Tasks run as real processes: `echo hello` finishes (its stdout readable through the
// agent's /files/read), `exit 3` fails with Mesos's wording, a killed `sleep 100` ends with its whole
// process tree, and an agent restarted with the same work_dir comes back under the same id.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLog } from '../../runtime/log.ts';
import { type RunningMaster, startMaster } from '../../runtime/master/server.ts';
import {
  type EventStream,
  eventually,
  getJson,
  isGone,
  type Json,
  postJson,
  Started,
} from './agent-harness.ts';

const started = new Started();
afterEach(() => started.cleanup());

/** A raw scheduler: its stream, framework id and the headers its calls carry. */
interface Scheduler {
  readonly stream: EventStream;
  readonly framework_id: string;
  /** Ids of the offers already accepted or declined. */
  readonly used: Set<string>;
  call(body: Json): Promise<number>;
}

/** Starts a master (cleaned up after the test). */
async function master(): Promise<RunningMaster> {
  const m = await startMaster({
    port: 0,
    allocation_interval_ms: 20,
    heartbeat_interval_seconds: 1,
    seed: 3,
    log: silentLog,
  });
  started.stoppers.push(() => m.stop());
  return m;
}

/** Subscribes a framework over raw HTTP. */
async function subscribe(port: number): Promise<Scheduler> {
  const body = {
    type: 'SUBSCRIBE',
    subscribe: { framework_info: { user: 'root', name: 'e2e', roles: ['*'] } },
  };
  const stream = await started.stream(port, '/api/v1/scheduler', body);
  expect(stream.status).toBe(200);
  const subscribed = (await stream.events.next((e) => e.type === 'SUBSCRIBED')).item;
  const framework_id = subscribed.subscribed.framework_id.value as string;
  const headers = { 'Mesos-Stream-Id': stream.headers['mesos-stream-id'] as string };
  return {
    stream,
    framework_id,
    used: new Set(),
    call: async (call) =>
      (await postJson(port, '/api/v1/scheduler', { framework_id: { value: framework_id }, ...call }, headers))
        .status,
  };
}

/** The scalar value of a resource in an offer. */
function scalarOf(offer: Json, name: string): number {
  return offer.resources.find((r: Json) => r.name === name)?.scalar.value ?? 0;
}

/** Launches a command task on an outstanding offer (declining the others); returns its agent id. */
async function launch(scheduler: Scheduler, task_id: string, command: string): Promise<string> {
  // Offers rescinded (the agent went away, say) cannot be used.
  const rescinded = (): void => {
    for (const e of scheduler.stream.events.items)
      if (e.type === 'RESCIND') scheduler.used.add(e.rescind.offer_id.value);
  };
  const fits = (o: Json): boolean => {
    rescinded();
    return !scheduler.used.has(o.id.value) && scalarOf(o, 'cpus') >= 0.1 && scalarOf(o, 'mem') >= 32;
  };
  await scheduler.stream.events.next((e) => e.type === 'OFFERS' && e.offers.offers.some(fits));
  const outstanding = scheduler.stream.events.items
    .filter((e) => e.type === 'OFFERS')
    .flatMap((e) => e.offers.offers as Json[])
    .filter((o) => !scheduler.used.has(o.id.value));
  const offer = outstanding.find(fits)!;
  for (const o of outstanding) scheduler.used.add(o.id.value);
  const others = outstanding.filter((o) => o !== offer).map((o) => o.id);
  if (others.length > 0) {
    expect(
      await scheduler.call({
        type: 'DECLINE',
        decline: { offer_ids: others, filters: { refuse_seconds: 0 } },
      }),
    ).toBe(202);
  }
  const task = {
    name: task_id,
    task_id: { value: task_id },
    agent_id: offer.agent_id,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
    ],
    command: { value: command },
  };
  const status = await scheduler.call({
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }],
      filters: { refuse_seconds: 0 },
    },
  });
  expect(status).toBe(202);
  return offer.agent_id.value as string;
}

/** Waits for the update of `task_id` in `state` and acknowledges it. */
async function ackUpdate(scheduler: Scheduler, task_id: string, state: string): Promise<Json> {
  const { item } = await scheduler.stream.events.next(
    (e) =>
      e.type === 'UPDATE' && e.update.status.task_id.value === task_id && e.update.status.state === state,
  );
  const status = item.update.status;
  expect(status.uuid).toMatch(/^[A-Za-z0-9+/]{21}[AQgw]==$/);
  const answer = await scheduler.call({
    type: 'ACKNOWLEDGE',
    acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
  });
  expect(answer).toBe(202);
  return status;
}

/** The states of a task's updates, in the order the scheduler saw them. */
function statesOf(scheduler: Scheduler, task_id: string): string[] {
  return scheduler.stream.events.items
    .filter((e) => e.type === 'UPDATE' && e.update.status.task_id.value === task_id)
    .map((e) => e.update.status.state as string);
}

describe('a real master, a real agent and a raw scheduler', () => {
  it('runs, fails and kills tasks, and the agent comes back under its id after a restart', async () => {
    const m = await master();
    const work_dir = await started.dir();
    const agentOptions = { master: `127.0.0.1:${m.port}`, work_dir, kill_grace_ms: 3000 };
    const agent = await started.agent(agentOptions);
    const agent_id = await agent.registered();
    const scheduler = await subscribe(m.port);

    expect(await launch(scheduler, 'echo', 'echo hello')).toBe(agent_id);
    for (const state of ['TASK_STARTING', 'TASK_RUNNING']) await ackUpdate(scheduler, 'echo', state);
    const finished = await ackUpdate(scheduler, 'echo', 'TASK_FINISHED');
    expect(finished).toMatchObject({ source: 'SOURCE_EXECUTOR', agent_id: { value: agent_id } });
    expect(statesOf(scheduler, 'echo')).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const state = await getJson(agent.port, '/state');
    const echo = [...state.frameworks, ...state.completed_frameworks]
      .flatMap((f: Json) => [...f.executors, ...f.completed_executors])
      .find((e: Json) => e.id === 'echo');
    const read = await getJson(
      agent.port,
      `/files/read?path=${encodeURIComponent(join(echo.directory, 'stdout'))}&offset=0`,
    );
    expect(read.data).toBe('hello\n');

    await launch(scheduler, 'fail', 'exit 3');
    for (const state of ['TASK_STARTING', 'TASK_RUNNING']) await ackUpdate(scheduler, 'fail', state);
    const failed = await ackUpdate(scheduler, 'fail', 'TASK_FAILED');
    expect(failed.message).toBe('Command exited with status 3');

    await launch(scheduler, 'sleeper', 'sleep 100 & echo $! > child.pid; wait');
    for (const state of ['TASK_STARTING', 'TASK_RUNNING']) await ackUpdate(scheduler, 'sleeper', state);
    const sleeperDir = (await getJson(agent.port, '/state')).frameworks[0].executors.find(
      (e: Json) => e.id === 'sleeper',
    ).directory as string;
    let child = 0;
    await eventually(async () => {
      child = Number(await readFile(join(sleeperDir, 'child.pid'), 'utf8').catch(() => '0'));
      return child > 0;
    });
    expect(isGone(child)).toBe(false);
    expect(
      await scheduler.call({
        type: 'KILL',
        kill: { task_id: { value: 'sleeper' }, agent_id: { value: agent_id } },
      }),
    ).toBe(202);
    const killed = await ackUpdate(scheduler, 'sleeper', 'TASK_KILLED');
    expect(killed.message).toBe('Command terminated with signal Terminated');
    await eventually(() => isGone(child), 3000, 'the killed task tree to end');

    // Every task is done with on both sides once its last update is acknowledged.
    await eventually(async () => {
      const s = await getJson(m.port, '/master/state');
      return s.frameworks[0].tasks.length === 0 && s.frameworks[0].completed_tasks.length === 3;
    });
    await eventually(async () => (await getJson(agent.port, '/state')).frameworks.length === 0);

    await agent.stop();
    const again = await started.agent(agentOptions);
    expect(await again.registered()).toBe(agent_id);
    const slaves = (await getJson(m.port, '/master/state')).slaves as Json[];
    expect(slaves.map((s) => [s.id, s.active])).toEqual([[agent_id, true]]);
    // The restarted agent is offered again and runs tasks.
    await launch(scheduler, 'after', 'true');
    for (const state of ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'])
      await ackUpdate(scheduler, 'after', state);
  });
});
