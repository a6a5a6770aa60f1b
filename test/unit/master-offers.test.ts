import { describe, expect, it } from 'vitest';
import {
  callErrors,
  commandTask,
  cpusMem,
  eventsOf,
  Harness,
  messagesOf,
  offersOf,
  updatesOf,
  uuid,
} from './master-harness.ts';

/** A master with one agent and one subscribed framework, and the first offer made to it. */
function setup(info = {}) {
  const h = new Harness();
  const agentId = h.registerAgent('a1');
  const { frameworkId, streamId } = h.subscribe(info);
  const offers = offersOf(h.allocate(), frameworkId);
  expect(offers).toHaveLength(1);
  return { h, agentId, frameworkId, streamId, offer: offers[0]! };
}

describe('master offers and launches', () => {
  it('offers an agent to a framework in the v1 shape', () => {
    const { agentId, frameworkId, offer } = setup();
    expect(offer.id.value).toBe('m1-O0');
    expect(offer.framework_id.value).toBe(frameworkId);
    expect(offer.agent_id.value).toBe(agentId);
    expect(offer.hostname).toBe('a1');
    expect(offer.url).toEqual({
      scheme: 'http',
      address: { hostname: 'a1', ip: '127.0.0.1', port: 5051 },
      path: '/slave(1)',
    });
    expect(offer.allocation_info).toEqual({ role: '*' });
    const cpus = offer.resources.find((r) => r.name === 'cpus');
    expect(cpus?.scalar?.value).toBe(4);
    expect(cpus?.role).toBe('*');
    const ports = offer.resources.find((r) => r.name === 'ports');
    expect(ports?.ranges?.range).toEqual([{ begin: 31000, end: 32000 }]);
  });

  it('runs a task through its life and offers its resources again when it ends', () => {
    const { h, agentId, frameworkId, streamId, offer } = setup();
    const task = commandTask('t1', offer, cpusMem(1, 1024));
    const out = h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
    });
    expect(callErrors(out)).toEqual([]);
    const runs = messagesOf(out, 'run_task');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.task.task_id.value).toBe('t1');
    expect(runs[0]!.framework_info.id?.value).toBe(frameworkId);
    expect(runs[0]!.task.resources.every((r) => r.allocation_info?.role === '*')).toBe(true);
    expect(h.master.state().frameworks[0]!.tasks[0]!.state).toBe('TASK_STAGING');

    // The unused part (3 cpus) is filtered for 5 s by default, so the next cycle offers nothing.
    expect(offersOf(h.allocate(), frameworkId)).toEqual([]);

    for (const [n, state] of (['TASK_STARTING', 'TASK_RUNNING'] as const).entries()) {
      const u = h.update(agentId, frameworkId, {
        task_id: { value: 't1' },
        state,
        uuid: uuid(n),
        source: 'SOURCE_EXECUTOR',
      });
      expect(updatesOf(u, frameworkId).map((s) => [s.state, s.uuid, s.agent_id?.value])).toEqual([
        [state, uuid(n), agentId],
      ]);
      const ack = h.call(frameworkId, streamId, {
        type: 'ACKNOWLEDGE',
        acknowledge: { agent_id: { value: agentId }, task_id: { value: 't1' }, uuid: uuid(n) },
      });
      expect(messagesOf(ack, 'acknowledge')).toEqual([
        {
          type: 'acknowledge',
          framework_id: { value: frameworkId },
          task_id: { value: 't1' },
          uuid: uuid(n),
        },
      ]);
    }
    h.update(agentId, frameworkId, { task_id: { value: 't1' }, state: 'TASK_FINISHED', uuid: uuid(9) });
    // Resources return as soon as the terminal update arrives; the task stays until acknowledged.
    let view = h.master.state();
    expect(view.agents[0]!.used_resources).toEqual([]);
    expect(view.frameworks[0]!.tasks.map((t) => t.state)).toEqual(['TASK_FINISHED']);
    h.call(frameworkId, streamId, {
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: { value: agentId }, task_id: { value: 't1' }, uuid: uuid(9) },
    });
    view = h.master.state();
    expect(view.frameworks[0]!.tasks).toEqual([]);
    expect(view.frameworks[0]!.completed_tasks.map((t) => t.statuses.map((s) => s.state))).toEqual([
      ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'],
    ]);

    h.advance(5000);
    const again = offersOf(h.log.slice(-50), frameworkId);
    expect(again.length).toBeGreaterThan(0);
    const cpus = again.at(-1)!.resources.find((r) => r.name === 'cpus');
    expect(cpus?.scalar?.value).toBe(4);
  });

  it('does not re-offer declined resources until the filter expires', () => {
    const { h, frameworkId, streamId, offer } = setup();
    h.call(frameworkId, streamId, {
      type: 'DECLINE',
      decline: { offer_ids: [offer.id], filters: { refuse_seconds: 30 } },
    });
    expect(h.master.state().frameworks[0]!.offers).toEqual([]);
    const soon = h.advance(29_000);
    expect(offersOf(soon, frameworkId)).toEqual([]);
    const later = h.advance(2_000);
    expect(offersOf(later, frameworkId)).toHaveLength(1);
  });

  it('answers invalid tasks with TASK_ERROR and launches the valid ones', () => {
    const { h, frameworkId, streamId, offer } = setup();
    const good = commandTask('good', offer, cpusMem(1, 512));
    const tasks = [
      good,
      commandTask('good', offer, cpusMem(1, 512)),
      commandTask('big', offer, cpusMem(8, 512)),
      commandTask('empty', offer, []),
      {
        ...commandTask('both', offer, cpusMem(1, 1)),
        executor: { executor_id: { value: 'e' }, command: { value: 'x' } },
      },
      { ...commandTask('none', offer, cpusMem(1, 1)), command: undefined },
      { ...commandTask('elsewhere', offer, cpusMem(1, 1)), agent_id: { value: 'm1-S99' } },
      { ...commandTask('bad/id', offer, cpusMem(1, 1)) },
    ];
    const out = h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }] },
    });
    expect(messagesOf(out, 'run_task').map((m) => m.task.task_id.value)).toEqual(['good']);
    const errors = updatesOf(out, frameworkId);
    expect(errors.map((s) => [s.task_id.value, s.state, s.reason])).toEqual(
      ['good', 'big', 'empty', 'both', 'none', 'elsewhere', 'bad/id'].map((id) => [
        id,
        'TASK_ERROR',
        'REASON_TASK_INVALID',
      ]),
    );
    expect(errors[0]!.message).toMatch(/duplicate ID/);
    expect(errors[1]!.message).toMatch(/more resources/);
    expect(errors[2]!.message).toMatch(/no resources/);
    expect(errors[3]!.message).toMatch(/not both/);
    expect(errors[5]!.message).toMatch(/invalid agent/);
    expect(errors.every((s) => s.uuid === undefined && s.source === 'SOURCE_MASTER')).toBe(true);
    expect(h.master.state().agents[0]!.used_resources.find((r) => r.name === 'cpus')?.scalar?.value).toBe(1);
  });

  it('drops the tasks of an accept with stale or foreign offers and keeps state intact', () => {
    const { h, frameworkId, streamId, offer } = setup();
    const other = h.subscribe({ name: 'other' });
    const task = commandTask('t1', offer, cpusMem(1, 1));
    const foreign = h.call(other.frameworkId, other.streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
    });
    expect(updatesOf(foreign, other.frameworkId).map((s) => [s.state, s.reason])).toEqual([
      ['TASK_LOST', 'REASON_INVALID_OFFERS'],
    ]);
    expect(messagesOf(foreign, 'run_task')).toEqual([]);
    // The offer still belongs to the first framework.
    expect(
      h.master
        .state()
        .frameworks.find((f) => f.id === frameworkId)!
        .offers.map((o) => o.id),
    ).toEqual([offer.id.value]);

    h.call(frameworkId, streamId, { type: 'DECLINE', decline: { offer_ids: [offer.id] } });
    const stale = h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
    });
    expect(updatesOf(stale, frameworkId).map((s) => [s.task_id.value, s.state, s.reason])).toEqual([
      ['t1', 'TASK_LOST', 'REASON_INVALID_OFFERS'],
    ]);
    expect(h.master.state().frameworks.flatMap((f) => f.tasks)).toEqual([]);
  });

  it('drops tasks with TASK_DROPPED for partition-aware frameworks', () => {
    const { h, frameworkId, streamId, offer } = setup({ capabilities: [{ type: 'PARTITION_AWARE' }] });
    const out = h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id, { value: 'm1-O77' }],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('t', offer, cpusMem(1, 1))] } }],
      },
    });
    expect(updatesOf(out, frameworkId).map((s) => [s.state, s.reason])).toEqual([
      ['TASK_DROPPED', 'REASON_INVALID_OFFERS'],
    ]);
    // The valid offer of the call was taken back.
    expect(h.master.state().frameworks[0]!.offers).toEqual([]);
  });

  it('refuses unsupported operations with a 400 before changing anything', () => {
    const { h, frameworkId, streamId, offer } = setup();
    const out = h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'GROW_VOLUME' }],
      },
    });
    expect(callErrors(out).map((e) => e.status)).toEqual([400]);
    expect(h.master.state().frameworks[0]!.offers.map((o) => o.id)).toEqual([offer.id.value]);
  });

  it('launches a task group all together on a default executor', () => {
    const { h, frameworkId, streamId, offer } = setup();
    const executor = {
      executor_id: { value: 'ex1' },
      type: 'DEFAULT' as const,
      resources: cpusMem(0.1, 32),
    };
    const tasks = [
      { ...commandTask('g1', offer, cpusMem(1, 128)) },
      { ...commandTask('g2', offer, cpusMem(1, 128)) },
    ];
    const out = h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH_GROUP', launch_group: { executor, task_group: { tasks } } }],
      },
    });
    const group = messagesOf(out, 'run_task_group');
    expect(group).toHaveLength(1);
    expect(group[0]!.task_group.tasks.map((t) => t.task_id.value)).toEqual(['g1', 'g2']);
    expect(group[0]!.executor.framework_id?.value).toBe(frameworkId);
    const view = h.master.state();
    expect(view.frameworks[0]!.tasks.map((t) => t.executor_id)).toEqual(['ex1', 'ex1']);
    expect(view.frameworks[0]!.executors.map((e) => e.executor_id)).toEqual(['ex1']);
    expect(view.agents[0]!.used_resources.find((r) => r.name === 'cpus')?.scalar?.value).toBe(2.1);

    // A group with one bad task launches nothing.
    h.advance(6000);
    const next = offersOf(h.log, frameworkId).at(-1)!;
    const bad = h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [next.id],
        operations: [
          {
            type: 'LAUNCH_GROUP',
            launch_group: {
              executor: { ...executor, executor_id: { value: 'ex2' } },
              task_group: {
                tasks: [commandTask('g3', next, cpusMem(1, 1)), commandTask('g4', next, cpusMem(99, 1))],
              },
            },
          },
        ],
      },
    });
    expect(messagesOf(bad, 'run_task_group')).toEqual([]);
    expect(updatesOf(bad, frameworkId).map((s) => [s.task_id.value, s.reason])).toEqual([
      ['g3', 'REASON_TASK_GROUP_INVALID'],
      ['g4', 'REASON_TASK_GROUP_INVALID'],
    ]);
  });

  it('rescinds offers held past the offer timeout', () => {
    const h = new Harness({ offerTimeoutMs: 10_000 });
    h.registerAgent('a1');
    const { frameworkId } = h.subscribe();
    const [offer] = offersOf(h.allocate(), frameworkId);
    const out = h.advance(10_000, (key) => key === 'allocation');
    expect(eventsOf(out, frameworkId, 'RESCIND').map((e) => e.rescind.offer_id.value)).toEqual([
      offer!.id.value,
    ]);
  });

  it('stops offers on SUPPRESS and resumes them on REVIVE', () => {
    const { h, frameworkId, streamId, offer } = setup();
    h.call(frameworkId, streamId, { type: 'SUPPRESS', suppress: { roles: [] } });
    h.call(frameworkId, streamId, {
      type: 'DECLINE',
      decline: { offer_ids: [offer.id], filters: { refuse_seconds: 0 } },
    });
    expect(offersOf(h.advance(3000), frameworkId)).toEqual([]);
    h.call(frameworkId, streamId, { type: 'REVIVE', revive: { roles: [] } });
    expect(offersOf(h.advance(1000), frameworkId)).toHaveLength(1);
    const bad = h.call(frameworkId, streamId, { type: 'REVIVE', revive: { roles: ['nope'] } });
    expect(callErrors(bad).map((e) => e.status)).toEqual([400]);
  });
});
