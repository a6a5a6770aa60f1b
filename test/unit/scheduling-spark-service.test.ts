// The Spark model (engine/scheduling/spark.ts): an iteration's task prefers the host that ran its
// partition in the previous iteration, with a short wait. The service model (service.ts): instances
// kept at their count after losses, spread over hosts.
import { describe, expect, it } from 'vitest';
import type { JobFramework } from '../../engine/scheduling/job-framework.ts';
import { frameworkDefaults } from '../../engine/scheduling/registry.ts';
import { createServiceFramework } from '../../engine/scheduling/service.ts';
import { createSparkFramework } from '../../engine/scheduling/spark.ts';
import { hostsOf, launchedIds, offer, serviceJob, sparkJob, status } from './scheduling-harness.ts';

/** A subscribed Spark framework without block locations (the first iteration goes anywhere). */
function spark(delay_ms = 3000): JobFramework {
  const f = createSparkFramework({ ...frameworkDefaults('spark'), delay_ms, rack_delay_ms: delay_ms });
  f.subscribed('F', 0);
  return f;
}

/** An offer of `n` one-CPU slots on `host`. */
function slots(id: string, host: string, n = 1) {
  return offer(id, host, `cpus:${n};mem:${n * 1024}`);
}

/** Finishes every task of a launch. */
function finishAll(f: JobFramework, ids: readonly string[], now: number): void {
  for (const id of ids) f.update(status(id, 'TASK_FINISHED'), now);
}

describe('spark', () => {
  it('runs each partition where the previous iteration cached it', () => {
    const f = spark();
    f.submit(sparkJob('s', 3, 2), 0);
    const first = f.offers([slots('A', 'h1'), slots('B', 'h2')], 0);
    expect(hostsOf(first)).toEqual({ 's-0-0': 'h1', 's-0-1': 'h2' });
    finishAll(f, launchedIds(first), 500);
    // Offered the hosts in the other order, each task still goes to its partition's host.
    const second = f.offers([slots('C', 'h2'), slots('D', 'h1')], 600);
    expect(hostsOf(second)).toEqual({ 's-1-0': 'h1', 's-1-1': 'h2' });
    expect(
      f
        .jobEvents()
        .filter((e) => e.type === 'task_launched' && e.phase === 1)
        .map((e) => e.type === 'task_launched' && e.locality),
    ).toEqual(['node-local', 'node-local']);
  });

  it('waits for the cached host, then runs elsewhere after the delay', () => {
    const f = spark(3000);
    f.submit(sparkJob('s', 2, 1), 0);
    finishAll(f, launchedIds(f.offers([slots('A', 'h1')], 0)), 500);
    expect(launchedIds(f.offers([slots('B', 'h2')], 600))).toEqual([]);
    expect(launchedIds(f.offers([slots('C', 'h2')], 3599))).toEqual([]);
    expect(hostsOf(f.offers([slots('D', 'h2')], 3600))).toEqual({ 's-1-0': 'h2' });
  });

  it('starts each iteration waiting again, for the host of the previous one', () => {
    const f = spark(3000);
    f.submit(sparkJob('s', 3, 1), 0);
    finishAll(f, launchedIds(f.offers([slots('A', 'h1')], 0)), 500);
    // Iteration 1 cannot get h1 and goes to h2 after the wait.
    f.offers([slots('B', 'h2')], 600);
    finishAll(f, launchedIds(f.offers([slots('C', 'h2')], 3600)), 4000);
    // Iteration 2 prefers h2 now; having gone remote before does not let it skip the wait.
    expect(launchedIds(f.offers([slots('D', 'h1')], 4100))).toEqual([]);
    expect(hostsOf(f.offers([slots('E', 'h2')], 4200))).toEqual({ 's-2-0': 'h2' });
  });
});

describe('services', () => {
  it('keeps a service at its count after instances are lost', () => {
    const f = createServiceFramework(frameworkDefaults('service'));
    f.subscribed('F', 0);
    f.submit(serviceJob('web', 3), 0);
    expect(launchedIds(f.offers([slots('A', 'h1', 8)], 0))).toHaveLength(3);
    f.update(status('web-0-0', 'TASK_LOST'), 10);
    f.update(status('web-0-2', 'TASK_FAILED'), 11);
    f.update(status('web-0-2', 'TASK_FAILED'), 11);
    expect(f.job('web')).toMatchObject({ running: 1, pending: 2 });
    expect(launchedIds(f.offers([slots('B', 'h2', 8)], 20))).toEqual(['web-0-0.1', 'web-0-2.1']);
    expect(f.job('web')).toMatchObject({ running: 3, pending: 0, state: 'queued' });
    // Services have no failure limit by default: they are relaunched for as long as they fail.
    for (let k = 1; k <= 5; k++) {
      f.update(status(`web-0-2.${k}`, 'TASK_FAILED'), 30 + k);
      expect(launchedIds(f.offers([slots(`C${k}`, 'h3', 8)], 30 + k))).toEqual([`web-0-2.${k + 1}`]);
    }
  });

  it('spreads instances with per_host_max', () => {
    const f = createServiceFramework({ ...frameworkDefaults('service'), per_host_max: 2 });
    f.subscribed('F', 0);
    f.submit(serviceJob('cache', 5), 0);
    const calls = f.offers([slots('A', 'h1', 8), slots('B', 'h2', 8), slots('C', 'h3', 8)], 0);
    const perHost: Record<string, number> = {};
    for (const host of Object.values(hostsOf(calls))) perHost[host] = (perHost[host] ?? 0) + 1;
    expect(perHost).toEqual({ h1: 2, h2: 2, h3: 1 });
    // A lost instance frees its host's place.
    f.update(status('cache-0-0', 'TASK_LOST'), 5);
    expect(hostsOf(f.offers([slots('D', 'h1', 8)], 6))).toEqual({ 'cache-0-0.1': 'h1' });
  });
});
