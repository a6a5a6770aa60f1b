// End to end with real processes through a live master and agent: health checks and checks run by
// the agent's command executor (COMMAND, HTTP against a server the task runs, TCP), reported to the
// framework as TASK_RUNNING updates with `healthy` or `check_status`, a task killed after its
// consecutive failures, and kill policies (the task's, and a KILL call's overriding it).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Offer, TaskInfo, TaskStatus } from '../../engine/master/v1.ts';
import type { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import { commandTasks, executorSandbox, masterTask, testFrameworkInfo } from './e2e-agent.ts';
import {
  eventually,
  freePort,
  Processes,
  startCluster,
  startTestFramework,
  type TestFramework,
} from './e2e-harness.ts';

const procs = new Processes();
const clients: SchedulerClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await procs.cleanup();
});

const resources = 'cpus:2;mem:1024;disk:1024';

/** Every update of `task_id` the framework received, in order. */
function statusesOf(framework: TestFramework, task_id: string): TaskStatus[] {
  return framework.events.flatMap((e) =>
    e.type === 'UPDATE' && e.update.status.task_id.value === task_id ? [e.update.status as TaskStatus] : [],
  );
}

/** Waits for an update of `task_id` that `test` accepts. */
async function statusWhere(
  framework: TestFramework,
  task_id: string,
  test: (status: TaskStatus) => boolean,
  what: string,
): Promise<TaskStatus> {
  let found: TaskStatus | undefined;
  await eventually(
    () => {
      found = statusesOf(framework, task_id).find(test);
      return found !== undefined;
    },
    20_000,
    what,
  ).catch((error: Error) => {
    const seen = statusesOf(framework, task_id).map((s) =>
      JSON.stringify({ state: s.state, reason: s.reason, healthy: s.healthy, check: s.check_status }),
    );
    throw new Error(`${error.message}; updates seen: ${seen.join(' ')}`);
  });
  return found!;
}

/** Launches one shell task on a fresh offer, with `extra` TaskInfo fields. */
async function launchOne(
  framework: TestFramework,
  task_id: string,
  command: string,
  extra: Partial<TaskInfo>,
): Promise<Offer> {
  const offer = await framework.offer();
  const [task] = commandTasks(offer, { [task_id]: command });
  await framework.client.launch([offer.id], [{ ...task!, ...extra }], { refuse_seconds: 0 });
  return offer;
}

/** A node command serving HTTP on 127.0.0.1:port: /ok answers 200, /status 503, anything else 404. */
function httpServerCommand(port: number): string {
  const script =
    "require('http').createServer((q,s)=>{s.writeHead(q.url==='/ok'?200:q.url==='/status'?503:404);s.end()})" +
    `.listen(${port},'127.0.0.1')`;
  return `exec '${process.execPath}' -e "${script}"`;
}

const ns = (seconds: number) => ({ nanoseconds: Math.round(seconds * 1e9) });

describe('health checks through a live master and agent', () => {
  it('a COMMAND health check that starts failing: healthy, then unhealthy updates, then the task killed with SIGKILL after its kill policy', async () => {
    const cluster = await startCluster(procs, { agents: 1, resources });
    const framework = await startTestFramework(
      cluster.master_port,
      testFrameworkInfo('health test', false),
      clients,
    );
    // Healthy while the file exists; the task removes it after a while, and ignores SIGTERM.
    await launchOne(
      framework,
      'flaky',
      "trap '' TERM; touch alive; sleep 2; rm alive; while true; do sleep 1; done",
      {
        health_check: {
          type: 'COMMAND',
          command: { value: 'test -f alive', shell: true },
          delay_seconds: 0,
          interval_seconds: 0.2,
          timeout_seconds: 5,
          consecutive_failures: 3,
          grace_period_seconds: 10,
        },
        kill_policy: { grace_period: ns(0.5) },
      },
    );
    const healthy = await statusWhere(framework, 'flaky', (s) => s.healthy === true, 'a healthy update');
    expect(healthy).toMatchObject({
      state: 'TASK_RUNNING',
      reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
      source: 'SOURCE_EXECUTOR',
    });
    const killed = await statusWhere(framework, 'flaky', (s) => s.state === 'TASK_KILLED', 'TASK_KILLED');
    expect(killed.healthy).toBe(false);
    // SIGTERM was ignored: SIGKILL came after the kill policy's grace period.
    expect(killed.message).toMatch(/^Command terminated with signal Killed; .*health check failed/);
    const statuses = statusesOf(framework, 'flaky');
    const unhealthy = statuses.filter((s) => s.state === 'TASK_RUNNING' && s.healthy === false);
    expect(unhealthy.length).toBe(3);
    expect(unhealthy.every((s) => s.reason === 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED')).toBe(true);
    expect(unhealthy.map((s) => s.message)).toEqual(
      [1, 2, 3].map((n) => expect.stringContaining(`${n} time(s)`)),
    );
    // One healthy update (the first success), then the failures, then the end.
    expect(statuses.filter((s) => s.healthy === true).length).toBe(1);
    expect(statuses.findIndex((s) => s.healthy === true)).toBeLessThan(
      statuses.findIndex((s) => s.healthy === false),
    );
    await eventually(
      async () => (await masterTask(cluster.master_port, 'flaky'))?.state === 'TASK_KILLED',
      10_000,
      'the master showing the task killed',
    );
  });

  it('an HTTP health check and an HTTP check against a server the task runs, a TCP health check and a TCP check', async () => {
    const cluster = await startCluster(procs, { agents: 1, resources });
    const framework = await startTestFramework(
      cluster.master_port,
      testFrameworkInfo('http test', false),
      clients,
    );
    const port = await freePort();
    const closed = await freePort();
    await launchOne(framework, 'web', httpServerCommand(port), {
      health_check: {
        type: 'HTTP',
        http: { port, path: '/ok' },
        delay_seconds: 0,
        interval_seconds: 0.2,
        grace_period_seconds: 30,
      },
      check: { type: 'HTTP', http: { port, path: '/status' }, delay_seconds: 0, interval_seconds: 0.2 },
    });
    const running = await statusWhere(
      framework,
      'web',
      (s) => s.state === 'TASK_RUNNING' && s.reason === undefined,
      'TASK_RUNNING',
    );
    // Before any result, TASK_RUNNING carries the check's empty status.
    expect(running.check_status).toEqual({ type: 'HTTP', http: {} });
    const healthy = await statusWhere(framework, 'web', (s) => s.healthy === true, 'healthy');
    expect(healthy.reason).toBe('REASON_TASK_HEALTH_CHECK_STATUS_UPDATED');
    const checked = await statusWhere(
      framework,
      'web',
      (s) => s.reason === 'REASON_TASK_CHECK_STATUS_UPDATED',
      'a check update',
    );
    expect(checked.check_status).toEqual({ type: 'HTTP', http: { status_code: 503 } });
    expect(checked.state).toBe('TASK_RUNNING');

    await launchOne(framework, 'tcp', httpServerCommand(await freePort()), {
      health_check: { type: 'TCP', tcp: { port }, delay_seconds: 0, interval_seconds: 0.2 },
      check: { type: 'TCP', tcp: { port: closed }, delay_seconds: 0, interval_seconds: 0.2 },
    });
    const tcp_healthy = await statusWhere(framework, 'tcp', (s) => s.healthy === true, 'TCP healthy');
    expect(tcp_healthy.state).toBe('TASK_RUNNING');
    const tcp_checked = await statusWhere(
      framework,
      'tcp',
      (s) => s.reason === 'REASON_TASK_CHECK_STATUS_UPDATED',
      'a TCP check update',
    );
    expect(tcp_checked.check_status).toEqual({ type: 'TCP', tcp: { succeeded: false } });
    // A check only observes: the checks settled, nothing more is reported while nothing changes.
    const count = statusesOf(framework, 'tcp').length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(statusesOf(framework, 'tcp').length).toBe(count);
    expect((await masterTask(cluster.master_port, 'web'))?.state).toBe('TASK_RUNNING');
    // The master answers reconciliation with the latest health and check result.
    await framework.client.reconcile([{ task_id: { value: 'web' } }]);
    const reconciled = await statusWhere(
      framework,
      'web',
      (s) => s.reason === 'REASON_RECONCILIATION',
      'a reconciliation answer',
    );
    expect(reconciled).toMatchObject({
      state: 'TASK_RUNNING',
      healthy: true,
      check_status: { type: 'HTTP', http: { status_code: 503 } },
    });
  });

  it('a COMMAND check reports each change of its exit code; the master refuses an invalid health check', async () => {
    const cluster = await startCluster(procs, { agents: 1, resources });
    const framework = await startTestFramework(
      cluster.master_port,
      testFrameworkInfo('check test', false),
      clients,
    );
    await launchOne(framework, 'exits', 'echo 3 > code; sleep 1.5; echo 0 > code; sleep 100', {
      check: {
        type: 'COMMAND',
        command: { command: { value: 'exit $(cat code)', shell: true } },
        delay_seconds: 0.3,
        interval_seconds: 0.2,
      },
    });
    await statusWhere(
      framework,
      'exits',
      (s) => (s.check_status as { command?: { exit_code?: number } })?.command?.exit_code === 0,
      'exit code 0',
    );
    const codes = statusesOf(framework, 'exits')
      .filter((s) => s.reason === 'REASON_TASK_CHECK_STATUS_UPDATED')
      .map((s) => (s.check_status as { command: { exit_code?: number } }).command.exit_code);
    expect(codes).toEqual([3, 0]);

    // The master refuses it, as Mesos's task validation does.
    await launchOne(framework, 'invalid', 'sleep 100', { health_check: { type: 'HTTP', tcp: { port: 80 } } });
    const refused = await statusWhere(framework, 'invalid', (s) => s.state === 'TASK_ERROR', 'TASK_ERROR');
    expect(refused).toMatchObject({
      reason: 'REASON_TASK_INVALID',
      source: 'SOURCE_MASTER',
      message: expect.stringContaining("Task's health_check of type HTTP needs http.port (1 to 65535)"),
    });
  });
});

describe('kill policies through a live master and agent', () => {
  it("a KILL call's kill_policy overrides the task's: SIGKILL after 0.3 s instead of 100 s", async () => {
    const cluster = await startCluster(procs, { agents: 1, resources });
    const framework = await startTestFramework(
      cluster.master_port,
      testFrameworkInfo('kill policy test', false),
      clients,
    );
    const offer = await launchOne(
      framework,
      'stubborn',
      "trap '' TERM; touch ready; while true; do sleep 1; done",
      {
        kill_policy: { grace_period: ns(100) },
      },
    );
    await framework.update('stubborn', 'TASK_RUNNING');
    // The shell ignores SIGTERM once `ready` exists.
    const sandbox = await executorSandbox(cluster.agent_ports[0]!, 'stubborn');
    await eventually(() => existsSync(join(sandbox, 'ready')), 10_000, 'the task ignoring SIGTERM');
    await framework.client.kill({ value: 'stubborn' }, offer.agent_id, { grace_period: ns(0.3) });
    const killed = await framework.update('stubborn', 'TASK_KILLED', 20_000);
    expect(killed.message).toBe('Command terminated with signal Killed');
  });
});
