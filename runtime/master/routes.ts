// The master's HTTP routes: the scheduler and operator APIs, the state page, health, redirect,
// metrics, the endpoints older than the operator API, reads forwarded to agents, and the web UI
// (viz/). Every answer is counted by route and status code; a handler that throws (a bug) answers
// 500 and logs, and never takes the server down.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MasterInfo } from '../../engine/master/v1.ts';
import { isAppPath, sendAppFile } from '../../viz/serve.ts';
import { discardBody, pathOf, sendEmpty, sendText } from '../http-util.ts';
import type { Log } from '../log.ts';
import type { LoggingLevel } from '../logging-level.ts';
import type { Tls } from '../wire/tls.ts';
import type { AgentChannel } from './agent-channel.ts';
import { agent_proxy_prefix, proxyToAgent } from './agent-proxy.ts';
import { type Authenticator, type Realm, requestPrincipal, setRequestPrincipal } from './authentication.ts';
import type { Authorizer } from './authorization.ts';
import type { EventSubscribers } from './events-stream.ts';
import type { FrameworkStreams } from './framework-streams.ts';
import { type LeaderDetector, leaderLocation } from './leader.ts';
import { handleLegacy, legacyPath } from './legacy-endpoints.ts';
import type { MasterHost } from './master-host.ts';
import { engineGauges, type MasterMetrics, type MasterStats } from './metrics.ts';
import { handleOperatorRequest } from './operator-api.ts';
import type { OperatorSubscribers } from './operator-stream.ts';
import type { CallLimiter, PrincipalCounters } from './rate-limits.ts';
import { handleSchedulerRequest } from './scheduler-api.ts';
import { sendStatePage } from './state-json.ts';

/** Everything the routes reach. */
export interface MasterRoutes {
  readonly host: MasterHost;
  readonly streams: FrameworkStreams;
  readonly channel: AgentChannel;
  readonly subscribers: OperatorSubscribers;
  /** The clients of GET /master/events. */
  readonly events: EventSubscribers;
  readonly leader: LeaderDetector;
  readonly log: Log;
  readonly metrics: MasterMetrics;
  readonly recovering: () => boolean;
  readonly elected_time_ms: () => number;
  readonly flags: Readonly<Record<string, string>>;
  readonly logging: LoggingLevel;
  /** The metrics under Mesos's names (GET /metrics/snapshot, GET_METRICS). */
  readonly metricsSnapshot: () => Record<string, number>;
  /** Who may call which route (`--authenticate_*`, `--credentials`). */
  readonly authenticator: Authenticator;
  /** What each principal may do (`--acls`). */
  readonly authorizer: Authorizer;
  /** The per-principal rate limits on framework calls (`--rate_limits`). */
  readonly limiter?: CallLimiter;
  /** The per-principal message counters (`frameworks/<principal>/messages_received` ...). */
  readonly counters: PrincipalCounters;
  /** The TLS the master dials its agents with (LIBPROCESS_SSL_*), when it serves TLS. */
  readonly tls?: Tls;
}

/** The endpoints Mesos's `get_endpoints` ACL guards, of those the master serves. */
const guarded_endpoints: ReadonlySet<string> = new Set(['/metrics', '/metrics/snapshot']);

/** The authentication realm of a route, as Mesos files its endpoints. */
function realmOf(route: string, method: string | undefined): Realm {
  if (route === 'scheduler') return 'frameworks';
  if (route === 'operator') return 'readwrite';
  if (route === 'state' || route === 'metrics' || route === 'agent_proxy' || route === 'events') {
    return 'readonly';
  }
  if (route === 'legacy') return method === 'GET' || method === 'HEAD' ? 'readonly' : 'readwrite';
  return 'open';
}

/** The route name of each path (for metrics), and the paths Mesos also serves without `/master`. */
const route_of_path: ReadonlyMap<string, string> = new Map([
  ['/api/v1/scheduler', 'scheduler'],
  ['/master/api/v1/scheduler', 'scheduler'],
  ['/api/v1', 'operator'],
  ['/master/api/v1', 'operator'],
  ['/master/state', 'state'],
  ['/master/state.json', 'state'],
  ['/state', 'state'],
  ['/state.json', 'state'],
  ['/master/events', 'events'],
  ['/master/health', 'health'],
  ['/health', 'health'],
  ['/master/redirect', 'redirect'],
  ['/redirect', 'redirect'],
  ['/metrics', 'metrics'],
]);

/** The route of a path: a named one, an older endpoint, the web UI's files, or 'other'. */
function routeOf(path: string): string {
  const named = route_of_path.get(path);
  if (named !== undefined) return named;
  if (path.startsWith(agent_proxy_prefix)) return 'agent_proxy';
  if (legacyPath(path) !== undefined) return 'legacy';
  return isAppPath(path) ? 'ui' : 'other';
}

/**
 * A page may read the master's APIs from another origin: the web UI served by one master follows
 * the leader to another (a 307 to another origin), and `meso viz` serves the page from elsewhere.
 * Credentials are never sent cross-origin by the page, so authentication still guards every call.
 */
const cors_headers = {
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE',
  'Access-Control-Allow-Headers': 'Content-Type, Accept, Authorization',
  'Access-Control-Max-Age': '600',
};

/** Routes one request; never rejects. */
export function routeRequest(routes: MasterRoutes, req: IncomingMessage, res: ServerResponse): void {
  const route = routeOf(pathOf(req));
  res.on('close', () => routes.metrics.httpRequest(route, res.statusCode));
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method === 'OPTIONS') {
    // A browser's preflight carries no credentials, so it is answered before authentication.
    discardBody(req);
    sendEmpty(res, 204, cors_headers);
    return;
  }
  const who = routes.authenticator.authenticate(req, realmOf(route, req.method));
  if ('status' in who) {
    discardBody(req);
    sendText(res, who.status, who.message, who.headers);
    return;
  }
  setRequestPrincipal(req, who.principal);
  const path = pathOf(req);
  if (guarded_endpoints.has(path) && !routes.authorizer.may('get_endpoints', who.principal, path)) {
    discardBody(req);
    sendText(res, 403, `Not authorized to GET '${path}'`);
    return;
  }
  handle(routes, route, req, res).catch((err: unknown) => {
    const error = err instanceof Error ? err : new Error(String(err));
    routes.log.error('request failed', { route, url: req.url, error: error.message, stack: error.stack });
    if (!res.headersSent) sendText(res, 500, 'Internal error in the master; it has been logged');
    else res.destroy();
  });
}

/** The 307 or 503 of a master that does not lead, for GET routes. */
function notLeading(routes: MasterRoutes, req: IncomingMessage, res: ServerResponse): boolean {
  if (routes.leader.isLeader()) return false;
  const leader = routes.leader.leader();
  if (leader === undefined) sendText(res, 503, 'No leading master is known; retry later');
  else sendEmpty(res, 307, { Location: leaderLocation(leader, req.url ?? '') });
  return true;
}

async function handle(
  routes: MasterRoutes,
  route: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (route === 'scheduler') {
    await handleSchedulerRequest(routes, req, res);
    return;
  }
  if (route === 'operator') {
    await handleOperatorRequest(routes, req, res);
    return;
  }
  if (route === 'legacy') {
    if (notLeading(routes, req, res)) {
      req.resume();
      return;
    }
    await handleLegacy(routes, req, res, legacyPath(pathOf(req))!);
    return;
  }
  discardBody(req);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(
      res,
      route === 'other' ? 404 : 405,
      route === 'other' ? 'Not found' : 'Expecting a GET request',
      {
        ...(route === 'other' ? {} : { Allow: 'GET' }),
      },
    );
    return;
  }
  switch (route) {
    case 'state': {
      // A standby shows its own (empty) state with the leader's info and no election time.
      const standby = !routes.leader.isLeader();
      const leader_info = standby
        ? (routes.leader.leaderInfo?.() as MasterInfo | undefined)
        : routes.host.master.info;
      if (leader_info === undefined) {
        notLeading(routes, req, res);
        return;
      }
      sendStatePage(res, routes.authorizer.stateFor(requestPrincipal(req), routes.host.master.state()), {
        elected_time_ms: standby ? undefined : routes.elected_time_ms(),
        leader_info,
        flags: routes.flags,
      });
      return;
    }
    case 'events':
      if (notLeading(routes, req, res)) return;
      routes.events.subscribe(req, res);
      return;
    case 'health':
      sendEmpty(res, 200);
      return;
    case 'redirect': {
      const leader = routes.leader.leader();
      if (leader === undefined) sendText(res, 503, 'No leading master is known; retry later');
      else sendEmpty(res, 307, { Location: leaderLocation(leader) });
      return;
    }
    case 'metrics': {
      const text = await routes.metrics.text();
      res.writeHead(200, { 'Content-Type': routes.metrics.contentType });
      res.end(text);
      return;
    }
    case 'agent_proxy':
      if (notLeading(routes, req, res)) return;
      proxyToAgent(routes.host, req, res, routes.tls);
      return;
    case 'ui':
      // Any master serves the page, a standby too: the page itself finds the leader.
      await sendAppFile(res, pathOf(req));
      return;
    default:
      sendText(res, 404, 'Not found');
  }
}

/** The gauges of /metrics: the engine's counts (without building its view) and the host's. */
export function masterStats(routes: MasterRoutes): MasterStats {
  const lookups = routes.host.master.lookups;
  return {
    ...engineGauges(lookups),
    elected: routes.leader.isLeader(),
    uptime_seconds: (routes.host.now() - lookups.startTimeMs()) / 1000,
    scheduler_streams: routes.streams.size,
    agent_connections: routes.channel.size,
    operator_subscribers: routes.subscribers.size,
    event_subscribers: routes.events.size,
    timers_armed: routes.host.timers.size,
  };
}
