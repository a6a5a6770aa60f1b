// The agent's link to its master: a WebSocket on the master's agent channel. On every connection
// the agent introduces itself (register without an id, reregister with one) and repeats that,
// with backoff, until the master answers. A lost connection is re-opened after a backoff that
// doubles up to a cap, each wait drawn uniformly below it (jitter, as Mesos's registration
// backoff), so agents that lost one master do not all reconnect in the same instant. The link
// follows a new master: a redirect from a master that does not lead, or a detector's change.
import { WebSocket } from 'ws';
import {
  agent_message_bytes_max,
  master_link_close_wait_ms,
  registration_backoff_ms_max_default,
  registration_backoff_ms_min_default,
} from '../constants.ts';
import {
  type AgentToMasterMessage,
  agent_channel_path,
  type MasterToAgentMessage,
} from '../wire/agent-protocol.ts';
import { backoffDelayMs } from '../wire/backoff.ts';
import { basicAuthorization, type Credential } from '../wire/credentials.ts';
import { parseBoundedJson } from '../wire/json.ts';
import { type MasterDetector, parseMasterAddress } from '../wire/master-address.ts';
import { clientConnectionOptions, schemeOf, type Tls } from '../wire/tls.ts';

export type { MasterDetector } from '../wire/master-address.ts';

/** The small logger the agent writes to. */
export interface AgentLog {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** Options of a master link. */
export interface MasterLinkOptions {
  /** `host:port` of the master, or a detector of the leading master. */
  readonly master: string | MasterDetector;
  readonly backoff_ms_min?: number;
  readonly backoff_ms_max?: number;
  /** Sent as HTTP Basic authorization on the channel's upgrade (`--credential`). */
  readonly credential?: Credential;
  /** Dial the master over TLS (wss) with these (LIBPROCESS_SSL_*). */
  readonly tls?: Tls;
  readonly log: AgentLog;
  /** The introduction to send on each connection (register or reregister), built when needed. */
  readonly hello: () => AgentToMasterMessage;
  /** A message from the master. */
  readonly onMessage: (message: MasterToAgentMessage) => void;
  /** The connection to the master was lost (or a new master is being followed). */
  readonly onDisconnected: () => void;
}

/** The agent's link to its master. */
export interface MasterLink {
  /** Sends a message if connected; returns whether it was sent. */
  send(message: AgentToMasterMessage): boolean;
  /** Whether the master has answered the introduction on the current connection. */
  registered(): boolean;
  /** Introduces the agent again on the current connection (the master says it lost track of it). */
  reintroduce(): void;
  /** Follows the master at `host:port` from now on. */
  follow(address: string): void;
  /** The `host:port` of the master followed now. */
  master(): string | undefined;
  /** Closes the connection and stops reconnecting. */
  stop(): Promise<void>;
}

/** Opens the link and keeps it open until `stop`. */
export function createMasterLink(options: MasterLinkOptions): MasterLink {
  const min_ms = options.backoff_ms_min ?? registration_backoff_ms_min_default;
  const max_ms = options.backoff_ms_max ?? registration_backoff_ms_max_default;
  if (!(min_ms > 0) || !(max_ms >= min_ms)) {
    throw new Error(`registration backoff must satisfy 0 < min <= max, got ${min_ms} ms and ${max_ms} ms`);
  }
  const log = options.log;
  let address: string | undefined;
  let socket: WebSocket | undefined;
  let isRegistered = false;
  let stopped = false;
  let attempt = 0;
  let helloAttempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let helloTimer: NodeJS.Timeout | undefined;
  let told = false;

  const detector = typeof options.master === 'string' ? undefined : options.master;
  const detected = (): string | undefined => {
    const leader = detector?.leader();
    return leader === undefined ? undefined : `${leader.ip}:${leader.port}`;
  };
  address = typeof options.master === 'string' ? parseMasterAddress(options.master) : detected();

  const sendRaw = (message: AgentToMasterMessage): boolean => {
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  };

  // Introduces the agent and repeats it with backoff until the master answers.
  const introduce = (): void => {
    clearTimeout(helloTimer);
    if (stopped || isRegistered) return;
    sendRaw(options.hello());
    const wait = Math.max(1, backoffDelayMs(helloAttempt++, min_ms, max_ms)) + min_ms;
    helloTimer = setTimeout(introduce, wait);
  };

  const scheduleReconnect = (): void => {
    if (stopped) return;
    clearTimeout(reconnectTimer);
    const wait = backoffDelayMs(attempt++, min_ms, max_ms);
    reconnectTimer = setTimeout(connect, wait);
  };

  const dropSocket = (): void => {
    const old = socket;
    socket = undefined;
    clearTimeout(helloTimer);
    const wasConnected = isRegistered;
    isRegistered = false;
    if (old !== undefined) {
      old.removeAllListeners();
      old.on('error', () => {});
      old.terminate();
    }
    if (wasConnected || old !== undefined) options.onDisconnected();
  };

  function connect(): void {
    if (stopped) return;
    // An address given by `follow` holds until the detector names a leader again.
    if (detector !== undefined && !told) address = detected() ?? address;
    if (address === undefined) {
      log.debug('no leading master known; waiting for one');
      return;
    }
    const ws = new WebSocket(`${schemeOf(options.tls, 'ws')}://${address}${agent_channel_path}`, {
      ...(options.tls === undefined ? {} : clientConnectionOptions(options.tls)),
      maxPayload: agent_message_bytes_max,
      followRedirects: false,
      headers:
        options.credential === undefined ? {} : { Authorization: basicAuthorization(options.credential) },
    });
    socket = ws;
    helloAttempt = 0;
    ws.on('open', () => {
      log.info('connected to master', { master: address });
      introduce();
    });
    ws.on('message', (data, isBinary) => receive(data.toString(), isBinary));
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      const next = redirectTarget(res.statusCode, res.headers.location);
      if (next !== undefined) log.info('master redirects to the leader', { master: address, leader: next });
      else log.warn('master refused the agent channel', { master: address, status: res.statusCode });
      // With a detector the group says who leads. A standby that has not yet seen the change may
      // redirect to the master that just died; following it would leave the agent dialling that
      // master, while the detector, having told its news already, stays silent.
      if (detector === undefined) address = next ?? address;
      dropSocket();
      scheduleReconnect();
    });
    let opened = false;
    let failure: string | undefined;
    ws.on('open', () => {
      opened = true;
    });
    ws.on('error', (error) => {
      failure = error.message;
      log.debug('agent channel error', { master: address, error: error.message });
    });
    ws.on('close', (code) => {
      if (socket !== ws) return;
      const reason = failure ?? `closed with code ${code}`;
      if (opened) log.warn('lost the connection to the master', { master: address, reason });
      else log.warn('cannot reach the master; retrying', { master: address, reason });
      dropSocket();
      scheduleReconnect();
    });
  }

  function receive(text: string, isBinary: boolean): void {
    const message = parseMasterMessage(text, isBinary);
    if ('error' in message) {
      log.warn('unreadable message from the master', { error: message.error });
      return;
    }
    if (message.type === 'registered' || message.type === 'reregistered') {
      isRegistered = true;
      attempt = 0;
      clearTimeout(helloTimer);
    }
    options.onMessage(message);
  }

  const unsubscribe = detector?.onChange(() => {
    const next = detected();
    if (next === address) return;
    log.info('a new master leads', { master: next });
    told = false;
    address = next;
    dropSocket();
    attempt = 0;
    clearTimeout(reconnectTimer);
    connect();
  });

  connect();

  return {
    send: (message) => sendRaw(message),
    registered: () => isRegistered,
    reintroduce() {
      isRegistered = false;
      helloAttempt = 0;
      introduce();
    },
    follow(next) {
      address = parseMasterAddress(next);
      told = true;
      dropSocket();
      attempt = 0;
      clearTimeout(reconnectTimer);
      connect();
    },
    master: () => address,
    async stop() {
      stopped = true;
      unsubscribe?.();
      clearTimeout(reconnectTimer);
      clearTimeout(helloTimer);
      const ws = socket;
      socket = undefined;
      if (ws !== undefined) await closeSocket(ws);
    },
  };
}

/** A message from the master, or why it cannot be read. */
export function parseMasterMessage(
  text: string,
  isBinary: boolean,
): MasterToAgentMessage | { error: string } {
  if (isBinary) return { error: 'messages must be JSON text, not binary' };
  let message: unknown;
  try {
    message = parseBoundedJson(text);
  } catch (error) {
    return { error: `not JSON: ${(error as Error).message}` };
  }
  if (
    message === null ||
    typeof message !== 'object' ||
    typeof (message as { type?: unknown }).type !== 'string'
  ) {
    return { error: "a message must be an object with a string 'type'" };
  }
  return message as MasterToAgentMessage;
}

/** The `host:port` a refused upgrade redirects to (a 307 with a usable Location), if any. */
export function redirectTarget(status: number | undefined, location: string | undefined): string | undefined {
  if (status !== 307 || location === undefined) return undefined;
  try {
    return parseMasterAddress(location);
  } catch {
    return undefined;
  }
}

/** Closes a socket with the closing handshake, cutting it if that does not end in time. */
function closeSocket(ws: WebSocket): Promise<void> {
  ws.removeAllListeners();
  ws.on('error', () => {});
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, master_link_close_wait_ms);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(1000, 'agent stopping');
  });
}
