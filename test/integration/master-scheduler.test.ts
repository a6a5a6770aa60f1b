// A live master over real sockets: a raw HTTP scheduler and a fake agent drive a task from offer
// to acknowledgement, and the master's streams and agent channel behave as the protocol says.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { silentLog } from '../../runtime/log.ts';
import {
  createStandaloneLeaderDetector,
  type StandaloneLeaderDetector,
} from '../../runtime/master/leader.ts';
import { startMaster } from '../../runtime/master/server.ts';
import { LiveMaster } from './live-master.ts';
import {
  acceptLaunchCall,
  commandTaskInfo,
  connectAgent,
  type FakeAgent,
  masterState,
  openStream,
  postJson,
  registerAgent,
  sendStatusUpdate,
  subscribeCall,
} from './master-client.ts';

const uuid_pattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const live = new LiveMaster(7);
afterEach(() => live.cleanup());

function start() {
  return live.start({ heartbeat_interval_seconds: 0.5 });
}

async function agent(port: number): Promise<FakeAgent> {
  const a = await connectAgent(port);
  live.agents.push(a);
  return a;
}

describe('live master: a task from offer to acknowledgement', () => {
  it('subscribes, offers, launches, forwards updates and acknowledgements', async () => {
    const { port } = await start();
    const stream = await openStream(port, '/api/v1/scheduler', subscribeCall('flow'));
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('application/json');
    expect(stream.headers['transfer-encoding']).toBe('chunked');
    const streamId = stream.headers['mesos-stream-id'] as string;
    expect(streamId).toMatch(uuid_pattern);
    const subscribed = (await stream.events.next(() => true)).item;
    expect(subscribed.type).toBe('SUBSCRIBED');
    const frameworkId = subscribed.subscribed.framework_id.value as string;
    expect(frameworkId.startsWith(`${live.master!.master_id}-`)).toBe(true);
    expect(subscribed.subscribed.master_info.address.port).toBe(port);
    expect((await stream.events.next(() => true, 1)).item.type).toBe('HEARTBEAT');

    const fake = await agent(port);
    const agentId = await registerAgent(fake, 'agent-1');
    const offers = (await stream.events.next((e) => e.type === 'OFFERS')).item.offers.offers;
    expect(offers).toHaveLength(1);
    const offer = offers[0];
    expect(offer.agent_id.value).toBe(agentId);
    expect(offer.url.address.ip).toBe('127.0.0.1');

    const headers = { 'Mesos-Stream-Id': streamId };
    const sleeper = {
      ...commandTaskInfo('t1', agentId, { cpus: 1, mem: 128, command: 'sleep 1' }),
      name: 'sleeper',
    };
    const launch = {
      ...acceptLaunchCall(offer.id, [sleeper], { filters: { refuse_seconds: 60 } }),
      framework_id: { value: frameworkId },
    };
    const accepted = await postJson(port, '/api/v1/scheduler', launch, headers);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toBe('');
    const run = (await fake.messages.next((m) => m.type === 'run_task')).item;
    expect(run.task.task_id.value).toBe('t1');
    expect(run.framework_info.id.value).toBe(frameworkId);

    let seen = 0;
    for (const state of ['TASK_RUNNING', 'TASK_FINISHED']) {
      const uuid = sendStatusUpdate(fake, frameworkId, 't1', state, { agent_id: { value: agentId } });
      const update = await stream.events.next((e) => e.type === 'UPDATE' && e.update.status.state === state);
      expect(update.item.update.status.uuid).toBe(uuid);
      const ack = {
        type: 'ACKNOWLEDGE',
        framework_id: { value: frameworkId },
        acknowledge: { agent_id: { value: agentId }, task_id: { value: 't1' }, uuid },
      };
      expect((await postJson(port, '/api/v1/scheduler', ack, headers)).status).toBe(202);
      const acked = await fake.messages.next((m) => m.type === 'acknowledge' && m.uuid === uuid, seen);
      expect(acked.item.task_id.value).toBe('t1');
      seen = acked.index + 1;
    }

    const state = await masterState(port);
    const framework = state.frameworks.find((f: { id: string }) => f.id === frameworkId);
    expect(framework.tasks).toHaveLength(0);
    expect(framework.completed_tasks.map((t: { id: string; state: string }) => [t.id, t.state])).toEqual([
      ['t1', 'TASK_FINISHED'],
    ]);
    expect(state.slaves[0].used_resources.cpus).toBe(0);
  });

  it('keeps sending heartbeats at the configured interval', async () => {
    const { port } = await start();
    const stream = await openStream(port, '/api/v1/scheduler', subscribeCall('beats'));
    const first = await stream.events.next((e) => e.type === 'HEARTBEAT');
    const started = Date.now();
    await stream.events.next((e) => e.type === 'HEARTBEAT', first.index + 1, 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('marks a framework disconnected when its stream closes, and fails over to a new stream', async () => {
    const { port } = await start();
    const first = await openStream(
      port,
      '/api/v1/scheduler',
      subscribeCall('fo', { failover_timeout: 3600 }),
    );
    const id = (await first.events.next((e) => e.type === 'SUBSCRIBED')).item.subscribed.framework_id.value;
    const second = await openStream(
      port,
      '/api/v1/scheduler',
      subscribeCall('fo', { failover_timeout: 3600, id: { value: id } }),
    );
    expect(second.status).toBe(200);
    expect(second.headers['mesos-stream-id']).not.toBe(first.headers['mesos-stream-id']);
    const error = await first.events.next((e) => e.type === 'ERROR');
    expect(error.item.error.message).toBe('Framework failed over');
    await first.ended;
    expect(
      (await second.events.next((e) => e.type === 'SUBSCRIBED')).item.subscribed.framework_id.value,
    ).toBe(id);

    second.close();
    await expect
      .poll(async () => (await masterState(port)).frameworks.map((f: { active: boolean }) => f.active), {
        timeout: 3000,
      })
      .toEqual([false]);
    // A call on the closed stream's id now finds the framework not subscribed.
    const call = { type: 'REVIVE', framework_id: { value: id } };
    const res = await postJson(port, '/api/v1/scheduler', call, {
      'Mesos-Stream-Id': second.headers['mesos-stream-id'] as string,
    });
    expect(res.status).toBe(403);
  });

  it('ends every stream when the master stops', async () => {
    const m = await start();
    const stream = await openStream(m.port, '/api/v1/scheduler', subscribeCall('stop'));
    await stream.events.next((e) => e.type === 'SUBSCRIBED');
    let ended = false;
    void stream.ended.then(() => {
      ended = true;
    });
    expect(ended).toBe(false);
    await live.stop();
    // The stream ends with the master (not when the test times out), and nothing listens after.
    await stream.ended;
    expect(ended).toBe(true);
    await expect(postJson(m.port, '/api/v1/scheduler', subscribeCall('late'))).rejects.toThrow();
  });
});

describe('live master: the agent channel', () => {
  it('answers bad messages with an error and keeps its state', async () => {
    const { port } = await start();
    const fake = await agent(port);
    const agentId = await registerAgent(fake, 'agent-bad');
    const before = await masterState(port);
    const bad = [
      '{not json',
      '[1,2,3]',
      JSON.stringify({ type: 'teleport' }),
      JSON.stringify({ type: 'status_update', framework_id: 'f', status: { state: 'TASK_RUNNING' } }),
      JSON.stringify({ type: 'register', agent_info: { hostname: 'h', resources: 42 } }),
      JSON.stringify({ type: 'executor_exited', framework_id: 'f', executor_id: 'e', status: 'oops' }),
    ];
    let from = 0;
    for (const text of bad) {
      fake.sendText(text);
      const reply = await fake.messages.next((m) => m.type === 'error', from);
      expect(reply.item.message).toEqual(expect.any(String));
      from = reply.index + 1;
    }
    expect(fake.messages.items.filter((m) => m.type === 'error')).toHaveLength(bad.length);
    const after = await masterState(port);
    expect(after.slaves).toEqual(before.slaves);
    expect(after.slaves.map((s: { id: string }) => s.id)).toEqual([agentId]);
  });

  it('refuses work from an agent that has not registered', async () => {
    const { port } = await start();
    const fake = await agent(port);
    fake.send({ type: 'pong' });
    const reply = await fake.messages.next((m) => m.type === 'error');
    expect(reply.item.message).toContain('register first');
    expect((await masterState(port)).slaves).toEqual([]);
  });

  it('redirects agents to the leader, and refuses them while no leader is known', async () => {
    let detector: StandaloneLeaderDetector | undefined;
    const master = await startMaster({
      port: 0,
      log: silentLog,
      leader: (self) => {
        detector = createStandaloneLeaderDetector(self);
        return detector;
      },
    });
    live.master = master;
    const refusal = (port: number) =>
      new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/agent`);
        ws.on('unexpected-response', (_req, res) => {
          resolve({ status: res.statusCode ?? 0, location: res.headers.location });
          res.resume();
          ws.terminate();
        });
        ws.on('open', () => reject(new Error('the channel opened on a master that does not lead')));
        ws.on('error', () => {});
      });
    detector!.appoint({ ip: '127.0.0.9', hostname: 'leader-host', port: 5050 });
    expect(await refusal(master.port)).toEqual({ status: 307, location: '//leader-host:5050/api/v1/agent' });
    detector!.appoint(undefined);
    expect((await refusal(master.port)).status).toBe(503);
  });

  it('deactivates an agent whose connection closes', async () => {
    const { port } = await start();
    const fake = await agent(port);
    await registerAgent(fake, 'agent-gone');
    expect((await masterState(port)).activated_slaves).toBe(1);
    await fake.close();
    await expect.poll(async () => (await masterState(port)).deactivated_slaves, { timeout: 3000 }).toBe(1);
  });
});
