// End to end with real processes, driven through the SDK's scheduler client: a task whose shell
// starts two processes (`sleep 100 & sleep 100`) is killed, and the kill ends its whole process
// tree, both sleeps included, not only the shell the agent started.
import { afterEach, describe, expect, it } from 'vitest';
import type { SchedulerEvent } from '../../engine/master/scheduler-api.ts';
import type { Offer, TaskStatus } from '../../engine/master/v1.ts';
import { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';
import { cmdline, commandTasks, executorSandbox } from './e2e-agent.ts';
import { eventually, isGone, Processes, pidsWithCwd, startCluster } from './e2e-harness.ts';

const procs = new Processes();
const clients: SchedulerClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await procs.cleanup();
});

/** Every event of the client, kept for waiting on. */
function recorder(client: SchedulerClient) {
  const events: SchedulerEvent[] = [];
  client.on('event', (event) => events.push(event));
  return {
    events,
    async next<T extends SchedulerEvent>(test: (e: SchedulerEvent) => e is T, what: string): Promise<T> {
      let found: T | undefined;
      await eventually(
        () => {
          found = events.find(test);
          return found !== undefined;
        },
        15_000,
        what,
      );
      return found!;
    },
  };
}

/** The update of `task_id` in `state` (acknowledged). */
function isUpdate(task_id: string, state: string) {
  return (e: SchedulerEvent): e is Extract<SchedulerEvent, { type: 'UPDATE' }> =>
    e.type === 'UPDATE' && e.update.status.task_id.value === task_id && e.update.status.state === state;
}

describe('killing a task through the SDK', () => {
  it('ends every process of the task, the shell and both background sleeps', async () => {
    const cluster = await startCluster(procs, { agents: 1, resources: 'cpus:2;mem:1024;disk:1024' });
    const client = new SchedulerClient({
      master: `127.0.0.1:${cluster.master_port}`,
      framework_info: {
        user: 'root',
        name: 'kill test',
        roles: ['*'],
        capabilities: [{ type: 'MULTI_ROLE' }],
      },
    });
    clients.push(client);
    const log = recorder(client);
    client.on('event', (event) => {
      if (event.type === 'UPDATE') void client.acknowledge(event.update.status as TaskStatus);
    });
    await client.subscribed();
    const offers = await log.next(
      (e): e is Extract<SchedulerEvent, { type: 'OFFERS' }> => e.type === 'OFFERS',
      'an offer',
    );
    const offer = offers.offers.offers[0] as Offer;
    await client.launch([offer.id], commandTasks(offer, { sleepers: 'sleep 100 & sleep 100' }), {
      refuse_seconds: 0,
    });
    await log.next(isUpdate('sleepers', 'TASK_RUNNING'), 'TASK_RUNNING');

    const sandbox = await executorSandbox(cluster.agent_ports[0]!, 'sleepers');
    let sleeps: number[] = [];
    await eventually(
      () => {
        sleeps = pidsWithCwd(sandbox).filter((pid) => cmdline(pid) === 'sleep 100');
        return sleeps.length === 2;
      },
      5000,
      'both sleeps running in the sandbox',
    );
    expect(sleeps.every((pid) => !isGone(pid))).toBe(true);

    await client.kill({ value: 'sleepers' }, offer.agent_id);
    const killed = await log.next(isUpdate('sleepers', 'TASK_KILLED'), 'TASK_KILLED');
    expect(killed.update.status.source).toBe('SOURCE_EXECUTOR');
    await eventually(() => sleeps.every(isGone), 5000, 'both sleeps ending');
    expect(pidsWithCwd(sandbox)).toEqual([]);
    // The task reached no other terminal state on the way.
    const states = log.events.flatMap((e) => (e.type === 'UPDATE' ? [e.update.status.state] : []));
    expect(states.filter((s) => s !== 'TASK_STARTING' && s !== 'TASK_RUNNING')).toEqual(['TASK_KILLED']);
  });
});
