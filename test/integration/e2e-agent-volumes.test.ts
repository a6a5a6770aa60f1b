// End to end: dynamic reservations and persistent volumes on a live agent. With real processes, a
// framework reserves disk, creates a volume and runs a task that writes into it; after an agent
// restart the reservation and the volume are still there (in the agent's checkpoint, its /state and
// the master's), a second task reads what the first wrote, and DESTROY removes the volume's
// directory. Against a fake master: malformed apply_operation messages are dropped, the
// checkpointed total is reported on re-registration, an agent whose flags no longer fit its
// checkpoint refuses to start, a custom executor finds its own volumes and its tasks' in its sandbox,
// and a volume at an absolute or escaping container path fails its task.
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskInfo } from '../../engine/master/v1.ts';
import { formatResources, normalize, type Resource, unallocate } from '../../engine/resources.ts';
import { memoryLog } from '../../runtime/log.ts';
import type { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import { commandTask, frameworkInfo, Started } from './agent-harness.ts';
import {
  agentArgs,
  eventually,
  getJson,
  type Json,
  Processes,
  startCluster,
  startTestFramework,
} from './e2e-harness.ts';

const resources = 'cpus:2;mem:1024;disk:1024';
const procs = new Processes();
const started = new Started();
const clients: SchedulerClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await procs.cleanup();
  await started.cleanup();
});

/** Disk of role prod: reserved for it, or (with an id) a persistent volume at `container_path`. */
function prodDisk(mb: number, volume?: { id: string; container_path: string }): Resource {
  return {
    name: 'disk',
    type: 'SCALAR',
    scalar: { value: mb },
    reservations: [{ type: 'DYNAMIC', role: 'prod' }],
    allocation_info: { role: 'prod' },
    ...(volume === undefined
      ? {}
      : {
          disk: {
            persistence: { id: volume.id },
            volume: { container_path: volume.container_path, mode: 'RW' as const },
          },
        }),
  };
}

/** cpus and mem for a task of role prod. */
function prodSlice(): Resource[] {
  return [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: 'prod' } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 32 }, allocation_info: { role: 'prod' } },
  ];
}

/** Resources in the flag form, without allocation. */
function show(list: readonly Resource[]): string {
  return formatResources(unallocate(normalize(list)));
}

/** The volume data1 among resources, if there. */
function data1(list: readonly Resource[] | undefined): Resource | undefined {
  return (list ?? []).find((r) => r.disk?.persistence?.id === 'data1');
}

describe('persistent volumes on a live agent', () => {
  it('keep what one task wrote for the next, across an agent restart, until DESTROY removes them', async () => {
    const cluster = await startCluster(procs, { agents: 1, resources });
    const work_dir = cluster.work_dirs[0]!;
    const agent_port = cluster.agent_ports[0]!;
    const volume_dir = join(work_dir, 'volumes', 'roles', 'prod', 'data1');
    const framework = await startTestFramework(
      cluster.master_port,
      {
        user: 'root',
        name: 'volumes',
        roles: ['prod'],
        checkpoint: true,
        capabilities: [{ type: 'MULTI_ROLE' }],
      },
      clients,
    );
    const volume = prodDisk(512, { id: 'data1', container_path: 'data' });
    const task = (task_id: string, command: string, disk: Resource): TaskInfo => ({
      name: task_id,
      task_id: { value: task_id },
      agent_id: { value: '' },
      resources: [...prodSlice(), disk],
      command: { value: command, shell: true },
    });

    // Reserve, create and use the volume in one accept.
    const first = await framework.offer();
    await framework.client.accept(
      [first.id],
      [
        { type: 'RESERVE', reserve: { resources: [prodDisk(512)] } },
        { type: 'CREATE', create: { volumes: [volume] } },
        {
          type: 'LAUNCH',
          launch: {
            task_infos: [
              {
                ...task('writer', 'test -L data && echo persisted > data/greeting', volume),
                agent_id: first.agent_id,
              },
            ],
          },
        },
      ],
      { refuse_seconds: 0 },
    );
    await framework.update('writer', 'TASK_FINISHED');
    expect(readFileSync(join(volume_dir, 'greeting'), 'utf8')).toBe('persisted\n');
    const checkpoint = JSON.parse(
      readFileSync(join(work_dir, 'meta', 'resources', 'resources.json'), 'utf8'),
    );
    expect(show(checkpoint.resources)).toBe(
      'cpus:2;disk:512;disk(dynamic:prod)[data1:data]:512;mem:1024;ports:[31000-32000]',
    );

    // The agent restarts (nothing runs): its checkpoint brings the volume back.
    const agent = cluster.agents[0]!;
    process.kill(agent.pid, 'SIGTERM');
    expect((await agent.exited).code).toBe(0);
    procs.meso(agentArgs(cluster.master_port, agent_port, work_dir, resources));
    await eventually(
      async () => (await getJson(cluster.master_port, '/master/state')).slaves[0]?.active === true,
      15_000,
      'the restarted agent re-registering',
    );
    const agent_state = await getJson(agent_port, '/state');
    expect(data1(agent_state.reserved_resources_full.prod)?.disk?.volume?.container_path).toBe('data');
    const master_agent = (await getJson(cluster.master_port, '/master/state')).slaves[0] as Json;
    expect(data1(master_agent.reserved_resources_full.prod)).toMatchObject({
      name: 'disk',
      scalar: { value: 512 },
      disk: { persistence: { id: 'data1' }, volume: { container_path: 'data' } },
    });

    // A second task on the same volume reads what the first wrote.
    const second = await framework.offer((o) => data1(o.resources) !== undefined);
    const offered = data1(second.resources)!;
    await framework.client.launch(
      [second.id],
      [{ ...task('reader', 'grep -qx persisted data/greeting', offered), agent_id: second.agent_id }],
      { refuse_seconds: 0 },
    );
    await framework.update('reader', 'TASK_FINISHED');

    // DESTROY removes the directory; UNRESERVE gives the disk back.
    const third = await framework.offer((o) => data1(o.resources) !== undefined);
    await framework.client.accept(
      [third.id],
      [
        { type: 'DESTROY', destroy: { volumes: [data1(third.resources)!] } },
        { type: 'UNRESERVE', unreserve: { resources: [prodDisk(512)] } },
      ],
      { refuse_seconds: 0 },
    );
    await eventually(() => !existsSync(volume_dir), 10_000, 'the volume directory being removed');
    await eventually(
      async () => {
        const state = await getJson(cluster.master_port, '/master/state');
        return Object.keys(state.slaves[0].reserved_resources_full).length === 0;
      },
      10_000,
      'the master forgetting the reservation',
    );
    const unreserved = JSON.parse(
      readFileSync(join(work_dir, 'meta', 'resources', 'resources.json'), 'utf8'),
    );
    expect(show(unreserved.resources)).toBe('cpus:2;disk:1024;mem:1024;ports:[31000-32000]');
    expect((await getJson(agent_port, '/state')).reserved_resources_full).toEqual({});
  });
});

describe('apply_operation against a fake master', () => {
  const reserved: Resource[] = [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: '*' },
    { name: 'mem', type: 'SCALAR', scalar: { value: 1024 }, role: '*' },
    { name: 'disk', type: 'SCALAR', scalar: { value: 1536 }, role: '*' },
    { ...prodDisk(512, { id: 'data1', container_path: 'data' }), role: 'prod' },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] }, role: '*' },
  ];
  const create = {
    type: 'apply_operation',
    framework_id: { value: 'F1' },
    operation: {
      type: 'CREATE',
      create: { volumes: [prodDisk(512, { id: 'data1', container_path: 'data' })] },
    },
    resources: reserved,
  };

  it('drops malformed messages, checkpoints the total it is sent, and reports it after a restart', async () => {
    const master = await started.fakeMaster();
    const work_dir = await started.dir();
    const log = memoryLog();
    const agent = await started.agent({ master: master.address, work_dir, log });
    await agent.registered();
    // Malformed ones first: each is logged and dropped, and the agent goes on.
    const malformed = [
      { type: 'apply_operation' },
      { ...create, framework_id: 'F1' },
      { ...create, operation: { type: 'CREATE', create: { volumes: 'data1' } } },
      { ...create, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 'two' } }] },
      {
        ...create,
        operation: {
          type: 'CREATE',
          create: { volumes: [prodDisk(512, { id: '..', container_path: 'd' })] },
        },
      },
      // A total that does not fit the agent's flags (3 cpus, not 2).
      { ...create, resources: reserved.map((r) => (r.name === 'cpus' ? { ...r, scalar: { value: 3 } } : r)) },
    ];
    for (const message of malformed) master.send(message);
    master.send({ type: 'ping', connected: true });
    const pongs = master.messages.items.length;
    await master.messages.next((m) => m.type === 'pong', pongs - 1);
    const dropped = () => log.lines.filter((l) => l.level === 'error' && /apply_operation/.test(l.message));
    await eventually(() => dropped().length >= malformed.length, 5000, 'the malformed operations logged');
    expect(dropped()).toHaveLength(malformed.length);
    expect(existsSync(join(work_dir, 'meta', 'resources', 'resources.json'))).toBe(false);
    expect(existsSync(join(work_dir, 'volumes'))).toBe(false);

    master.send(create);
    const volume_dir = join(work_dir, 'volumes', 'roles', 'prod', 'data1');
    await eventually(() => existsSync(volume_dir), 5000, 'the volume directory');
    const checkpoint = JSON.parse(
      readFileSync(join(work_dir, 'meta', 'resources', 'resources.json'), 'utf8'),
    );
    expect(show(checkpoint.resources)).toBe(show(reserved));

    // Stopped and started again: the re-registration reports the checkpointed total.
    await agent.stop();
    const from = master.messages.items.length;
    const again = await started.agent({ master: master.address, work_dir });
    const { item } = await master.messages.next((m) => m.type === 'reregister', from);
    expect(show(item.agent_info.resources)).toBe(show(reserved));
    expect(data1((await getJson(again.port, '/state')).reserved_resources_full.prod)).toBeDefined();
    await again.stop();

    // Flags that no longer fit the checkpoint: the agent refuses to start, naming the fix.
    await expect(
      started.agent({ master: master.address, work_dir, resources: 'cpus:2;mem:1024;disk:4096' }),
    ).rejects.toThrow(/incompatible with the agent's resources.*remove .*meta\/resources\/resources\.json/);
  });

  it("links a custom executor's volumes when it starts, and its task's when the task is handed to it", async () => {
    const master = await started.fakeMaster();
    const work_dir = await started.dir();
    const agent = await started.agent({ master: master.address, work_dir });
    await agent.registered();
    const task = commandTask('t1', 'unused');
    const { command: _none, ...info } = task;
    master.send({
      type: 'run_task',
      framework_info: frameworkInfo('F1'),
      task: {
        ...info,
        resources: [...task.resources, prodDisk(256, { id: 'tv', container_path: 'task/vol' })],
        executor: {
          executor_id: { value: 'E1' },
          type: 'CUSTOM',
          // It never subscribes itself: the test subscribes in its place.
          command: { value: 'sleep 30', shell: true },
          resources: [prodDisk(256, { id: 'ev', container_path: 'exec-vol' })],
        },
      },
    });
    const volumes = join(work_dir, 'volumes', 'roles', 'prod');
    let sandbox = '';
    await eventually(
      async () => {
        const state = await getJson(agent.port, '/state');
        sandbox = state.frameworks[0]?.executors[0]?.directory ?? '';
        return sandbox !== '' && existsSync(join(sandbox, 'exec-vol'));
      },
      8000,
      "the executor's volume linked into its sandbox",
    );
    expect(readlinkSync(join(sandbox, 'exec-vol'))).toBe(join(volumes, 'ev'));
    expect(existsSync(join(sandbox, 'task'))).toBe(false);
    const stream = await started.stream(agent.port, '/api/v1/executor', {
      framework_id: { value: 'F1' },
      executor_id: { value: 'E1' },
      type: 'SUBSCRIBE',
    });
    await stream.events.next((e) => e.type === 'LAUNCH');
    expect(readlinkSync(join(sandbox, 'task', 'vol'))).toBe(join(volumes, 'tv'));
  });

  it('fails a task whose volume sits at an absolute or escaping container path', async () => {
    const master = await started.fakeMaster();
    const work_dir = await started.dir();
    await (await started.agent({ master: master.address, work_dir })).registered();
    const cases = { absolute: '/mnt/data', escaping: '../data' };
    for (const [task_id, container_path] of Object.entries(cases)) {
      const task = commandTask(task_id, 'true');
      master.send({
        type: 'run_task',
        framework_info: frameworkInfo('F1'),
        task: { ...task, resources: [...task.resources, prodDisk(512, { id: task_id, container_path })] },
      });
      const { item } = await master.messages.next(
        (m) => m.type === 'status_update' && m.status.task_id.value === task_id,
      );
      expect(item.status).toMatchObject({
        state: 'TASK_FAILED',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        source: 'SOURCE_AGENT',
      });
      expect(item.status.message).toContain(`'${container_path}'`);
    }
    // Nothing was made for them.
    expect(existsSync(join(work_dir, 'volumes'))).toBe(false);
  });
});
