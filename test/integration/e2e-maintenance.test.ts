// End to end with real processes: maintenance through a live `meso master` and `meso agent`. A
// framework with a task on a machine gets an inverse offer once a schedule naming the machine is
// posted (and offers of the machine carry the unavailability), its answer shows in the maintenance
// status; /master/machine/down shuts the agent down (the task is lost) and an agent started again on
// the machine is refused; /master/machine/up lets it back.
import { afterEach, describe, expect, it } from 'vitest';
import type { Offer } from '../../engine/master/v1.ts';
import type { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import { commandTasks, testFrameworkInfo } from './e2e-agent.ts';
import {
  agentArgs,
  eventually,
  getJson,
  type Json,
  Processes,
  startCluster,
  startTestFramework,
} from './e2e-harness.ts';
import { rawRequest } from './master-client.ts';

const procs = new Processes();
const clients: SchedulerClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await procs.cleanup();
});

const resources = 'cpus:2;mem:1024;disk:1024';

/** A POST of JSON to the master: its status and body text. */
async function post(port: number, path: string, body: unknown): Promise<{ status: number; body: string }> {
  const res = await rawRequest(port, {
    path,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: res.body };
}

describe('maintenance through a live master and agent', () => {
  it('inverse offers after a schedule; machine/down shuts the agent down and keeps it out; machine/up lets it back', async () => {
    const cluster = await startCluster(procs, { agents: 1, resources });
    const port = cluster.master_port;
    const framework = await startTestFramework(port, testFrameworkInfo('maintained', false), clients);
    const offer = await framework.offer();
    const [task] = commandTasks(offer, { long: 'sleep 60' });
    await framework.client.launch([offer.id], [task!]);
    await framework.update('long', 'TASK_RUNNING');

    // The machine as the master knows the agent: the hostname it announced and the IP it came from.
    const slave = (await getJson(port, '/master/state')).slaves[0] as Json;
    const machine = { hostname: slave.hostname as string, ip: '127.0.0.1' };
    const start_ns = (Date.now() + 3600_000) * 1e6;
    const unavailability = { start: { nanoseconds: start_ns }, duration: { nanoseconds: 3600e9 } };
    const posted = await post(port, '/master/maintenance/schedule', {
      windows: [{ machine_ids: [machine], unavailability }],
    });
    expect(posted.status).toBe(200);

    let inverse: Json | undefined;
    await eventually(
      () => {
        const event = framework.events.find((e) => e.type === 'INVERSE_OFFERS') as Json | undefined;
        inverse = event?.inverse_offers.inverse_offers[0];
        return inverse !== undefined;
      },
      15_000,
      'an inverse offer',
    );
    expect(inverse).toMatchObject({ agent_id: { value: slave.id }, framework_id: { value: framework.id } });
    expect(inverse!.unavailability).toEqual(unavailability);
    // Offers of a draining machine carry its unavailability.
    const tagged = await framework.offer((o: Offer) => o.unavailability !== undefined);
    expect(tagged.unavailability).toEqual(unavailability);
    await framework.client.call({
      type: 'DECLINE_INVERSE_OFFERS',
      framework_id: { value: framework.id },
      decline_inverse_offers: { inverse_offer_ids: [inverse!.id] },
    });
    await eventually(
      async () => {
        const status = await getJson(port, '/master/maintenance/status');
        return status.draining_machines?.[0]?.statuses?.[0]?.status === 'DECLINE';
      },
      10_000,
      'the declined inverse offer in the maintenance status',
    );

    // DOWN: the agent is shut down, its task lost.
    expect((await post(port, '/master/machine/down', [machine])).status).toBe(200);
    const ended = await cluster.agents[0]!.exited;
    expect(ended.code).toBe(1);
    expect(cluster.agents[0]!.stderr()).toMatch(/the master shut this agent down: .*DOWN for maintenance/);
    const lost = await framework.update('long', 'TASK_LOST');
    expect(lost.reason).toBe('REASON_AGENT_REMOVED');
    expect(await getJson(port, '/master/maintenance/status')).toEqual({ down_machines: [machine] });

    // An agent started again on the machine is refused while it is DOWN.
    const args = agentArgs(port, cluster.agent_ports[0]!, cluster.work_dirs[0]!, resources);
    const refused = procs.meso(args);
    expect((await refused.exited).code).toBe(1);
    expect(refused.stderr()).toMatch(/may not register: its machine is DOWN for maintenance/);
    expect((await getJson(port, '/master/state')).slaves).toEqual([]);

    // UP: the machine leaves the schedule and the agent registers.
    expect((await post(port, '/master/machine/up', [machine])).status).toBe(200);
    const back = procs.meso(args);
    await eventually(
      async () => (await getJson(port, '/master/state')).slaves.some((s: Json) => s.active),
      15_000,
      'the agent registering after machine/up',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; agent said: ${back.stderr()}`);
    });
    expect(await getJson(port, '/master/maintenance/schedule')).toEqual({});
    const after = await framework.offer((o: Offer) => o.hostname === machine.hostname);
    expect(after.unavailability).toBeUndefined();
  });
});
