import { describe, expect, it } from 'vitest';
import { ipToUint32 } from '../../engine/master/master.ts';
import {
  callErrors,
  commandTask,
  cpusMem,
  events,
  eventsOf,
  Harness,
  messagesOf,
  offersOf,
  updatesOf,
} from './master-harness.ts';

describe('master frameworks', () => {
  it('subscribes a new framework: SUBSCRIBED, HEARTBEAT, then heartbeats on a timer', () => {
    const h = new Harness({ heartbeatIntervalSeconds: 5, hostname: 'master1', ip: '127.0.1.1', port: 5050 });
    const { frameworkId, streamId, effects } = h.subscribe({ name: 'spark' });
    expect(frameworkId).toBe('m1-0000');
    expect(events(effects).map((e) => [e.stream_id, e.event.type])).toEqual([
      [streamId, 'SUBSCRIBED'],
      [streamId, 'HEARTBEAT'],
    ]);
    const subscribed = eventsOf(effects, frameworkId, 'SUBSCRIBED')[0]!.subscribed;
    expect(subscribed.heartbeat_interval_seconds).toBe(5);
    expect(subscribed.master_info).toMatchObject({
      id: 'm1',
      ip: 16842879,
      pid: 'master@127.0.1.1:5050',
      address: { hostname: 'master1', ip: '127.0.1.1', port: 5050 },
    });
    expect(effects).toContainEqual({
      type: 'registry',
      op: 'framework_added',
      framework_id: frameworkId,
      framework_info: expect.objectContaining({ name: 'spark', id: { value: frameworkId } }),
    });
    const beats = h.advance(10_000, (key) => key === 'allocation');
    expect(eventsOf(beats, frameworkId, 'HEARTBEAT')).toHaveLength(2);
    expect(h.subscribe().frameworkId).toBe('m1-0001');
  });

  it('reads MasterInfo.ip little-endian', () => {
    expect(ipToUint32('127.0.1.1')).toBe(16842879);
    expect(ipToUint32('10.0.0.1')).toBe(16777226);
  });

  it('refuses bad subscriptions and bad calls with HTTP errors', () => {
    const h = new Harness();
    const noName = h.step({
      type: 'scheduler_call',
      stream_id: 's',
      call: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u' } as never } },
    });
    expect(callErrors(noName).map((e) => e.status)).toEqual([400]);
    const badRole = h.step({
      type: 'scheduler_call',
      stream_id: 's',
      call: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', roles: ['a b'] } } },
    });
    expect(callErrors(badRole).map((e) => e.status)).toEqual([400]);
    const { frameworkId, streamId } = h.subscribe();
    expect(callErrors(h.call('m1-0099', streamId, { type: 'REVIVE' })).map((e) => e.status)).toEqual([400]);
    expect(callErrors(h.call(frameworkId, 'other-stream', { type: 'REVIVE' })).map((e) => e.status)).toEqual([
      400,
    ]);
    const unknownType = h.call(frameworkId, streamId, { type: 'FROBNICATE' } as never);
    expect(callErrors(unknownType).map((e) => e.status)).toEqual([501]);
    const badAck = h.call(frameworkId, streamId, {
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: { value: 'm1-S0' }, task_id: { value: 't' }, uuid: 'not-a-uuid' },
    });
    expect(callErrors(badAck).map((e) => e.status)).toEqual([400]);
    h.step({ type: 'framework_disconnected', framework_id: frameworkId, stream_id: streamId });
    expect(callErrors(h.call(frameworkId, streamId, { type: 'REVIVE' })).map((e) => e.status)).toEqual([403]);
  });

  it('fails a framework over to a new stream: the old one gets ERROR and is closed, offers rescinded', () => {
    const h = new Harness();
    h.registerAgent('a1');
    const { frameworkId, streamId } = h.subscribe({ failover_timeout: 60 });
    const [offer] = offersOf(h.allocate(), frameworkId);
    const out = h.step({
      type: 'scheduler_call',
      stream_id: 'new-stream',
      call: {
        type: 'SUBSCRIBE',
        framework_id: { value: frameworkId },
        subscribe: {
          framework_info: { user: 'u', name: 'fw', id: { value: frameworkId }, failover_timeout: 60 },
        },
      },
    });
    const onOld = events(out)
      .filter((e) => e.stream_id === streamId)
      .map((e) => e.event.type);
    expect(onOld).toEqual(['RESCIND', 'ERROR']);
    const error = eventsOf(out, frameworkId, 'ERROR')[0]!;
    expect(error.error.message).toBe('Framework failed over');
    expect(out).toContainEqual({
      type: 'close_framework_stream',
      framework_id: frameworkId,
      stream_id: streamId,
    });
    expect(
      events(out)
        .filter((e) => e.stream_id === 'new-stream')
        .map((e) => e.event.type),
    ).toEqual(['SUBSCRIBED', 'HEARTBEAT']);
    expect(h.master.state().frameworks[0]!.offers).toEqual([]);
    expect(offer).toBeDefined();
    // The old stream can no longer call.
    expect(callErrors(h.call(frameworkId, streamId, { type: 'REVIVE' })).map((e) => e.status)).toEqual([400]);
  });

  it('keeps a disconnected framework until its failover timeout, then kills its tasks', () => {
    const h = new Harness();
    const agentId = h.registerAgent('a1');
    const { frameworkId, streamId } = h.subscribe({ failover_timeout: 30 });
    const [offer] = offersOf(h.allocate(), frameworkId);
    h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer!.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('t1', offer!, cpusMem(1, 64))] } }],
      },
    });
    const out = h.step({ type: 'framework_disconnected', framework_id: frameworkId, stream_id: streamId });
    expect(out).toContainEqual({
      type: 'set_timer',
      key: `framework_failover:${frameworkId}`,
      at_ms: h.now + 30_000,
    });
    expect(out).toContainEqual({ type: 'cancel_timer', key: `heartbeat:${frameworkId}` });
    expect(h.master.state().frameworks[0]).toMatchObject({ active: false, connected: false });
    // Disconnected frameworks get no offers.
    expect(offersOf(h.advance(10_000), frameworkId)).toEqual([]);
    const expired = h.advance(20_000);
    expect(messagesOf(expired, 'shutdown_framework')).toEqual([
      { type: 'shutdown_framework', framework_id: { value: frameworkId } },
    ]);
    const view = h.master.state();
    expect(view.frameworks).toEqual([]);
    expect(view.completed_frameworks.map((f) => f.id)).toEqual([frameworkId]);
    expect(view.completed_frameworks[0]!.completed_tasks.map((t) => t.state)).toEqual(['TASK_KILLED']);
    expect(view.agents[0]!.used_resources).toEqual([]);
    expect(expired).toContainEqual({ type: 'registry', op: 'framework_removed', framework_id: frameworkId });
    // A removed framework cannot come back.
    const back = h.step({
      type: 'scheduler_call',
      stream_id: 'late',
      call: {
        type: 'SUBSCRIBE',
        subscribe: { framework_info: { user: 'u', name: 'fw', id: { value: frameworkId } } },
      },
    });
    expect(eventsOf(back, frameworkId, 'ERROR')[0]!.error.message).toBe('Framework has been removed');
    expect(back).toContainEqual({
      type: 'close_framework_stream',
      framework_id: frameworkId,
      stream_id: 'late',
    });
    expect(agentId).toBe('m1-S0');
  });

  it('keeps the tasks of a framework that re-subscribes within its failover timeout', () => {
    const h = new Harness();
    const agentId = h.registerAgent('a1');
    const { frameworkId, streamId } = h.subscribe({ failover_timeout: 30 });
    const [offer] = offersOf(h.allocate(), frameworkId);
    h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer!.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('t1', offer!, cpusMem(1, 64))] } }],
      },
    });
    h.step({ type: 'framework_disconnected', framework_id: frameworkId, stream_id: streamId });
    h.advance(10_000);
    const out = h.step({
      type: 'scheduler_call',
      stream_id: 's2',
      call: {
        type: 'SUBSCRIBE',
        subscribe: {
          framework_info: { user: 'u', name: 'fw', id: { value: frameworkId }, failover_timeout: 30 },
        },
      },
    });
    expect(out).toContainEqual({ type: 'cancel_timer', key: `framework_failover:${frameworkId}` });
    h.advance(60_000);
    const view = h.master.state();
    expect(view.frameworks.map((f) => [f.id, f.connected, f.tasks.map((t) => t.task_id)])).toEqual([
      [frameworkId, true, ['t1']],
    ]);
    const u = h.update(agentId, frameworkId, { task_id: { value: 't1' }, state: 'TASK_RUNNING' });
    expect(events(u).map((e) => e.stream_id)).toEqual(['s2']);
  });

  it('tears a framework down on TEARDOWN and on the operator request', () => {
    const h = new Harness();
    h.registerAgent('a1');
    const a = h.subscribe();
    const b = h.subscribe();
    h.allocate();
    const out = h.call(a.frameworkId, a.streamId, { type: 'TEARDOWN' });
    expect(out).toContainEqual({
      type: 'close_framework_stream',
      framework_id: a.frameworkId,
      stream_id: a.streamId,
    });
    const op = h.step({ type: 'operator_teardown', framework_id: b.frameworkId });
    expect(eventsOf(op, b.frameworkId, 'ERROR').map((e) => e.error.message)).toEqual([
      'Framework has been removed',
    ]);
    expect(h.master.state().completed_frameworks.map((f) => f.id)).toEqual([a.frameworkId, b.frameworkId]);
    expect(
      callErrors(h.step({ type: 'operator_teardown', framework_id: 'nope' })).map((e) => e.status),
    ).toEqual([400]);
  });

  it('answers KILL of an unknown task as Mesos does', () => {
    const h = new Harness();
    const agentId = h.registerAgent('a1');
    const plain = h.subscribe();
    const aware = h.subscribe({ capabilities: [{ type: 'PARTITION_AWARE' }] });
    const lost = h.call(plain.frameworkId, plain.streamId, {
      type: 'KILL',
      kill: { task_id: { value: 'x' } },
    });
    expect(updatesOf(lost, plain.frameworkId).map((s) => [s.state, s.reason])).toEqual([
      ['TASK_LOST', 'REASON_RECONCILIATION'],
    ]);
    const unknown = h.call(aware.frameworkId, aware.streamId, {
      type: 'KILL',
      kill: { task_id: { value: 'x' } },
    });
    expect(updatesOf(unknown, aware.frameworkId).map((s) => s.state)).toEqual(['TASK_UNKNOWN']);
    const gone = h.call(aware.frameworkId, aware.streamId, {
      type: 'KILL',
      kill: { task_id: { value: 'x' }, agent_id: { value: agentId } },
    });
    expect(updatesOf(gone, aware.frameworkId).map((s) => s.state)).toEqual(['TASK_GONE']);
  });

  it('forwards KILL of a known task to its agent', () => {
    const h = new Harness();
    h.registerAgent('a1');
    const { frameworkId, streamId } = h.subscribe();
    const [offer] = offersOf(h.allocate(), frameworkId);
    h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer!.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('t1', offer!, cpusMem(1, 64))] } }],
      },
    });
    const out = h.call(frameworkId, streamId, {
      type: 'KILL',
      kill: { task_id: { value: 't1' }, kill_policy: { grace_period: { nanoseconds: 1e9 } } },
    });
    expect(messagesOf(out, 'kill_task')).toEqual([
      {
        type: 'kill_task',
        framework_id: { value: frameworkId },
        task_id: { value: 't1' },
        kill_policy: { grace_period: { nanoseconds: 1e9 } },
      },
    ]);
  });
});
