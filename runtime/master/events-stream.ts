// GET /master/events, a meso extension: the engine's own trace events as they are performed, in
// RecordIO, for watching offers flow (the operator SUBSCRIBE stream, like Mesos's, carries no offer
// events). A client names the event types it wants (`?types=`, the offer events by default); it is
// first sent SUBSCRIBED (the schema's header, the types, the master's clock), then the events, and a
// HEARTBEAT every interval. Events that name a framework reach only a client allowed to view that
// framework (`view_frameworks`). Each event is encoded once; what a step emits is written to each
// client in one piece after the step, and a client that leaves more than
// `events_stream_buffer_bytes_max` unread is dropped rather than the master held back or its memory grown.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type TraceEvent, trace_header } from '../../engine/events.ts';
import { events_stream_buffer_bytes_max } from '../constants.ts';
import { application_json, sendText } from '../http-util.ts';
import type { Log } from '../log.ts';
import { encodeRecord } from '../wire/recordio.ts';
import { requestPrincipal } from './authentication.ts';
import type { Authorizer } from './authorization.ts';
import type { MasterHost } from './master-host.ts';

/** Every trace event type a client may ask for. */
export const streamable_types: readonly TraceEvent['type'][] = [
  'agent_added',
  'agent_removed',
  'framework_added',
  'framework_disconnected',
  'framework_removed',
  'offer_made',
  'offer_accepted',
  'offer_declined',
  'offer_rescinded',
  'task_launched',
  'task_status',
  'allocation_cycle',
  'input_ignored',
];

/** What a client gets when it names no types: each offer's life. */
export const default_event_types: readonly TraceEvent['type'][] = [
  'offer_made',
  'offer_accepted',
  'offer_declined',
  'offer_rescinded',
];

/** The event clients of one master. */
export interface EventSubscribers {
  /** Answers one GET /master/events: 400 for an unknown type, else the stream. */
  subscribe(req: IncomingMessage, res: ServerResponse): void;
  /** Ends every stream (the master is stopping). */
  closeAll(): void;
  readonly size: number;
}

interface Client {
  readonly res: ServerResponse;
  readonly types: ReadonlySet<string>;
  readonly principal: string | undefined;
  /** Whether it may view each framework seen so far (ACLs do not change while the master runs). */
  readonly views: Map<string, boolean>;
}

interface Pending {
  readonly type: string;
  readonly framework_id: string | undefined;
  readonly record: Buffer;
}

/** The types asked for in `?types=a,b`, or why the request is wrong. */
export function requestedTypes(url: string): { types: ReadonlySet<string> } | { error: string } {
  const raw = new URL(url, 'http://master').searchParams.get('types');
  if (raw === null || raw.trim() === '') return { types: new Set(default_event_types) };
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const known = new Set<string>(streamable_types);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    return {
      error: `Unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')} in 'types'; known: ${streamable_types.join(', ')}`,
    };
  }
  return { types: new Set(names) };
}

/** Creates the event clients of a master, fed by its trace. */
export function createEventSubscribers(
  host: MasterHost,
  authorizer: Authorizer,
  log: Log,
  heartbeat_interval_seconds: number,
): EventSubscribers {
  const clients = new Set<Client>();
  let pending: Pending[] = [];
  let flushing = false;
  let heartbeat: NodeJS.Timeout | undefined;

  const mayView = (client: Client, framework_id: string): boolean => {
    let known = client.views.get(framework_id);
    if (known === undefined) {
      const user = host.master.lookups.framework(framework_id)?.info.user;
      known = authorizer.may('view_frameworks', client.principal, user);
      client.views.set(framework_id, known);
    }
    return known;
  };

  /** Writes `chunk` to `client`, dropping it when it has stopped reading. */
  const write = (client: Client, chunk: Buffer): void => {
    const { res } = client;
    if (res.writableEnded || res.destroyed) return;
    res.write(chunk);
    if (res.writableLength > events_stream_buffer_bytes_max) {
      log.warn('event stream dropped: the client is not reading', { unread_bytes: res.writableLength });
      clients.delete(client);
      res.destroy();
    }
  };

  const flush = (): void => {
    flushing = false;
    const batch = pending;
    pending = [];
    for (const client of [...clients]) {
      const mine = batch.filter(
        (p) => client.types.has(p.type) && (p.framework_id === undefined || mayView(client, p.framework_id)),
      );
      if (mine.length > 0) write(client, Buffer.concat(mine.map((p) => p.record)));
    }
  };

  host.feed.on('trace', (event) => {
    if (clients.size === 0) return;
    let wanted = false;
    for (const client of clients) wanted ||= client.types.has(event.type);
    if (!wanted) return;
    const framework_id = 'framework_id' in event ? event.framework_id : undefined;
    pending.push({ type: event.type, framework_id, record: encodeRecord(event) });
    if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
  });

  const stopHeartbeats = (): void => {
    if (heartbeat !== undefined) clearInterval(heartbeat);
    heartbeat = undefined;
  };

  return {
    subscribe(req, res) {
      const asked = requestedTypes(req.url ?? '');
      if ('error' in asked) {
        sendText(res, 400, asked.error);
        return;
      }
      const client: Client = {
        res,
        types: asked.types,
        principal: requestPrincipal(req),
        views: new Map(),
      };
      res.writeHead(200, { 'Content-Type': application_json, 'Cache-Control': 'no-store' });
      res.socket?.setNoDelay(true);
      clients.add(client);
      res.on('error', (err) => log.debug('event stream error', { error: err.message }));
      res.on('close', () => {
        clients.delete(client);
        if (clients.size === 0) stopHeartbeats();
      });
      write(
        client,
        encodeRecord({
          type: 'SUBSCRIBED',
          subscribed: {
            ...trace_header,
            types: [...asked.types],
            heartbeat_interval_seconds,
            time_ms: host.now(),
          },
        }),
      );
      if (heartbeat === undefined) {
        heartbeat = setInterval(() => {
          const record = encodeRecord({ type: 'HEARTBEAT', heartbeat: { time_ms: host.now() } });
          for (const c of [...clients]) write(c, record);
        }, heartbeat_interval_seconds * 1000);
        heartbeat.unref();
      }
    },
    closeAll() {
      stopHeartbeats();
      const open = [...clients];
      clients.clear();
      for (const c of open) c.res.end();
    },
    get size() {
      return clients.size;
    },
  };
}
