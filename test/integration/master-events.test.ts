// GET /master/events over real sockets: a client sees each offer's life as the engine traces it
// (made, declined with its filter, accepted into a launch, rescinded when the agent goes), asks for
// other types by name, is told which type it named wrongly, sees only the frameworks its principal
// may view, is redirected by a standby, and is dropped when it stops reading while the master and
// every other client go on.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { trace_header } from '../../engine/events.ts';
import { parseAcls } from '../../runtime/master/acls.ts';
import {
  createStandaloneLeaderDetector,
  type StandaloneLeaderDetector,
} from '../../runtime/master/leader.ts';
import { basicAuthorization } from '../../runtime/wire/credentials.ts';
import { eventually } from './e2e-harness.ts';
import { LiveMaster } from './live-master.ts';
import {
  acceptLaunchCall,
  commandTaskInfo,
  connectAgent,
  type EventStream,
  getStream,
  type Json,
  metricValue,
  openStream,
  rawRequest,
  registerAgent,
  subscribeCall,
} from './master-client.ts';

const live = new LiveMaster(52);
afterEach(() => live.cleanup());

/** Opens GET /master/events`query` on the live master (closed after the test). */
async function events(query = '', headers: Record<string, string> = {}): Promise<EventStream> {
  const stream = await getStream(live.master!.port, `/master/events${query}`, headers);
  live.streams.push(stream);
  return stream;
}

describe('GET /master/events', () => {
  it("streams each offer's life: made, declined with its filter, accepted into launches, rescinded", async () => {
    await live.start();
    const stream = await events();
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('application/json');
    const subscribed = (await stream.events.next((e) => e.type === 'SUBSCRIBED')).item.subscribed;
    expect(subscribed).toMatchObject({
      format: trace_header.format,
      version: trace_header.version,
      types: ['offer_made', 'offer_accepted', 'offer_declined', 'offer_rescinded'],
    });
    expect(typeof subscribed.time_ms).toBe('number');

    const framework = await live.framework('watched', { roles: ['web'] });
    const { agentId } = await live.agent('a1', 'cpus:4;mem:4096');
    const offers = async (from: number) => {
      const { item, index } = await framework.stream.events.next((e) => e.type === 'OFFERS', from);
      return { offer: item.offers.offers[0], next: index + 1 };
    };
    const { offer: first, next: after_first } = await offers(0);
    const made = (await stream.events.next((e) => e.type === 'offer_made')).item;
    expect(made).toMatchObject({
      offer_id: first.id.value,
      framework_id: framework.frameworkId,
      agent_id: agentId,
      role: 'web',
      resources: { cpus: 4, mem: 4096 },
    });
    expect(made.seq).toBeGreaterThan(0);

    const decline = { type: 'DECLINE', decline: { offer_ids: [first.id], filters: { refuse_seconds: 0 } } };
    expect((await framework.call(decline)).status).toBe(202);
    const declined = (await stream.events.next((e) => e.type === 'offer_declined')).item;
    expect(declined).toMatchObject({ offer_id: first.id.value, refuse_seconds: 0 });

    const { offer: second, next: after_second } = await offers(after_first);
    const launch = acceptLaunchCall(second.id, [commandTaskInfo('t1', agentId, { cpus: 1, mem: 128 })], {
      filters: { refuse_seconds: 0 },
    });
    expect((await framework.call(launch)).status).toBe(202);
    const accepted = (await stream.events.next((e) => e.type === 'offer_accepted')).item;
    expect(accepted).toMatchObject({ offer_id: second.id.value, agent_id: agentId, tasks_launched: 1 });

    // What is left of the agent is offered again; the agent going takes that offer back.
    const { offer: third } = await offers(after_second);
    await live.agents[0]!.close();
    const rescinded = (await stream.events.next((e) => e.type === 'offer_rescinded')).item;
    expect(rescinded).toMatchObject({ offer_id: third.id.value, reason: 'agent disconnected' });
    // Events come in the engine's order.
    const seqs = stream.events.items.filter((e) => typeof e.seq === 'number').map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // Only the offer types were asked for (and the stream's own SUBSCRIBED and HEARTBEATs).
    const types = new Set(stream.events.items.map((e) => e.type));
    for (const t of ['SUBSCRIBED', 'HEARTBEAT']) types.delete(t);
    expect([...types].sort()).toEqual(['offer_accepted', 'offer_declined', 'offer_made', 'offer_rescinded']);
  });

  it('sends the types named in ?types=, refuses an unknown one by name, heartbeats, counts its clients', async () => {
    await live.start({ heartbeat_interval_seconds: 1 });
    const tasks = await events('?types=task_launched,agent_added');
    const { agentId } = await live.agent('a1', 'cpus:2;mem:1024');
    expect((await tasks.events.next((e) => e.type === 'agent_added')).item.agent_id).toBe(agentId);
    const framework = await live.framework('f');
    const offer = (await framework.stream.events.next((e) => e.type === 'OFFERS')).item.offers.offers[0];
    await framework.call(acceptLaunchCall(offer.id, [commandTaskInfo('t1', agentId)]));
    expect((await tasks.events.next((e) => e.type === 'task_launched')).item.task_id).toBe('t1');
    await tasks.events.next((e) => e.type === 'HEARTBEAT');
    expect(tasks.events.items.some((e) => e.type.startsWith('offer_'))).toBe(false);

    const metrics = await rawRequest(live.master!.port, { method: 'GET', path: '/metrics' });
    expect(metricValue(metrics.body, 'meso_master_event_subscribers')).toBe(1);

    const bad = await rawRequest(live.master!.port, {
      method: 'GET',
      path: '/master/events?types=offer_made,offers',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/^Unknown event type 'offers' in 'types'; known: agent_added, /);
    const post = await rawRequest(live.master!.port, { method: 'POST', path: '/master/events' });
    expect(post.status).toBe(405);
  });

  it('shows a principal only the frameworks it may view, and asks for credentials when they are required', async () => {
    const people = ['ops', 'dev'].map((p) => ({ principal: p, secret: `${p}-secret` }));
    const as = (principal: string) => ({
      Authorization: basicAuthorization({ principal, secret: `${principal}-secret` }),
    });
    const acls = parseAcls(
      JSON.stringify({
        permissive: false,
        register_frameworks: [{ principals: { type: 'ANY' }, roles: { type: 'ANY' } }],
        view_frameworks: [
          { principals: { values: ['ops'] }, users: { type: 'ANY' } },
          { principals: { values: ['dev'] }, users: { values: ['dev'] } },
        ],
      }),
    );
    const m = await live.start({
      credentials: people,
      acls,
      authenticate_http_readonly: true,
      heartbeat_interval_seconds: 1,
    });
    expect((await rawRequest(m.port, { method: 'GET', path: '/master/events' })).status).toBe(401);
    const ops = await events('', as('ops'));
    const dev = await events('', as('dev'));
    const root = await openStream(m.port, '/api/v1/scheduler', subscribeCall('root-owned', { user: 'root' }));
    const mine = await openStream(m.port, '/api/v1/scheduler', subscribeCall('dev-owned', { user: 'dev' }));
    live.streams.push(root, mine);
    const id = async (s: EventStream) =>
      (await s.events.next((e) => e.type === 'SUBSCRIBED')).item.subscribed.framework_id.value as string;
    const [root_id, dev_id] = [await id(root), await id(mine)];
    const agent = await connectAgent(m.port);
    live.agents.push(agent);
    await registerAgent(agent, 'a1', 'cpus:4;mem:4096');
    const other = await connectAgent(m.port);
    live.agents.push(other);
    await registerAgent(other, 'a2', 'cpus:4;mem:4096');
    const offered = (s: EventStream, fw: string) =>
      s.events.next((e) => e.type === 'offer_made' && e.framework_id === fw);
    await offered(ops, root_id);
    await offered(ops, dev_id);
    await offered(dev, dev_id);
    // A heartbeat sent after both were offered proves nothing of root's reached dev.
    const from = dev.events.items.length;
    await dev.events.next((e) => e.type === 'HEARTBEAT', from, 5000);
    expect(dev.events.items.filter((e) => e.framework_id === root_id)).toEqual([]);
  });

  it('is redirected by a standby to the leader', async () => {
    let detector: StandaloneLeaderDetector | undefined;
    const m = await live.start({
      leader: (self) => {
        detector = createStandaloneLeaderDetector(self);
        return detector;
      },
    });
    detector!.appoint({ hostname: '127.0.0.1', ip: '127.0.0.1', port: 5999 });
    const res = await rawRequest(m.port, { method: 'GET', path: '/master/events?types=offer_made' });
    expect(res.status).toBe(307);
    expect(res.headers.location).toBe('//127.0.0.1:5999/master/events?types=offer_made');
    detector!.appoint(undefined);
    expect((await rawRequest(m.port, { method: 'GET', path: '/master/events' })).status).toBe(503);
  });

  it('drops a client that stops reading; the master and the other clients go on', async () => {
    const m = await live.start({ allocation_interval_ms: 5 });
    const reader = await events();
    // A client that asks and then never reads what it is sent.
    const stuck = connect(m.port, '127.0.0.1');
    stuck.on('error', () => {});
    stuck.write('GET /master/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    // Paused, it reads nothing more, not even the end of the connection: the master's count tells.
    stuck.pause();
    const subscribers = async () =>
      metricValue(
        (await rawRequest(m.port, { method: 'GET', path: '/metrics' })).body,
        'meso_master_event_subscribers',
      );
    await eventually(async () => (await subscribers()) === 2, 5000, 'both clients subscribed');
    try {
      // A framework that declines every offer at once with no filter: each agent is offered again at
      // every allocation, thousands of offers a second.
      const framework = await live.framework('decliner');
      framework.stream.events.push = (() => {
        const push = framework.stream.events.push.bind(framework.stream.events);
        return (e: Json) => {
          if (e.type !== 'OFFERS') return push(e);
          const offer_ids = e.offers.offers.map((o: Json) => o.id);
          void framework.call({ type: 'DECLINE', decline: { offer_ids, filters: { refuse_seconds: 0 } } });
        };
      })();
      for (let i = 0; i < 40; i++) await live.agent(`a${i}`, 'cpus:1;mem:256');
      await eventually(async () => (await subscribers()) === 1, 120_000, 'the stuck client dropped');
      // The reading client was never held back: it has seen far more than the stuck one was left.
      const before = reader.events.items.length;
      expect(before).toBeGreaterThan(10_000);
      await reader.events.next(() => true, before);
      expect((await rawRequest(m.port, { method: 'GET', path: '/master/health' })).status).toBe(200);
      expect(await subscribers()).toBe(1);
    } finally {
      stuck.destroy();
    }
  }, 150_000);
});
