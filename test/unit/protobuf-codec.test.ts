// JSON and protobuf mean the same thing: every scheduler and executor call type, sent in either
// encoding, reaches meso's handling as the same checked call; and the events the engine makes
// survive protobuf encoding whole (no field meso sends is missing from the definitions).
import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../engine/allocator/policies.ts';
import type { MasterEffect } from '../../engine/master/effects.ts';
import { parseResources } from '../../engine/resources.ts';
import { createRng } from '../../engine/rng.ts';
import { parseExecutorCall } from '../../runtime/agent/executor-api.ts';
import { checkJson, schedulerCallSchema } from '../../runtime/master/call-schema.ts';
import {
  apiType,
  decodeCall,
  decodeMessage,
  encodeMessage,
  eventRecord,
  streamMediaType,
} from '../../runtime/wire/protobuf.ts';
import { commandTask, events, Harness, offersOf } from './master-harness.ts';

const id = (value: string) => ({ value });
const res = (text: string) => [...parseResources(text)];
const uuid = Buffer.alloc(16, 7).toString('base64');
const volume = {
  ...res('disk(dynamic:prod):64')[0]!,
  disk: { persistence: { id: 'v1' }, volume: { container_path: 'data', mode: 'RW' } },
};
const task = {
  name: 't',
  task_id: id('t'),
  agent_id: id('a'),
  resources: res('cpus:1;mem:32'),
  command: { value: 'echo hi', shell: true, uris: [{ value: 'file:///x', extract: false }] },
  health_check: { type: 'TCP', tcp: { port: 80 }, interval_seconds: 2, consecutive_failures: 3 },
  kill_policy: { grace_period: { nanoseconds: 1_000_000_000 } },
  labels: { labels: [{ key: 'k', value: 'v' }] },
};
const framework_info = {
  user: 'root',
  name: 'fw',
  roles: ['prod'],
  failover_timeout: 60,
  capabilities: [{ type: 'MULTI_ROLE' }],
};

/** One call of each scheduler call type. */
const scheduler_calls: Record<string, Record<string, unknown>> = {
  SUBSCRIBE: { subscribe: { framework_info, suppressed_roles: ['prod'] } },
  TEARDOWN: {},
  ACCEPT: {
    accept: {
      offer_ids: [id('o1')],
      operations: [
        { type: 'LAUNCH', launch: { task_infos: [task] } },
        {
          type: 'LAUNCH_GROUP',
          launch_group: {
            executor: { executor_id: id('e'), type: 'DEFAULT' },
            task_group: { tasks: [task] },
          },
        },
        { type: 'RESERVE', id: id('op1'), reserve: { resources: res('cpus(dynamic:prod):1') } },
        { type: 'UNRESERVE', unreserve: { resources: res('cpus(dynamic:prod):1') } },
        { type: 'CREATE', create: { volumes: [volume] } },
        { type: 'DESTROY', destroy: { volumes: [volume] } },
        { type: 'GROW_VOLUME', grow_volume: { volume, addition: res('disk(dynamic:prod):8')[0] } },
        { type: 'SHRINK_VOLUME', shrink_volume: { volume, subtract: { value: 8 } } },
      ],
      filters: { refuse_seconds: 2.5 },
    },
  },
  DECLINE: { decline: { offer_ids: [id('o1'), id('o2')], filters: { refuse_seconds: 0 } } },
  ACCEPT_INVERSE_OFFERS: { accept_inverse_offers: { inverse_offer_ids: [id('i1')] } },
  DECLINE_INVERSE_OFFERS: {
    decline_inverse_offers: { inverse_offer_ids: [id('i1')], filters: { refuse_seconds: 1 } },
  },
  REVIVE: { revive: { roles: ['prod'] } },
  KILL: { kill: { task_id: id('t'), agent_id: id('a'), kill_policy: { grace_period: { nanoseconds: 5 } } } },
  SHUTDOWN: { shutdown: { executor_id: id('e'), agent_id: id('a') } },
  ACKNOWLEDGE: { acknowledge: { agent_id: id('a'), task_id: id('t'), uuid } },
  ACKNOWLEDGE_OPERATION_STATUS: {
    acknowledge_operation_status: { agent_id: id('a'), uuid, operation_id: id('op1') },
  },
  RECONCILE: { reconcile: { tasks: [{ task_id: id('t'), agent_id: id('a') }] } },
  RECONCILE_OPERATIONS: { reconcile_operations: { operations: [{ operation_id: id('op1') }] } },
  MESSAGE: {
    message: { agent_id: id('a'), executor_id: id('e'), data: Buffer.from('hi').toString('base64') },
  },
  REQUEST: { request: { requests: [{ agent_id: id('a'), resources: res('cpus:1') }] } },
  SUPPRESS: { suppress: { roles: ['prod'] } },
  UPDATE_FRAMEWORK: { update_framework: { framework_info: { ...framework_info, id: id('f1') } } },
};

const status = {
  task_id: id('t'),
  state: 'TASK_RUNNING',
  source: 'SOURCE_EXECUTOR',
  uuid,
  executor_id: id('e'),
  timestamp: 1.5,
  healthy: true,
};

/** One call of each executor call type. */
const executor_calls: Record<string, Record<string, unknown>> = {
  SUBSCRIBE: { subscribe: { unacknowledged_tasks: [task], unacknowledged_updates: [{ status }] } },
  UPDATE: { update: { status } },
  MESSAGE: { message: { data: Buffer.from('hey').toString('base64') } },
  HEARTBEAT: {},
};

/** The call types of an API's Call.Type, but UNKNOWN. */
function callTypes(api: 'scheduler' | 'executor'): string[] {
  const type = apiType(api, 'Call').lookupEnum('Type');
  return Object.keys(type.values).filter((t) => t !== 'UNKNOWN');
}

describe('JSON and protobuf calls', () => {
  it('cover every call type of both APIs', () => {
    expect(Object.keys(scheduler_calls).sort()).toEqual(callTypes('scheduler').sort());
    expect(Object.keys(executor_calls).sort()).toEqual(callTypes('executor').sort());
  });

  it.each(Object.keys(scheduler_calls))('scheduler %s decodes to the same call', (type) => {
    const call = { type, framework_id: id('f1'), ...scheduler_calls[type] };
    const fromJson = checkJson(JSON.parse(JSON.stringify(call)), schedulerCallSchema(), '');
    const decoded = decodeCall('scheduler', encodeMessage('scheduler', 'Call', call));
    if ('error' in decoded) throw new Error(decoded.error);
    expect('value' in fromJson).toBe(true);
    expect(checkJson(decoded.call, schedulerCallSchema(), '')).toEqual(fromJson);
    expect(fromJson).toEqual({ value: call });
  });

  it.each(Object.keys(executor_calls))('executor %s decodes to the same call', (type) => {
    const call = { type, framework_id: id('f1'), executor_id: id('e'), ...executor_calls[type] };
    const fromJson = parseExecutorCall(JSON.parse(JSON.stringify(call)));
    const decoded = decodeCall('executor', encodeMessage('executor', 'Call', call));
    if ('error' in decoded) throw new Error(decoded.error);
    expect(parseExecutorCall(decoded.call)).toEqual(fromJson);
  });

  it('refuses bytes that are no Call, naming why', () => {
    const bad = decodeCall('scheduler', Uint8Array.from([0x0a, 0x05, 0x01]));
    expect(bad).toEqual({ error: expect.stringMatching(/^Failed to parse body into Call protobuf/) });
    // An executor Call of type HEARTBEAT (field 3) without its executor and framework ids.
    const missing = decodeCall('executor', Uint8Array.from([0x18, 0x04]));
    expect(missing).toEqual({ error: expect.stringMatching(/missing required/) });
  });
});

/** Each effect's event as JSON would carry it. */
function frameworkEvents(out: readonly MasterEffect[]): Array<Record<string, unknown>> {
  return events(out).map((e) => JSON.parse(JSON.stringify(e.event)));
}

/** A JSON value with its empty lists left out. */
function withoutEmptyLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyLists);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (!(Array.isArray(field) && field.length === 0)) out[key] = withoutEmptyLists(field);
  }
  return out;
}

describe('protobuf events', () => {
  it('carry every field of the events the engine sends', () => {
    const h = new Harness({ createAllocator: () => createAllocator({ policy: 'drf', rng: createRng(1) }) });
    const agentId = h.registerAgent('a1', 'cpus:4;mem:1024');
    const sent: Array<Record<string, unknown>> = [];
    const { frameworkId, streamId, effects } = h.subscribe({
      roles: ['prod'],
      capabilities: [{ type: 'MULTI_ROLE' }],
    });
    sent.push(...frameworkEvents(effects));
    const allocated = h.allocate();
    sent.push(...frameworkEvents(allocated));
    const offer = offersOf(allocated, frameworkId)[0]!;
    const accept = h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          { type: 'RESERVE', id: id('op1'), reserve: { resources: res('cpus(dynamic:prod):1') } },
          { type: 'LAUNCH', launch: { task_infos: [commandTask('t1', offer, res('cpus:1;mem:32'))] } },
        ],
      },
    });
    sent.push(...frameworkEvents(accept));
    sent.push(
      ...frameworkEvents(
        h.update(agentId, frameworkId, {
          task_id: id('t1'),
          state: 'TASK_RUNNING',
          uuid,
          source: 'SOURCE_EXECUTOR',
        }),
      ),
    );
    sent.push(
      ...frameworkEvents(
        h.step({
          type: 'agent_executor_message',
          agent_id: agentId,
          framework_id: frameworkId,
          executor_id: 't1',
          data: 'aGk=',
        }),
      ),
    );
    sent.push(
      ...frameworkEvents(
        h.step({
          type: 'agent_executor_exited',
          agent_id: agentId,
          framework_id: frameworkId,
          executor_id: 't1',
          status: 0,
        }),
      ),
    );
    // Past the accept's default filter, the rest of the agent is offered again, then rescinded.
    sent.push(...frameworkEvents(h.advance(6000, (key) => key.startsWith('offer_timeout'))));
    sent.push(...frameworkEvents(h.step({ type: 'operator_deactivate_agent', agent_id: agentId })));
    sent.push(...frameworkEvents(h.step({ type: 'operator_teardown', framework_id: frameworkId })));
    const types = new Set(sent.map((e) => e.type));
    for (const type of [
      'SUBSCRIBED',
      'HEARTBEAT',
      'OFFERS',
      'UPDATE',
      'UPDATE_OPERATION_STATUS',
      'MESSAGE',
      'FAILURE',
      'RESCIND',
      'ERROR',
    ]) {
      expect(types).toContain(type);
    }
    // Protobuf has no empty list apart from an absent one: those are the only difference allowed.
    for (const event of sent) {
      const decoded = decodeMessage('scheduler', 'Event', encodeMessage('scheduler', 'Event', event));
      expect(decoded).toEqual(withoutEmptyLists(event));
    }
  });

  it('frame a protobuf stream as RecordIO, and pick the stream type from Accept', () => {
    const record = eventRecord('executor', 'application/x-protobuf', { type: 'HEARTBEAT' });
    expect(record.toString('latin1')).toBe('2\n\x08\x09');
    expect(streamMediaType('application/x-protobuf')).toBe('application/x-protobuf');
    expect(streamMediaType('application/x-protobuf, application/json')).toBe('application/x-protobuf');
    expect(streamMediaType('*/*')).toBe('application/json');
    expect(streamMediaType(undefined)).toBe('application/json');
    expect(streamMediaType('application/json;q=0, text/plain')).toBeUndefined();
  });
});
