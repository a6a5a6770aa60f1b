// A framework speaking protobuf end to end, with a client that does not use meso's definitions
// (protobuf-generic.ts builds and reads messages field by field): it subscribes, gets an offer,
// launches a real command task on a real agent, hears its updates and acknowledges them, all over
// application/x-protobuf with RecordIO-framed protobuf events.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, Started } from './agent-harness.ts';
import { LiveMaster } from './live-master.ts';
import { Inbox, masterState } from './master-client.ts';
import {
  decodeFields,
  encodeFields,
  type Field,
  type Fields,
  idField,
  splitRecords,
  str,
  sub,
  subs,
  varint,
} from './protobuf-generic.ts';

const live = new LiveMaster(21);
const started = new Started();
afterEach(async () => {
  await started.cleanup();
  await live.cleanup();
});

const protobuf_type = 'application/x-protobuf';
/** Scheduler Call.Type and Event.Type numbers, and TaskState numbers, of scheduler.proto and mesos.proto. */
const call_type = { SUBSCRIBE: 1, ACCEPT: 3, ACKNOWLEDGE: 8 } as const;
const event_type = { SUBSCRIBED: 1, OFFERS: 2, UPDATE: 4 } as const;
const task_state = { TASK_STARTING: 0, TASK_RUNNING: 1, TASK_FINISHED: 2 } as const;

/** Opens the SUBSCRIBE stream; its events arrive undecoded, as field maps. */
function subscribe(
  port: number,
  body: Uint8Array,
): Promise<{ status: number; type: string; streamId: string; events: Inbox<Fields>; close(): void }> {
  return new Promise((resolve, reject) => {
    const events = new Inbox<Fields>();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/scheduler',
        agent: false,
        headers: { 'Content-Type': protobuf_type, Accept: protobuf_type },
      },
      (res) => {
        let pending: Buffer = Buffer.alloc(0);
        res.on('data', (chunk: Buffer) => {
          const split = splitRecords(Buffer.concat([pending, chunk]));
          pending = split.rest;
          for (const record of split.records) events.push(decodeFields(record));
        });
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          streamId: String(res.headers['mesos-stream-id']),
          events,
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** POSTs one protobuf call; resolves with the status. */
function post(port: number, streamId: string, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/scheduler',
        agent: false,
        headers: { 'Content-Type': protobuf_type, 'Mesos-Stream-Id': streamId },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const scalar = (name: string, value: number): Field => [
  4,
  'message',
  [
    [1, 'string', name],
    [2, 'varint', 0],
    [3, 'message', [[1, 'double', value]]],
  ],
];

describe('a protobuf framework', () => {
  it('subscribes, launches, gets updates and acknowledges them, in protobuf both ways', async () => {
    const master = await live.start();
    const agent = await started.agent({ master: `127.0.0.1:${master.port}`, work_dir: await started.dir() });
    await agent.registered();
    const framework_info: Field = [
      3,
      'message',
      [
        [
          1,
          'message',
          [
            [1, 'string', 'root'],
            [2, 'string', 'proto-fw'],
          ],
        ],
      ],
    ];
    const stream = await subscribe(
      master.port,
      encodeFields([[2, 'varint', call_type.SUBSCRIBE], framework_info]),
    );
    try {
      expect([stream.status, stream.type]).toEqual([200, protobuf_type]);
      const subscribed = (await stream.events.next((e) => varint(e, 1) === event_type.SUBSCRIBED)).item;
      const frameworkId = str(sub(sub(subscribed, 2), 1), 1);
      const offerEvent = (await stream.events.next((e) => varint(e, 1) === event_type.OFFERS)).item;
      const offer = subs(sub(offerEvent, 3), 1)[0]!;
      const offerId = str(sub(offer, 1), 1);
      const agentId = str(sub(offer, 3), 1);
      expect(agentId).toBe(agent.agentId());
      const task: Field = [
        1,
        'message',
        [
          [1, 'string', 'hello'],
          idField(2, 'hello'),
          idField(3, agentId),
          scalar('cpus', 0.1),
          scalar('mem', 32),
          [
            7,
            'message',
            [
              [3, 'string', 'echo hello from protobuf'],
              [6, 'varint', 1],
            ],
          ],
        ],
      ];
      const accept = encodeFields([
        idField(1, frameworkId),
        [2, 'varint', call_type.ACCEPT],
        [
          4,
          'message',
          [
            idField(1, offerId),
            [
              2,
              'message',
              [
                [1, 'varint', 1],
                [2, 'message', [task]],
              ],
            ],
          ],
        ],
      ]);
      expect(await post(master.port, stream.streamId, accept)).toBe(202);
      const states: number[] = [];
      let from = 0;
      while (!states.includes(task_state.TASK_FINISHED)) {
        const { item, index } = await stream.events.next(
          (e) => varint(e, 1) === event_type.UPDATE,
          from,
          15_000,
        );
        from = index + 1;
        const status = sub(sub(item, 5), 1);
        expect(str(sub(status, 1), 1)).toBe('hello');
        states.push(varint(status, 2)!);
        const uuid = status.get(11)?.[0];
        if (!(uuid instanceof Uint8Array)) continue;
        const ack = encodeFields([
          idField(1, frameworkId),
          [2, 'varint', call_type.ACKNOWLEDGE],
          [8, 'message', [idField(1, agentId), idField(2, 'hello'), [3, 'bytes', uuid]]],
        ]);
        expect(await post(master.port, stream.streamId, ack)).toBe(202);
      }
      expect(states).toEqual([task_state.TASK_STARTING, task_state.TASK_RUNNING, task_state.TASK_FINISHED]);
      // The last update acknowledged, the master moves the task to the framework's completed tasks.
      await eventually(
        async () => {
          const state = await masterState(master.port);
          return state.frameworks[0]?.completed_tasks.some((t: { id: string }) => t.id === 'hello') === true;
        },
        5000,
        'the finished task completed by its acknowledgement',
      );
    } finally {
      stream.close();
    }
  });
});
