// TLS as LIBPROCESS_SSL_* configure it, on a live master and agent in this process, with a test CA
// made by openssl in a temp dir: a client that trusts the CA connects and one that verifies without
// it is refused; REQUIRE_CERT refuses a client without a certificate or with one another CA signed;
// VERIFY_CERT alone takes a client without a certificate but not one with a bad certificate; plain
// HTTP to a TLS-only port is answered 400 saying so, and served when SUPPORT_DOWNGRADE is on; an
// agent registers over wss, the master forwards a sandbox read to it over https, and the test
// framework runs its tasks through the SDK over https to FINISHED.
import { readFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request as plainRequest } from 'node:http';
import { request as tlsRequest } from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCustomExecutorExample } from '../../examples/custom-executor/scheduler.ts';
import { runTestFramework } from '../../examples/test-framework.ts';
import { startAgent } from '../../runtime/agent/agent.ts';
import { silentLog } from '../../runtime/log.ts';
import { type RunningMaster, startMaster } from '../../runtime/master/server.ts';
import { tls_only_message } from '../../runtime/tls-server.ts';
import { loadTls, type Tls, type TlsSettings } from '../../runtime/wire/tls.ts';
import { Processes } from './e2e-harness.ts';
import { makeTestCa, type TestCa } from './tls-fixture.ts';

let ca: TestCa;
beforeAll(() => {
  ca = makeTestCa();
});
afterAll(() => ca.remove());

const procs = new Processes();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await procs.cleanup();
});

/** The server's TLS, with `extra` settings. */
function serverTls(extra: Partial<TlsSettings> = {}): Tls {
  return loadTls(
    {
      enabled: true,
      cert_file: ca.server_cert,
      key_file: ca.server_key,
      ca_file: ca.ca,
      verify_cert: false,
      require_cert: false,
      support_downgrade: false,
      ...extra,
    },
    'server',
  )!;
}

async function master(tls: Tls): Promise<RunningMaster> {
  const m = await startMaster({ port: 0, allocation_interval_ms: 50, log: silentLog, tls });
  cleanups.push(() => m.stop());
  return m;
}

/** An agent of `m` dialling it, and serving, over TLS (stopped after the test). */
async function tlsAgent(m: RunningMaster, tls: Tls) {
  const agent = await startAgent({
    master: `127.0.0.1:${m.port}`,
    port: 0,
    work_dir: await procs.dir('meso-tls-agent-'),
    resources: 'cpus:2;mem:1024;disk:1024',
    log: silentLog,
    registration_backoff_ms_min: 20,
    tls,
  });
  cleanups.push(() => agent.stop());
  return agent;
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** GET over https with the client options given (`ca`, `cert`, `key`, `rejectUnauthorized`). */
function httpsGet(port: number, path: string, options: Record<string, unknown>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = tlsRequest({ host: '127.0.0.1', port, path, agent: false, ...options }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.end();
  });
}

/** GET over plain HTTP. */
function httpGet(port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = plainRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.end();
  });
}

const read = (path: string): Buffer => readFileSync(path);

describe('a master serving TLS', () => {
  it('is reached by a client that trusts its CA, and refused by one that verifies without it', async () => {
    const m = await master(serverTls());
    expect(m.url).toBe(`https://127.0.0.1:${m.port}`);
    const ok = await httpsGet(m.port, '/master/state', { ca: read(ca.ca), rejectUnauthorized: true });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).id).toBe(m.master_id);
    await expect(httpsGet(m.port, '/master/state', { rejectUnauthorized: true })).rejects.toThrow(
      /self[- ]signed|unable to (get|verify)/i,
    );
    await expect(
      httpsGet(m.port, '/master/state', { ca: read(ca.rogue_ca), rejectUnauthorized: true }),
    ).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
  });

  it('answers plain HTTP on a TLS-only port 400, saying the port speaks TLS', async () => {
    const m = await master(serverTls());
    const plain = await httpGet(m.port, '/master/state');
    expect(plain.status).toBe(400);
    expect(plain.body).toBe(tls_only_message);
    expect(plain.body).not.toMatch(/"id"/);
  });

  it('serves plain HTTP beside TLS when SUPPORT_DOWNGRADE is on', async () => {
    const m = await master(serverTls({ support_downgrade: true }));
    const plain = await httpGet(m.port, '/master/state');
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body).id).toBe(m.master_id);
    const secure = await httpsGet(m.port, '/master/state', { ca: read(ca.ca), rejectUnauthorized: true });
    expect(secure.status).toBe(200);
  });

  it('with REQUIRE_CERT refuses a client without a certificate or with one its CA did not sign', async () => {
    const m = await master(serverTls({ require_cert: true }));
    const trust = { ca: read(ca.ca), rejectUnauthorized: true };
    await expect(httpsGet(m.port, '/master/state', trust)).rejects.toThrow(
      /certificate required|socket hang up|ECONNRESET|alert/i,
    );
    await expect(
      httpsGet(m.port, '/master/state', { ...trust, cert: read(ca.rogue_cert), key: read(ca.rogue_key) }),
    ).rejects.toThrow(/unknown ca|socket hang up|ECONNRESET|alert/i);
    const ok = await httpsGet(m.port, '/master/state', {
      ...trust,
      cert: read(ca.client_cert),
      key: read(ca.client_key),
    });
    expect(ok.status).toBe(200);
  });

  it('with VERIFY_CERT alone takes a client without a certificate, and refuses a bad one', async () => {
    const m = await master(serverTls({ verify_cert: true }));
    const trust = { ca: read(ca.ca), rejectUnauthorized: true };
    expect((await httpsGet(m.port, '/master/state', trust)).status).toBe(200);
    expect(
      (
        await httpsGet(m.port, '/master/state', {
          ...trust,
          cert: read(ca.client_cert),
          key: read(ca.client_key),
        })
      ).status,
    ).toBe(200);
    await expect(
      httpsGet(m.port, '/master/state', { ...trust, cert: read(ca.rogue_cert), key: read(ca.rogue_key) }),
    ).rejects.toThrow(/socket hang up|ECONNRESET|unknown ca|alert/i);
  });

  it('admits an agent over wss, forwards sandbox reads to it over https, and runs a framework over https', async () => {
    const tls = serverTls({ verify_cert: true });
    const m = await master(tls);
    const agent = await tlsAgent(m, tls);
    const agent_id = await agent.registered();
    expect(agent.url).toMatch(/^https:/);
    // The agent itself is TLS-only too.
    const agent_port = Number(new URL(agent.url).port);
    expect((await httpGet(agent_port, '/state')).status).toBe(400);

    const lines: string[] = [];
    const code = await runTestFramework({
      master: `127.0.0.1:${m.port}`,
      tasks: 2,
      command: 'echo over-tls',
      timeout_seconds: 60,
      tls,
      print: (line) => lines.push(line),
    });
    expect(code, lines.join('\n')).toBe(0);
    expect(lines.filter((l) => /TASK_FINISHED/.test(l))).toHaveLength(2);

    const trust = { ca: read(ca.ca), rejectUnauthorized: true };
    const proxied = await httpsGet(m.port, `/master/agents/${agent_id}/state`, trust);
    expect(proxied.status).toBe(200);
    expect(JSON.parse(proxied.body).id).toBe(agent_id);
  });

  it("runs a custom executor that reaches its TLS agent over https with the agent's LIBPROCESS_SSL_*", async () => {
    const tls = serverTls();
    const m = await master(tls);
    const agent = await tlsAgent(m, tls);
    await agent.registered();
    const lines: string[] = [];
    const code = await runCustomExecutorExample({
      master: `127.0.0.1:${m.port}`,
      tasks: 2,
      timeout_seconds: 60,
      tls,
      print: (line) => lines.push(line),
    });
    expect(code, lines.join('\n')).toBe(0);
    expect(lines.filter((l) => l.startsWith('Message from the executor: task fib-'))).toHaveLength(2);
  });

  it('is not reached by a framework that speaks plain HTTP to it', async () => {
    const m = await master(serverTls());
    const lines: string[] = [];
    const code = await runTestFramework({
      master: `127.0.0.1:${m.port}`,
      tasks: 1,
      command: 'true',
      timeout_seconds: 2,
      tls: false,
      print: (line) => lines.push(line),
    });
    expect(code).toBe(1);
    expect(lines.join('\n')).toMatch(/TLS only/);
  });
});
