// TLS end to end with real processes configured only by libprocess's environment variables:
// `meso master`, `meso agent` and `meso test-framework` with LIBPROCESS_SSL_ENABLED, a certificate
// and key, the test CA and REQUIRE_CERT, so every connection (agent to master over wss, framework to
// master over https) is TLS with certificates both ways; the framework's tasks finish. A framework
// without the variables is told the port speaks TLS only; a master with TLS on and no certificate
// will not start, naming the variable it needs. `meso local` runs its whole cluster over TLS.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentArgs, eventually, freePort, type Json, Processes } from './e2e-harness.ts';
import { makeTestCa, type TestCa } from './tls-fixture.ts';

let ca: TestCa;
beforeAll(() => {
  ca = makeTestCa();
});
afterAll(() => ca.remove());

const procs = new Processes();
afterEach(() => procs.cleanup());

/** The environment of a process of a TLS-only cluster that demands certificates. */
function tlsEnv(): Record<string, string> {
  return {
    LIBPROCESS_SSL_ENABLED: 'true',
    LIBPROCESS_SSL_CERT_FILE: ca.server_cert,
    LIBPROCESS_SSL_KEY_FILE: ca.server_key,
    LIBPROCESS_SSL_CA_FILE: ca.ca,
    LIBPROCESS_SSL_VERIFY_CERT: 'true',
    LIBPROCESS_SSL_REQUIRE_CERT: 'true',
  };
}

/** GETs JSON over https, trusting the test CA and presenting the client certificate. */
function getJsonTls(port: number, path: string): Promise<Json> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        ca: readFileSync(ca.ca),
        cert: readFileSync(ca.client_cert),
        key: readFileSync(ca.client_key),
        rejectUnauthorized: true,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString('utf8');
        });
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(JSON.parse(body) as Json)
            : reject(new Error(`GET ${path} answered ${res.statusCode}: ${body}`)),
        );
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${path}: no answer within 5 s`)));
    req.end();
  });
}

describe('meso master, agent and test-framework over TLS', () => {
  it('run a framework to its end with every connection TLS and certificates both ways', async () => {
    const dir = await procs.dir();
    const master_port = await freePort();
    const master = procs.meso(
      ['master', `--port=${master_port}`, '--allocation_interval_ms=100', '--log_level=warn'],
      tlsEnv(),
    );
    await eventually(
      async () => (await getJsonTls(master_port, '/master/state')).id !== undefined,
      15_000,
      'the master answering over https',
    );
    const agent_port = await freePort();
    const agent = procs.meso(
      agentArgs(master_port, agent_port, `${dir}/agent`, 'cpus:2;mem:1024;disk:1024'),
      tlsEnv(),
    );
    await eventually(
      async () => (await getJsonTls(master_port, '/master/state')).slaves.length === 1,
      15_000,
      'the agent registering over wss',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nmaster: ${master.stderr()}\nagent: ${agent.stderr()}`);
    });
    expect((await getJsonTls(agent_port, '/state')).id).toBeDefined();

    const plain = procs.meso([
      'test-framework',
      `--master=127.0.0.1:${master_port}`,
      '--tasks=1',
      '--timeout_seconds=3',
    ]);
    expect((await plain.exited).code).toBe(1);
    expect(plain.stdout()).toMatch(/TLS only/);

    const framework = procs.meso(
      ['test-framework', `--master=127.0.0.1:${master_port}`, '--tasks=2', '--timeout_seconds=60'],
      tlsEnv(),
    );
    const { code } = await framework.exited;
    expect(code, `${framework.stdout()}\n${framework.stderr()}`).toBe(0);
    expect(framework.stdout().match(/is in state TASK_FINISHED/g)).toHaveLength(2);
    const state = await getJsonTls(master_port, '/master/state');
    const done = state.completed_frameworks.find((f: Json) => f.name === 'meso test framework');
    expect(done.completed_tasks.map((t: Json) => t.state)).toEqual(['TASK_FINISHED', 'TASK_FINISHED']);
  });

  it('meso local serves TLS from its masters and agents, its demo framework reaching them over https', async () => {
    const port = await freePort();
    const work_dir = await procs.dir('meso-local-tls-');
    const local = procs.meso(['local', `--port=${port}`, '--agents=1', `--work_dir=${work_dir}`], tlsEnv());
    await eventually(
      () => local.stdout().includes(`master https://127.0.0.1:${port} with 1 agents`),
      15_000,
      'the https master URL printed',
    ).catch((error: Error) => {
      throw new Error(`${error.message}
${local.stdout()}
${local.stderr()}`);
    });
    await eventually(
      async () => {
        const s = await getJsonTls(port, '/master/state');
        const demo = s.frameworks.find((f: Json) => f.name === 'meso demo');
        return s.slaves.length === 1 && demo?.tasks.some((t: Json) => t.state === 'TASK_RUNNING') === true;
      },
      15_000,
      'a running demo task',
    );
    process.kill(local.pid, 'SIGTERM');
    expect((await local.exited).code).toBe(0);
  });

  it('will not start a master with TLS on and no certificate, naming the variable', async () => {
    const master = procs.meso(['master', '--port=0'], { LIBPROCESS_SSL_ENABLED: '1' });
    const { code } = await master.exited;
    expect(code).not.toBe(0);
    expect(master.stderr()).toMatch(/LIBPROCESS_SSL_CERT_FILE/);
    const bad = procs.meso(['master', '--port=0'], { LIBPROCESS_SSL_ENABLED: 'yes' });
    expect((await bad.exited).code).not.toBe(0);
    expect(bad.stderr()).toMatch(/LIBPROCESS_SSL_ENABLED must be true, false, 1 or 0, got 'yes'/);
  });
});
