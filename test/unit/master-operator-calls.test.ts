// Operator inputs of the engine: resource operations on an agent's free resources (reserve,
// unreserve, volumes), agents deactivated, drained and marked gone, and operation feedback to
// frameworks (UPDATE_OPERATION_STATUS, ACKNOWLEDGE_OPERATION_STATUS, RECONCILE_OPERATIONS).
import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../engine/allocator/policies.ts';
import type { Operation } from '../../engine/master/v1.ts';
import {
  formatResources,
  normalize,
  parseResources,
  type Resource,
  unallocate,
} from '../../engine/resources.ts';
import { createRng } from '../../engine/rng.ts';
import {
  callErrors,
  commandTask,
  eventsOf,
  Harness,
  messagesOf,
  offersOf,
  updatesOf,
} from './master-harness.ts';

const res = (text: string): Resource[] => [...parseResources(text)];
const show = (resources: readonly Resource[]): string => formatResources(unallocate(normalize(resources)));
const drf = () => createAllocator({ policy: 'drf', rng: createRng(1) });

function setup() {
  const h = new Harness({ createAllocator: drf });
  const agentId = h.registerAgent('a1', 'cpus:4;mem:8192;disk:4096');
  const op = (operation: Operation) => h.step({ type: 'operator_operation', agent_id: agentId, operation });
  return { h, agentId, op };
}

const volume = (id: string, mb: number): Resource => ({
  name: 'disk',
  type: 'SCALAR',
  scalar: { value: mb },
  reservations: [{ type: 'DYNAMIC', role: 'prod' }],
  disk: { persistence: { id }, volume: { container_path: 'data', mode: 'RW' } },
});

describe('operator resource operations', () => {
  it('reserves free resources: the agent, the registry and later offers carry the reservation', () => {
    const { h, op } = setup();
    const out = op({ type: 'RESERVE', reserve: { resources: res('cpus(dynamic:prod):2') } });
    expect(callErrors(out)).toEqual([]);
    const applied = messagesOf(out, 'apply_operation');
    expect(applied).toHaveLength(1);
    expect(applied[0]!.framework_id).toBeUndefined();
    expect(show(applied[0]!.resources)).toBe(
      'cpus:2;cpus(dynamic:prod):2;disk:4096;mem:8192;ports:[31000-32000]',
    );
    expect(out.some((e) => e.type === 'registry' && e.op === 'agent_admitted')).toBe(true);
    const { frameworkId } = h.subscribe({ roles: ['prod'] });
    const offer = offersOf(h.allocate(), frameworkId)[0]!;
    expect(show(offer.resources)).toContain('cpus(dynamic:prod):2');
  });

  it('refuses what is not free (409), malformed operations (400) and unknown agents (400)', () => {
    const { h, op } = setup();
    const big = op({ type: 'RESERVE', reserve: { resources: res('cpus(dynamic:prod):5') } });
    expect(callErrors(big).map((e) => e.status)).toEqual([409]);
    expect(callErrors(big)[0]!.message).toMatch(/has no free cpus/);
    const bad = op({ type: 'RESERVE', reserve: { resources: res('cpus:1') } });
    expect(callErrors(bad)[0]!.message).toMatch(/does not carry a dynamic reservation/);
    const unknown = h.step({
      type: 'operator_operation',
      agent_id: 'nope',
      operation: { type: 'UNRESERVE', unreserve: { resources: res('cpus(dynamic:prod):1') } },
    });
    expect(callErrors(unknown)[0]!.message).toMatch(/No agent found with specified ID nope/);
    expect(formatResources(h.master.state().agents[0]!.resources)).toBe(
      'cpus:4;disk:4096;mem:8192;ports:[31000-32000]',
    );
  });

  it('makes, grows, shrinks and destroys a persistent volume, then unreserves the disk', () => {
    const { h, op } = setup();
    const steps: Operation[] = [
      { type: 'RESERVE', reserve: { resources: res('disk(dynamic:prod):2048') } },
      { type: 'CREATE', create: { volumes: [volume('v1', 1024)] } },
      {
        type: 'GROW_VOLUME',
        grow_volume: { volume: volume('v1', 1024), addition: res('disk(dynamic:prod):512')[0]! },
      },
      { type: 'SHRINK_VOLUME', shrink_volume: { volume: volume('v1', 1536), subtract: { value: 256 } } },
    ];
    for (const step of steps) expect(callErrors(op(step))).toEqual([]);
    const total = () => show(h.master.state().agents[0]!.resources);
    expect(total()).toBe(
      'cpus:4;disk:2048;disk(dynamic:prod):768;disk(dynamic:prod)[v1:data]:1280;mem:8192;ports:[31000-32000]',
    );
    const twice = op({ type: 'CREATE', create: { volumes: [volume('v1', 10)] } });
    expect(callErrors(twice)[0]!.message).toMatch(/'v1' is already used/);
    expect(callErrors(op({ type: 'DESTROY', destroy: { volumes: [volume('v1', 1280)] } }))).toEqual([]);
    expect(
      callErrors(op({ type: 'UNRESERVE', unreserve: { resources: res('disk(dynamic:prod):2048') } })),
    ).toEqual([]);
    expect(total()).toBe('cpus:4;disk:4096;mem:8192;ports:[31000-32000]');
  });

  it('rescinds outstanding offers on the agent before it converts', () => {
    const { h, op } = setup();
    const { frameworkId } = h.subscribe({ roles: ['prod'] });
    expect(offersOf(h.allocate(), frameworkId)).toHaveLength(1);
    const out = op({ type: 'RESERVE', reserve: { resources: res('cpus(dynamic:prod):4') } });
    expect(callErrors(out)).toEqual([]);
    expect(eventsOf(out, frameworkId, 'RESCIND')).toHaveLength(1);
  });
});

describe('operator calls on agents', () => {
  it('a deactivated agent is offered to nobody until it is reactivated', () => {
    const { h, agentId } = setup();
    const { frameworkId } = h.subscribe();
    expect(callErrors(h.step({ type: 'operator_deactivate_agent', agent_id: agentId }))).toEqual([]);
    expect(offersOf(h.allocate(), frameworkId)).toEqual([]);
    expect(callErrors(h.step({ type: 'operator_reactivate_agent', agent_id: agentId }))).toEqual([]);
    expect(offersOf(h.allocate(), frameworkId)).toHaveLength(1);
    const again = h.step({ type: 'operator_reactivate_agent', agent_id: agentId });
    expect(callErrors(again)[0]!.message).toMatch(/is not deactivated/);
  });

  it('draining kills the tasks with a bounded grace period, then marks the agent gone', () => {
    const { h, agentId } = setup();
    const { frameworkId, streamId } = h.subscribe({ roles: ['prod'] });
    const offer = offersOf(h.allocate(), frameworkId)[0]!;
    const task = commandTask('t1', offer, res('cpus:1;mem:128'));
    h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
    });
    h.update(agentId, frameworkId, { task_id: { value: 't1' }, state: 'TASK_RUNNING' });
    const out = h.step({
      type: 'operator_drain_agent',
      agent_id: agentId,
      mark_gone: true,
      max_grace_period_ns: 1e9,
    });
    const kills = messagesOf(out, 'kill_task');
    expect(kills.map((k) => [k.task_id.value, k.kill_policy?.grace_period?.nanoseconds])).toEqual([
      ['t1', 1e9],
    ]);
    expect(h.master.state().agents).toHaveLength(1);
    const end = h.update(agentId, frameworkId, { task_id: { value: 't1' }, state: 'TASK_KILLED' });
    expect(messagesOf(end, 'shutdown')).toHaveLength(1);
    expect(h.master.state().agents).toHaveLength(0);
    expect(end.some((e) => e.type === 'registry' && e.op === 'agent_removed')).toBe(true);
  });

  it('marking an agent gone ends its tasks TASK_GONE_BY_OPERATOR; a second time is refused', () => {
    const { h, agentId } = setup();
    const { frameworkId, streamId } = h.subscribe();
    const offer = offersOf(h.allocate(), frameworkId)[0]!;
    const task = commandTask('t1', offer, res('cpus:1;mem:128'));
    h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
    });
    const out = h.step({ type: 'operator_mark_agent_gone', agent_id: agentId });
    expect(updatesOf(out, frameworkId).map((s) => [s.state, s.reason])).toEqual([
      ['TASK_GONE_BY_OPERATOR', 'REASON_AGENT_REMOVED_BY_OPERATOR'],
    ]);
    const again = h.step({ type: 'operator_mark_agent_gone', agent_id: agentId });
    expect(callErrors(again)[0]!.message).toMatch(/already gone/);
  });
});

describe('operation feedback', () => {
  it('an operation with an id is reported, acknowledged and reconciled', () => {
    const h = new Harness({ createAllocator: drf });
    h.registerAgent('a1', 'cpus:4;mem:8192');
    const { frameworkId, streamId } = h.subscribe({ roles: ['prod'] });
    const offer = offersOf(h.allocate(), frameworkId)[0]!;
    const reserve: Operation = {
      type: 'RESERVE',
      id: { value: 'op-1' },
      reserve: { resources: res('cpus(dynamic:prod):1') },
    };
    const bad: Operation = {
      type: 'RESERVE',
      id: { value: 'op-2' },
      reserve: { resources: res('cpus(dynamic:prod):99') },
    };
    const out = h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [reserve, bad] },
    });
    const statuses = eventsOf(out, frameworkId, 'UPDATE_OPERATION_STATUS').map(
      (e) => e.update_operation_status.status,
    );
    expect(statuses.map((s) => [(s.operation_id as { value: string }).value, s.state])).toEqual([
      ['op-1', 'OPERATION_FINISHED'],
      ['op-2', 'OPERATION_ERROR'],
    ]);
    const uuid = (statuses[0]!.uuid as { value: string }).value;
    const ack = h.call(frameworkId, streamId, {
      type: 'ACKNOWLEDGE_OPERATION_STATUS',
      acknowledge_operation_status: { uuid, operation_id: { value: 'op-1' } },
    });
    expect(callErrors(ack)).toEqual([]);
    const rec = h.call(frameworkId, streamId, {
      type: 'RECONCILE_OPERATIONS',
      reconcile_operations: {
        operations: [{ operation_id: { value: 'op-1' } }, { operation_id: { value: 'op-9' } }],
      },
    });
    const answers = eventsOf(rec, frameworkId, 'UPDATE_OPERATION_STATUS').map(
      (e) => e.update_operation_status.status,
    );
    expect(answers.map((s) => [(s.operation_id as { value: string }).value, s.state, s.uuid])).toEqual([
      ['op-1', 'OPERATION_FINISHED', undefined],
      ['op-9', 'OPERATION_UNKNOWN', undefined],
    ]);
    const all = h.call(frameworkId, streamId, { type: 'RECONCILE_OPERATIONS', reconcile_operations: {} });
    expect(eventsOf(all, frameworkId, 'UPDATE_OPERATION_STATUS')).toHaveLength(2);
    const noUuid = h.call(frameworkId, streamId, {
      type: 'ACKNOWLEDGE_OPERATION_STATUS',
      acknowledge_operation_status: { operation_id: { value: 'op-1' } } as never,
    });
    expect(callErrors(noUuid)[0]!.status).toBe(400);
  });
});
