// POST /api/v1 on the agent: the v1 operator API of Mesos's agent.proto. Reads answer 200 with
// `{type, <lowercase type>: {...}}` from the agent's book of frameworks, executors and tasks;
// LIST_FILES and READ_FILE reach the sandboxes (as /files/browse and /files/read do);
// SET_LOGGING_LEVEL sets the verbosity for a while. Calls about nested, standalone or debug
// containers, resource providers and container images answer 501: meso's agent has none of them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { wireResources } from '../../engine/master/offers.ts';
import { master_version } from '../../engine/master/options.ts';
import type { Resources } from '../../engine/resources.ts';
import { type LoggingLevel, parseSetLoggingLevel } from '../logging-level.ts';
import { parseBoundedJson } from '../wire/json.ts';
import { agentFlags, agentInfo } from './agent-state.ts';
import type { AgentCore } from './core.ts';
import { type AgentExecutor, type AgentFramework, type AgentTask, isTerminalState } from './executors.ts';
import {
  accepts,
  application_json,
  header,
  mediaType,
  readBody,
  sendEmpty,
  sendJson,
  sendText,
} from './http-answers.ts';
import { browseSandbox, readSandboxFile, SandboxAccessError, type SandboxGuard } from './sandbox.ts';

/** What the caller may see: the agent as its ACLs show it, and the check of its sandbox reads. */
export interface AgentOperatorScope {
  readonly view: AgentCore;
  readonly guard: SandboxGuard;
}

/** The calls of agent.proto meso's agent has nothing to serve, with the reason. */
const unserved: ReadonlyMap<string, string> = new Map([
  ...[
    'LAUNCH_NESTED_CONTAINER',
    'WAIT_NESTED_CONTAINER',
    'KILL_NESTED_CONTAINER',
    'REMOVE_NESTED_CONTAINER',
    'LAUNCH_NESTED_CONTAINER_SESSION',
    'ATTACH_CONTAINER_INPUT',
    'ATTACH_CONTAINER_OUTPUT',
  ].map((t) => [t, 'meso runs no nested containers'] as const),
  ...['LAUNCH_CONTAINER', 'WAIT_CONTAINER', 'KILL_CONTAINER', 'REMOVE_CONTAINER'].map(
    (t) => [t, 'meso runs no standalone containers outside executors'] as const,
  ),
  ...[
    'ADD_RESOURCE_PROVIDER_CONFIG',
    'UPDATE_RESOURCE_PROVIDER_CONFIG',
    'REMOVE_RESOURCE_PROVIDER_CONFIG',
    'MARK_RESOURCE_PROVIDER_GONE',
  ].map((t) => [t, 'meso has no resource providers'] as const),
  ['PRUNE_IMAGES', 'meso keeps no container images'],
]);

/** The agent's Task message of a task. */
function v1Task(core: AgentCore, task: AgentTask): Record<string, unknown> {
  return {
    name: task.info.name,
    task_id: task.info.task_id,
    framework_id: { value: task.framework_id },
    ...(task.info.executor === undefined ? {} : { executor_id: { value: task.executor_id } }),
    agent_id: { value: core.agent_id ?? '' },
    state: task.state,
    resources: task.info.resources ?? [],
    statuses: task.statuses,
    ...(task.info.labels === undefined ? {} : { labels: task.info.labels }),
  };
}

function executorsOf(core: AgentCore): AgentExecutor[] {
  return [...core.book.frameworks.values()].flatMap((f) => [...f.executors.values()]);
}

/** Response.GetTasks: queued (waiting for their executor), launched, terminated and completed. */
function getTasks(core: AgentCore): Record<string, unknown> {
  const executors = executorsOf(core);
  const live = executors.flatMap((e) => [...e.tasks.values()]);
  const all = (f: AgentFramework) => [...f.executors.values(), ...f.completed_executors];
  const frameworks = [...core.book.frameworks.values(), ...core.book.completed_frameworks];
  return {
    pending_tasks: [],
    queued_tasks: executors.flatMap((e) => [...e.queued.values()].map((t) => v1Task(core, t))),
    launched_tasks: live.filter((t) => !isTerminalState(t.state)).map((t) => v1Task(core, t)),
    terminated_tasks: live.filter((t) => isTerminalState(t.state)).map((t) => v1Task(core, t)),
    completed_tasks: frameworks.flatMap(all).flatMap((e) => e.completed.map((t) => v1Task(core, t))),
  };
}

function getFrameworks(core: AgentCore): Record<string, unknown> {
  const framework = (f: AgentFramework) => ({ framework_info: { ...f.info, id: { value: f.id } } });
  return {
    frameworks: [...core.book.frameworks.values()].map(framework),
    completed_frameworks: core.book.completed_frameworks.map(framework),
  };
}

function getExecutors(core: AgentCore): Record<string, unknown> {
  const executor = (e: AgentExecutor) => ({
    executor_info: { ...e.info, framework_id: { value: e.framework_id } },
  });
  const frameworks = [...core.book.frameworks.values()];
  return {
    executors: frameworks.flatMap((f) => [...f.executors.values()].map(executor)),
    completed_executors: frameworks.flatMap((f) => f.completed_executors.map(executor)),
  };
}

/** Response.GetContainers: the container of each live executor. */
function getContainers(core: AgentCore): Record<string, unknown> {
  return {
    containers: executorsOf(core)
      .filter((e) => e.phase !== 'terminated')
      .map((e) => ({
        framework_id: { value: e.framework_id },
        executor_id: { value: e.executor_id },
        executor_name: e.info.name ?? '',
        container_id: { value: e.container_id },
      })),
  };
}

/** The agent's metrics under Mesos's names (GET_METRICS and GET /metrics/snapshot). */
export function agentMetrics(core: AgentCore, now_ms: number): Record<string, number> {
  const executors = executorsOf(core);
  const tasks = executors.flatMap((e) => [...e.tasks.values()]);
  const count = (state: string) => tasks.filter((t) => t.state === state).length;
  const out: Record<string, number> = {
    'slave/uptime_secs': (now_ms - core.start_time_ms) / 1000,
    'slave/registered': core.link?.registered() === true ? 1 : 0,
    'slave/frameworks_active': core.book.frameworks.size,
    'slave/executors_running': executors.filter((e) => e.phase !== 'terminated').length,
    'slave/tasks_staging': count('TASK_STAGING'),
    'slave/tasks_starting': count('TASK_STARTING'),
    'slave/tasks_running': count('TASK_RUNNING'),
    'slave/tasks_killing': count('TASK_KILLING'),
  };
  const used = executors.reduce<Resources>((sum, e) => sum.concat(e.info.resources ?? []), []);
  for (const name of ['cpus', 'mem', 'disk', 'gpus']) {
    const total = scalarSum(core.resources, name);
    const inUse = scalarSum(used.concat(tasks.flatMap((t) => t.info.resources ?? [])), name);
    out[`slave/${name}_total`] = total;
    out[`slave/${name}_used`] = inUse;
    out[`slave/${name}_percent`] = total === 0 ? 0 : inUse / total;
  }
  return out;
}

function scalarSum(resources: Resources, name: string): number {
  return resources.reduce((sum, r) => (r.name === name ? sum + (r.scalar?.value ?? 0) : sum), 0);
}

/** The body of a read call, or undefined when `type` is not one. */
function readResponse(
  core: AgentCore,
  logging: LoggingLevel,
  type: string,
): Record<string, unknown> | undefined {
  switch (type) {
    case 'GET_HEALTH':
      return { healthy: true };
    case 'GET_FLAGS':
      return { flags: Object.entries(agentFlags(core)).map(([name, value]) => ({ name, value })) };
    case 'GET_VERSION':
      return { version_info: { version: master_version } };
    case 'GET_METRICS':
      return {
        metrics: Object.entries(agentMetrics(core, Date.now())).map(([name, value]) => ({ name, value })),
      };
    case 'GET_LOGGING_LEVEL':
      return { level: logging.level() };
    case 'GET_STATE':
      return {
        get_tasks: getTasks(core),
        get_executors: getExecutors(core),
        get_frameworks: getFrameworks(core),
      };
    case 'GET_CONTAINERS':
      return getContainers(core);
    case 'GET_FRAMEWORKS':
      return getFrameworks(core);
    case 'GET_EXECUTORS':
      return getExecutors(core);
    case 'GET_OPERATIONS':
      // The master applies every operation on the agent's resources at once; none waits here.
      return { operations: [] };
    case 'GET_TASKS':
      return getTasks(core);
    case 'GET_AGENT':
      return {
        agent_info: {
          ...agentInfo(core),
          id: { value: core.agent_id ?? '' },
          resources: wireResources(core.resources),
        },
      };
    case 'GET_RESOURCE_PROVIDERS':
      return { resource_providers: [] };
    default:
      return undefined;
  }
}

/** The st_mode bits of an `ls -l` mode ('drwxr-xr-x'), as FileInfo.mode carries them. */
function modeBits(text: string): number {
  let bits = text.startsWith('d') ? 0o040000 : text.startsWith('l') ? 0o120000 : 0o100000;
  for (let i = 1; i < 10; i++) if (text[i] !== '-' && text[i] !== undefined) bits |= 1 << (9 - i);
  return bits;
}

/** LIST_FILES and READ_FILE over the sandboxes. */
async function files(
  core: AgentCore,
  call: Record<string, unknown>,
  res: ServerResponse,
  guard: SandboxGuard | undefined,
): Promise<void> {
  const field = String(call.type).toLowerCase();
  const body = call[field] as { path?: unknown; offset?: unknown; length?: unknown } | undefined;
  if (typeof body?.path !== 'string') {
    sendText(res, 400, `Expecting '${field}.path' to be present`);
    return;
  }
  const roots = [join(core.settings.work_dir, 'slaves')];
  try {
    if (call.type === 'LIST_FILES') {
      const infos = await browseSandbox(roots, body.path, guard);
      const file_infos = infos.map((f) => ({
        path: f.path,
        nlink: f.nlink,
        size: f.size,
        mtime: { nanoseconds: Math.round(f.mtime * 1e9) },
        mode: modeBits(f.mode),
        uid: f.uid,
        gid: f.gid,
      }));
      sendJson(res, 200, { type: 'LIST_FILES', list_files: { file_infos } });
      return;
    }
    const offset = Number(body.offset ?? 0);
    const length = body.length === undefined ? undefined : Number(body.length);
    if (
      !Number.isSafeInteger(offset) ||
      offset < 0 ||
      (length !== undefined && !(Number.isSafeInteger(length) && length >= 0))
    ) {
      sendText(res, 400, "Expecting 'read_file.offset' and 'read_file.length' to be whole numbers");
      return;
    }
    const size = (await readSandboxFile(roots, body.path, -1, -1, guard)).offset;
    const read = await readSandboxFile(roots, body.path, offset, length ?? -1, guard);
    sendJson(res, 200, {
      type: 'READ_FILE',
      read_file: { size, data: Buffer.from(read.data, 'utf8').toString('base64') },
    });
  } catch (error) {
    if (!(error instanceof SandboxAccessError)) throw error;
    sendText(res, { bad_request: 400, forbidden: 403, not_found: 404 }[error.kind], error.message);
  }
}

/** Handles one request to the agent's operator endpoint. */
export async function handleAgentOperator(
  core: AgentCore,
  logging: LoggingLevel,
  req: IncomingMessage,
  res: ServerResponse,
  scope?: AgentOperatorScope,
): Promise<void> {
  if (req.method !== 'POST') {
    req.resume();
    sendText(res, 405, `Expecting 'POST', but received '${req.method}'`, { Allow: 'POST' });
    return;
  }
  const type = mediaType(header(req, 'content-type'));
  if (type !== application_json) {
    req.resume();
    sendText(res, type === undefined ? 400 : 415, `Expecting 'Content-Type' of ${application_json}`);
    return;
  }
  const body = await readBody(req);
  if (body === undefined) {
    sendText(res, 413, 'The request body is too large');
    return;
  }
  let call: Record<string, unknown>;
  try {
    call = parseBoundedJson(body.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    sendText(res, 400, `Failed to parse body into JSON: ${(error as Error).message}`);
    return;
  }
  if (call === null || typeof call !== 'object' || typeof call.type !== 'string') {
    sendText(res, 400, "Failed to validate agent::Call: 'type' must be a call type name");
    return;
  }
  const accept = header(req, 'accept');
  if (!accepts(accept, application_json)) {
    sendText(res, 406, `meso answers in ${application_json}; the request accepts only '${accept}'`);
    return;
  }
  const read = readResponse(scope?.view ?? core, logging, call.type);
  if (read !== undefined) {
    sendJson(res, 200, { type: call.type, [call.type.toLowerCase()]: read });
    return;
  }
  if (call.type === 'LIST_FILES' || call.type === 'READ_FILE') {
    await files(core, call, res, scope?.guard);
    return;
  }
  if (call.type === 'SET_LOGGING_LEVEL') {
    const parsed = parseSetLoggingLevel(call.set_logging_level);
    if ('error' in parsed) sendText(res, 400, parsed.error);
    else {
      logging.set(parsed.level, parsed.duration_ms);
      sendEmpty(res, 200);
    }
    return;
  }
  const reason = unserved.get(call.type);
  if (reason !== undefined) sendText(res, 501, `Agent call ${call.type} is not served: ${reason}`);
  else sendText(res, 400, `Failed to validate agent::Call: unknown call type '${call.type}'`);
}
