import { describe, expect, it } from 'vitest';
import type { MasterEffect } from '../../engine/master/effects.ts';
import type { AgentReregisterInput } from '../../engine/master/inputs.ts';
import type { Task } from '../../engine/master/v1.ts';
import {
  agentMessages,
  commandTask,
  cpusMem,
  eventsOf,
  Harness,
  messagesOf,
  offersOf,
  updatesOf,
  uuid,
} from './master-harness.ts';

/** One agent, two frameworks (one partition-aware), a running task of each on the agent. */
function withTasks(options: ConstructorParameters<typeof Harness>[0] = {}, checkpoint = false) {
  const h = new Harness(options);
  const agentId = h.registerAgent('a1', 'cpus:4;mem:4096');
  const kept = checkpoint ? { checkpoint: true } : {};
  const plain = h.subscribe({ name: 'plain', ...kept });
  const aware = h.subscribe({ name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }], ...kept });
  for (const fw of [plain, aware]) {
    h.step({ type: 'agent_pong', agent_id: agentId });
    const out = h.advance(1000, (k) => k.startsWith('agent_ping'));
    const offer = offersOf(out, fw.frameworkId)[0]!;
    h.call(fw.frameworkId, fw.streamId, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          {
            type: 'LAUNCH',
            launch: { task_infos: [commandTask(`t-${fw.frameworkId}`, offer, cpusMem(1, 64))] },
          },
        ],
        filters: { refuse_seconds: 1000 },
      },
    });
    h.update(agentId, fw.frameworkId, {
      task_id: { value: `t-${fw.frameworkId}` },
      state: 'TASK_RUNNING',
      uuid: uuid(1),
    });
  }
  return { h, agentId, plain, aware };
}

/** The task `withTasks` launched for a framework, as its agent reports it when it re-registers: running. */
function reportedTask(agentId: string, frameworkId: string): Task {
  return {
    name: `t-${frameworkId}`,
    task_id: { value: `t-${frameworkId}` },
    framework_id: { value: frameworkId },
    agent_id: { value: agentId },
    state: 'TASK_RUNNING',
    resources: cpusMem(1, 64),
  };
}

/** Agent a1 (`agentId`) re-registering on `connection`: port 5051 and no resources unless given. */
function reregistration(
  agentId: string,
  connection: string,
  options: { readonly tasks?: readonly Task[]; readonly port?: number; readonly resources?: string } = {},
): AgentReregisterInput {
  return {
    type: 'agent_reregister',
    connection,
    agent_info: {
      hostname: 'a1',
      port: options.port ?? 5051,
      resources: options.resources ?? [],
      id: { value: agentId },
    },
    ...(options.tasks === undefined ? {} : { tasks: options.tasks }),
  };
}

/** Fires health-check timers without answering, until the agent leaves; returns the effects. */
function missPings(h: Harness): MasterEffect[] {
  return h.advance(6 * 15_000, (k) => k === 'allocation');
}

describe('master agents', () => {
  it('registers an agent: normalized resources, default ports, a ping, a registry entry', () => {
    const h = new Harness();
    const out = h.step({
      type: 'agent_register',
      connection: 'c1',
      agent_info: {
        hostname: 'host1',
        port: 5051,
        resources: 'mem:1024;cpus:2;cpus:0.5',
        attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }],
      },
    });
    expect(agentMessages(out).map((m) => [m.agent_id, m.connection, m.message.type])).toEqual([
      ['m1-S0', 'c1', 'registered'],
      ['m1-S0', 'c1', 'ping'],
    ]);
    const agent = h.master.state().agents[0]!;
    expect(agent.resources.map((r) => [r.name, r.scalar?.value ?? r.ranges?.range])).toEqual([
      ['cpus', 2.5],
      ['mem', 1024],
      ['ports', [{ begin: 31000, end: 32000 }]],
    ]);
    expect(out).toContainEqual(
      expect.objectContaining({ type: 'registry', op: 'agent_admitted', agent_id: 'm1-S0' }),
    );
    expect(out).toContainEqual({ type: 'set_timer', key: 'agent_ping:m1-S0', at_ms: 15_000 });
    // A retry from the same (connected) address gets the same id.
    expect(h.registerAgent('host1')).toBe('m1-S0');
    expect(h.master.state().agents).toHaveLength(1);
    // Bad resources are refused with a shutdown.
    const bad = h.step({
      type: 'agent_register',
      connection: 'c2',
      agent_info: { hostname: 'h2', resources: 'cpus:-1' },
    });
    expect(messagesOf(bad, 'shutdown')).toHaveLength(1);
    expect(h.master.state().agents).toHaveLength(1);
  });

  it('keeps an agent that answers its pings', () => {
    const h = new Harness();
    const agentId = h.registerAgent('a1');
    for (let i = 0; i < 10; i++) {
      h.advance(15_000, (k) => k === 'allocation');
      h.step({ type: 'agent_pong', agent_id: agentId });
    }
    expect(h.master.state().agents.map((a) => a.id)).toEqual([agentId]);
  });

  it('marks an agent unreachable after missed pings: TASK_LOST or TASK_UNREACHABLE, offers rescinded', () => {
    const { h, agentId, plain, aware } = withTasks();
    // Let the allocator offer what is left to someone, so there is an offer to rescind.
    h.call(plain.frameworkId, plain.streamId, { type: 'REVIVE' });
    const offered = offersOf(
      h.advance(1000, (k) => k.startsWith('agent_ping')),
      plain.frameworkId,
    );
    expect(offered).toHaveLength(1);
    const out = missPings(h);
    expect(updatesOf(out, plain.frameworkId).map((s) => [s.state, s.reason, s.source, s.uuid])).toEqual([
      ['TASK_LOST', 'REASON_AGENT_REMOVED', 'SOURCE_MASTER', undefined],
    ]);
    const unreachable = updatesOf(out, aware.frameworkId);
    expect(unreachable.map((s) => [s.state, s.reason])).toEqual([
      ['TASK_UNREACHABLE', 'REASON_AGENT_REMOVED'],
    ]);
    expect(unreachable[0]!.unreachable_time).toBeDefined();
    expect(eventsOf(out, plain.frameworkId, 'RESCIND').map((e) => e.rescind.offer_id.value)).toEqual([
      offered[0]!.id.value,
    ]);
    expect(eventsOf(out, aware.frameworkId, 'FAILURE')).toEqual([
      { type: 'FAILURE', failure: { agent_id: { value: agentId } } },
    ]);
    expect(out).toContainEqual(
      expect.objectContaining({ type: 'registry', op: 'agent_unreachable', agent_id: agentId }),
    );
    const view = h.master.state();
    expect(view.agents).toEqual([]);
    expect(view.unreachable_agents.map((u) => u.id)).toEqual([agentId]);
    const awareView = view.frameworks.find((f) => f.id === aware.frameworkId)!;
    expect(awareView.unreachable_tasks.map((t) => t.state)).toEqual(['TASK_UNREACHABLE']);
    expect(
      view.frameworks.find((f) => f.id === plain.frameworkId)!.completed_tasks.map((t) => t.state),
    ).toEqual(['TASK_LOST']);
  });

  it('removes an agent for good with the remove policy: TASK_GONE for partition-aware frameworks', () => {
    const { h, agentId, plain, aware } = withTasks({ agentFailure: 'remove' });
    const out = missPings(h);
    expect(updatesOf(out, plain.frameworkId).map((s) => s.state)).toEqual(['TASK_LOST']);
    expect(updatesOf(out, aware.frameworkId).map((s) => s.state)).toEqual(['TASK_GONE']);
    expect(out).toContainEqual({ type: 'registry', op: 'agent_removed', agent_id: agentId });
    // A removed agent may not come back.
    const back = h.step(reregistration(agentId, 'c9'));
    expect(messagesOf(back, 'shutdown')).toHaveLength(1);
    expect(h.master.state().agents).toEqual([]);
  });

  it('takes an unreachable agent back with the tasks it reports', () => {
    const { h, agentId, plain, aware } = withTasks();
    missPings(h);
    const taskId = `t-${aware.frameworkId}`;
    const out = h.step(
      reregistration(agentId, 'c2', {
        tasks: [reportedTask(agentId, aware.frameworkId)],
        resources: 'cpus:4;mem:4096',
      }),
    );
    expect(messagesOf(out, 'reregistered')).toEqual([{ type: 'reregistered', agent_id: { value: agentId } }]);
    const view = h.master.state();
    expect(view.unreachable_agents).toEqual([]);
    const awareView = view.frameworks.find((f) => f.id === aware.frameworkId)!;
    expect(awareView.tasks.map((t) => [t.task_id, t.state])).toEqual([[taskId, 'TASK_RUNNING']]);
    expect(awareView.unreachable_tasks).toEqual([]);
    expect(view.agents[0]!.used_resources.find((r) => r.name === 'cpus')?.scalar?.value).toBe(1);
    expect(plain.frameworkId).toBeDefined();
  });

  it('shuts down the work of non-partition-aware frameworks when an unreachable agent comes back', () => {
    const { h, agentId, plain, aware } = withTasks();
    missPings(h);
    const out = h.step(
      reregistration(agentId, 'c2', {
        tasks: [reportedTask(agentId, plain.frameworkId), reportedTask(agentId, aware.frameworkId)],
        resources: 'cpus:4;mem:4096',
      }),
    );
    // The plain framework was told TASK_LOST: its task must not come back, the agent kills it.
    expect(messagesOf(out, 'shutdown_framework')).toEqual([
      { type: 'shutdown_framework', framework_id: { value: plain.frameworkId } },
    ]);
    const view = h.master.state();
    expect(view.frameworks.find((f) => f.id === plain.frameworkId)!.tasks).toEqual([]);
    expect(view.frameworks.find((f) => f.id === aware.frameworkId)!.tasks.map((t) => t.state)).toEqual([
      'TASK_RUNNING',
    ]);
    expect(view.agents[0]!.used_resources.find((r) => r.name === 'cpus')?.scalar?.value).toBe(1);
  });

  it('follows an agent that re-registers from another port', () => {
    const { h, agentId } = withTasks();
    h.step({ type: 'agent_disconnected', agent_id: agentId });
    h.step(reregistration(agentId, 'c4', { port: 6061 }));
    expect(h.master.state().agents.map((a) => [a.id, a.hostname, a.port])).toEqual([[agentId, 'a1', 6061]]);
  });

  it('re-registration of a connected agent keeps its tasks and reconciles those it did not report', () => {
    const { h, agentId, plain, aware } = withTasks({}, true);
    h.step({ type: 'agent_disconnected', agent_id: agentId });
    const out = h.step(reregistration(agentId, 'c3', { tasks: [reportedTask(agentId, plain.frameworkId)] }));
    expect(messagesOf(out, 'reconcile_tasks')).toEqual([
      {
        type: 'reconcile_tasks',
        framework_id: { value: aware.frameworkId },
        tasks: [{ task_id: { value: `t-${aware.frameworkId}` }, state: 'TASK_RUNNING' }],
      },
    ]);
    expect(agentMessages(out).every((m) => m.connection === 'c3')).toBe(true);
    const view = h.master.state();
    expect(view.agents[0]!.active).toBe(true);
    expect(view.frameworks.flatMap((f) => f.tasks.map((t) => t.task_id)).sort()).toEqual(
      [`t-${plain.frameworkId}`, `t-${aware.frameworkId}`].sort(),
    );
    expect(view.agents[0]!.used_resources.find((r) => r.name === 'cpus')?.scalar?.value).toBe(2);
  });

  it('a broken agent connection loses the tasks of frameworks that do not checkpoint, for good', () => {
    const { h, agentId, plain, aware } = withTasks();
    const out = h.step({ type: 'agent_disconnected', agent_id: agentId });
    for (const fw of [plain, aware]) {
      const statuses = updatesOf(out, fw.frameworkId);
      expect(statuses.map((u) => [u.state, u.reason, u.source])).toEqual([
        ['TASK_LOST', 'REASON_AGENT_DISCONNECTED', 'SOURCE_MASTER'],
      ]);
    }
    expect(h.master.state().agents[0]!.used_resources.find((r) => r.name === 'cpus')).toBeUndefined();
    // Back with the task still running there: the master does not take it back, it shuts it down.
    const back = h.step(reregistration(agentId, 'c3', { tasks: [reportedTask(agentId, plain.frameworkId)] }));
    expect(messagesOf(back, 'shutdown_framework')).toEqual([
      { type: 'shutdown_framework', framework_id: { value: plain.frameworkId } },
    ]);
    expect(h.master.state().frameworks.flatMap((f) => f.tasks)).toEqual([]);
  });

  it('ignores (and traces) a status update from an agent other than the task’s', () => {
    const { h, plain } = withTasks();
    const other = h.registerAgent('a2');
    const out = h.update(other, plain.frameworkId, {
      task_id: { value: `t-${plain.frameworkId}` },
      state: 'TASK_FAILED',
      uuid: uuid(3),
    });
    expect(updatesOf(out, plain.frameworkId)).toEqual([]);
    expect(out).toEqual([
      expect.objectContaining({
        type: 'trace',
        event: expect.objectContaining({ type: 'input_ignored', input: 'agent_status_update' }),
      }),
    ]);
    const task = h.master.state().frameworks.find((f) => f.id === plain.frameworkId)!.tasks[0]!;
    expect(task.state).toBe('TASK_RUNNING');
  });

  it('reports an executor exit as FAILURE and frees its resources', () => {
    const h = new Harness();
    const agentId = h.registerAgent('a1');
    const { frameworkId, streamId } = h.subscribe();
    const [offer] = offersOf(h.allocate(), frameworkId);
    const task = {
      ...commandTask('t1', offer!, cpusMem(1, 64)),
      command: undefined,
      executor: {
        executor_id: { value: 'ex' },
        command: { value: './executor' },
        resources: cpusMem(0.5, 32),
      },
    };
    h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer!.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
    });
    expect(h.master.state().agents[0]!.used_resources.find((r) => r.name === 'cpus')?.scalar?.value).toBe(
      1.5,
    );
    h.update(agentId, frameworkId, { task_id: { value: 't1' }, state: 'TASK_FAILED' });
    const out = h.step({
      type: 'agent_executor_exited',
      agent_id: agentId,
      framework_id: frameworkId,
      executor_id: 'ex',
      status: 1,
    });
    expect(eventsOf(out, frameworkId, 'FAILURE')).toEqual([
      { type: 'FAILURE', failure: { agent_id: { value: agentId }, executor_id: { value: 'ex' }, status: 1 } },
    ]);
    expect(h.master.state().agents[0]!.used_resources).toEqual([]);
  });

  it('marks registry agents that never re-register unreachable after the timeout', () => {
    const h = new Harness({
      agentReregisterTimeoutMs: 60_000,
      recovered: { agents: [{ agent_id: 'old-S1', agent_info: { hostname: 'h', resources: [] } }] },
    });
    const out = h.step({ type: 'start' });
    expect(out).toContainEqual({ type: 'set_timer', key: 'agent_reregister_timeout', at_ms: 60_000 });
    expect(h.master.state().recovered_agents).toEqual(['old-S1']);
    const timeout = h.advance(60_000, (k) => k === 'allocation');
    expect(timeout).toContainEqual({
      type: 'registry',
      op: 'agent_unreachable',
      agent_id: 'old-S1',
      time_ms: 60_000,
    });
    expect(h.master.state().unreachable_agents.map((u) => u.id)).toEqual(['old-S1']);
  });
});
