// Limits on the connections a master holds, so that slow or silent clients cannot pin it: at most
// `connections_max` sockets overall (kept below the descriptors a process gets), at most
// `connections_per_client_max` from one address, headers within `header_timeout_ms` (a connection
// that sends nothing, or its headers byte by byte, is cut), and idle keep-alive connections closed.
// Long-lived scheduler streams and agent channels are not idle: they carry heartbeats and pings.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import {
  connections_max_default,
  header_timeout_ms_default,
  keep_alive_timeout_ms_default,
} from '../constants.ts';
import type { Log } from '../log.ts';
import { createServingServer } from '../tls-server.ts';
import type { Tls } from '../wire/tls.ts';

/** The limits; each has a default in runtime/constants.ts. */
export interface ConnectionLimits {
  readonly connections_max?: number;
  /** Default: no limit per address (a benchmark's emulated agents all come from 127.0.0.1). */
  readonly connections_per_client_max?: number;
  readonly header_timeout_ms?: number;
  readonly keep_alive_timeout_ms?: number;
}

/** Checks the limits; throws naming the first bad one. */
export function checkConnectionLimits(l: ConnectionLimits): void {
  for (const [name, value] of Object.entries(l)) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
      throw new Error(`${name} must be a whole number > 0, got ${value}`);
    }
  }
}

/** An HTTP server that holds to the limits, over TLS when `tls` is given. */
export function createLimitedServer(l: ConnectionLimits, log: Log, tls?: Tls): Server {
  const header_timeout_ms = l.header_timeout_ms ?? header_timeout_ms_default;
  const options = {
    headersTimeout: header_timeout_ms,
    // Headers are checked this often; a tenth of the timeout keeps the cut close to it.
    connectionsCheckingInterval: Math.max(10, Math.floor(header_timeout_ms / 10)),
    // A whole request (headers and body) within a minute; Node checks headers only when this is set.
    // Streams are not cut by it: it ends when the request has been read, not the answer.
    requestTimeout: Math.max(60_000, header_timeout_ms),
    keepAliveTimeout: l.keep_alive_timeout_ms ?? keep_alive_timeout_ms_default,
  };
  const server = createServingServer(options, tls, log, header_timeout_ms);
  server.maxConnections = l.connections_max ?? connections_max_default;
  const per_client_max = l.connections_per_client_max;
  if (per_client_max !== undefined) {
    const open = new Map<string, number>();
    server.on('connection', (socket: Socket) => {
      const address = socket.remoteAddress ?? '';
      const count = (open.get(address) ?? 0) + 1;
      if (count > per_client_max) {
        log.warn('connection refused: too many from one address', { address, max: per_client_max });
        socket.destroy();
        return;
      }
      open.set(address, count);
      socket.once('close', () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left === 0) open.delete(address);
        else open.set(address, left);
      });
    });
  }
  return server;
}
