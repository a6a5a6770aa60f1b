// The SDK's executor client: against a fake agent written here with node:http (subscription,
// updates with fresh 16-byte uuids, re-subscription with what was not acknowledged), and the
// custom executor example end to end: a real master and agent in this process, the example's
// scheduler, and its executor as a real process using the executor client.
import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCustomExecutorExample } from '../../examples/custom-executor/scheduler.ts';
import { type RunningAgent, startAgent } from '../../runtime/agent/agent.ts';
import { silentLog } from '../../runtime/log.ts';
import { startMaster } from '../../runtime/master/server.ts';
import { durationMs, ExecutorClient, executorEnvironment } from '../../runtime/sdk/executor-client.ts';
import { encodeRecord } from '../../runtime/wire/recordio.ts';
import { eventually, getJson, type Json, Processes } from './e2e-harness.ts';

const procs = new Processes();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await procs.cleanup();
});

/** A fake agent's executor endpoint: records calls; `streams` holds the open SUBSCRIBE answers. */
async function fakeAgent() {
  const calls: Json[] = [];
  const streams: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
      calls.push(call);
      if (call.type !== 'SUBSCRIBE') {
        res.writeHead(202);
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(encodeRecord({ type: 'SUBSCRIBED', subscribed: { agent_info: { hostname: 'fake' } } }));
      streams.push(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as AddressInfo).port;
  const env = (checkpoint: boolean): Record<string, string> => ({
    MESOS_FRAMEWORK_ID: 'F1',
    MESOS_EXECUTOR_ID: 'E1',
    MESOS_AGENT_ENDPOINT: `127.0.0.1:${port}`,
    MESOS_SLAVE_ID: 'S1',
    MESOS_SANDBOX: '/tmp',
    MESOS_CHECKPOINT: checkpoint ? '1' : '0',
    MESOS_RECOVERY_TIMEOUT: '10secs',
  });
  return { calls, streams, env };
}

/** A started executor client (closed after the test). */
function executor(env: Record<string, string>): ExecutorClient {
  const client = new ExecutorClient({ env });
  cleanups.push(() => client.close());
  return client;
}

const task = {
  name: 't1',
  task_id: { value: 't1' },
  agent_id: { value: 'S1' },
  resources: [],
  executor: { executor_id: { value: 'E1' } },
};

describe('the executor client against a fake agent', () => {
  it('sends updates with fresh uuids and re-sends what was not acknowledged when it subscribes again', async () => {
    const agent = await fakeAgent();
    const client = executor(agent.env(true));
    const events: string[] = [];
    client.on('event', (event) => events.push(event.type));
    await client.subscribe();
    agent.streams[0]!.write(encodeRecord({ type: 'LAUNCH', launch: { task } }));
    await eventually(() => events.includes('LAUNCH'), 5000, 'LAUNCH');

    const first = await client.update({ task_id: { value: 't1' }, state: 'TASK_RUNNING' });
    const second = await client.update({ task_id: { value: 't1' }, state: 'TASK_FINISHED', message: 'done' });
    expect(Buffer.from(first, 'base64')).toHaveLength(16);
    expect(Buffer.from(first, 'base64').toString('base64')).toBe(first);
    expect(second).not.toBe(first);
    const update = agent.calls.find((c) => c.type === 'UPDATE')!;
    expect(update).toMatchObject({
      framework_id: { value: 'F1' },
      executor_id: { value: 'E1' },
      update: {
        status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: first },
      },
    });
    expect(update.update.status.executor_id).toEqual({ value: 'E1' });
    expect(typeof update.update.status.timestamp).toBe('number');

    // The agent acknowledges the first only, then the stream breaks (an agent restart).
    agent.streams[0]!.write(
      encodeRecord({ type: 'ACKNOWLEDGED', acknowledged: { task_id: task.task_id, uuid: first } }),
    );
    await eventually(() => client.unacknowledgedUpdates.length === 1, 5000, 'the first update acknowledged');
    agent.streams[0]!.destroy();
    await eventually(() => agent.streams.length === 2, 5000, 'a second SUBSCRIBE');
    const again = agent.calls.filter((c) => c.type === 'SUBSCRIBE')[1]!;
    expect(again.subscribe.unacknowledged_updates.map((u: Json) => u.status.uuid)).toEqual([second]);
    expect(again.subscribe.unacknowledged_updates[0].status).toMatchObject({
      state: 'TASK_FINISHED',
      message: 'done',
    });
    // The task had an update acknowledged, so the agent knows it: it is no longer unacknowledged.
    expect(again.subscribe.unacknowledged_tasks).toEqual([]);
    agent.streams[1]!.write(
      encodeRecord({ type: 'ACKNOWLEDGED', acknowledged: { task_id: task.task_id, uuid: second } }),
    );
    await eventually(() => client.unacknowledgedUpdates.length === 0, 5000, 'every update acknowledged');
    await client.message('hello');
    expect(agent.calls.at(-1)).toMatchObject({
      type: 'MESSAGE',
      message: { data: Buffer.from('hello').toString('base64') },
    });
  });

  it('closes when the agent goes away and the executor does not checkpoint', async () => {
    const agent = await fakeAgent();
    const client = executor(agent.env(false));
    await client.subscribe();
    const closed = new Promise<string>((resolve) => client.once('closed', resolve));
    agent.streams[0]!.destroy();
    expect(await closed).toMatch(/lost the agent/);
    expect(agent.calls.filter((c) => c.type === 'SUBSCRIBE')).toHaveLength(1);
  });

  it('reads its identity from the MESOS_* environment, naming what is missing', () => {
    expect(() => executorEnvironment({ MESOS_FRAMEWORK_ID: 'F' })).toThrow(/MESOS_EXECUTOR_ID is not set/);
    const env = executorEnvironment({
      MESOS_FRAMEWORK_ID: 'F',
      MESOS_EXECUTOR_ID: 'E',
      MESOS_AGENT_ENDPOINT: '127.0.0.1:5051',
      MESOS_CHECKPOINT: '1',
      MESOS_RECOVERY_TIMEOUT: '15mins',
    });
    expect(env).toMatchObject({
      framework_id: 'F',
      executor_id: 'E',
      checkpoint: true,
      recovery_timeout_ms: 900_000,
    });
    expect(durationMs('5secs')).toBe(5000);
    expect(durationMs('1.5hrs')).toBe(5_400_000);
    expect(() => durationMs('5 parsecs')).toThrow(/not a duration/);
  });
});

describe('the custom executor example', () => {
  it('runs its tasks under its own executor, which prints to its sandbox', async () => {
    const master = await startMaster({ port: 0, allocation_interval_ms: 50, log: silentLog });
    cleanups.push(() => master.stop());
    const agents: RunningAgent[] = [];
    for (const i of [1, 2]) {
      const work_dir = await procs.dir(`meso-example-agent-${i}-`);
      const agent = await startAgent({
        master: `127.0.0.1:${master.port}`,
        port: 0,
        work_dir,
        resources: 'cpus:1;mem:512;disk:512',
        log: silentLog,
        registration_backoff_ms_min: 20,
      });
      cleanups.push(() => agent.stop());
      agents.push(agent);
    }
    await Promise.all(agents.map((a) => a.registered()));
    const lines: string[] = [];
    const code = await runCustomExecutorExample({
      master: `127.0.0.1:${master.port}`,
      tasks: 5,
      timeout_seconds: 60,
      print: (line) => lines.push(line),
    });
    expect(code, lines.join('\n')).toBe(0);
    expect(lines.filter((l) => /^Task fib-\d is in state TASK_FINISHED/.test(l))).toHaveLength(5);
    expect(lines.filter((l) => l.startsWith('Message from the executor: task fib-'))).toHaveLength(5);

    // Every task ran in an executor's sandbox: its result file, and a line on the executor's stdout.
    const sandboxes: string[] = [];
    for (const agent of agents) {
      const state = await getJson(agent.port, '/state');
      for (const f of [...state.frameworks, ...state.completed_frameworks]) {
        for (const e of [...f.executors, ...f.completed_executors]) {
          if (e.id === 'meso-example-executor') sandboxes.push(e.directory);
        }
      }
    }
    expect(sandboxes.length).toBeGreaterThanOrEqual(1);
    const stdout = (await Promise.all(sandboxes.map((dir) => readFile(join(dir, 'stdout'), 'utf8')))).join(
      '',
    );
    for (let n = 0; n < 5; n++) {
      expect(stdout).toContain(`task fib-${n} computed fib(${20 + n * 10})`);
    }
    expect(stdout).toContain('fib(20) = 6765');
    expect(stdout).toMatch(/shutting down/);
  });
});
