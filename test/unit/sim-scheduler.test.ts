// A simulated scheduler: its answer to offers leaves after job_ms + task_ms x tasks launched, offers
// arriving meanwhile wait for the next decision, and calls leave in the order the logic made them.
import { describe, expect, it } from 'vitest';
import type { MasterInput } from '../../engine/master/inputs.ts';
import type { FrameworkCall } from '../../engine/master/scheduler-api.ts';
import type { Offer } from '../../engine/master/v1.ts';
import { parseResources } from '../../engine/resources.ts';
import { createTaskLauncher } from '../../engine/scheduling/task-launcher.ts';
import { Link } from '../../sim/network.ts';
import { launchesIn, SimScheduler, type WakeReason } from '../../sim/scheduler.ts';

function offer(id: string, cpus: number): Offer {
  return {
    id: { value: id },
    framework_id: { value: 'F' },
    agent_id: { value: `S-${id}` },
    hostname: `h-${id}`,
    resources: parseResources(`cpus:${cpus};mem:${cpus * 1024}`),
    attributes: [],
    executor_ids: [],
  } as unknown as Offer;
}

/** A scheduler whose host records what it sends and when it asks to be woken. */
function harness(job_ms: number, task_ms: number) {
  const sent: Array<{ at: number; call: FrameworkCall['type'] | 'SUBSCRIBE' }> = [];
  const wakes: Array<{ at: number; reason: WakeReason }> = [];
  let now = 0;
  const logic = createTaskLauncher({
    name: 'f',
    roles: ['*'],
    task: { cpus: 1, mem: 1024 },
    tasks: 100,
    per_offer: 100,
    refuse_seconds: 5,
    duration_ms: 1000,
    suppress_when_done: true,
  });
  const scheduler = new SimScheduler({
    kind: 'launcher',
    logic,
    decision: { job_ms, task_ms },
    host: {
      toMaster: (_s, input: MasterInput) => {
        if (input.type === 'scheduler_call') sent.push({ at: now, call: input.call.type });
      },
      wake: (_s, at, reason) => wakes.push({ at, reason }),
      streamOpened: () => {},
    },
    toMaster: new Link('f>m', 0, true),
    fromMaster: new Link('m>f', 0, true),
    subscribe_retry_ms: 2000,
    launch_timeout_ms: undefined,
  });
  scheduler.subscribe(now);
  const stream = scheduler.streamId!;
  scheduler.receive(
    {
      type: 'SUBSCRIBED',
      subscribed: { framework_id: { value: 'F' }, heartbeat_interval_seconds: 5, master_info: {} as never },
    },
    stream,
    now,
  );
  const at = (t: number) => {
    now = t;
  };
  return { scheduler, stream, sent, wakes, at };
}

describe('simulated scheduler', () => {
  it('counts the tasks a set of calls launches', () => {
    const h = harness(0, 0);
    h.scheduler.receive({ type: 'OFFERS', offers: { offers: [offer('o1', 3)] } }, h.stream, 0);
    expect(h.scheduler.counts.tasks_launched).toBe(3);
    expect(launchesIn([])).toBe(0);
  });

  it('sends an answer that launches n tasks after job_ms + n x task_ms', () => {
    const h = harness(100, 5);
    h.at(1000);
    h.scheduler.receive({ type: 'OFFERS', offers: { offers: [offer('o1', 4)] } }, h.stream, 1000);
    expect(h.sent.filter((s) => s.call === 'ACCEPT')).toEqual([]);
    const wake = h.wakes.find((w) => w.reason === 'decision')!;
    expect(wake.at).toBe(1000 + 100 + 4 * 5);
    h.at(wake.at);
    h.scheduler.wake('decision', wake.at);
    expect(h.sent.filter((s) => s.call === 'ACCEPT')).toEqual([{ at: 1120, call: 'ACCEPT' }]);
    expect(h.scheduler.counts.decision_ms).toBe(120);
  });

  it('holds offers that arrive during a decision for the next one', () => {
    const h = harness(100, 0);
    h.scheduler.receive({ type: 'OFFERS', offers: { offers: [offer('o1', 2)] } }, h.stream, 0);
    h.scheduler.receive({ type: 'OFFERS', offers: { offers: [offer('o2', 2)] } }, h.stream, 10);
    expect(h.scheduler.counts.decisions).toBe(1);
    h.scheduler.wake('decision', 100);
    expect(h.scheduler.counts.decisions).toBe(2);
    expect(h.wakes.filter((w) => w.reason === 'decision').map((w) => w.at)).toEqual([100, 200]);
  });

  it('keeps later calls behind a decision under way', () => {
    const h = harness(100, 0);
    h.scheduler.receive({ type: 'OFFERS', offers: { offers: [offer('o1', 1)] } }, h.stream, 0);
    // An update arrives while the decision is under way: its acknowledgement must not overtake the accept.
    h.scheduler.receive(
      {
        type: 'UPDATE',
        update: {
          status: {
            task_id: { value: 'other' },
            state: 'TASK_RUNNING',
            agent_id: { value: 'S' },
            uuid: 'AAAAAAAAAAAAAAAAAAAAAA==',
          } as never,
        },
      },
      h.stream,
      50,
    );
    expect(h.sent.map((s) => s.call)).toEqual(['SUBSCRIBE']);
    h.scheduler.wake('decision', 100);
    expect(h.sent.map((s) => s.call)).toEqual(['SUBSCRIBE', 'ACCEPT', 'ACKNOWLEDGE']);
  });

  it('ignores events on a stream it no longer listens to', () => {
    const h = harness(0, 0);
    h.scheduler.subscribe(0);
    h.scheduler.receive({ type: 'OFFERS', offers: { offers: [offer('o1', 1)] } }, h.stream, 0);
    expect(h.scheduler.counts.offers).toBe(0);
  });
});
