// A master that runs alone keeps its registry under --work_dir: killed with SIGKILL and started
// again on the same directory, it is back with its weights, quota, frameworks (same ids) and
// completed history (a finished task, a torn-down framework); the
// agent that comes back re-registers with its task, and the one that never does is unreachable
// once --agent_reregister_timeout has passed (reconciliation answers TASK_UNREACHABLE to a
// partition-aware framework, TASK_LOST to another). A corrupt registry file stops the master
// with a message naming the file, which is left as it was. The journal is appended to across
// restarts, one run per start, with mode 0600, and replays run by run.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runReplayCommand } from '../../cli/replay.ts';
import { parseJournal } from '../../engine/master/journal-format.ts';
import type { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import { replayJournal } from '../../sim/replay/journal-replay.ts';
import { commandTasks, testFrameworkInfo } from './e2e-agent.ts';
import {
  agentArgs,
  eventually,
  freePort,
  getJson,
  type Json,
  Processes,
  type Spawned,
  startTestFramework,
} from './e2e-harness.ts';
import { postJson, subscribeCall } from './master-client.ts';

const procs = new Processes();
const clients: SchedulerClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await procs.cleanup();
});

function startMaster(port: number, work_dir: string, extra: readonly string[] = []): Spawned {
  return procs.meso([
    'master',
    `--port=${port}`,
    `--work_dir=${work_dir}`,
    '--allocation_interval_ms=100',
    '--agent_reregister_timeout=3secs',
    '--log_level=warn',
    ...extra,
  ]);
}

async function serving(port: number, master: Spawned): Promise<void> {
  await eventually(
    async () => (await fetch(`http://127.0.0.1:${port}/master/health`).catch(() => undefined))?.ok === true,
    15_000,
    'the master serving',
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${master.stderr()}`);
  });
}

async function operator(port: number, call: Json): Promise<Json> {
  const res = await postJson(port, '/api/v1', call);
  expect(res.status).toBe(200);
  return res.body === '' ? {} : (JSON.parse(res.body) as Json);
}

const quota = { role: 'prod', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 } } };

describe('meso master --work_dir', () => {
  it('comes back from kill -9 with its registry; a missing agent goes unreachable', async () => {
    const dir = await procs.dir();
    const port = await freePort();
    let master = startMaster(port, `${dir}/master`);
    await serving(port, master);
    const agent_ports = [await freePort(), await freePort()];
    const agents = agent_ports.map((p, i) =>
      procs.meso(agentArgs(port, p, `${dir}/agent${i}`, 'cpus:1;mem:256;disk:256')),
    );
    const active = async (): Promise<Json[]> =>
      (await getJson(port, '/master/state')).slaves.filter((s: Json) => s.active);
    await eventually(async () => (await active()).length === 2, 20_000, 'both agents registering');

    const aware = await startTestFramework(
      port,
      {
        ...testFrameworkInfo('aware', true),
        failover_timeout: 120,
        capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }],
      },
      clients,
    );
    // One task on each agent: the one on the first comes back with it, the other's agent never does.
    const slaves = await active();
    const id_of = (agent_port: number): string => slaves.find((s) => s.port === agent_port)!.id;
    for (const [i, agent_port] of agent_ports.entries()) {
      const offer = await aware.offer((o) => o.agent_id.value === id_of(agent_port));
      await aware.client.launch([offer.id], commandTasks(offer, { [`t${i}`]: 'sleep 60' }), {
        refuse_seconds: 0,
      });
      await aware.update(`t${i}`, 'TASK_RUNNING');
    }
    const lost_agent = id_of(agent_ports[1]!);
    // Completed history: a task that finished, and a framework torn down.
    const offer = await aware.offer((o) => o.agent_id.value === id_of(agent_ports[0]!));
    await aware.client.launch([offer.id], commandTasks(offer, { done: 'true' }), { refuse_seconds: 0 });
    await aware.update('done', 'TASK_FINISHED');
    const gone = await startTestFramework(port, testFrameworkInfo('gone', false), clients);
    await operator(port, { type: 'TEARDOWN', teardown: { framework_id: { value: gone.id } } });
    // The history is written behind the registry: wait until it is on disk.
    await eventually(
      () => {
        const history = readFileSync(`${dir}/master/history`, 'utf8');
        return history.includes(gone.id) && history.includes('"done"');
      },
      5000,
      'the history written',
    );
    // Subscribed after the launches, so that every offer above goes to the first framework.
    const plain = await startTestFramework(
      port,
      { ...testFrameworkInfo('plain', true), failover_timeout: 120 },
      clients,
    );
    // Set after the launches: quota's headroom would keep the offers above from fitting.
    await operator(port, {
      type: 'UPDATE_WEIGHTS',
      update_weights: { weight_infos: [{ role: 'prod', weight: 3 }] },
    });
    await operator(port, { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [quota] } });

    master.child.kill('SIGKILL');
    agents[1]!.child.kill('SIGKILL');
    await master.exited;
    master = startMaster(port, `${dir}/master`);
    await serving(port, master);

    const weights = await operator(port, { type: 'GET_WEIGHTS' });
    expect(weights.get_weights.weight_infos).toEqual([{ role: 'prod', weight: 3 }]);
    expect((await operator(port, { type: 'GET_QUOTA' })).get_quota.status.configs).toEqual([quota]);
    // The frameworks re-subscribe under their ids, and the agent that came back brings its task.
    await eventually(
      async () => {
        const state = await getJson(port, '/master/state');
        const ids = state.frameworks.filter((f: Json) => f.active).map((f: Json) => f.id);
        const t0 = state.frameworks.flatMap((f: Json) => f.tasks).find((t: Json) => t.id === 't0');
        return ids.includes(aware.id) && ids.includes(plain.id) && t0?.state === 'TASK_RUNNING';
      },
      20_000,
      'the frameworks re-subscribing and the task t0 back',
    );
    const state = await getJson(port, '/master/state');
    expect(state.completed_frameworks.map((f: Json) => f.id)).toEqual([gone.id]);
    const completed = state.frameworks.find((f: Json) => f.id === aware.id).completed_tasks;
    expect(completed.map((t: Json) => [t.id, t.state])).toEqual([['done', 'TASK_FINISHED']]);
    await eventually(
      async () => (await getJson(port, '/master/state')).unreachable_slaves === 1,
      15_000,
      'the agent that did not come back marked unreachable',
    );
    await aware.client.reconcile([{ task_id: { value: 't1' }, agent_id: { value: lost_agent } }]);
    expect((await aware.update('t1', 'TASK_UNREACHABLE')).agent_id?.value).toBe(lost_agent);
    await plain.client.reconcile([{ task_id: { value: 't1' }, agent_id: { value: lost_agent } }]);
    await plain.update('t1', 'TASK_LOST');

    // Again: what the first restart recovered is still in the registry it has written since.
    master.child.kill('SIGKILL');
    await master.exited;
    master = startMaster(port, `${dir}/master`);
    await serving(port, master);
    expect((await operator(port, { type: 'GET_WEIGHTS' })).get_weights.weight_infos).toEqual([
      { role: 'prod', weight: 3 },
    ]);
    expect((await operator(port, { type: 'GET_QUOTA' })).get_quota.status.configs).toEqual([quota]);
    const ids = (await getJson(port, '/master/state')).frameworks.map((f: Json) => f.id);
    expect(ids).toEqual(expect.arrayContaining([aware.id, plain.id]));
  }, 90_000);

  it('appends to its journal across restarts (mode 0600), and the replay takes every run', async () => {
    const dir = await procs.dir();
    const port = await freePort();
    const journal = `${dir}/journal.ndjson`;
    const weights = (weight: number): Json => ({
      type: 'UPDATE_WEIGHTS',
      update_weights: { weight_infos: [{ role: 'prod', weight }] },
    });
    let master = startMaster(port, dir, [`--journal=${journal}`]);
    await serving(port, master);
    await operator(port, weights(2));
    // Killed the moment the call was answered: the input it stepped is in the file all the same.
    master.child.kill('SIGKILL');
    await master.exited;
    master = startMaster(port, dir, [`--journal=${journal}`]);
    await serving(port, master);
    await operator(port, weights(5));
    master.child.kill('SIGTERM');
    await master.exited;

    expect(statSync(journal).mode & 0o777).toBe(0o600);
    const text = readFileSync(journal, 'utf8');
    const { runs } = parseJournal(text);
    expect(runs).toHaveLength(2);
    const updates = runs.map((run) => run.entries.filter((e) => e.input.type === 'operator_update_weights'));
    expect(updates.map((u) => u.length)).toEqual([1, 1]);
    expect(runs[0]!.header.recovered).toBeUndefined();
    expect(runs[1]!.header.recovered?.weights).toEqual([{ role: 'prod', weight: 2 }]);
    const replay = replayJournal(text);
    expect(replay.master.state().weights).toEqual([{ role: 'prod', weight: 5 }]);
    let out = '';
    expect(runReplayCommand(journal, { stdout: (t) => (out += t) })).toBe(0);
    expect(out).not.toBe('');
  }, 30_000);

  it('takes --weights when the registry holds none, and --roles as the roles frameworks may use', async () => {
    const dir = await procs.dir();
    const port = await freePort();
    let master = startMaster(port, dir, ['--weights=prod=3,dev=0.5', '--roles=prod,dev']);
    await serving(port, master);
    const weights = async (): Promise<Json> =>
      (await operator(port, { type: 'GET_WEIGHTS' })).get_weights.weight_infos;
    expect(await weights()).toEqual([
      { role: 'prod', weight: 3 },
      { role: 'dev', weight: 0.5 },
    ]);
    const refused = await postJson(
      port,
      '/api/v1/scheduler',
      subscribeCall('f', { roles: ['test'], capabilities: [{ type: 'MULTI_ROLE' }] }),
    );
    expect([refused.status, refused.body]).toEqual([
      400,
      "Role 'test' is not present in the master's --roles",
    ]);
    // Once the registry holds weights, they win over the flag (as in Mesos).
    master.child.kill('SIGKILL');
    await master.exited;
    master = startMaster(port, dir, ['--weights=prod=7']);
    await serving(port, master);
    expect(await weights()).toEqual([
      { role: 'prod', weight: 3 },
      { role: 'dev', weight: 0.5 },
    ]);
  }, 30_000);

  it('refuses a corrupt registry file, naming it, and leaves it in place', async () => {
    const dir = await procs.dir();
    const port = await freePort();
    const first = startMaster(port, dir);
    await serving(port, first);
    await operator(port, {
      type: 'UPDATE_WEIGHTS',
      update_weights: { weight_infos: [{ role: 'a', weight: 2 }] },
    });
    first.child.kill('SIGKILL');
    await first.exited;
    const path = `${dir}/registry`;
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const damaged = readFileSync(path, 'utf8').replace('"weight":2', '"weight":9');
    writeFileSync(path, damaged);
    const second = startMaster(port, dir);
    const { code } = await second.exited;
    expect(code).toBe(1);
    expect(second.stderr()).toContain(`${path} is corrupt (its checksum does not match)`);
    expect(readFileSync(path, 'utf8')).toBe(damaged);
  }, 30_000);
});
