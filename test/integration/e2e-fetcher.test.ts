// End to end with real processes through a live master and agent: a task's CommandInfo.uris are
// fetched into its sandbox before it starts, from an HTTP server this test runs on 127.0.0.1 and
// from a local file (a plain file, an executable script, an archive unpacked), for a command task
// and for a task of a group under the default executor; a URI that cannot be fetched fails the task
// (TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED) naming the URI, its command never runs, and a custom
// executor whose URI cannot be fetched fails its task the same way.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskInfo } from '../../engine/master/v1.ts';
import type { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import { commandTasks, masterTask, testFrameworkInfo } from './e2e-agent.ts';
import { eventually, Processes, startCluster, startTestFramework } from './e2e-harness.ts';

const procs = new Processes();
const clients: SchedulerClient[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
  await procs.cleanup();
});

const resources = 'cpus:2;mem:1024;disk:1024';

/** Files a test serves over HTTP on 127.0.0.1 (anything else answers 404); records the paths asked. */
async function serveFiles(files: Record<string, Buffer | string>): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const body = files[req.url ?? ''];
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200).end(body);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

/** A gzipped tar of `sub/deep.txt` (holding 'deep'), made with the system's tar. */
async function bundle(): Promise<Buffer> {
  const dir = await procs.dir();
  mkdirSync(join(dir, 'content', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'content', 'sub', 'deep.txt'), 'deep\n');
  execFileSync('tar', ['-C', join(dir, 'content'), '-czf', join(dir, 'bundle.tgz'), '.']);
  return readFileSync(join(dir, 'bundle.tgz'));
}

/** The `runs/latest` sandbox of an executor under an agent's work_dir (one agent, one framework). */
function latestRun(work_dir: string, executor_id: string): string {
  const slaves = join(work_dir, 'slaves');
  const [agent] = readdirSync(slaves);
  const frameworks = join(slaves, agent!, 'frameworks');
  const [framework] = readdirSync(frameworks);
  return join(frameworks, framework!, 'executors', executor_id, 'runs', 'latest');
}

describe('the fetcher through a live master and agent', () => {
  it("fetches a command task's URIs before it starts, and the task reads them", async () => {
    const cluster = await startCluster(procs, { agents: 1, resources });
    const framework = await startTestFramework(
      cluster.master_port,
      testFrameworkInfo('fetch', false),
      clients,
    );
    const server = await serveFiles({
      '/data.txt': 'served\n',
      '/tool.sh': '#!/bin/sh\necho tool ran\n',
      '/bundle.tgz': await bundle(),
    });
    const local = join(await procs.dir(), 'local.conf');
    writeFileSync(local, 'local\n');
    const offer = await framework.offer();
    const [task] = commandTasks(offer, {
      reader:
        'test "$(cat data.txt)" = served && ./tool.sh > tool.out && test "$(cat sub/deep.txt)" = deep && test "$(cat conf/app.conf)" = local',
    });
    const uris = [
      { value: `${server.url}/data.txt` },
      { value: `${server.url}/tool.sh`, executable: true },
      { value: `${server.url}/bundle.tgz` },
      { value: `file://${local}`, output_file: 'conf/app.conf' },
    ];
    await framework.client.launch([offer.id], [{ ...task!, command: { ...task!.command!, uris } }]);
    await framework.update('reader', 'TASK_FINISHED');
    const sandbox = latestRun(cluster.work_dirs[0]!, 'reader');
    expect(readFileSync(join(sandbox, 'tool.out'), 'utf8')).toBe('tool ran\n');
    expect(server.hits.sort()).toEqual(['/bundle.tgz', '/data.txt', '/tool.sh']);
    // The fetcher's log comes first in the sandbox's stderr.
    const log = readFileSync(join(sandbox, 'stderr'), 'utf8');
    expect(log).toContain(`'${server.url}/tool.sh' downloaded to tool.sh, made executable`);
    expect(log).toContain(`'${server.url}/bundle.tgz' downloaded to bundle.tgz, extracted`);
  });

  it('fails a task whose URI cannot be fetched, naming the URI, without running its command', async () => {
    const cluster = await startCluster(procs, { agents: 1, resources });
    const framework = await startTestFramework(
      cluster.master_port,
      testFrameworkInfo('fetch', false),
      clients,
    );
    const server = await serveFiles({ '/data.txt': 'served\n' });
    const offer = await framework.offer();
    const [task] = commandTasks(offer, { broken: 'touch ran' });
    const missing = `${server.url}/missing.tgz`;
    const uris = [{ value: `${server.url}/data.txt` }, { value: missing }];
    await framework.client.launch([offer.id], [{ ...task!, command: { ...task!.command!, uris } }]);
    const failed = await framework.update('broken', 'TASK_FAILED');
    expect(failed).toMatchObject({
      reason: 'REASON_CONTAINER_LAUNCH_FAILED',
      source: 'SOURCE_AGENT',
      message: `Failed to fetch '${missing}': ${missing} answered 404 Not Found`,
    });
    expect(
      framework.events.some((e) => e.type === 'UPDATE' && e.update.status.state === 'TASK_RUNNING'),
    ).toBe(false);
    // The executor is complete by now: its sandbox is found under the agent's work_dir.
    const sandbox = latestRun(cluster.work_dirs[0]!, 'broken');
    expect(existsSync(join(sandbox, 'ran'))).toBe(false);
    expect(readFileSync(join(sandbox, 'data.txt'), 'utf8')).toBe('served\n');
    expect(readFileSync(join(sandbox, 'stderr'), 'utf8')).toContain(`Failed to fetch '${missing}'`);
    await eventually(
      async () => (await masterTask(cluster.master_port, 'broken'))?.state === 'TASK_FAILED',
      10_000,
      'the master showing the task failed',
    );
  });

  it("fetches into each group task's own sandbox, and fails a custom executor whose URI is missing", async () => {
    const cluster = await startCluster(procs, { agents: 1, resources });
    const framework = await startTestFramework(
      cluster.master_port,
      testFrameworkInfo('fetch', false),
      clients,
    );
    const server = await serveFiles({ '/a.txt': 'a\n', '/b.txt': 'b\n' });
    const offer = await framework.offer();
    const [slice, first, second] = commandTasks(offer, {
      executor: '',
      g1: 'test "$(cat a.txt)" = a && test ! -e b.txt',
      g2: 'test "$(cat b.txt)" = b && test ! -e a.txt',
    });
    const withUri = (task: TaskInfo, path: string): TaskInfo => ({
      ...task,
      command: { ...task.command!, uris: [{ value: `${server.url}${path}` }] },
    });
    await framework.client.accept(
      [offer.id],
      [
        {
          type: 'LAUNCH_GROUP',
          launch_group: {
            executor: { executor_id: { value: 'group' }, type: 'DEFAULT', resources: slice!.resources },
            task_group: { tasks: [withUri(first!, '/a.txt'), withUri(second!, '/b.txt')] },
          },
        },
      ],
    );
    await framework.update('g1', 'TASK_FINISHED');
    await framework.update('g2', 'TASK_FINISHED');
    const sandbox = latestRun(cluster.work_dirs[0]!, 'group');
    expect(readFileSync(join(sandbox, 'tasks', 'g1', 'a.txt'), 'utf8')).toBe('a\n');

    const next = await framework.offer();
    const [mine] = commandTasks(next, { custom: 'unused' });
    const missing = `${server.url}/executor.mjs`;
    const { command: _none, ...rest } = mine!;
    await framework.client.launch(
      [next.id],
      [
        {
          ...rest,
          executor: {
            executor_id: { value: 'custom-executor' },
            type: 'CUSTOM',
            command: { value: `'${process.execPath}' executor.mjs`, shell: true, uris: [{ value: missing }] },
            resources: [],
          },
        },
      ],
    );
    const failed = await framework.update('custom', 'TASK_FAILED');
    expect(failed.reason).toBe('REASON_CONTAINER_LAUNCH_FAILED');
    expect(failed.message).toBe(`Failed to fetch '${missing}': ${missing} answered 404 Not Found`);
  });
});
