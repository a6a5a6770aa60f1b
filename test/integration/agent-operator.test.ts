// The live agent's operator API (POST /api/v1, agent.proto) and its older reads (/flags, /version,
// /metrics/snapshot) over real sockets, with a real command task: reads of its state, files of the
// task's sandbox, the logging level, and the calls it answers 501 with the reason.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  commandTask,
  eventually,
  frameworkInfo,
  getJson,
  type Json,
  rawRequest,
  Started,
} from './agent-harness.ts';

const started = new Started();
afterEach(() => started.cleanup());

async function call(port: number, body: Json): Promise<{ status: number; body: Json | string }> {
  const res = await rawRequest(
    port,
    'POST',
    '/api/v1',
    { 'Content-Type': 'application/json' },
    JSON.stringify(body),
  );
  let parsed: Json | string = res.body;
  try {
    parsed = JSON.parse(res.body);
  } catch {}
  return { status: res.status, body: parsed };
}

describe('agent operator API', () => {
  it('reads the agent, its task and its sandbox; sets the logging level; names what it does not serve', async () => {
    const master = await started.fakeMaster();
    const agent = await started.agent({ master: master.address, work_dir: await started.dir() });
    await agent.registered();
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1'),
      task: commandTask('t1', 'echo hi; sleep 30'),
    });
    await eventually(
      async () => {
        const tasks = (await call(agent.port, { type: 'GET_TASKS' })).body as Json;
        return tasks.get_tasks.launched_tasks.some((t: Json) => t.state === 'TASK_RUNNING');
      },
      8000,
      'task t1 running',
    );
    expect(await call(agent.port, { type: 'GET_HEALTH' })).toEqual({
      status: 200,
      body: { type: 'GET_HEALTH', get_health: { healthy: true } },
    });
    const got = (await call(agent.port, { type: 'GET_AGENT' })).body as Json;
    expect(got.get_agent.agent_info).toMatchObject({
      hostname: 'agent.test',
      id: { value: 'fake-master-S0' },
    });
    const frameworks = (await call(agent.port, { type: 'GET_FRAMEWORKS' })).body as Json;
    expect(frameworks.get_frameworks.frameworks.map((f: Json) => f.framework_info.id.value)).toEqual(['F1']);
    const containers = (await call(agent.port, { type: 'GET_CONTAINERS' })).body as Json;
    expect(containers.get_containers.containers).toHaveLength(1);
    const state = (await call(agent.port, { type: 'GET_STATE' })).body as Json;
    expect(state.get_state.get_executors.executors).toHaveLength(1);
    const metrics = (await call(agent.port, { type: 'GET_METRICS' })).body as Json;
    expect(metrics.get_metrics.metrics).toContainEqual({ name: 'slave/tasks_running', value: 1 });
    expect((await getJson(agent.port, '/metrics/snapshot'))['slave/cpus_total']).toBe(2);
    expect((await getJson(agent.port, '/flags')).flags.hostname).toBe('agent.test');
    expect((await getJson(agent.port, '/version')).version).toMatch(/^\d+\.\d+\.\d+$/);
    const flags = (await call(agent.port, { type: 'GET_FLAGS' })).body as Json;
    expect(flags.get_flags.flags).toContainEqual({ name: 'hostname', value: 'agent.test' });

    const directory = (await getJson(agent.port, '/state')).frameworks[0].executors[0].directory;
    await eventually(
      async () =>
        (
          await getJson(
            agent.port,
            `/files/read?path=${encodeURIComponent(join(directory, 'stdout'))}&offset=0`,
          )
        ).data === 'hi\n',
      5000,
      'stdout written',
    );
    const list = (await call(agent.port, { type: 'LIST_FILES', list_files: { path: directory } }))
      .body as Json;
    expect(list.list_files.file_infos.map((f: Json) => f.path.split('/').at(-1))).toEqual([
      'stderr',
      'stdout',
    ]);
    const read = (
      await call(agent.port, { type: 'READ_FILE', read_file: { path: join(directory, 'stdout'), offset: 0 } })
    ).body as Json;
    expect(read.read_file).toEqual({ size: 3, data: Buffer.from('hi\n').toString('base64') });
    expect(
      (await call(agent.port, { type: 'READ_FILE', read_file: { path: '/etc/passwd', offset: 0 } })).status,
    ).toBe(403);
    expect((await call(agent.port, { type: 'LIST_FILES', list_files: {} })).status).toBe(400);

    const set = await call(agent.port, {
      type: 'SET_LOGGING_LEVEL',
      set_logging_level: { level: 2, duration: { nanoseconds: '5000000000' } },
    });
    expect(set.status).toBe(200);
    expect(
      ((await call(agent.port, { type: 'GET_LOGGING_LEVEL' })).body as Json).get_logging_level.level,
    ).toBe(2);
    const nested = await call(agent.port, { type: 'LAUNCH_NESTED_CONTAINER_SESSION' });
    expect([nested.status, nested.body]).toEqual([501, expect.stringMatching(/no nested containers/)]);
    expect((await call(agent.port, { type: 'NOPE' })).status).toBe(400);
    expect((await rawRequest(agent.port, 'GET', '/api/v1')).status).toBe(405);
    expect(
      (await rawRequest(agent.port, 'POST', '/api/v1', { 'Content-Type': 'text/plain' }, 'x')).status,
    ).toBe(415);
  });
});
