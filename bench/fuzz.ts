// Fuzzing every endpoint of a live master and agent with fast-check: random methods, paths (each
// endpoint the two serve, and sandbox paths under /files), headers (content types, Accept,
// Mesos-Stream-Id, Basic credentials right and wrong) and bodies (raw text, any JSON, JSON nested past
// the bound, calls shaped like the real ones with fields of any type), sent over real sockets. No
// answer may be 5xx (save 501, the protocol's "not implemented"), neither server may fall over, and
// a batch whose every answer was a refusal (4xx) must leave the master's state as it was.
//
//   npx tsx bench/fuzz.ts                 100,000 calls, seed 1
//   npx tsx bench/fuzz.ts --calls 20000 --seed 7 --json
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { startAgent } from '../runtime/agent/agent.ts';
import { silentLog } from '../runtime/log.ts';
import { startMaster } from '../runtime/master/server.ts';
import { basicAuthorization } from '../runtime/wire/credentials.ts';
import { rawRequest } from '../test/integration/master-client.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(args[at + 1]);
};
const calls_total = option('calls', 100_000);
const seed = option('seed', 1);
const json = args.includes('--json');
const batch = 200;

const master_paths = [
  '/api/v1/scheduler',
  '/api/v1',
  '/master/api/v1',
  '/api/v1/agent',
  '/master/state',
  '/state',
  '/master/health',
  '/master/redirect',
  '/metrics',
  '/metrics/snapshot',
  '/master/state-summary',
  '/master/slaves',
  '/master/frameworks',
  '/master/tasks',
  '/master/roles',
  '/master/flags',
  '/flags',
  '/version',
  '/quota',
  '/quota/prod',
  '/weights',
  '/master/weights',
  '/master/reserve',
  '/master/unreserve',
  '/master/create-volumes',
  '/master/destroy-volumes',
  '/master/teardown',
  '/',
];
const agent_paths = [
  '/api/v1',
  '/api/v1/executor',
  '/state',
  '/files/browse?path=/',
  '/files/read?path=/etc/passwd&offset=0',
  '/files/browse?path=../..',
  '/files/read?path=%00',
  '/monitor/statistics',
  '/metrics/snapshot',
  '/flags',
  '/version',
];
const call_types = [
  'SUBSCRIBE',
  'ACCEPT',
  'DECLINE',
  'REVIVE',
  'SUPPRESS',
  'KILL',
  'SHUTDOWN',
  'ACKNOWLEDGE',
  'RECONCILE',
  'MESSAGE',
  'REQUEST',
  'TEARDOWN',
  'UPDATE_FRAMEWORK',
  'GET_STATE',
  'GET_FLAGS',
  'UPDATE_WEIGHTS',
  'UPDATE_QUOTA',
  'RESERVE_RESOURCES',
  'UNRESERVE_RESOURCES',
  'CREATE_VOLUMES',
  'DESTROY_VOLUMES',
  'DRAIN_AGENT',
  'MARK_AGENT_GONE',
  'SET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'UPDATE',
  'constructor',
];
const nested = (depth: number): string => `${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}`;

const body = fc.oneof(
  fc.string(),
  fc.json(),
  fc.constant(nested(3000)),
  fc.record({ type: fc.constantFrom(...call_types), any: fc.jsonValue() }).map((c) => {
    const call: Record<string, unknown> = { type: c.type, [c.type.toLowerCase()]: c.any };
    return JSON.stringify(call);
  }),
  fc
    .record({
      role: fc.oneof(fc.string(), fc.constantFrom('a\u0000b', 'x\u202e', '*', '..', 'prod')),
      weight: fc.oneof(fc.double(), fc.constantFrom(1e308, -1, 0, 2)),
    })
    .map((w) => JSON.stringify({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [w] } })),
);
const request = fc.record({
  agent: fc.boolean(),
  master_path: fc.constantFrom(...master_paths),
  agent_path: fc.constantFrom(...agent_paths),
  method: fc.oneof(
    { weight: 6, arbitrary: fc.constant('POST') },
    { weight: 2, arbitrary: fc.constant('GET') },
    { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'HEAD', 'PATCH') },
  ),
  content_type: fc.constantFrom(
    'application/json',
    'application/x-protobuf',
    'text/plain',
    '',
    'application/x-www-form-urlencoded',
  ),
  auth: fc.constantFrom('none', 'right', 'right', 'wrong', 'garbage'),
  stream_id: fc.option(fc.uuid(), { nil: undefined }),
  body,
});

/**
 * The status of one request, as soon as the answer's head arrives (an accepted SUBSCRIBE streams
 * without end); the connection is then cut. No head within 5 s is a failure: the server hangs.
 */
function statusOf(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
      req.destroy();
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.end(body);
  });
}

/** What a fuzz run found. */
export interface FuzzResult {
  readonly calls: number;
  readonly seconds: number;
  readonly failures: readonly string[];
  readonly statuses: Record<string, number>;
}

/** Fuzzes a fresh master and agent with `calls_total` requests drawn from `seed`. */
export async function fuzzEndpoints(calls_total: number, seed: number): Promise<FuzzResult> {
  const dir = mkdtempSync(join(os.tmpdir(), 'meso-fuzz-'));
  const credentials = [{ principal: 'ops', secret: 'ops-secret' }];
  const master = await startMaster({
    port: 0,
    log: silentLog,
    allocation_interval_ms: 50,
    seed,
    credentials,
    journal: join(dir, 'journal.ndjson'),
  });
  const agent = await startAgent({
    master: `127.0.0.1:${master.port}`,
    port: 0,
    work_dir: join(dir, 'agent'),
    resources: 'cpus:2;mem:1024;disk:1024',
    log_level: 'error',
  });
  await agent.registered();
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  const fingerprint = async (): Promise<string> => {
    const state = JSON.parse((await rawRequest(master.port, { method: 'GET', path: '/master/state' })).body);
    return JSON.stringify([
      state.slaves.map((s: { id: string; active: boolean }) => [s.id, s.active]),
      state.frameworks.length,
      state.weights ?? null,
    ]);
  };
  const samples = fc.sample(request, { numRuns: calls_total, seed });
  const started = performance.now();
  for (let at = 0; at < samples.length; at += batch) {
    if (at % 10_000 === 0) process.stderr.write(`fuzz: ${at} calls\n`);
    const before = await fingerprint();
    let all_refused = true;
    for (const r of samples.slice(at, at + batch)) {
      const headers: Record<string, string> = {};
      if (r.content_type !== '') headers['Content-Type'] = r.content_type;
      if (r.stream_id !== undefined) headers['Mesos-Stream-Id'] = r.stream_id;
      if (r.auth === 'right') headers.Authorization = basicAuthorization(credentials[0]!);
      if (r.auth === 'wrong') headers.Authorization = basicAuthorization({ principal: 'ops', secret: 'no' });
      if (r.auth === 'garbage') headers.Authorization = 'Basic %%%';
      const port = r.agent ? agent.port : master.port;
      const path = r.agent ? r.agent_path : r.master_path;
      const withBody = r.method !== 'GET' && r.method !== 'HEAD';
      let status: number;
      try {
        status = await statusOf(port, r.method, path, headers, withBody ? r.body : undefined);
      } catch (error) {
        status = 0;
        failures.push(`${r.method} ${path}: ${(error as Error).message}`);
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500 && status !== 501)
        failures.push(`${r.method} ${path} answered ${status}: ${r.body.slice(0, 120)}`);
      if (!(status >= 400 && status < 500)) all_refused = false;
    }
    if (all_refused && (await fingerprint()) !== before)
      failures.push(`batch at ${at}: refused calls changed the state`);
  }
  const seconds = (performance.now() - started) / 1000;
  await agent.stop();
  await master.stop();
  rmSync(dir, { recursive: true, force: true });
  return {
    calls: samples.length,
    seconds,
    failures,
    statuses: Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])),
  };
}

async function main(): Promise<void> {
  const { calls, seconds, failures, statuses } = await fuzzEndpoints(calls_total, seed);
  const result = {
    bench: 'fuzz',
    calls,
    seed,
    seconds: Number(seconds.toFixed(1)),
    failures: failures.length,
    statuses,
    conditions: {
      cpus: os.cpus().length,
      load: os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' '),
      node: process.version,
    },
  };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `fuzz: ${result.calls} calls (seed ${seed}) in ${result.seconds} s, ${failures.length} failures\n`,
    );
    process.stdout.write(
      `statuses: ${JSON.stringify(result.statuses)}\nconditions: ${JSON.stringify(result.conditions)}\n`,
    );
    for (const f of failures.slice(0, 20)) process.stdout.write(`  ${f}\n`);
  }
  process.exitCode = failures.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
