// The master's side of the agent channel: a WebSocket per agent at `agent_channel_path`. Each
// connection is an engine "connection" (a token the engine echoes on every message to it); the
// connection belongs to an agent once the engine has answered `registered` or `reregistered` on it.
// Messages are checked before they reach the engine: a bad one gets an `error` message back and a
// log line, and changes nothing. A closed connection that still belongs to its agent becomes an
// agent_disconnected input.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { AgentMessageEffect, MasterEffect } from '../../engine/master/effects.ts';
import { agent_channel_close_wait_ms, agent_message_bytes_max } from '../constants.ts';
import type { Log } from '../log.ts';
import { agentInputOf, type MasterToAgentMessage, parseAgentMessage } from '../wire/agent-protocol.ts';
import { isDottedQuad } from '../wire/master-info.ts';
import type { MasterHost } from './master-host.ts';
import type { MasterMetrics } from './metrics.ts';

/** One agent connection. */
interface Connection {
  readonly token: string;
  readonly ws: WebSocket;
  /** The connection's socket, corked while messages to it gather within a turn of the event loop. */
  readonly socket: Duplex;
  corked: boolean;
  readonly ip: string | undefined;
  /** The principal the agent authenticated as (undefined without agent authentication). */
  readonly principal: string | undefined;
  agent_id: string | undefined;
  /** The hostname the agent gave when it (re-)registered, for log lines. */
  hostname: string | undefined;
}

/** The agent channel of one master. */
export interface AgentChannel {
  /** Takes over an HTTP upgrade request for the channel's path. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, principal?: string): void;
  /** Delivers an agent_message effect. */
  deliver(effect: AgentMessageEffect): void;
  /** Closes every connection without telling the engine (the master is stopping). */
  closeAll(): void;
  readonly size: number;
}

/** The IPv4 address of a peer, when it has one (IPv4-mapped IPv6 addresses are unwrapped). */
function peerIp(req: IncomingMessage): string | undefined {
  const address = req.socket.remoteAddress ?? '';
  const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isDottedQuad(ip) ? ip : undefined;
}

/** Creates the agent channel of a master. */
export function createAgentChannel(
  host: MasterHost,
  log: Log,
  metrics: MasterMetrics | undefined,
): AgentChannel {
  const server = new WebSocketServer({ noServer: true, maxPayload: agent_message_bytes_max });
  const connections = new Map<string, Connection>();
  /** The connection each agent is reached on. */
  const agentConnections = new Map<string, string>();
  let counter = 0;
  let closing = false;
  /** Connections corked in this turn of the event loop. */
  const corked: Connection[] = [];

  function uncorkAll(): void {
    for (const conn of corked) {
      conn.corked = false;
      conn.socket.uncork();
    }
    corked.length = 0;
  }

  function send(conn: Connection, message: MasterToAgentMessage): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    // Each message is a write of its own (a system call); the messages of a turn of the event
    // loop (a launch of many tasks on one agent, acknowledgements) go out together at its end.
    if (!conn.corked) {
      conn.corked = true;
      conn.socket.cork();
      if (corked.push(conn) === 1) setImmediate(uncorkAll);
    }
    conn.ws.send(JSON.stringify(message));
    metrics?.agentMessageSent(message.type);
  }

  function refuse(conn: Connection, error: string): void {
    metrics?.agentMessageRefused();
    log.warn('agent message refused', {
      connection: conn.token,
      agent_id: conn.agent_id,
      ip: conn.ip,
      error,
    });
    send(conn, { type: 'error', message: error });
  }

  function onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      refuse(conn, 'messages must be JSON text, not binary');
      return;
    }
    const parsed = parseAgentMessage(data.toString());
    if ('error' in parsed) {
      refuse(conn, parsed.error);
      return;
    }
    const message = parsed.message;
    const converted = agentInputOf(message, { agent_id: conn.agent_id, connection: conn.token, ip: conn.ip });
    if ('error' in converted) {
      refuse(conn, converted.error);
      return;
    }
    if (message.type === 'reregister') {
      const id = message.agent_info.id?.value;
      // The binding lives in the host's registry, persisted with the agent and recovered from it by
      // a restarted master or a new leader: no one else may re-register as the agent.
      const bound = id === undefined ? undefined : host.registry.principalOf(id);
      if (bound !== undefined && bound !== conn.principal) {
        refuse(conn, `agent ${id} is registered by another principal; refusing to re-register it`);
        conn.ws.close(1008, 'agent id bound to another principal');
        return;
      }
    }
    if (message.type === 'register' || message.type === 'reregister')
      conn.hostname = message.agent_info.hostname;
    const result = host.step(converted.input, (effects) => bindPrincipals(conn, effects));
    if (result.failure !== undefined) send(conn, { type: 'error', message: 'internal error in the master' });
  }

  function onClose(conn: Connection): void {
    connections.delete(conn.token);
    const agentId = conn.agent_id;
    if (closing || agentId === undefined || agentConnections.get(agentId) !== conn.token) return;
    agentConnections.delete(agentId);
    log.info('agent disconnected', { agent_id: agentId, hostname: conn.hostname, connection: conn.token });
    host.step({ type: 'agent_disconnected', agent_id: agentId });
  }

  /**
   * Binds the agent this connection's step (re-)registered to the connection's principal, in the
   * registry, before the step's registry effects are persisted: the binding is on disk (or in
   * ZooKeeper) before the agent hears it is registered.
   */
  function bindPrincipals(conn: Connection, effects: readonly MasterEffect[]): void {
    for (const effect of effects) {
      if (effect.type !== 'agent_message' || effect.connection !== conn.token) continue;
      const message = effect.message;
      if (message.type === 'registered' || message.type === 'reregistered')
        host.registry.bindPrincipal(message.agent_id.value, conn.principal);
    }
  }

  /** The connection now belongs to `agentId`; an older connection of the same agent no longer does. */
  function bind(conn: Connection, agentId: string, how: string): void {
    const previous = agentConnections.get(agentId);
    if (previous !== undefined && previous !== conn.token) {
      const old = connections.get(previous);
      if (old !== undefined) old.agent_id = undefined;
    }
    conn.agent_id = agentId;
    agentConnections.set(agentId, conn.token);
    log.info(`agent ${how}`, {
      agent_id: agentId,
      hostname: conn.hostname,
      ip: conn.ip,
      connection: conn.token,
    });
  }

  function connected(
    ws: WebSocket,
    req: IncomingMessage,
    socket: Duplex,
    principal: string | undefined,
  ): void {
    const conn: Connection = {
      token: `ws-${++counter}`,
      ws,
      socket,
      corked: false,
      ip: peerIp(req),
      principal,
      agent_id: undefined,
      hostname: undefined,
    };
    connections.set(conn.token, conn);
    ws.on('message', (data, isBinary) => onMessage(conn, data, isBinary));
    ws.on('close', () => onClose(conn));
    ws.on('error', (err) =>
      log.debug('agent connection error', { connection: conn.token, error: err.message }),
    );
  }

  return {
    upgrade(req, socket, head, principal) {
      server.handleUpgrade(req, socket, head, (ws) => connected(ws, req, socket, principal));
    },
    deliver(effect) {
      const conn = connections.get(effect.connection);
      if (conn === undefined) {
        log.debug('message for a closed agent connection dropped', {
          agent_id: effect.agent_id,
          type: effect.message.type,
        });
        return;
      }
      const message = effect.message;
      if (message.type === 'registered' || message.type === 'reregistered') {
        bind(conn, message.agent_id.value, message.type);
      }
      send(conn, message);
      if (message.type === 'shutdown') {
        // The agent is no longer part of the cluster: its connection ends without a disconnection input.
        log.info('agent told to shut down', { agent_id: effect.agent_id, reason: message.message });
        if (conn.agent_id !== undefined && agentConnections.get(conn.agent_id) === conn.token) {
          agentConnections.delete(conn.agent_id);
        }
        conn.agent_id = undefined;
        conn.ws.close(1000, 'shutdown');
      }
    },
    closeAll() {
      closing = true;
      for (const conn of connections.values()) conn.ws.close(1001, 'master stopping');
      // Connections that do not finish the closing handshake promptly are cut.
      const stragglers = [...connections.values()];
      setTimeout(() => {
        for (const conn of stragglers) conn.ws.terminate();
      }, agent_channel_close_wait_ms).unref();
      server.close();
    },
    get size() {
      return connections.size;
    },
  };
}
