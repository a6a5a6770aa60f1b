// The operator SUBSCRIBE stream of a master whose state is larger than the bound on a subscriber's
// unread bytes (16 MiB): the snapshot it opens with is sent whole, not taken for a subscriber that
// has stopped reading (a web UI on a large cluster was dropped before its first event, again and
// again), and events follow it.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { stream_buffer_bytes_max } from '../../runtime/constants.ts';
import { silentLog } from '../../runtime/log.ts';
import { type RunningMaster, startMaster } from '../../runtime/master/server.ts';
import { agent_channel_path } from '../../runtime/wire/agent-protocol.ts';
import { RecordIoDecoder } from '../../runtime/wire/recordio.ts';

const sockets: WebSocket[] = [];
let master: RunningMaster | undefined;
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await master?.stop();
  master = undefined;
});

/** Registers an emulated agent whose one text attribute is `attribute_bytes` long. */
function register(url: string, index: number, attribute_bytes: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${agent_channel_path}`, {
      perMessageDeflate: false,
    });
    sockets.push(ws);
    ws.on('error', reject);
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === 'registered') resolve(ws);
      if (m.type === 'shutdown') reject(new Error(`agent ${index} refused: ${m.message}`));
      if (m.type === 'ping') ws.send('{"type":"pong"}');
    });
    ws.on('open', () =>
      ws.send(
        JSON.stringify({
          type: 'register',
          agent_info: {
            hostname: `large-${index}`,
            port: 5051,
            resources: 'cpus:1;mem:128',
            attributes: [{ name: 'notes', type: 'TEXT', text: { value: 'x'.repeat(attribute_bytes) } }],
          },
        }),
      ),
    );
  });
}

/** The records of an operator SUBSCRIBE until `enough` holds or the stream ends; `onRecord` sees each. */
function subscribe(
  port: number,
  onRecord: (record: { type: string }) => void,
  enough: (records: unknown[]) => boolean,
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const records: unknown[] = [];
    const decoder = new RecordIoDecoder();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      },
      (res) => {
        res.on('data', (chunk: Buffer) => {
          for (const r of decoder.push(chunk)) {
            records.push(r);
            onRecord(r as { type: string });
          }
          if (enough(records)) {
            req.destroy();
            resolve(records);
          }
        });
        res.on('end', () => resolve(records));
        res.on('error', () => resolve(records));
      },
    );
    req.on('error', (error) => (records.length > 0 ? resolve(records) : reject(error)));
    req.end(JSON.stringify({ type: 'SUBSCRIBE' }));
  });
}

describe('the operator event stream of a large master', () => {
  it('sends a snapshot larger than the unread bound whole, then the events after it', async () => {
    master = await startMaster({ ip: '127.0.0.1', port: 0, seed: 1, log: silentLog });
    const agents = 10;
    const attribute_bytes = Math.ceil((stream_buffer_bytes_max * 1.2) / agents);
    for (let i = 0; i < agents; i++) await register(master.url, i, attribute_bytes);
    // An agent that registers once the snapshot has come arrives as an event after it.
    const records = (await subscribe(
      master.port,
      (r) => {
        if (r.type === 'SUBSCRIBED') void register(master!.url, agents, 10);
      },
      (all) => all.some((r) => (r as { type: string }).type === 'AGENT_ADDED'),
    )) as Array<{ type: string; subscribed?: { get_state: { get_agents: { agents: unknown[] } } } }>;
    expect(records[0]?.type).toBe('SUBSCRIBED');
    expect(JSON.stringify(records[0]).length).toBeGreaterThan(stream_buffer_bytes_max);
    expect(records[0]?.subscribed?.get_state.get_agents.agents).toHaveLength(agents);
    expect(records.map((r) => r.type)).toContain('AGENT_ADDED');
  }, 60_000);
});
