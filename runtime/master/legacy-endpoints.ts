// The master's endpoints older than the v1 operator API, with Mesos's paths and shapes, for the
// scripts and tools written against them: reads (/metrics/snapshot, /master/state-summary,
// /master/slaves, /master/frameworks, /master/tasks, /master/roles, /master/flags, /flags,
// /version, GET /quota, GET /weights) and writes (/master/reserve, /master/unreserve,
// /master/create-volumes, /master/destroy-volumes, /master/teardown as form posts; POST and DELETE
// /quota, PUT /weights as JSON), and maintenance (GET and POST /master/maintenance/schedule, GET
// /master/maintenance/status, POST /master/machine/down and /master/machine/up, each also without
// /master, as Mesos serves them). The writes become the same engine inputs as their v1 calls.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, sendText } from '../http-util.ts';
import { parseBoundedJson } from '../wire/json.ts';
import { requestPrincipal } from './authentication.ts';
import { answerWrite, deniedWrite, maintenanceReadDenial } from './operator-api.ts';
import { quotaStatus, roleRows } from './operator-reads.ts';
import { writeInputs } from './operator-writes.ts';
import { summaryJson } from './resources-json.ts';
import type { MasterRoutes } from './routes.ts';
import { stateJson } from './state-json.ts';

type Json = Record<string, unknown>;

/** The paths served here, with the methods each takes. */
export const legacy_paths: ReadonlyMap<string, readonly string[]> = new Map([
  ['/metrics/snapshot', ['GET']],
  ['/master/state-summary', ['GET']],
  ['/master/slaves', ['GET']],
  ['/master/frameworks', ['GET']],
  ['/master/tasks', ['GET']],
  ['/master/tasks.json', ['GET']],
  ['/master/roles', ['GET']],
  ['/master/roles.json', ['GET']],
  ['/master/flags', ['GET']],
  ['/flags', ['GET']],
  ['/version', ['GET']],
  ['/master/quota', ['GET', 'POST', 'DELETE']],
  ['/quota', ['GET', 'POST', 'DELETE']],
  ['/master/weights', ['GET', 'PUT']],
  ['/weights', ['GET', 'PUT']],
  ['/master/reserve', ['POST']],
  ['/master/unreserve', ['POST']],
  ['/master/create-volumes', ['POST']],
  ['/master/destroy-volumes', ['POST']],
  ['/master/teardown', ['POST']],
  ...(['', '/master'] as const).flatMap(
    (prefix): Array<[string, readonly string[]]> => [
      [`${prefix}/maintenance/schedule`, ['GET', 'POST']],
      [`${prefix}/maintenance/status`, ['GET']],
      [`${prefix}/machine/down`, ['POST']],
      [`${prefix}/machine/up`, ['POST']],
    ],
  ),
]);

/** The v1 write each maintenance path's JSON body stands for: its call type and body field. */
const maintenance_writes: Readonly<Record<string, readonly [string, string, string]>> = {
  '/maintenance/schedule': ['UPDATE_MAINTENANCE_SCHEDULE', 'update_maintenance_schedule', 'schedule'],
  '/machine/down': ['START_MAINTENANCE', 'start_maintenance', 'machines'],
  '/machine/up': ['STOP_MAINTENANCE', 'stop_maintenance', 'machines'],
};

/** A maintenance path without its `/master` prefix, if it is one. */
function maintenancePath(path: string): string | undefined {
  const bare = path.startsWith('/master/') ? path.slice('/master'.length) : path;
  return bare.startsWith('/maintenance/') || bare.startsWith('/machine/') ? bare : undefined;
}

/** The legacy path a request names (`/quota/<role>` is `/quota`), if it is one. */
export function legacyPath(path: string): string | undefined {
  if (legacy_paths.has(path)) return path;
  const quota = /^(\/master)?\/quota\/[^/]+$/.exec(path);
  return quota === null ? undefined : `${quota[1] ?? ''}/quota`;
}

/** The /master/state page as objects (these reads are rare; the page is the one source of shapes). */
function statePage(routes: MasterRoutes): Json {
  const view = routes.host.master.state();
  const text = stateJson(view, {
    elected_time_ms: routes.elected_time_ms(),
    leader_info: routes.host.master.info,
    flags: routes.flags,
  });
  return JSON.parse(text) as Json;
}

/** Counts of a list of tasks by state, as the state summary shows them. */
function taskCounts(tasks: readonly Json[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const state of ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED']) {
    counts[state] = 0;
  }
  for (const state of ['TASK_KILLED', 'TASK_FAILED', 'TASK_LOST', 'TASK_ERROR', 'TASK_UNREACHABLE']) {
    counts[state] = 0;
  }
  for (const task of tasks) {
    const state = String(task.state);
    counts[state] = (counts[state] ?? 0) + 1;
  }
  return counts;
}

/** GET /master/state-summary: agents and frameworks without their tasks, with task counts. */
function stateSummary(page: Json): Json {
  const frameworks = [...(page.frameworks as Json[])];
  const tasksOf = (f: Json): Json[] => [...(f.tasks as Json[]), ...(f.completed_tasks as Json[])];
  const slaves = (page.slaves as Json[]).map((s) => {
    const tasks = frameworks.flatMap(tasksOf).filter((t) => t.slave_id === s.id);
    const ids = [...new Set(tasks.map((t) => String(t.framework_id)))].sort();
    return { ...s, ...taskCounts(tasks), framework_ids: ids };
  });
  return {
    hostname: page.hostname,
    cluster: page.cluster ?? '',
    slaves,
    frameworks: frameworks.map((f) => {
      const { tasks: _t, completed_tasks: _c, offers: _o, executors: _e, ...head } = f;
      const tasks = tasksOf(f);
      return {
        ...head,
        ...taskCounts(tasks),
        slave_ids: [...new Set(tasks.map((t) => String(t.slave_id)))].sort(),
      };
    }),
  };
}

/** GET /master/tasks: every task, `offset` and `limit` (default 100) applied, `order` asc or des. */
function tasksPage(page: Json, query: URLSearchParams): Json | { error: string } {
  const number = (name: string, fallback: number): number | undefined => {
    const text = query.get(name);
    if (text === null) return fallback;
    const n = Number(text);
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  };
  const limit = number('limit', 100);
  const offset = number('offset', 0);
  if (limit === undefined || offset === undefined)
    return { error: "'limit' and 'offset' must be whole numbers" };
  const order = query.get('order') ?? 'des';
  if (order !== 'asc' && order !== 'des') return { error: "'order' must be 'asc' or 'des'" };
  const all = [...(page.frameworks as Json[]), ...(page.completed_frameworks as Json[])];
  const tasks = all.flatMap((f) => [...(f.tasks as Json[]), ...(f.completed_tasks as Json[])]);
  const started = (t: Json): number => Number((t.statuses as Json[])[0]?.timestamp ?? 0);
  tasks.sort((a, b) => started(a) - started(b) || (String(a.id) < String(b.id) ? -1 : 1));
  if (order === 'des') tasks.reverse();
  return { tasks: tasks.slice(offset, offset + limit) };
}

/** A form-encoded or JSON body as fields. */
async function formOf(req: IncomingMessage): Promise<URLSearchParams | { error: string; status: number }> {
  const read = await readBody(req);
  if ('too_large' in read) return { error: 'The request body is too large', status: 413 };
  return new URLSearchParams(read.body.toString('utf8'));
}

/** A JSON field of a form, parsed, or why it is not JSON. */
function jsonField(form: URLSearchParams, name: string): unknown {
  const text = form.get(name);
  if (text === null) return { error: `Missing '${name}' in the request body` };
  try {
    return parseBoundedJson(text);
  } catch {
    return { error: `'${name}' is not JSON: ${text.slice(0, 80)}` };
  }
}

/** The v1 call a form post stands for, or why the form is incomplete. */
function formCall(path: string, form: URLSearchParams): Json | { error: string } {
  if (path === '/master/teardown') {
    const id = form.get('frameworkId');
    if (id === null || id === '') return { error: "Missing 'frameworkId' in the request body" };
    return { type: 'TEARDOWN', teardown: { framework_id: { value: id } } };
  }
  const agent = form.get('slaveId');
  if (agent === null || agent === '') return { error: "Missing 'slaveId' in the request body" };
  const [type, field, list] = (
    {
      '/master/reserve': ['RESERVE_RESOURCES', 'reserve_resources', 'resources'],
      '/master/unreserve': ['UNRESERVE_RESOURCES', 'unreserve_resources', 'resources'],
      '/master/create-volumes': ['CREATE_VOLUMES', 'create_volumes', 'volumes'],
      '/master/destroy-volumes': ['DESTROY_VOLUMES', 'destroy_volumes', 'volumes'],
    } as const
  )[path as '/master/reserve'];
  const value = jsonField(form, list);
  if (value !== null && typeof value === 'object' && 'error' in value) return value as { error: string };
  return { type, [field]: { agent_id: { value: agent }, [list]: value } };
}

/** A JSON body as an object or array, or why it is not JSON. */
async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const read = await readBody(req);
  if ('too_large' in read) return { error: 'The request body is too large' };
  try {
    return parseBoundedJson(read.body.toString('utf8'));
  } catch (error) {
    return { error: `The request body is not JSON: ${(error as Error).message}` };
  }
}

/** The v1 call of a JSON write (/quota, /weights), or why the body is unusable. */
async function jsonCall(req: IncomingMessage, path: string): Promise<Json | { error: string }> {
  if (req.method === 'DELETE') {
    const role = decodeURIComponent(path.split('/').pop() ?? '');
    return { type: 'REMOVE_QUOTA', remove_quota: { role } };
  }
  const body = await jsonBody(req);
  if (body !== null && typeof body === 'object' && 'error' in body) return body as { error: string };
  const maintenance = maintenance_writes[maintenancePath(path) ?? ''];
  if (maintenance !== undefined) {
    const [type, field, name] = maintenance;
    return { type, [field]: { [name]: body } };
  }
  if (path.endsWith('/weights')) return { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: body } };
  return { type: 'SET_QUOTA', set_quota: { quota_request: body } };
}

/** Answers a legacy write: the v1 call it stands for, through the engine. */
async function legacyWrite(
  routes: MasterRoutes,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  let call: Json | { error: string };
  const form_post =
    req.method === 'POST' &&
    path.startsWith('/master/') &&
    !path.endsWith('/quota') &&
    maintenancePath(path) === undefined;
  if (form_post) {
    const form = await formOf(req);
    if ('status' in form) {
      sendText(res, form.status, form.error);
      return;
    }
    call = formCall(path, form);
  } else {
    call = await jsonCall(req, (req.url ?? '').split('?')[0]!);
  }
  if ('error' in call) {
    sendText(res, 400, String(call.error));
    return;
  }
  const write = writeInputs(call);
  if (write === undefined || 'error' in write) {
    sendText(res, 400, write?.error ?? 'Not a write');
    return;
  }
  const accepted = [
    '/master/reserve',
    '/master/unreserve',
    '/master/create-volumes',
    '/master/destroy-volumes',
  ];
  if (deniedWrite(routes, req, res, write.inputs)) return;
  answerWrite(routes.host, res, write.inputs, accepted.includes(path) ? 202 : 200);
}

/** Answers a legacy read. */
function legacyRead(
  routes: MasterRoutes,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): void {
  const master = routes.host.master;
  const maintenance = maintenancePath(path);
  if (maintenance !== undefined) {
    const type =
      maintenance === '/maintenance/status' ? 'GET_MAINTENANCE_STATUS' : 'GET_MAINTENANCE_SCHEDULE';
    const denial = maintenanceReadDenial(routes.authorizer, requestPrincipal(req), type);
    if (denial !== undefined) sendText(res, 403, denial);
    else if (type === 'GET_MAINTENANCE_STATUS') sendJson(res, 200, master.lookups.maintenanceStatus());
    else sendJson(res, 200, master.lookups.maintenanceSchedule());
    return;
  }
  switch (path) {
    case '/metrics/snapshot':
      sendJson(res, 200, routes.metricsSnapshot());
      return;
    case '/master/flags':
    case '/flags':
      sendJson(res, 200, { flags: routes.flags });
      return;
    case '/version':
      sendJson(res, 200, { version: master.info.version });
      return;
    case '/master/quota':
    case '/quota':
      sendJson(res, 200, quotaStatus(master.lookups));
      return;
    case '/master/weights':
    case '/weights':
      sendJson(res, 200, master.lookups.weights());
      return;
    case '/master/roles':
    case '/master/roles.json': {
      const rows = roleRows(master.state(), master.lookups);
      const roles = rows.map((r) => ({
        name: r.name,
        weight: r.weight,
        frameworks: r.frameworks,
        resources: JSON.parse(summaryJson(r.allocated)),
      }));
      sendJson(res, 200, { roles });
      return;
    }
  }
  const page = statePage(routes);
  if (path === '/master/state-summary') sendJson(res, 200, stateSummary(page));
  else if (path === '/master/slaves') sendJson(res, 200, { slaves: page.slaves, recovered_slaves: [] });
  else if (path === '/master/frameworks') {
    const { frameworks, completed_frameworks, unregistered_frameworks } = page;
    sendJson(res, 200, { frameworks, completed_frameworks, unregistered_frameworks });
  } else {
    const tasks = tasksPage(page, query);
    if ('error' in tasks) sendText(res, 400, String(tasks.error));
    else sendJson(res, 200, tasks);
  }
}

/** Answers a request to a legacy path (the caller checked leadership). */
export async function handleLegacy(
  routes: MasterRoutes,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const methods = legacy_paths.get(path) ?? [];
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? '');
  if (!methods.includes(method)) {
    req.resume();
    sendText(res, 405, `Expecting one of ${methods.join(', ')}, got '${req.method}'`, {
      Allow: methods.join(', '),
    });
    return;
  }
  if (method === 'GET') {
    req.resume();
    legacyRead(routes, req, res, path, new URL(req.url ?? '/', 'http://master').searchParams);
    return;
  }
  await legacyWrite(routes, req, res, path);
}
