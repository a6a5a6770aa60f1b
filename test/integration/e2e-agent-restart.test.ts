// End to end with real processes: an agent killed outright (SIGKILL, no chance to say goodbye)
// and started again with the same work_dir (and port) re-registers under the id it had, as
// /master/state shows: one agent, the same id, deactivated while it was gone and active again.
import { afterEach, describe, expect, it } from 'vitest';
import { readCheckpointedAgentId } from '../../runtime/agent/agent.ts';
import { agentArgs, eventually, getJson, type Json, Processes, startCluster } from './e2e-harness.ts';

const procs = new Processes();
afterEach(() => procs.cleanup());

describe('an agent killed and restarted with the same work_dir', () => {
  it('re-registers with the same agent id', async () => {
    const cluster = await startCluster(procs, { agents: 1, resources: 'cpus:2;mem:1024;disk:1024' });
    const before = await getJson(cluster.master_port, '/master/state');
    expect(before.slaves).toHaveLength(1);
    const agent = before.slaves[0] as Json;
    expect(agent.active).toBe(true);
    expect(agent.port).toBe(cluster.agent_ports[0]);

    // The agent checkpoints its id just after registering; a kill before that would lose it.
    await eventually(
      async () => (await readCheckpointedAgentId(cluster.work_dirs[0]!)) === agent.id,
      5000,
      'the agent checkpointing its id',
    );
    const first = cluster.agents[0]!;
    process.kill(first.pid, 'SIGKILL');
    const ended = await first.exited;
    expect(ended.signal).toBe('SIGKILL');
    // The master sees the connection drop and deactivates the agent (it stays known: it may return).
    await eventually(
      async () => (await getJson(cluster.master_port, '/master/state')).slaves[0]?.active === false,
      10_000,
      'the master deactivating the killed agent',
    );

    const port = cluster.agent_ports[0]!;
    const second = procs.meso(
      agentArgs(cluster.master_port, port, cluster.work_dirs[0]!, 'cpus:2;mem:1024;disk:1024'),
    );
    let after: Json = {};
    await eventually(
      async () => {
        after = await getJson(cluster.master_port, '/master/state');
        return after.slaves.length === 1 && after.slaves[0].active === true;
      },
      15_000,
      'the restarted agent re-registering',
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}; agent said: ${second.stderr()}; state: ${JSON.stringify(after.slaves)}`,
      );
    });
    expect(after.slaves[0].id).toBe(agent.id);
    expect(after.slaves[0].port).toBe(port);
    expect(after.slaves[0].reregistered_time).toBeGreaterThan(agent.registered_time);
    expect(after.activated_slaves).toBe(1);
    expect(after.deactivated_slaves).toBe(0);
    expect(second.done()).toBe(false);
  });
});
