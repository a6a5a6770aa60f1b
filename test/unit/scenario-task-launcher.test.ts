// The task launcher (engine/scheduling): how it answers offers, tracks its demand through status
// updates, acknowledges, suppresses and revives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FrameworkCall } from '../../engine/master/scheduler-api.ts';
import type { Offer, TaskInfo, TaskState } from '../../engine/master/v1.ts';
import { allocate, contains, parseResources, type Resources, toQuantities } from '../../engine/resources.ts';
import {
  createTaskLauncher,
  type TaskLauncherConfig,
  task_duration_label,
} from '../../engine/scheduling/task-launcher.ts';

const base: TaskLauncherConfig = {
  name: 'A',
  roles: ['*'],
  task: { cpus: 1, mem: 1024 },
  tasks: Number.POSITIVE_INFINITY,
  per_offer: Number.POSITIVE_INFINITY,
  refuse_seconds: 5,
  duration_ms: Number.POSITIVE_INFINITY,
};

/** An offer of `resources` (flag form) on agent S0, allocated to role '*'. */
function offer(id: string, resources: string | Resources, agent = 'S0'): Offer {
  const r = typeof resources === 'string' ? parseResources(resources) : resources;
  return {
    id: { value: id },
    framework_id: { value: 'F' },
    agent_id: { value: agent },
    hostname: agent,
    url: { scheme: 'http', address: { hostname: agent, ip: '127.0.0.1', port: 5051 }, path: '/slave(1)' },
    resources: allocate(r, '*'),
    attributes: [],
    executor_ids: [],
    allocation_info: { role: '*' },
  };
}

/** Task infos launched by a list of calls. */
function launched(calls: readonly FrameworkCall[]): TaskInfo[] {
  return calls.flatMap((c) =>
    c.type === 'ACCEPT' ? (c.accept.operations ?? []).flatMap((op) => op.launch?.task_infos ?? []) : [],
  );
}

/** A status update for a task. */
function status(taskId: string, state: TaskState, uuid?: string) {
  return {
    task_id: { value: taskId },
    state,
    agent_id: { value: 'S0' },
    ...(uuid === undefined ? {} : { uuid }),
  };
}

describe('task launcher', () => {
  it('launches as many tasks as fit, up to the cap, and declines what it cannot use', () => {
    const launcher = createTaskLauncher({ ...base, per_offer: 3 });
    launcher.subscribed('F', 0);
    const calls = launcher.offers([offer('O1', 'cpus:8;mem:2048'), offer('O2', 'cpus:0.5;mem:4096')], 0);
    expect(launched(calls).map((t) => t.task_id.value)).toEqual(['A-1', 'A-2']);
    const accept = calls.find((c) => c.type === 'ACCEPT');
    expect(accept).toMatchObject({
      accept: { offer_ids: [{ value: 'O1' }], filters: { refuse_seconds: 5 } },
    });
    expect(calls.find((c) => c.type === 'DECLINE')).toMatchObject({
      decline: { offer_ids: [{ value: 'O2' }], filters: { refuse_seconds: 5 } },
    });
    for (const task of launched(calls)) {
      expect(toQuantities(task.resources)).toEqual({ cpus: 1, mem: 1024 });
      expect(task.resources.every((r) => r.allocation_info?.role === '*')).toBe(true);
      expect(task.agent_id.value).toBe('S0');
    }
  });

  it('respects per_offer and the remaining demand', () => {
    const launcher = createTaskLauncher({ ...base, tasks: 3, per_offer: 2 });
    launcher.subscribed('F', 0);
    expect(launched(launcher.offers([offer('O1', 'cpus:8;mem:8192')], 0))).toHaveLength(2);
    expect(launched(launcher.offers([offer('O2', 'cpus:8;mem:8192')], 0))).toHaveLength(1);
    const calls = launcher.offers([offer('O3', 'cpus:8;mem:8192')], 0);
    expect(launched(calls)).toHaveLength(0);
    expect(calls.map((c) => c.type)).toEqual(['DECLINE']);
    expect(launcher.status()).toMatchObject({ launched: 3, active: 3, remaining: 0 });
  });

  it('counts finished tasks as done and replaces lost ones', () => {
    const launcher = createTaskLauncher({ ...base, tasks: 2 });
    launcher.subscribed('F', 0);
    launcher.offers([offer('O1', 'cpus:2;mem:2048')], 0);
    launcher.update(status('A-1', 'TASK_RUNNING'), 0);
    launcher.update(status('A-1', 'TASK_FINISHED'), 0);
    launcher.update(status('A-2', 'TASK_LOST'), 0);
    expect(launcher.status()).toMatchObject({ launched: 2, active: 0, finished: 1, failed: 1, remaining: 1 });
    expect(
      launched(launcher.offers([offer('O2', 'cpus:4;mem:4096')], 0)).map((t) => t.task_id.value),
    ).toEqual(['A-3']);
  });

  it('acknowledges updates that carry a uuid, and only those', () => {
    const launcher = createTaskLauncher(base);
    launcher.subscribed('F', 0);
    expect(launcher.update(status('A-1', 'TASK_RUNNING', 'dXVpZA=='), 0)).toEqual([
      {
        type: 'ACKNOWLEDGE',
        framework_id: { value: 'F' },
        acknowledge: { agent_id: { value: 'S0' }, task_id: { value: 'A-1' }, uuid: 'dXVpZA==' },
      },
    ]);
    expect(launcher.update(status('A-1', 'TASK_RUNNING'), 0)).toEqual([]);
  });

  it('suppresses when its demand is met and revives when a task is lost', () => {
    const launcher = createTaskLauncher({ ...base, tasks: 1, suppress_when_done: true });
    launcher.subscribed('F', 0);
    const calls = launcher.offers([offer('O1', 'cpus:2;mem:2048')], 0);
    expect(calls.map((c) => c.type)).toEqual(['ACCEPT', 'SUPPRESS']);
    expect(launcher.status().suppressed).toBe(true);
    expect(launcher.update(status('A-1', 'TASK_FAILED'), 0).map((c) => c.type)).toEqual(['REVIVE']);
    expect(launcher.status().suppressed).toBe(false);
  });

  it('reconciles after re-subscribing with its id, and writes the duration into tasks', () => {
    const launcher = createTaskLauncher({ ...base, duration_ms: 2500, failover_timeout_seconds: 60 });
    expect(launcher.frameworkInfo().id).toBeUndefined();
    expect(launcher.subscribed('F', 0)).toEqual([]);
    expect(launcher.frameworkInfo()).toMatchObject({
      id: { value: 'F' },
      failover_timeout: 60,
      roles: ['*'],
    });
    expect(launcher.subscribed('F', 10).map((c) => c.type)).toEqual(['RECONCILE']);
    expect(() => launcher.subscribed('G', 10)).toThrow(/re-subscribed as G/);
    const [task] = launched(launcher.offers([offer('O1', 'cpus:1;mem:1024')], 0));
    expect(task?.command?.value).toBe('sleep 2.5');
    expect(task?.labels?.labels).toEqual([{ key: task_duration_label, value: '2500' }]);
  });

  it('rejects a demand that cannot be met', () => {
    expect(() => createTaskLauncher({ ...base, task: {} })).toThrow(/task size is empty/);
    expect(() => createTaskLauncher({ ...base, per_offer: 0 })).toThrow(/per_offer/);
    expect(() => createTaskLauncher({ ...base, roles: [] })).toThrow(/at least one role/);
  });

  it('never launches more than an offer holds, nor more than the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 5 }),
        (cpus_tenths, mem, task_tenths, task_mem, cap) => {
          const launcher = createTaskLauncher({
            ...base,
            task: { cpus: task_tenths / 10, mem: task_mem },
            per_offer: cap,
          });
          launcher.subscribed('F', 0);
          const o = offer('O1', `cpus:${cpus_tenths / 10};mem:${mem}`);
          const tasks = launched(launcher.offers([o], 0));
          const fit = Math.min(Math.floor(cpus_tenths / task_tenths), Math.floor(mem / task_mem));
          expect(tasks.length).toBe(Math.min(fit, cap));
          let used: Resources = [];
          for (const t of tasks) used = [...used, ...t.resources];
          expect(contains(o.resources, used)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
