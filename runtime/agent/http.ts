// The agent's HTTP endpoints (Mesos's paths): the executor API `POST /api/v1/executor`, the
// operator API `POST /api/v1`, and for operators and the web UI `GET /state`, `/files/browse`,
// `/files/read`, `/monitor/statistics`, `/metrics/snapshot`, `/flags`, `/version` and `/health`. The file endpoints reach only sandboxes (under `<work_dir>/slaves`). GET endpoints
// answer JSONP when asked (`?jsonp=callback`), as Mesos's do for its web UI.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { master_version } from '../../engine/master/options.ts';
import { agent_first_byte_timeout_ms, agent_http_keep_alive_timeout_ms } from '../constants.ts';
import type { LoggingLevel } from '../logging-level.ts';
import type { Realm } from '../master/authentication.ts';
import { createServingServer } from '../tls-server.ts';
import type { Tls } from '../wire/tls.ts';
import { agentFlags, agentStateJson, monitorStatisticsJson } from './agent-state.ts';
import type { AgentCore } from './core.ts';
import { type ExecutorApiHost, handleExecutorApi } from './executor-api.ts';
import { pathOf, sendEmpty, sendJson, sendText } from './http-answers.ts';
import { type AgentHttpSecurity, createAgentHttpSecurity } from './http-security.ts';
import { agentMetrics, handleAgentOperator } from './operator-api.ts';
import { browseSandbox, parseFilesInteger, readSandboxFile, SandboxAccessError } from './sandbox.ts';

/** A JSONP callback name: an identifier path, nothing a browser would run as more than a call. */
const jsonp_callback_pattern = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

/** The HTTP statuses of refused sandbox accesses. */
const access_status = { bad_request: 400, forbidden: 403, not_found: 404 } as const;

/** Answers JSON, or JSONP when the query names a callback. */
function answerJson(res: ServerResponse, query: URLSearchParams, value: unknown): void {
  const callback = query.get('jsonp');
  if (callback === null) {
    sendJson(res, 200, value);
    return;
  }
  if (!jsonp_callback_pattern.test(callback)) {
    sendText(res, 400, `'jsonp' must name a JavaScript function, got '${callback}'`);
    return;
  }
  const body = Buffer.from(`${callback}(${JSON.stringify(value)});`, 'utf8');
  res.writeHead(200, { 'Content-Type': 'text/javascript', 'Content-Length': String(body.length) });
  res.end(body);
}

/** Answers a sandbox access, mapping refusals to 400, 403 and 404. */
async function answerFiles(
  res: ServerResponse,
  query: URLSearchParams,
  read: () => Promise<unknown>,
): Promise<void> {
  try {
    answerJson(res, query, await read());
  } catch (error) {
    if (error instanceof SandboxAccessError) sendText(res, access_status[error.kind], error.message);
    else throw error;
  }
}

/** The authentication realm of an agent endpoint, as Mesos files them. */
function realmOf(path: string): Realm {
  if (path === '/api/v1/executor' || path === '/health' || path === '/version') return 'open';
  if (path === '/api/v1') return 'readwrite';
  return 'readonly';
}

/** Routes one request. */
async function route(
  core: AgentCore,
  executors: ExecutorApiHost,
  logging: LoggingLevel,
  security: AgentHttpSecurity,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = pathOf(req).replace(/^\/slave\(1\)/, '');
  const who = security.authenticate(req, realmOf(path.replace(/\.json$/, '')));
  if ('status' in who) {
    req.resume();
    sendText(res, who.status, who.message, who.headers);
    return;
  }
  const principal = who.principal;
  if (path === '/api/v1/executor') {
    await handleExecutorApi(req, res, executors);
    return;
  }
  if (path === '/api/v1') {
    await handleAgentOperator(core, logging, req, res, {
      view: security.viewOf(core, principal),
      guard: security.sandboxGuard(core, principal),
    });
    return;
  }
  req.resume();
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, `Expecting 'GET', but received '${req.method}'`, { Allow: 'GET' });
    return;
  }
  const query = new URL(req.url ?? '/', 'http://agent').searchParams;
  const roots = [join(core.settings.work_dir, 'slaves')];
  const endpoint = path.replace(/\.json$/, '');
  if (!security.mayGet(principal, endpoint)) {
    sendText(res, 403, `Not authorized to GET '${endpoint}'`);
    return;
  }
  const guard = security.sandboxGuard(core, principal);
  switch (endpoint) {
    case '/state':
      answerJson(res, query, agentStateJson(security.viewOf(core, principal)));
      return;
    case '/health':
      sendEmpty(res, 200);
      return;
    case '/metrics/snapshot':
      answerJson(res, query, agentMetrics(core, Date.now()));
      return;
    case '/flags':
      answerJson(res, query, { flags: agentFlags(core) });
      return;
    case '/version':
      answerJson(res, query, { version: master_version });
      return;
    case '/monitor/statistics':
      answerJson(res, query, await monitorStatisticsJson(core));
      return;
    case '/files/browse':
      await answerFiles(res, query, () => browseSandbox(roots, query.get('path') ?? '', guard));
      return;
    case '/files/read':
      await answerFiles(res, query, () =>
        readSandboxFile(
          roots,
          query.get('path') ?? '',
          parseFilesInteger('offset', query.get('offset')),
          parseFilesInteger('length', query.get('length')),
          guard,
        ),
      );
      return;
    default:
      sendText(res, 404, `No endpoint ${path} on this agent`);
  }
}

/** Creates the agent's HTTP server (not yet listening), over TLS with `tls`. */
export function createAgentServer(
  core: AgentCore,
  executors: ExecutorApiHost,
  logging: LoggingLevel,
  security: AgentHttpSecurity = createAgentHttpSecurity(),
  tls?: Tls,
): Server {
  const server = createServingServer({}, tls, core.log, agent_first_byte_timeout_ms);
  server.on('request', (req, res) => {
    route(core, executors, logging, security, req, res).catch((error: unknown) => {
      core.log.error('agent endpoint failed', { path: req.url, error: (error as Error).message });
      if (!res.headersSent) sendText(res, 500, 'Internal error of the agent');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = agent_http_keep_alive_timeout_ms;
  return server;
}
