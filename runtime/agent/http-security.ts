// Who may call the agent's endpoints, as Mesos's agent decides it: HTTP Basic over the agent's
// `--http_credentials`, required on the read-only endpoints (/state, /files, /monitor/statistics,
// /metrics/snapshot, /flags) with `--authenticate_http_readonly` and on the operator API with
// `--authenticate_http_readwrite`; then the agent's `--acls`: access_sandboxes for /files and the
// file calls (by the user the sandbox's executor runs as), view_frameworks, view_executors and
// view_tasks for what /state and the operator reads show, get_endpoints for /metrics/snapshot.
import type { IncomingMessage } from 'node:http';
import { relative, sep } from 'node:path';
import { type Acls, authorized } from '../master/acls.ts';
import { type Authenticated, createAuthenticator, type Realm } from '../master/authentication.ts';
import { executorUser, taskUser } from '../master/authorization.ts';
import type { Credential } from '../wire/credentials.ts';
import type { AgentCore } from './core.ts';
import type { AgentExecutor, AgentFramework, AgentTask, ExecutorBook } from './executors.ts';
import { SandboxAccessError, type SandboxGuard } from './sandbox.ts';

/** The agent's authentication and authorization flags (Mesos's names). */
export interface AgentHttpSecurityOptions {
  /** `--http_credentials`: the principals and secrets the agent's endpoints accept. */
  readonly http_credentials?: readonly Credential[];
  readonly authenticate_http_readonly?: boolean;
  readonly authenticate_http_readwrite?: boolean;
  /** `--acls`: what each principal may see and read on this agent. */
  readonly acls?: Acls;
}

/** The agent's guard of its endpoints. */
export interface AgentHttpSecurity {
  /** Authenticates a request for a realm ('open' takes anyone). */
  authenticate(req: IncomingMessage, realm: Realm): Authenticated;
  /** Whether `principal` may GET the endpoint `path` (get_endpoints). */
  mayGet(principal: string | undefined, path: string): boolean;
  /** The agent's state as `principal` may view it (the book keeps only what it may view). */
  viewOf(core: AgentCore, principal: string | undefined): AgentCore;
  /** A check of an opened sandbox path against access_sandboxes; throws a 403 refusal. */
  sandboxGuard(core: AgentCore, principal: string | undefined): SandboxGuard;
}

/** The endpoints Mesos's get_endpoints ACL guards on an agent, of those meso's serves. */
const guarded_endpoints: ReadonlySet<string> = new Set(['/metrics/snapshot']);

/** The executor whose sandbox holds `real_path` (`<root>/<agent>/frameworks/<f>/executors/<e>/...`). */
function sandboxOwner(
  core: AgentCore,
  real_roots: readonly string[],
  real_path: string,
): { framework: AgentFramework | undefined; executor: AgentExecutor | undefined } | undefined {
  for (const root of real_roots) {
    const rel = relative(root, real_path);
    if (rel.startsWith('..')) continue;
    const [, frameworks, framework_id, executors, executor_id] = rel.split(sep);
    if (frameworks !== 'frameworks' || executors !== 'executors' || executor_id === undefined)
      return undefined;
    const framework =
      core.book.frameworks.get(framework_id!) ??
      core.book.completed_frameworks.find((f) => f.id === framework_id);
    const executor =
      framework?.executors.get(executor_id) ??
      framework?.completed_executors.find((e) => e.executor_id === executor_id);
    return { framework, executor };
  }
  return undefined;
}

/** The user a sandbox belongs to: its executor's, or for a command task's executor, the task's. */
function sandboxUser(executor: AgentExecutor, framework_user: string | undefined): string | undefined {
  if (executor.kind === 'command') {
    const task = [...executor.tasks.values(), ...executor.completed][0];
    if (task !== undefined) return taskUser(task.info, framework_user);
  }
  return executorUser(executor.info, framework_user);
}

/** Builds the agent's guard; throws when a required realm has no credentials. */
export function createAgentHttpSecurity(o: AgentHttpSecurityOptions = {}): AgentHttpSecurity {
  const authenticator = createAuthenticator({
    credentials_flag: 'http_credentials',
    ...(o.http_credentials === undefined ? {} : { credentials: o.http_credentials }),
    ...(o.authenticate_http_readonly === undefined
      ? {}
      : { authenticate_http_readonly: o.authenticate_http_readonly }),
    ...(o.authenticate_http_readwrite === undefined
      ? {}
      : { authenticate_http_readwrite: o.authenticate_http_readwrite }),
  });
  const acls = o.acls;
  const may = (action: Parameters<typeof authorized>[1], principal: string | undefined, object?: string) =>
    authorized(acls, action, principal, object);
  return {
    authenticate: (req, realm) => authenticator.authenticate(req, realm),
    mayGet: (principal, path) => !guarded_endpoints.has(path) || may('get_endpoints', principal, path),
    viewOf(core, principal) {
      if (acls === undefined) return core;
      const book = visibleBook(core.book, (action, object) => may(action, principal, object));
      return { ...core, book };
    },
    sandboxGuard(core, principal) {
      return (real_path, real_roots) => {
        if (acls === undefined) return;
        const owner = sandboxOwner(core, real_roots, real_path);
        // A path above any executor's sandbox lists them all: only a grant on every user opens it.
        const user =
          owner?.executor === undefined ? undefined : sandboxUser(owner.executor, owner.framework?.info.user);
        if (!may('access_sandboxes', principal, user)) {
          const who = principal === undefined ? 'an anonymous caller' : `principal '${principal}'`;
          throw new SandboxAccessError(
            'forbidden',
            `Not authorized: ${who} may not access the sandboxes of ${user === undefined ? 'every user' : `user '${user}'`}`,
          );
        }
      };
    },
  };
}

type May = (
  action: 'view_frameworks' | 'view_executors' | 'view_tasks',
  object: string | undefined,
) => boolean;

/** The book with only the frameworks, executors and tasks the caller may view (as Mesos nests them). */
function visibleBook(book: ExecutorBook, may: May): ExecutorBook {
  const framework = (f: AgentFramework): AgentFramework => {
    const user = f.info.user;
    const task = (t: AgentTask) => may('view_tasks', taskUser(t.info, user));
    const executor = (e: AgentExecutor): AgentExecutor => ({
      ...e,
      tasks: new Map([...e.tasks].filter(([, t]) => task(t))),
      queued: new Map([...e.queued].filter(([, t]) => task(t))),
      completed: e.completed.filter(task),
    });
    const viewable = (e: AgentExecutor) => may('view_executors', executorUser(e.info, user));
    return {
      ...f,
      executors: new Map([...f.executors].filter(([, e]) => viewable(e)).map(([id, e]) => [id, executor(e)])),
      completed_executors: f.completed_executors.filter(viewable).map(executor),
    };
  };
  const viewable = (f: AgentFramework) => may('view_frameworks', f.info.user);
  return {
    frameworks: new Map(
      [...book.frameworks].filter(([, f]) => viewable(f)).map(([id, f]) => [id, framework(f)]),
    ),
    completed_frameworks: book.completed_frameworks.filter(viewable).map(framework),
  };
}
