// End to end with a real process: `meso local --authenticate` writes a credentials file of random
// secrets (mode 0600) in its work_dir, its agents and demo framework get in with theirs and run
// tasks, a scheduler SUBSCRIBE without credentials (or with a wrong secret) is answered 401, and no
// secret shows in what the process prints.
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalCluster } from '../../cli/local.ts';
import { basicAuthorization, type Credential } from '../../runtime/wire/credentials.ts';
import { eventually, freePort, getJson, type Json, Processes } from './e2e-harness.ts';

const procs = new Processes();
afterEach(() => procs.cleanup());

/** POSTs a SUBSCRIBE to the master's scheduler API; resolves with the status (the stream is dropped). */
function subscribeStatus(port: number, authorization?: string): Promise<number> {
  const body = JSON.stringify({
    type: 'SUBSCRIBE',
    subscribe: { framework_info: { user: 'root', name: 'stranger', roles: ['*'] } },
  });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/scheduler',
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          ...(authorization === undefined ? {} : { Authorization: authorization }),
        },
      },
      (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('meso local --authenticate', () => {
  it('runs its agents and demo framework with generated credentials and turns away strangers', async () => {
    const port = await freePort();
    const work_dir = await procs.dir('meso-local-auth-');
    const local = procs.meso([
      'local',
      `--port=${port}`,
      '--agents=2',
      `--work_dir=${work_dir}`,
      '--authenticate',
    ]);
    await eventually(
      async () => local.stdout().includes('Ctrl-C stops everything'),
      15_000,
      'the start lines',
    );
    const file = /principals and secrets in (\S+)/.exec(local.stdout())?.[1];
    expect(file, local.stdout()).toBe(`${work_dir}/credentials.json`);
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    const { credentials } = JSON.parse(readFileSync(file!, 'utf8')) as { credentials: Credential[] };
    expect(credentials.map((c) => c.principal).sort()).toEqual(['agent-1', 'agent-2', 'demo', 'operator']);
    expect(new Set(credentials.map((c) => c.secret)).size).toBe(4);
    const operator = credentials.find((c) => c.principal === 'operator')!;
    const auth = { Authorization: basicAuthorization(operator) };

    // Reading the master's state takes credentials too.
    await expect(getJson(port, '/master/state')).rejects.toThrow(/answered 401/);
    await eventually(
      async () =>
        (await getJson(port, '/master/state', auth)).slaves.filter((s: Json) => s.active).length === 2,
      15_000,
      'two active agents',
    );
    await eventually(
      async () => {
        const s = await getJson(port, '/master/state', auth);
        const demo = s.frameworks.find((f: Json) => f.name === 'meso demo');
        return demo?.principal === 'demo' && demo.tasks.some((t: Json) => t.state === 'TASK_RUNNING');
      },
      15_000,
      'a running task of the demo framework, as principal demo',
    );

    expect(await subscribeStatus(port)).toBe(401);
    expect(await subscribeStatus(port, basicAuthorization({ principal: 'demo', secret: 'wrong' }))).toBe(401);

    process.kill(local.pid, 'SIGTERM');
    const ended = await local.exited;
    expect(ended.code, local.stderr()).toBe(0);
    const printed = local.stdout() + local.stderr();
    for (const c of credentials)
      expect(printed.includes(c.secret), `${c.principal}'s secret printed`).toBe(false);
  });

  it('names --acls or --rate_limits when they are bad, before starting anything', async () => {
    await expect(startLocalCluster({ port: 0, acls: '/no/such/acls.json' })).rejects.toThrow(
      /--acls file \/no\/such\/acls.json cannot be read/,
    );
    await expect(startLocalCluster({ port: 0, rate_limits: '{"limits": [' })).rejects.toThrow(
      /--rate_limits/,
    );
  });
});
