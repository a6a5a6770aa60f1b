// The ACLs on tasks and executors at a live master: run_tasks decides which users a framework's
// principal may launch tasks as (a refused task gets TASK_ERROR with REASON_TASK_UNAUTHORIZED and
// never reaches the agent); view_frameworks, view_tasks and view_executors filter what /master/state
// and the operator API's GET_STATE, GET_FRAMEWORKS, GET_EXECUTORS and GET_TASKS show a principal.
import { afterEach, describe, expect, it } from 'vitest';
import { parseAcls } from '../../runtime/master/acls.ts';
import { basicAuthorization } from '../../runtime/wire/credentials.ts';
import { LiveMaster } from './live-master.ts';
import {
  acceptLaunchCall,
  commandTaskInfo,
  connectAgent,
  type Json,
  masterState,
  postJson,
  registerAgent,
  subscribeFramework,
} from './master-client.ts';

const live = new LiveMaster(46);
afterEach(() => live.cleanup());

const people = ['ops', 'dev', 'guest'].map((p) => ({ principal: p, secret: `${p}-secret` }));
const as = (principal: string) => ({
  Authorization: basicAuthorization({ principal, secret: `${principal}-secret` }),
});
const acls = parseAcls(
  JSON.stringify({
    permissive: false,
    register_frameworks: [{ principals: { type: 'ANY' }, roles: { type: 'ANY' } }],
    run_tasks: [{ principals: { values: ['dev'] }, users: { values: ['dev'] } }],
    view_frameworks: [
      { principals: { values: ['ops', 'dev'] }, users: { type: 'ANY' } },
      { principals: { type: 'ANY' }, users: { type: 'NONE' } },
    ],
    view_tasks: [{ principals: { values: ['ops'] }, users: { type: 'ANY' } }],
    view_executors: [{ principals: { values: ['ops'] }, users: { type: 'ANY' } }],
  }),
);

/** A master with the ACLs, one fake agent, and a framework of principal dev running as user dev. */
async function start() {
  const m = await live.start({ credentials: people, acls });
  const agent = await connectAgent(m.port);
  live.agents.push(agent);
  const agent_id = await registerAgent(agent, 'a1', 'cpus:4;mem:4096');
  const f = await subscribeFramework(m.port, 'f', live.streams, { user: 'dev', principal: 'dev' });
  const offer = (await f.stream.events.next((e) => e.type === 'OFFERS')).item.offers.offers[0];
  return { m, agent, agent_id, f, offer };
}

const operator = async (port: number, type: string, principal: string): Promise<Json> => {
  const res = await postJson(port, '/api/v1', { type }, as(principal));
  expect(res.status).toBe(200);
  return (JSON.parse(res.body) as Json)[type.toLowerCase()] as Json;
};

describe('ACLs on tasks and executors', () => {
  it('run_tasks: a task as an allowed user launches, one as another gets TASK_ERROR', async () => {
    const { agent, agent_id, f, offer } = await start();
    const allowed = commandTaskInfo('t-dev', agent_id);
    const denied = { ...commandTaskInfo('t-root', agent_id), command: { value: 'true', user: 'root' } };
    expect((await f.call(acceptLaunchCall(offer.id, [denied, allowed]))).status).toBe(202);
    const update = await f.stream.events.next((e) => e.type === 'UPDATE');
    expect(update.item.update.status).toMatchObject({
      task_id: { value: 't-root' },
      state: 'TASK_ERROR',
      reason: 'REASON_TASK_UNAUTHORIZED',
      message: "Not authorized to launch as user 'root'",
    });
    const run = await agent.messages.next((m) => m.type === 'run_task');
    expect(run.item.task.task_id.value).toBe('t-dev');
    expect(agent.messages.items.filter((m) => m.type === 'run_task')).toHaveLength(1);
  });

  it('view_tasks and view_executors filter /master/state and the operator reads', async () => {
    const { m, agent, agent_id, f, offer } = await start();
    const task = {
      ...commandTaskInfo('t1', agent_id),
      command: undefined,
      executor: { executor_id: { value: 'e1' }, command: { value: 'sleep 100' } },
    };
    expect((await f.call(acceptLaunchCall(offer.id, [task]))).status).toBe(202);
    await agent.messages.next((msg) => msg.type === 'run_task');
    const ops = await masterState(m.port, as('ops'));
    expect(ops.frameworks[0].tasks.map((t: Json) => t.id)).toEqual(['t1']);
    expect(ops.frameworks[0].executors.map((e: Json) => e.executor_id)).toEqual(['e1']);
    const dev = await masterState(m.port, as('dev'));
    expect(dev.frameworks).toHaveLength(1);
    expect([dev.frameworks[0].tasks, dev.frameworks[0].executors]).toEqual([[], []]);

    expect((await operator(m.port, 'GET_TASKS', 'ops')).tasks).toHaveLength(1);
    expect((await operator(m.port, 'GET_TASKS', 'dev')).tasks).toEqual([]);
    expect((await operator(m.port, 'GET_EXECUTORS', 'ops')).executors).toHaveLength(1);
    expect((await operator(m.port, 'GET_EXECUTORS', 'dev')).executors).toEqual([]);
    const state = await operator(m.port, 'GET_STATE', 'dev');
    expect([state.get_tasks.tasks, state.get_frameworks.frameworks.length]).toEqual([[], 1]);
    expect((await operator(m.port, 'GET_STATE', 'ops')).get_tasks.tasks).toHaveLength(1);
  });

  it('view_frameworks filters GET_FRAMEWORKS and GET_STATE', async () => {
    const { m } = await start();
    expect((await operator(m.port, 'GET_FRAMEWORKS', 'dev')).frameworks).toHaveLength(1);
    expect((await operator(m.port, 'GET_FRAMEWORKS', 'guest')).frameworks).toEqual([]);
    expect((await operator(m.port, 'GET_STATE', 'guest')).get_frameworks.frameworks).toEqual([]);
  });
});
