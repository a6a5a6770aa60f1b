// The master's cheap lookups against its whole view: on random sequences of inputs (agents coming
// and going, frameworks launching, updating, acknowledging and tearing down), every count, total,
// agent, framework, task and offer a lookup gives is what the view built from scratch shows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MasterStateView, TaskView } from '../../engine/master/view.ts';
import { roundScalar } from '../../engine/quantities.ts';
import type { Resources } from '../../engine/resources.ts';
import { commandTask, cpusMem, Harness, offersOf, uuid } from './master-harness.ts';
import { action, Driver } from './master-view-driver.ts';

/** Scalar sums of bags, by name, as the view's summaries add them up. */
function scalarSums(bags: readonly Resources[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const bag of bags) {
    for (const r of bag) {
      if (r.type === 'SCALAR') out[r.name] = roundScalar((out[r.name] ?? 0) + r.scalar!.value);
    }
  }
  return out;
}

/** Checks every lookup against the view built from scratch. */
function checkAgainstView(d: Driver): void {
  const master = d.h.master;
  const lookups = master.lookups;
  const view: MasterStateView = master.state();
  const all = [...view.frameworks, ...view.completed_frameworks];
  const activeAgents = view.agents.filter((a) => a.active).length;
  const activeFrameworks = view.frameworks.filter((f) => f.active).length;
  expect(lookups.counts()).toEqual({
    agents_active: activeAgents,
    agents_inactive: view.agents.length - activeAgents,
    agents_unreachable: view.unreachable_agents.length,
    agents_recovered: view.recovered_agents.length,
    frameworks_active: activeFrameworks,
    frameworks_inactive: view.frameworks.length - activeFrameworks,
    frameworks_completed: view.completed_frameworks.length,
    tasks_active: view.frameworks.reduce((n, f) => n + f.tasks.length, 0),
    tasks_unreachable: view.frameworks.reduce((n, f) => n + f.unreachable_tasks.length, 0),
    tasks_completed: all.reduce((n, f) => n + f.completed_tasks.length, 0),
    executors: view.frameworks.reduce((n, f) => n + f.executors.length, 0),
    offers_outstanding: view.frameworks.reduce((n, f) => n + f.offers.length, 0),
  });
  expect(lookups.scalarTotals()).toEqual({
    total: scalarSums(view.agents.map((a) => a.resources)),
    used: scalarSums(view.agents.map((a) => a.used_resources)),
    offered: scalarSums(view.agents.map((a) => a.offered_resources)),
  });
  expect(lookups.agents()).toEqual(view.agents);
  expect(lookups.startTimeMs()).toBe(view.start_time_ms);
  for (const agent of view.agents) expect(lookups.agent(agent.id)).toEqual(agent);
  for (const framework of all) {
    expect(lookups.framework(framework.id)).toEqual(framework);
    const shown: TaskView[] = [
      ...framework.tasks,
      ...framework.unreachable_tasks,
      ...framework.completed_tasks,
    ];
    for (const { task_id } of shown) {
      const expected =
        framework.tasks.find((t) => t.task_id === task_id) ??
        framework.unreachable_tasks.find((t) => t.task_id === task_id) ??
        framework.completed_tasks.findLast((t) => t.task_id === task_id);
      expect(lookups.task(framework.id, task_id)).toBe(expected);
    }
    for (const offer of framework.offers) expect(lookups.offer(offer.id)).toBe(offer);
  }
  for (const t of d.tasks) {
    const framework = all.find((f) => f.id === t.fw);
    const shown =
      framework === undefined
        ? []
        : [...framework.tasks, ...framework.unreachable_tasks, ...framework.completed_tasks];
    if (!shown.some((s) => s.task_id === t.id)) expect(lookups.task(t.fw, t.id)).toBeUndefined();
  }
  expect(lookups.task('no-such-framework', 't0')).toBeUndefined();
  expect(lookups.agent('no-such-agent')).toBeUndefined();
  expect(lookups.framework('no-such-framework')).toBeUndefined();
}

describe('master lookups', () => {
  it('agree with the whole view after every step of random runs', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 60 }), (actions) => {
        const d = new Driver();
        for (const a of actions) {
          d.run(a);
          checkAgainstView(d);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('keep finding completed tasks as the completed list grows and is trimmed', () => {
    const d = new Driver();
    for (const a of [{ kind: 'agent' }, { kind: 'subscribe' }, { kind: 'allocate' }] as const) d.run(a);
    const f = d.frameworks[0]!;
    for (let round = 0; round < 12; round++) {
      d.run({ kind: 'launch', fw: 0, tasks: 1 });
      const t = d.tasks[d.tasks.length - 1]!;
      d.run({ kind: 'update', task: d.tasks.length - 1, state: 1, withUuid: false });
      // A terminal update without a uuid completes the task at once.
      expect(d.h.master.lookups.task(f.id, t.id)?.state).toBe('TASK_FINISHED');
      d.run({ kind: 'allocate' });
      checkAgainstView(d);
    }
    // Only the newest three completed tasks are shown, and only they are found.
    const completed = d.h.master.state().frameworks[0]!.completed_tasks.map((t) => t.task_id);
    expect(completed).toEqual(['t9', 't10', 't11']);
    expect(d.h.master.lookups.task(f.id, 't8')).toBeUndefined();
    expect(d.h.master.lookups.counts().tasks_completed).toBe(3);
  });
});

describe('the view of tasks, executors and offers', () => {
  it('carries the latest full status, the TaskInfo and the v1 offer', () => {
    const h = new Harness();
    const agentId = h.registerAgent('a1');
    const { frameworkId, streamId } = h.subscribe();
    const [offer] = offersOf(h.allocate(), frameworkId);
    expect(h.master.state().frameworks[0]!.offers[0]!.offer).toEqual(offer);
    const info = {
      ...commandTask('t1', offer!, cpusMem(1, 128)),
      labels: { labels: [{ key: 'team', value: 'search' }] },
      container: { type: 'MESOS' },
    };
    h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer!.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [info] } }] },
    });
    let task = h.master.lookups.task(frameworkId, 't1')!;
    expect(task.status).toBeUndefined();
    expect(task.info?.labels).toEqual(info.labels);
    expect(task.info?.container).toEqual({ type: 'MESOS' });
    expect(task.info?.command?.value).toBe('sleep 1');
    h.update(agentId, frameworkId, {
      task_id: { value: 't1' },
      state: 'TASK_FAILED',
      message: 'Command exited with status 3',
      reason: 'REASON_COMMAND_EXECUTOR_FAILED',
      source: 'SOURCE_EXECUTOR',
      uuid: uuid(5),
    });
    task = h.master.state().frameworks[0]!.tasks[0]!;
    expect(task.status).toMatchObject({
      state: 'TASK_FAILED',
      message: 'Command exited with status 3',
      reason: 'REASON_COMMAND_EXECUTOR_FAILED',
      uuid: uuid(5),
      agent_id: { value: agentId },
    });
  });

  it('carries the ExecutorInfo of executors', () => {
    const h = new Harness();
    h.registerAgent('a1');
    const { frameworkId, streamId } = h.subscribe();
    const [offer] = offersOf(h.allocate(), frameworkId);
    const executor = {
      executor_id: { value: 'e1' },
      command: { value: './executor' },
      resources: cpusMem(0.1, 32),
      labels: { labels: [{ key: 'kind', value: 'custom' }] },
    };
    const { command: _command, ...task } = commandTask('t1', offer!, cpusMem(1, 128));
    h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer!.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [{ ...task, executor }] } }],
      },
    });
    const [seen] = h.master.state().frameworks[0]!.executors;
    expect(seen?.executor_id).toBe('e1');
    expect(seen?.info.command?.value).toBe('./executor');
    expect(seen?.info.labels).toEqual(executor.labels);
    expect(h.master.lookups.framework(frameworkId)?.executors).toEqual([seen]);
  });
});
