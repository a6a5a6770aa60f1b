// The simulator end to end on small clusters, with every invariant checked strictly (the first
// violation throws): latency and decision time delay launches by what the config says, a crashed
// agent's tasks run again elsewhere, a master failover is recovered from and jobs still finish,
// and lost messages are survived through retries.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type TraceEvent, trace_header } from '../../engine/events.ts';
import { resolveSimConfig } from '../../sim/config.ts';
import { runSimulation } from '../../sim/run.ts';
import { Simulation } from '../../sim/simulator.ts';

const swim50 = 'workloads/traces/swim/FB-2009_samples_24_times_1hr_0_first50jobs.tsv';

/** Runs a config (workloads read from files) strictly, with the master's invariants every 5 s. */
function simulate(raw: Record<string, unknown>) {
  const config = resolveSimConfig({ invariants_interval_ms: 5000, ...raw });
  return runSimulation({ config, baseDir: process.cwd(), strict: true });
}

/** Runs a config without workloads strictly, and keeps every trace event. */
function simulateTraced(raw: Record<string, unknown>) {
  const config = resolveSimConfig({ invariants_interval_ms: 5000, ...raw });
  const trace: TraceEvent[] = [];
  const sim = new Simulation({ config, jobs: new Map(), strict: true, onTrace: (e) => trace.push(e) });
  const end_ms = sim.run();
  return { sim, end_ms, trace };
}

const launcher = (params: Record<string, unknown>, decision = { job_ms: 0, task_ms: 0 }) => ({
  name: 'l',
  kind: 'launcher',
  params,
  decision,
});

describe('simulator', () => {
  it('hands every trace event to onTrace, the same ones and in the order trace.ndjson gets them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meso-sim-ontrace-'));
    try {
      const config = resolveSimConfig({
        cluster: { agents: 2, resources: 'cpus:4;mem:8192' },
        frameworks: [launcher({ tasks: 5, per_offer: 2, task: 'cpus:1;mem:1024', duration_ms: 5000 })],
      });
      const heard: TraceEvent[] = [];
      runSimulation({
        config,
        baseDir: process.cwd(),
        outDir: dir,
        traceEvents: true,
        onTrace: (e) => heard.push(e),
      });
      const [header, ...written] = readFileSync(join(dir, 'trace.ndjson'), 'utf8').trim().split('\n');
      expect(JSON.parse(header!)).toEqual(trace_header);
      expect(heard.filter((e) => e.type === 'task_launched')).toHaveLength(5);
      expect(heard.map((e) => JSON.stringify(e))).toEqual(written);
      // Without a trace file, the listener alone still hears everything.
      const alone: TraceEvent[] = [];
      runSimulation({ config, baseDir: process.cwd(), onTrace: (e) => alone.push(e) });
      expect(alone).toEqual(heard);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('delays launches by the network latency and the decision time', () => {
    const launchAt = (latency: number, job_ms: number, task_ms: number) => {
      const { trace } = simulateTraced({
        cluster: { agents: 1, resources: 'cpus:4;mem:8192' },
        network: { master_agent_ms: latency, master_framework_ms: latency },
        frameworks: [launcher({ tasks: 3, task: 'cpus:1;mem:1024', duration_ms: 1000 }, { job_ms, task_ms })],
      });
      const launched = trace.filter((e) => e.type === 'task_launched');
      expect(launched).toHaveLength(3);
      return launched[0]!.time_ms;
    };
    // The first allocation runs at 1 s; the offer reaches the framework, its answer comes back.
    expect(launchAt(0, 0, 0)).toBe(1000);
    expect(launchAt(2, 0, 0)).toBe(1000 + 2 * 2);
    expect(launchAt(2, 100, 5)).toBe(1000 + 2 * 2 + 100 + 3 * 5);
  });

  it('runs a crashed agent’s tasks again on another agent', () => {
    const { sim, trace } = simulateTraced({
      cluster: { agents: 2, resources: 'cpus:8;mem:16384' },
      frameworks: [launcher({ tasks: 6, per_offer: 3, task: 'cpus:1;mem:1024', duration_ms: 600_000 })],
      faults: { agents: [{ agent: 0, at_ms: 60_000 }] },
    });
    const added = new Map(trace.flatMap((e) => (e.type === 'agent_added' ? [[e.hostname, e.agent_id]] : [])));
    const first = trace.filter((e) => e.type === 'task_launched' && e.time_ms < 60_000);
    const again = trace.filter((e) => e.type === 'task_launched' && e.time_ms >= 60_000);
    expect(first.filter((e) => e.type === 'task_launched' && e.agent_id === added.get('a0001'))).toHaveLength(
      3,
    );
    expect(again).toHaveLength(3);
    for (const e of again) if (e.type === 'task_launched') expect(e.agent_id).toBe(added.get('a0002'));
    expect(trace.some((e) => e.type === 'agent_removed' && e.agent_id === added.get('a0001'))).toBe(true);
    expect(sim.allJobsEnded()).toBe(true);
    expect(Object.fromEntries(sim.metrics.taskEnds)).toEqual({ TASK_FINISHED: 6, TASK_LOST: 3 });
  });

  it('relaunches the tasks of an agent that crashed and came back before its health checks failed', () => {
    const { sim, trace } = simulateTraced({
      cluster: { agents: 2, resources: 'cpus:8;mem:16384' },
      frameworks: [launcher({ tasks: 6, per_offer: 3, task: 'cpus:1;mem:1024', duration_ms: 600_000 })],
      faults: { agents: [{ agent: 0, at_ms: 60_000, recover_at_ms: 70_000 }] },
    });
    // The machine came back as a new agent; the old one was removed with its tasks.
    const hosts = trace.filter((e) => e.type === 'agent_added' && e.hostname === 'a0001');
    expect(hosts).toHaveLength(2);
    expect(trace.filter((e) => e.type === 'task_launched' && e.time_ms >= 60_000)).toHaveLength(3);
    expect(sim.allJobsEnded()).toBe(true);
    expect(sim.now).toBeLessThan(800_000);
  });

  it('recovers from a master failover: agents re-register, the framework re-subscribes, tasks finish', () => {
    const { sim, trace } = simulateTraced({
      cluster: { agents: 3, resources: 'cpus:4;mem:8192' },
      frameworks: [launcher({ tasks: 12, task: 'cpus:1;mem:1024', duration_ms: 120_000 })],
      faults: { masters: [{ at_ms: 30_000, recovery_ms: 10_000 }] },
    });
    expect(sim.counts.master_failovers).toBe(1);
    expect(sim.masters.epoch).toBe(2);
    const after = trace.filter((e) => e.time_ms >= 40_000);
    expect(after.filter((e) => e.type === 'agent_added' && e.reregistered)).toHaveLength(3);
    expect(after.some((e) => e.type === 'framework_added' && e.how === 'resubscribed')).toBe(true);
    // The tasks launched before the failover ran on through it: nothing was launched twice.
    expect(trace.filter((e) => e.type === 'task_launched')).toHaveLength(12);
    expect(sim.allJobsEnded()).toBe(true);
    expect(Object.fromEntries(sim.metrics.taskEnds)).toEqual({ TASK_FINISHED: 12 });
  });

  it.skipIf(!existsSync(swim50))('finishes Hadoop jobs through a master failover', () => {
    const { sim, summary } = simulate({
      cluster: { agents: 20, resources: 'cpus:4;mem:8192', racks: 2 },
      frameworks: [{ name: 'hadoop', kind: 'hadoop', workload: { trace: `swim:${swim50}` } }],
      faults: { masters: [{ at_ms: 600_000, recovery_ms: 10_000 }] },
    });
    expect(sim.counts.master_failovers).toBe(1);
    expect((summary.jobs as { finished: number }).finished).toBe(50);
    expect(sim.invariants.count).toBe(0);
  });

  it.skipIf(!existsSync(swim50))('survives lost messages: retries and relaunches finish every job', () => {
    const { sim, summary } = simulate({
      cluster: { agents: 20, resources: 'cpus:4;mem:8192', racks: 2 },
      frameworks: [{ name: 'hadoop', kind: 'hadoop', workload: { trace: `swim:${swim50}` } }],
      network: { loss_probability: 0.05, jitter_ms: 2 },
    });
    expect(sim.network.counts.lost).toBeGreaterThan(100);
    expect(sim.network.counts.retransmitted).toBeGreaterThan(10);
    expect((summary.jobs as { finished: number }).finished).toBe(50);
    // Launches lost on the way to an agent were found out by the launch timeout and run again.
    const launched = (summary.tasks as { launched: number }).launched;
    expect(launched).toBeGreaterThan(sim.metrics.taskEnds.get('TASK_FINISHED')!);
    expect(sim.frameworks[0]!.scheduler.counts.launch_kills).toBeGreaterThan(0);
  });

  it('reports jobs that did not finish by the end time', () => {
    const { sim } = simulateTraced({
      end_ms: 30_000,
      cluster: { agents: 1, resources: 'cpus:1;mem:1024' },
      frameworks: [launcher({ tasks: 2, task: 'cpus:1;mem:1024', duration_ms: 60_000 })],
    });
    expect(sim.allJobsEnded()).toBe(false);
    expect(sim.now).toBe(30_000);
  });
});
