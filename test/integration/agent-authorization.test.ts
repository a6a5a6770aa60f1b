// The agent's own endpoints guarded as Mesos's agent guards them: HTTP Basic over --http_credentials
// on the read-only endpoints and the operator API, then the agent's ACLs: access_sandboxes for /files
// and the file calls (by the user the sandbox's executor runs as, checked on what was opened, so a
// planted symlink into another user's sandbox is refused), view_frameworks, view_executors and
// view_tasks for /state and the operator reads, get_endpoints for /metrics/snapshot.
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAcls } from '../../runtime/master/acls.ts';
import { basicAuthorization } from '../../runtime/wire/credentials.ts';
import { commandTask, eventually, frameworkInfo, type Json, rawRequest, Started } from './agent-harness.ts';

const started = new Started();
afterEach(() => started.cleanup());

const people = ['ops', 'dev'].map((p) => ({ principal: p, secret: `${p}-secret` }));
const as = (principal: string, secret = `${principal}-secret`) => ({
  Authorization: basicAuthorization({ principal, secret }),
});
const acls = parseAcls(
  JSON.stringify({
    permissive: false,
    view_frameworks: [{ principals: { type: 'ANY' }, users: { type: 'ANY' } }],
    view_executors: [{ principals: { values: ['ops', 'dev'] }, users: { type: 'ANY' } }],
    view_tasks: [
      { principals: { values: ['ops'] }, users: { type: 'ANY' } },
      { principals: { values: ['dev'] }, users: { values: ['dev'] } },
    ],
    access_sandboxes: [
      { principals: { values: ['ops'] }, users: { type: 'ANY' } },
      { principals: { values: ['dev'] }, users: { values: ['dev'] } },
    ],
    get_endpoints: [{ principals: { values: ['ops'] }, paths: { values: ['/metrics/snapshot'] } }],
  }),
);

/** An agent with authentication and ACLs, running a task of user root (F1) and one of user dev (F2). */
async function start() {
  const master = await started.fakeMaster();
  const agent = await started.agent({
    master: master.address,
    work_dir: await started.dir(),
    switch_user: false,
    http_security: {
      http_credentials: people,
      authenticate_http_readonly: true,
      authenticate_http_readwrite: true,
      acls,
    },
  });
  await agent.registered();
  for (const [framework, user] of [
    ['F1', 'root'],
    ['F2', 'dev'],
  ] as const) {
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo(framework, { user }),
      task: commandTask(`t-${user}`, `echo ${user}-output; sleep 30`),
    });
  }
  const state = async (principal: string) => JSON.parse((await get(agent.port, '/state', principal)).body);
  await eventually(
    async () =>
      (await state('ops')).frameworks.flatMap((f: Json) => f.executors.flatMap((e: Json) => e.tasks))
        .length === 2,
    8000,
    'both tasks launched',
  );
  const sandbox = (s: Json, id: string) =>
    s.frameworks.find((f: Json) => f.id === id).executors[0].directory as string;
  const ops = await state('ops');
  return { agent, state, root_sandbox: sandbox(ops, 'F1'), dev_sandbox: sandbox(ops, 'F2') };
}

const get = (port: number, path: string, principal?: string) =>
  rawRequest(port, 'GET', path, principal === undefined ? {} : as(principal));

const operator = (port: number, body: Json, headers: Record<string, string>) =>
  rawRequest(
    port,
    'POST',
    '/api/v1',
    { 'Content-Type': 'application/json', ...headers },
    JSON.stringify(body),
  );

const readPath = (path: string) => `/files/read?path=${encodeURIComponent(path)}&offset=0`;

describe('agent endpoints with authentication and ACLs', () => {
  it('authenticate: read-only endpoints and the operator API need credentials, health does not', async () => {
    const { agent, root_sandbox } = await start();
    for (const path of ['/state', '/flags', '/monitor/statistics', readPath(join(root_sandbox, 'stdout'))]) {
      const res = await get(agent.port, path);
      expect([path, res.status, res.headers['www-authenticate']]).toEqual([path, 401, 'Basic realm="mesos"']);
    }
    const wrong = await rawRequest(agent.port, 'GET', '/state', as('ops', 'guess'));
    expect([wrong.status, wrong.body]).toEqual([401, "Authentication failed for principal 'ops'"]);
    expect((await operator(agent.port, { type: 'GET_STATE' }, {})).status).toBe(401);
    expect((await operator(agent.port, { type: 'GET_HEALTH' }, as('dev'))).status).toBe(200);
    expect((await get(agent.port, '/health')).status).toBe(200);
  });

  it('access_sandboxes: a principal reads the sandboxes of the users it may, and no other', async () => {
    const { agent, root_sandbox, dev_sandbox } = await start();
    const root_stdout = join(root_sandbox, 'stdout');
    await eventually(async () =>
      (await get(agent.port, readPath(root_stdout), 'ops')).body.includes('root-output'),
    );
    const denied = await get(agent.port, readPath(root_stdout), 'dev');
    expect([denied.status, denied.body]).toEqual([
      403,
      "Not authorized: principal 'dev' may not access the sandboxes of user 'root'",
    ]);
    await eventually(async () =>
      (await get(agent.port, readPath(join(dev_sandbox, 'stdout')), 'dev')).body.includes('dev-output'),
    );
    const browse = (path: string, who: string) =>
      get(agent.port, `/files/browse?path=${encodeURIComponent(path)}`, who);
    expect((await browse(dev_sandbox, 'dev')).status).toBe(200);
    expect((await browse(root_sandbox, 'dev')).status).toBe(403);
    // Above every sandbox: only a grant on every user lists them.
    const slaves = join(root_sandbox, '..', '..', '..', '..', '..', '..');
    expect([(await browse(slaves, 'dev')).status, (await browse(slaves, 'ops')).status]).toEqual([403, 200]);
    // A task of dev links root's sandbox into its own: what was opened decides.
    await symlink(root_stdout, join(dev_sandbox, 'stolen'));
    expect((await get(agent.port, readPath(join(dev_sandbox, 'stolen')), 'dev')).status).toBe(403);
    const file = (who: string, path: string) =>
      operator(agent.port, { type: 'READ_FILE', read_file: { path, offset: 0 } }, as(who));
    expect((await file('dev', root_stdout)).status).toBe(403);
    expect((await file('ops', root_stdout)).status).toBe(200);
    const list = (who: string) =>
      operator(agent.port, { type: 'LIST_FILES', list_files: { path: root_sandbox } }, as(who));
    expect([(await list('dev')).status, (await list('ops')).status]).toEqual([403, 200]);
  });

  it('view_executors and view_tasks filter /state and the operator reads; get_endpoints guards metrics', async () => {
    const { agent, state } = await start();
    const tasks = (s: Json) =>
      s.frameworks.flatMap((f: Json) => f.executors.flatMap((e: Json) => e.tasks.map((t: Json) => t.id)));
    expect(tasks(await state('ops')).sort()).toEqual(['t-dev', 't-root']);
    const dev = await state('dev');
    expect(dev.frameworks.map((f: Json) => f.executors.length)).toEqual([1, 1]);
    expect(tasks(dev)).toEqual(['t-dev']);
    const launched = async (who: string) => {
      const res = await operator(agent.port, { type: 'GET_TASKS' }, as(who));
      return JSON.parse(res.body)
        .get_tasks.launched_tasks.map((t: Json) => t.task_id.value)
        .sort();
    };
    expect([await launched('ops'), await launched('dev')]).toEqual([['t-dev', 't-root'], ['t-dev']]);
    const got = JSON.parse((await operator(agent.port, { type: 'GET_STATE' }, as('dev'))).body);
    expect(got.get_state.get_tasks.launched_tasks).toHaveLength(1);
    expect([(await get(agent.port, '/metrics/snapshot', 'dev')).status]).toEqual([403]);
    expect([(await get(agent.port, '/metrics/snapshot', 'ops')).status]).toEqual([200]);
  });
});
