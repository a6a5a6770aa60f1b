// The Hadoop model (engine/scheduling/hadoop.ts): delay scheduling over block replicas. A job waits
// for a node-local offer, then after `delay_ms` takes rack-local ones, after `rack_delay_ms` more
// takes any; `delay_ms: 0` turns the wait off; the locality of every launched map is reported.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../engine/rng.ts';
import { type BlockLocator, createHadoopFramework } from '../../engine/scheduling/hadoop.ts';
import type { JobEvent, Locality } from '../../engine/scheduling/job-events.ts';
import type { JobFramework } from '../../engine/scheduling/job-framework.ts';
import { frameworkDefaults } from '../../engine/scheduling/registry.ts';
import { createBlockPlacement } from '../../workloads/placement.ts';
import { declined, hadoopJob, hostsOf, launchedIds, offer } from './scheduling-harness.ts';

// Racks: h1 and h2 on r1, h3 and h4 on r2.
const racks: Record<string, string> = { h1: 'r1', h2: 'r1', h3: 'r2', h4: 'r2' };

/** A locator that puts block i of every dataset on `replicas[i]`. */
function locator(replicas: string[][]): BlockLocator {
  return { locate: (_dataset, i) => replicas[i] ?? [], rackOf: (host) => racks[host] };
}

/** A subscribed Hadoop framework with the given waits over `replicas`. */
function hadoop(replicas: string[][], delay_ms = 5000, rack_delay_ms = 5000): JobFramework {
  const params = { ...frameworkDefaults('hadoop'), delay_ms, rack_delay_ms, wait_refuse_seconds: 1 };
  const f = createHadoopFramework(params, { blocks: locator(replicas) });
  f.subscribed('F', 0);
  return f;
}

/** An offer of `n` slots on `host`, in its rack. */
function on(id: string, host: string, n = 1) {
  return offer(id, host, `cpus:${n};mem:${n * 1024}`, racks[host]);
}

/** The locality reported for each launched task, by task id. */
function localities(events: readonly JobEvent[]): Record<string, Locality | undefined> {
  const out: Record<string, Locality | undefined> = {};
  for (const e of events) if (e.type === 'task_launched') out[e.task_id] = e.locality;
  return out;
}

describe('hadoop delay scheduling', () => {
  it('chooses the node-local task when an offer is on a replica host', () => {
    const f = hadoop([['h1'], ['h2'], ['h3']]);
    f.submit(hadoopJob('j', 3), 0);
    const calls = f.offers([on('O3', 'h3'), on('O2', 'h2'), on('O1', 'h1')], 0);
    expect(hostsOf(calls)).toEqual({ 'j-0-0': 'h1', 'j-0-1': 'h2', 'j-0-2': 'h3' });
    expect(localities(f.jobEvents())).toEqual({
      'j-0-0': 'node-local',
      'j-0-1': 'node-local',
      'j-0-2': 'node-local',
    });
  });

  it('waits on other hosts, then takes a rack-local one, then any', () => {
    const f = hadoop([['h1'], ['h1']], 5000, 3000);
    f.submit(hadoopJob('j', 2), 0);
    // Not local: passed over and declined until the job may take a rack-local offer (delay_ms).
    let calls = f.offers([on('O1', 'h2'), on('O2', 'h3')], 0);
    expect(launchedIds(calls)).toEqual([]);
    expect(declined(calls)).toEqual([
      { id: 'O1', refuse_seconds: 5 },
      { id: 'O2', refuse_seconds: 5 },
    ]);
    // Within the wait the filter is what is left of it, and never below wait_refuse_seconds (1 s).
    calls = f.offers([on('O3', 'h2')], 2500);
    expect(launchedIds(calls)).toEqual([]);
    expect(declined(calls)).toEqual([{ id: 'O3', refuse_seconds: 2.5 }]);
    expect(declined(f.offers([on('O3b', 'h2')], 4999))).toEqual([{ id: 'O3b', refuse_seconds: 1 }]);
    // After delay_ms the rack-local host is allowed, the other rack is not yet.
    calls = f.offers([on('O4', 'h3'), on('O5', 'h2')], 5000);
    expect(hostsOf(calls)).toEqual({ 'j-0-0': 'h2' });
    // The launch reset the wait, and the job stays at the rack level: a rack-local offer is taken
    // at once, an off-rack one only after rack_delay_ms of waiting.
    calls = f.offers([on('O6', 'h4')], 5001);
    expect(launchedIds(calls)).toEqual([]);
    // At the rack level the off-rack offer is filtered until rack_delay_ms after the wait began.
    expect(declined(calls)).toEqual([{ id: 'O6', refuse_seconds: 3 }]);
    expect(launchedIds(f.offers([on('O7', 'h4')], 8000))).toEqual([]);
    expect(hostsOf(f.offers([on('O8', 'h4')], 8001))).toEqual({ 'j-0-1': 'h4' });
    expect(localities(f.jobEvents())).toEqual({ 'j-0-0': 'rack-local', 'j-0-1': 'remote' });
  });

  it('goes anywhere after both waits from the node level', () => {
    const f = hadoop([['h1']], 2000, 2000);
    f.submit(hadoopJob('j', 1), 0);
    expect(launchedIds(f.offers([on('O1', 'h3')], 0))).toEqual([]);
    expect(launchedIds(f.offers([on('O2', 'h3')], 3999))).toEqual([]);
    expect(hostsOf(f.offers([on('O3', 'h3')], 4000))).toEqual({ 'j-0-0': 'h3' });
  });

  it('launches anywhere at once when delay_ms is 0', () => {
    const f = hadoop([['h1'], ['h1']], 0, 5000);
    f.submit(hadoopJob('j', 2), 0);
    expect(hostsOf(f.offers([on('O1', 'h3', 2)], 0))).toEqual({ 'j-0-0': 'h3', 'j-0-1': 'h3' });
    expect(localities(f.jobEvents())).toEqual({ 'j-0-0': 'remote', 'j-0-1': 'remote' });
  });

  it('passes an offer to the next job while the first waits for locality', () => {
    const f = hadoop([['h1']]);
    f.submit(hadoopJob('a', 1), 0);
    f.submit(
      {
        ...hadoopJob('b', 1),
        input: undefined,
        phases: [{ kind: 'map', tasks: [{ cpus: 1, mem_mb: 1024, duration_ms: 5 }] }],
      },
      1,
    );
    expect(launchedIds(f.offers([on('O1', 'h3')], 2))).toEqual(['b-0-0']);
  });

  it('places maps on the replicas of workloads/placement.ts', () => {
    const agents = Object.keys(racks).map((hostname) => ({ hostname, rack: racks[hostname]! }));
    const blocks = createBlockPlacement(agents, createRng('hadoop-test'));
    const f = createHadoopFramework(frameworkDefaults('hadoop'), { blocks });
    f.subscribed('F', 0);
    f.submit(hadoopJob('j', 8), 0);
    const calls = f.offers(
      Object.keys(racks).map((host) => on(`O-${host}`, host, 8)),
      0,
    );
    const placed = hostsOf(calls);
    expect(Object.keys(placed)).toHaveLength(8);
    for (let i = 0; i < 8; i++) expect(blocks.locate('j', i)).toContain(placed[`j-0-${i}`]);
  });
});
