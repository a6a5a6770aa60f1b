// The live master: one engine master inside a node:http server. `startMaster` listens, builds the
// engine master with the address it got, and wires the parts together: the scheduler API and its
// streams, the operator API and its stream, the agent channel, the state page, metrics, timers,
// the journal and the leader detector.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createAllocator, type PolicyName, policyNames } from '../../engine/allocator/policies.ts';
import {
  allocation_interval_ms as default_allocation_interval_ms,
  completed_frameworks_max as default_completed_frameworks_max,
  completed_tasks_per_framework_max as default_completed_tasks_per_framework_max,
  heartbeat_interval_seconds as default_heartbeat_interval_seconds,
} from '../../engine/constants.ts';
import { createMaster } from '../../engine/master/master.ts';
import { createRng } from '../../engine/rng.ts';
import { join_allocation_delay_ms, listen_backlog } from '../constants.ts';
import { createLog, type Log, type LogLevel } from '../log.ts';
import { createLoggingLevel } from '../logging-level.ts';
import { agent_channel_path } from '../wire/agent-protocol.ts';
import { isDottedQuad, type MasterAddress } from '../wire/master-info.ts';
import { schemeOf, type Tls } from '../wire/tls.ts';
import type { Acls } from './acls.ts';
import { createAgentChannel } from './agent-channel.ts';
import { type AuthenticationOptions, type Authenticator, createAuthenticator } from './authentication.ts';
import { type Authorizer, createAuthorizer } from './authorization.ts';
import { type ConnectionLimits, checkConnectionLimits, createLimitedServer } from './connection-limits.ts';
import { contend } from './election.ts';
import { createEventSubscribers } from './events-stream.ts';
import { createFrameworkStreams } from './framework-streams.ts';
import { createMasterHistory, type MasterHistory } from './history.ts';
import { openJournal } from './journal.ts';
import { createStandaloneLeaderDetector, type LeaderDetector, leaderLocation } from './leader.ts';
import { createMasterHost, type MasterHost, type TraceFeed } from './master-host.ts';
import { createMasterMetrics } from './metrics.ts';
import { metricsSnapshot } from './metrics-snapshot.ts';
import { createOperatorSubscribers } from './operator-stream.ts';
import { type Persistence, workDirPersistence } from './persistence.ts';
import { createCallLimiter, createPrincipalCounters, type RateLimits } from './rate-limits.ts';
import { createMemoryRegistry, type HostRegistrySnapshot, type MemoryRegistry } from './registry.ts';
import { type MasterRoutes, masterStats, routeRequest } from './routes.ts';
import { createTimerHost } from './timers.ts';

/** Options of `startMaster`. */
export interface StartMasterOptions extends AuthenticationOptions, ConnectionLimits {
  /** Address to listen on (default 127.0.0.1). */
  readonly ip?: string;
  /** Port to listen on (default 5050; 0 picks a free one). */
  readonly port?: number;
  /** Hostname announced in MasterInfo and redirects (default: the ip). */
  readonly hostname?: string;
  /** Allocation policy (default drf). */
  readonly policy?: PolicyName;
  readonly allocation_interval_ms?: number;
  readonly heartbeat_interval_seconds?: number;
  /** Completed tasks remembered (and shown) per framework (default: engine/constants.ts, as Mesos's). */
  readonly completed_tasks_per_framework_max?: number;
  /** Completed frameworks remembered (and shown), oldest dropped first (default as Mesos's). */
  readonly completed_frameworks_max?: number;
  /** Seed of the allocator's generator (default: a random one, logged at start). */
  readonly seed?: string | number;
  /** File to write the journal of engine inputs to. */
  readonly journal?: string;
  /** The master's id (default: a random uuid). */
  readonly master_id?: string;
  /** Where log lines go (default: JSON lines on stderr at `log_level`). */
  readonly log?: Log;
  readonly log_level?: LogLevel;
  /** Makes the leader detector (default: standalone, this master leads). */
  readonly leader?: (self: MasterAddress) => LeaderDetector;
  /** What each principal may do (`--acls`, Mesos's ACL JSON; default: everything). */
  readonly acls?: Acls;
  /** Contend for the lead in this ZooKeeper group (`--zk`); standalone without it. */
  readonly zk?: { readonly servers: readonly string[]; readonly path: string };
  /** ZooKeeper session timeout (default 10 s, as Mesos's `--zk_session_timeout`). */
  readonly zk_session_timeout_ms?: number;
  /** How long a new leader waits for the registry's agents to re-register before marking them unreachable. */
  readonly agent_reregister_timeout_ms?: number;
  readonly offer_timeout_ms?: number;
  readonly agent_ping_timeout_ms?: number;
  readonly max_agent_ping_timeouts?: number;
  /** Where a master without --zk keeps its registry (`<work_dir>/registry`). */
  readonly work_dir?: string;
  /**
   * Mesos's `--registry`: `replicated_log` (the default with a work_dir or --zk) keeps it durably,
   * in ZooKeeper with --zk and under `work_dir` without; `in_memory` keeps it in memory only.
   */
  readonly registry?: RegistryKind;
  /** The only roles frameworks may subscribe in, besides `*` (Mesos's `--roles`). */
  readonly roles?: readonly string[];
  /** Role weights to start with when the registry holds none (Mesos's `--weights`). */
  readonly weights?: ReadonlyArray<{ readonly role: string; readonly weight: number }>;
  /** Serve TLS (and dial agents with it), as LIBPROCESS_SSL_* configure it; plain HTTP without. */
  readonly tls?: Tls;
  /** Per-principal rate limits on framework calls (Mesos's `--rate_limits`); none without. */
  readonly rate_limits?: RateLimits;
}

/** The kinds of registry `--registry` names. */
export const registry_kinds = ['replicated_log', 'in_memory'] as const;
export type RegistryKind = (typeof registry_kinds)[number];

/** A running master. */
export interface RunningMaster {
  /** `http://ip:port`, or `https://ip:port` with TLS. */
  readonly url: string;
  readonly port: number;
  readonly master_id: string;
  /** The live feed of trace events. */
  readonly feed: TraceFeed;
  readonly leader: LeaderDetector;
  /** Resolves with the reason when this master stops leading for good (ZooKeeper only). */
  readonly lost: Promise<string>;
  /** Whether this master leads and acts now. */
  acting(): boolean;
  /** Stops serving, ends every stream and connection, and closes the journal. */
  stop(): Promise<void>;
}

/** Checks the options; throws naming the first bad one. */
function checkOptions(o: StartMasterOptions): void {
  if (o.ip !== undefined && !isDottedQuad(o.ip))
    throw new Error(`ip must be a dotted IPv4 address, got '${o.ip}'`);
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535)) {
    throw new Error(`port must be an integer in [0, 65535], got ${o.port}`);
  }
  if (o.policy !== undefined && !policyNames.includes(o.policy)) {
    throw new Error(`policy must be one of ${policyNames.join(', ')}, got '${o.policy}'`);
  }
  if (o.hostname !== undefined && !/^[A-Za-z0-9.-]+$/.test(o.hostname)) {
    throw new Error(`hostname must be letters, digits, '.' and '-', got '${o.hostname}'`);
  }
  const caps: Array<[string, number | undefined]> = [
    ['completed_tasks_per_framework_max', o.completed_tasks_per_framework_max],
    ['completed_frameworks_max', o.completed_frameworks_max],
  ];
  for (const [name, value] of caps) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0))
      throw new Error(`${name} must be a whole number >= 0, got ${value}`);
  }
  // Named as the flags are: these are the flags' own checks.
  if (o.registry !== undefined && !registry_kinds.includes(o.registry))
    throw new Error(`--registry must be one of ${registry_kinds.join(', ')}, got '${o.registry}'`);
  if (o.registry === 'replicated_log' && o.zk === undefined && o.work_dir === undefined)
    throw new Error('--registry=replicated_log needs --work_dir (where the registry is kept) or --zk');
  if (o.registry === 'in_memory' && o.zk !== undefined)
    throw new Error('--registry=in_memory cannot be used with --zk: a new leader would recover nothing');
  if (o.work_dir !== undefined && o.work_dir.trim() === '')
    throw new Error('--work_dir must name a directory');
}

/** Listens on `ip:port` and resolves with the port bound. */
function listen(server: Server, ip: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EADDRINUSE')
        reject(new Error(`${ip}:${port} is already in use; choose another port`));
      else if (err.code === 'EADDRNOTAVAIL') reject(new Error(`${ip} is not an address of this machine`));
      else reject(err);
    };
    server.once('error', fail);
    // A deep accept queue: after a failover every agent dials the new leader in the same instant,
    // and connections beyond the queue are dropped by the kernel and retried by TCP only after 1 s,
    // then 3 s, 7 s ... (the kernel caps the depth at net.core.somaxconn).
    server.listen({ port, host: ip, backlog: listen_backlog }, () => {
      server.off('error', fail);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The options with defaults filled in (the port is the one bound). */
export interface Settings {
  readonly ip: string;
  readonly port: number;
  readonly hostname: string;
  readonly policy: PolicyName;
  readonly seed: string;
  readonly master_id: string;
  readonly allocation_interval_ms: number;
  readonly heartbeat_interval_seconds: number;
  readonly completed_tasks_per_framework_max: number;
  readonly completed_frameworks_max: number;
  readonly journal: string | undefined;
  readonly log: Log;
  readonly log_level: LogLevel;
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  /** The `--authenticate_*` flags, for /master/state (the credentials themselves are never shown). */
  readonly authenticate: Readonly<Record<string, boolean>>;
  readonly timing: Timing;
  readonly work_dir: string | undefined;
  readonly registry: RegistryKind;
  readonly roles: readonly string[] | undefined;
  readonly weights: ReadonlyArray<{ readonly role: string; readonly weight: number }> | undefined;
  readonly tls: Tls | undefined;
  readonly rate_limits: RateLimits | undefined;
}

/** The engine's timings a Mesos operator tunes, where given. */
type Timing = Pick<
  StartMasterOptions,
  'agent_reregister_timeout_ms' | 'offer_timeout_ms' | 'agent_ping_timeout_ms' | 'max_agent_ping_timeouts'
>;

/** Starts a live master and resolves once it listens. */
export async function startMaster(options: StartMasterOptions = {}): Promise<RunningMaster> {
  checkOptions(options);
  const authenticator = createAuthenticator(options);
  checkConnectionLimits({
    connections_max: options.connections_max,
    connections_per_client_max: options.connections_per_client_max,
    header_timeout_ms: options.header_timeout_ms,
    keep_alive_timeout_ms: options.keep_alive_timeout_ms,
  });
  const ip = options.ip ?? '127.0.0.1';
  const log = options.log ?? createLog('meso-master', options.log_level ?? 'info');
  const server = createLimitedServer(options, log, options.tls);
  const port = await listen(server, ip, options.port ?? 5050);
  const settings: Settings = {
    ip,
    port,
    hostname: options.hostname ?? ip,
    policy: options.policy ?? 'drf',
    seed: String(options.seed ?? randomUUID()),
    master_id: options.master_id ?? randomUUID(),
    allocation_interval_ms: options.allocation_interval_ms ?? default_allocation_interval_ms,
    heartbeat_interval_seconds: options.heartbeat_interval_seconds ?? default_heartbeat_interval_seconds,
    completed_tasks_per_framework_max:
      options.completed_tasks_per_framework_max ?? default_completed_tasks_per_framework_max,
    completed_frameworks_max: options.completed_frameworks_max ?? default_completed_frameworks_max,
    journal: options.journal,
    log,
    log_level: options.log_level ?? 'info',
    authenticator,
    authorizer: createAuthorizer(options.acls),
    authenticate: {
      authenticate_frameworks: options.authenticate_frameworks ?? false,
      authenticate_agents: options.authenticate_agents ?? false,
      authenticate_http_readonly: options.authenticate_http_readonly ?? false,
      authenticate_http_readwrite: options.authenticate_http_readwrite ?? false,
    },
    timing: {
      agent_reregister_timeout_ms: options.agent_reregister_timeout_ms,
      offer_timeout_ms: options.offer_timeout_ms,
      agent_ping_timeout_ms: options.agent_ping_timeout_ms,
      max_agent_ping_timeouts: options.max_agent_ping_timeouts,
    },
    work_dir: options.work_dir,
    roles: options.roles,
    weights: options.weights,
    tls: options.tls,
    rate_limits: options.rate_limits,
    registry:
      options.registry ??
      (options.zk !== undefined || options.work_dir !== undefined ? 'replicated_log' : 'in_memory'),
  };
  const url = `${schemeOf(options.tls, 'http')}://${ip}:${port}`;
  const { hostname, policy, seed, master_id, journal } = settings;
  try {
    if (options.zk !== undefined) {
      const zk = { ...options.zk, session_timeout_ms: options.zk_session_timeout_ms ?? 10_000 };
      return await contend(server, settings, zk, { assemble, begin, serve, quiesce }, url);
    }
    const leader = (options.leader ?? createStandaloneLeaderDetector)({ ip, hostname, port });
    const durable =
      settings.registry === 'in_memory' || settings.work_dir === undefined
        ? undefined
        : workDirPersistence(settings.work_dir, log);
    const routes = assemble(settings, leader, durable?.recovered, durable?.persistence);
    serve(server, () => routes);
    begin(routes, settings, durable?.recovered);
    log.info('master started', {
      url,
      master_id,
      hostname,
      policy,
      seed,
      journal,
      registry: durable?.persistence.where ?? 'in_memory',
      recovered_frameworks: durable?.recovered?.frameworks?.length ?? 0,
      recovered_agents: durable?.recovered?.agents?.length ?? 0,
    });
    return running(server, routes, url, settings, durable?.persistence);
  } catch (err) {
    server.close();
    throw err;
  }
}

/**
 * Starts the engine master of `routes`; then, when the registry held no weights, applies the
 * `--weights` flag through the engine (checked, journaled and persisted as an operator's update).
 */
function begin(routes: MasterRoutes, s: Settings, recovered: HostRegistrySnapshot | undefined): void {
  routes.host.step({ type: 'start' });
  if (s.weights === undefined || (recovered?.weights?.length ?? 0) > 0) return;
  const result = routes.host.step({ type: 'operator_update_weights', weights: s.weights });
  const refused = result.callError?.message ?? result.failure?.message;
  if (refused !== undefined) throw new Error(`--weights: ${refused}`);
}

/** Builds the engine master, its host and every part the routes reach. */
function assemble(
  s: Settings,
  leader: LeaderDetector,
  recovered: HostRegistrySnapshot | undefined,
  persistence?: Persistence,
): MasterRoutes {
  const log = s.log;
  const t = s.timing;
  const master = createMaster({
    ...(recovered === undefined ? {} : { recovered }),
    ...(t.agent_reregister_timeout_ms === undefined
      ? {}
      : { agentReregisterTimeoutMs: t.agent_reregister_timeout_ms }),
    ...(t.offer_timeout_ms === undefined ? {} : { offerTimeoutMs: t.offer_timeout_ms }),
    ...(t.agent_ping_timeout_ms === undefined ? {} : { agentPingTimeoutMs: t.agent_ping_timeout_ms }),
    ...(t.max_agent_ping_timeouts === undefined ? {} : { agentPingMissesMax: t.max_agent_ping_timeouts }),
    // A master that keeps its registry keeps the completed history beside it.
    historyEffects: persistence !== undefined,
    ...(s.roles === undefined ? {} : { roles: s.roles }),
    masterId: s.master_id,
    createAllocator: () => createAllocator({ policy: s.policy, rng: createRng(s.seed) }),
    hostname: s.hostname,
    ip: s.ip,
    port: s.port,
    allocationIntervalMs: s.allocation_interval_ms,
    joinAllocationDelayMs: join_allocation_delay_ms,
    heartbeatIntervalSeconds: s.heartbeat_interval_seconds,
    completedTasksPerFrameworkMax: s.completed_tasks_per_framework_max,
    completedFrameworksMax: s.completed_frameworks_max,
  });
  const { master_id, hostname, ip, port, policy, seed, allocation_interval_ms, heartbeat_interval_seconds } =
    s;
  const { completed_tasks_per_framework_max, completed_frameworks_max } = s;
  const journal =
    s.journal === undefined
      ? undefined
      : openJournal(s.journal, {
          opened_ms: Date.now(),
          master: {
            master_id,
            hostname,
            ip,
            port,
            policy,
            seed,
            allocation_interval_ms,
            join_allocation_delay_ms,
            heartbeat_interval_seconds,
            completed_tasks_per_framework_max,
            completed_frameworks_max,
            ...(s.roles === undefined ? {} : { roles: s.roles }),
            ...(Object.values(t).every((v) => v === undefined) ? {} : { timing: t }),
            ...(persistence === undefined ? {} : { history_effects: true }),
          },
          ...(recovered === undefined ? {} : { recovered }),
        });
  // The metrics read the routes at scrape time, after they are built.
  let routes: MasterRoutes | undefined;
  const metrics = createMasterMetrics(() => masterStats(routes!));
  const registry = createMemoryRegistry(recovered);
  const host = createMasterHost({
    master,
    registry,
    log,
    metrics,
    ...(journal === undefined ? {} : { journal }),
    mayAct: () => leader.isLeader(),
    ...(persistence === undefined
      ? {}
      : {
          persist: (r: MemoryRegistry) => persistence.persist(r),
          history: createMasterHistory(s, recovered?.history),
          historyChanged: (h: MasterHistory) => persistence.historyChanged(h),
        }),
  });
  const started_ms = host.now();
  const streams = createFrameworkStreams(log, metrics, (stream) => {
    if (stream.framework_id === undefined) return;
    log.info('framework disconnected', { framework_id: stream.framework_id, stream_id: stream.id });
    host.step({ type: 'framework_disconnected', framework_id: stream.framework_id, stream_id: stream.id });
  });
  const channel = createAgentChannel(host, log, metrics);
  const counters = createPrincipalCounters();
  // A principal's counters go with the last registered framework that has it, as in Mesos.
  host.feed.on('trace', (event) => {
    if (event.type === 'framework_removed') counters.retain(master.lookups.frameworkPrincipals());
  });
  const limiter =
    s.rate_limits === undefined
      ? undefined
      : createCallLimiter(s.rate_limits, host.now, (fire) => createTimerHost(host.now, fire));
  host.attach({
    frameworkEvent: (e) => streams.write(e),
    closeFrameworkStream: (e) => streams.close(e),
    agentMessage: (e) => channel.deliver(e),
  });
  logRemovals(host, log);
  routes = {
    host,
    streams,
    channel,
    subscribers: createOperatorSubscribers(host, log, heartbeat_interval_seconds),
    events: createEventSubscribers(host, s.authorizer, log, heartbeat_interval_seconds),
    leader,
    log,
    metrics,
    recovering: () => false,
    elected_time_ms: () => started_ms,
    flags: flagsOf(s),
    logging: createLoggingLevel(log, s.log_level),
    metricsSnapshot: () => ({ ...metricsSnapshot(masterStats(routes!)), ...counters.snapshot() }),
    authenticator: s.authenticator,
    authorizer: s.authorizer,
    ...(limiter === undefined ? {} : { limiter }),
    counters,
    ...(s.tls === undefined ? {} : { tls: s.tls }),
  };
  return routes;
}

/** The flags /master/state shows, as text. */
function flagsOf(s: Settings): Record<string, string> {
  return {
    ip: s.ip,
    port: String(s.port),
    hostname: s.hostname,
    allocator_policy: s.policy,
    seed: s.seed,
    allocation_interval: `${s.allocation_interval_ms / 1000}secs`,
    heartbeat_interval: `${s.heartbeat_interval_seconds}secs`,
    max_completed_tasks_per_framework: String(s.completed_tasks_per_framework_max),
    max_completed_frameworks: String(s.completed_frameworks_max),
    ...Object.fromEntries(Object.entries(s.authenticate).map(([flag, on]) => [flag, String(on)])),
    ...(s.journal === undefined ? {} : { journal: s.journal }),
    ...(s.work_dir === undefined ? {} : { work_dir: s.work_dir }),
    ...(s.roles === undefined ? {} : { roles: s.roles.join(',') }),
    ...(s.weights === undefined ? {} : { weights: s.weights.map((w) => `${w.role}=${w.weight}`).join(',') }),
    ...(s.rate_limits === undefined ? {} : { rate_limits: JSON.stringify(s.rate_limits) }),
    registry: s.registry,
  };
}

/** One log line per framework or agent leaving the cluster. */
function logRemovals(host: MasterHost, log: Log): void {
  host.feed.on('trace', (event) => {
    if (event.type === 'framework_removed') {
      log.info('framework removed', { framework_id: event.framework_id, reason: event.reason });
    } else if (event.type === 'agent_removed') {
      log.info('agent removed', {
        agent_id: event.agent_id,
        unreachable: event.unreachable,
        reason: event.reason,
      });
    }
  });
}

/** Serves the routes (the current ones: a standby's, then a leader's) on `server`. */
function serve(server: Server, current: () => MasterRoutes): void {
  server.on('request', (req: IncomingMessage, res: ServerResponse) => routeRequest(current(), req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const routes = current();
    const refusal = upgradeRefusal(req, routes.leader);
    if (refusal !== undefined) {
      socket.end(refusal);
      return;
    }
    // An agent proves itself before it is admitted (--authenticate_agents).
    const who = routes.authenticator.authenticate(req, 'agents');
    if ('status' in who) {
      const challenge = who.headers['WWW-Authenticate'];
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: ${challenge}\r\nContent-Type: text/plain\r\n` +
          `Content-Length: ${Buffer.byteLength(who.message)}\r\nConnection: close\r\n\r\n${who.message}`,
      );
      return;
    }
    routes.channel.upgrade(req, socket, head, who.principal);
  });
}

/**
 * The raw HTTP answer refusing an upgrade, if it must be refused: 404 off the agent channel's
 * path; 307 to the leader's channel (or 503 without a leader) when this master does not lead.
 */
function upgradeRefusal(req: IncomingMessage, leader: LeaderDetector): string | undefined {
  const end = 'Content-Length: 0\r\nConnection: close\r\n\r\n';
  if ((req.url ?? '').split('?')[0] !== agent_channel_path) return `HTTP/1.1 404 Not Found\r\n${end}`;
  if (leader.isLeader()) return undefined;
  const current = leader.leader();
  if (current === undefined) return `HTTP/1.1 503 Service Unavailable\r\n${end}`;
  return `HTTP/1.1 307 Temporary Redirect\r\nLocation: ${leaderLocation(current, agent_channel_path)}\r\n${end}`;
}

/** Stops acting: refuses further steps, closes the journal and ends every stream and connection. */
export function quiesce(routes: MasterRoutes): void {
  routes.host.stop();
  routes.limiter?.stop();
  routes.streams.closeAll();
  routes.subscribers.closeAll();
  routes.events.closeAll();
  routes.channel.closeAll();
  routes.logging.stop();
}

/** The handle of a started master. */
function running(
  server: Server,
  routes: MasterRoutes,
  url: string,
  s: Settings,
  persistence: Persistence | undefined,
): RunningMaster {
  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Refuse further steps and close the journal first, so nothing is journaled after the stop.
    quiesce(routes);
    await persistence?.flush();
    server.closeAllConnections();
    await closed;
    await routes.leader.stop();
    s.log.info('master stopped', { url, master_id: s.master_id });
  };
  return {
    url,
    port: s.port,
    master_id: s.master_id,
    feed: routes.host.feed,
    leader: routes.leader,
    lost: persistence?.failed ?? new Promise<string>(() => undefined),
    acting: () => true,
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}
