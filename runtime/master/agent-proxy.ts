// GET /master/agents/<agent_id>/{state,files/browse,files/read}: the master forwards a read to one
// of its agents, so that the web UI can show a task's sandbox and tail its output while talking to
// the leading master only (the browser may not reach the agents, and would need them to allow its
// origin). Only these read endpoints are forwarded, with their query, and the answer is streamed back.
import { type IncomingMessage, request, type ServerResponse } from 'node:http';
import { request as tlsRequest } from 'node:https';
import { sendText } from '../http-util.ts';
import { clientConnectionOptions, type Tls } from '../wire/tls.ts';
import type { MasterHost } from './master-host.ts';

/** The prefix of forwarded paths. */
export const agent_proxy_prefix = '/master/agents/';

/** The agent endpoints a browser may read through the master. */
const forwarded: ReadonlySet<string> = new Set(['state', 'files/browse', 'files/read']);

/** How long the master waits for the agent's answer. */
const agent_proxy_timeout_ms = 10_000;

/** Forwards one GET under `agent_proxy_prefix` to the agent it names (over TLS with `tls`). */
export function proxyToAgent(host: MasterHost, req: IncomingMessage, res: ServerResponse, tls?: Tls): void {
  const url = new URL(req.url ?? '/', 'http://master');
  const rest = url.pathname.slice(agent_proxy_prefix.length);
  const slash = rest.indexOf('/');
  const agent_id = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
  const endpoint = slash < 0 ? '' : rest.slice(slash + 1);
  if (!forwarded.has(endpoint)) {
    sendText(
      res,
      404,
      `Only ${[...forwarded].join(', ')} of an agent are served under ${agent_proxy_prefix}`,
    );
    return;
  }
  const agent = host.master.lookups.agent(agent_id);
  if (agent === undefined) {
    sendText(res, 404, `No agent '${agent_id}' is registered with this master`);
    return;
  }
  const target = { host: agent.ip, port: agent.port, path: `/${endpoint}${url.search}`, method: 'GET' };
  const upstream = (tls === undefined ? request : tlsRequest)(
    tls === undefined ? target : { ...target, ...clientConnectionOptions(tls) },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, {
        'Content-Type': answer.headers['content-type'] ?? 'application/json',
      });
      answer.pipe(res);
    },
  );
  upstream.setTimeout(agent_proxy_timeout_ms, () => upstream.destroy(new Error('timed out')));
  upstream.on('error', (err) => {
    if (!res.headersSent) sendText(res, 502, `Agent ${agent_id} did not answer: ${err.message}`);
    else res.destroy();
  });
  res.on('close', () => upstream.destroy());
  upstream.end();
}
