// Framework logic run live: the engine's task launcher (the logic the simulator runs) against a real
// master and agent in this process, tasks running as real processes; a logic's timer (nextTick_ms
// and tick) served with the real clock; and a logic that throws stopping its framework.
import { afterEach, describe, expect, it } from 'vitest';
import type { FrameworkCall } from '../../engine/master/scheduler-api.ts';
import type { FrameworkLogic } from '../../engine/scheduling/framework-logic.ts';
import { createTaskLauncher } from '../../engine/scheduling/task-launcher.ts';
import { startAgent } from '../../runtime/agent/agent.ts';
import { silentLog } from '../../runtime/log.ts';
import { type RunningMaster, startMaster } from '../../runtime/master/server.ts';
import { runLiveFramework } from '../../runtime/sdk/live-framework.ts';
import { eventually, getJson, type Json, Processes } from './e2e-harness.ts';

const procs = new Processes();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await procs.cleanup();
});

/** A master and one agent in this process. */
async function cluster(): Promise<RunningMaster> {
  const master = await startMaster({ port: 0, allocation_interval_ms: 50, log: silentLog });
  cleanups.push(() => master.stop());
  const agent = await startAgent({
    master: `127.0.0.1:${master.port}`,
    port: 0,
    work_dir: await procs.dir('meso-live-agent-'),
    resources: 'cpus:2;mem:1024;disk:1024',
    log: silentLog,
    registration_backoff_ms_min: 20,
  });
  cleanups.push(() => agent.stop());
  await agent.registered();
  return master;
}

/** A logic that only subscribes, with `extra` handlers. */
function quietLogic(extra: Partial<FrameworkLogic>): FrameworkLogic {
  let id: string | undefined;
  return {
    name: 'quiet',
    frameworkInfo: () => ({
      user: 'root',
      name: 'quiet',
      roles: ['*'],
      ...(id === undefined ? {} : { id: { value: id } }),
    }),
    subscribed: (framework_id) => {
      id = framework_id;
      return [];
    },
    offers: (offers) =>
      id === undefined
        ? []
        : [{ type: 'DECLINE', framework_id: { value: id }, decline: { offer_ids: offers.map((o) => o.id) } }],
    rescinded: () => [],
    update: () => [],
    error: () => [],
    ...extra,
  };
}

describe('framework logic against a live master', () => {
  it("runs the engine's task launcher to its demand, the tasks real processes", async () => {
    const master = await cluster();
    const launcher = createTaskLauncher({
      name: 'live launcher',
      roles: ['*'],
      task: { cpus: 0.5, mem: 64 },
      tasks: 6,
      per_offer: 2,
      refuse_seconds: 0,
      duration_ms: 100,
      suppress_when_done: true,
    });
    const failed: string[] = [];
    const live = runLiveFramework({
      master: `127.0.0.1:${master.port}`,
      logic: launcher,
      onCallError: (call, error) => failed.push(`${call.type}: ${error.message}`),
    });
    cleanups.push(() => live.stop());
    await eventually(() => launcher.status().finished === 6, 20_000, 'six tasks finished');
    expect(launcher.status()).toMatchObject({
      launched: 6,
      active: 0,
      failed: 0,
      remaining: 0,
      suppressed: true,
    });
    await live.idle();
    expect(failed).toEqual([]);
    // Every update was acknowledged: the master holds no task of the framework open.
    const state = await getJson(master.port, '/master/state');
    const framework = state.frameworks.find((f: Json) => f.name === 'live launcher');
    expect(framework.tasks).toEqual([]);
    expect(framework.completed_tasks.map((t: Json) => t.state)).toEqual(Array(6).fill('TASK_FINISHED'));
  });

  it("serves the logic's timer with the real clock", async () => {
    const master = await cluster();
    const ticks: number[] = [];
    let wanted_ms: number | undefined;
    let id = '';
    const logic = quietLogic({
      subscribed: (framework_id, now) => {
        id = framework_id;
        wanted_ms = now + 150;
        return [];
      },
      nextTick_ms: () => wanted_ms,
      tick: (now): FrameworkCall[] => {
        if (wanted_ms === undefined || now < wanted_ms) return [];
        ticks.push(now - wanted_ms);
        wanted_ms = ticks.length < 3 ? now + 100 : undefined;
        return [{ type: 'SUPPRESS', framework_id: { value: id }, suppress: { roles: [] } }];
      },
    });
    const errors: string[] = [];
    const live = runLiveFramework({
      master: `127.0.0.1:${master.port}`,
      logic,
      onCallError: (_call, error) => errors.push(error.message),
    });
    cleanups.push(() => live.stop());
    await eventually(() => ticks.length === 3, 5000, 'three ticks');
    // Each tick came when it was due, not before (and not long after).
    for (const late_ms of ticks) expect(late_ms).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ticks)).toBeLessThan(1000);
    await live.idle();
    expect(errors).toEqual([]);
  });

  it('stops a framework whose logic throws, naming the failure', async () => {
    const master = await cluster();
    const live = runLiveFramework({
      master: `127.0.0.1:${master.port}`,
      logic: quietLogic({
        offers: () => {
          throw new Error('no idea what to do with an offer');
        },
      }),
    });
    cleanups.push(() => live.stop());
    expect(await live.stopped).toMatch(/logic failed on OFFERS: no idea what to do with an offer/);
    expect(live.client.closed).toBe(true);
  });
});
