// The summary of a run: what ran (cluster, frameworks, policy, seed), how far it got (jobs and
// tasks, with the jobs that did not end listed), utilisation, completion and wait times, locality,
// offers, fairness, faults and invariant checks. It is plain JSON of simulated quantities only, so
// the same seed and config give the same file byte for byte; wall-clock figures never go in it.
//
// Waits (see metrics.ts): `task_wait_ms` is over task launches, from when each task could first run
// (its phase's start, or its requeue) to the decision that launched it; `task_wait_by_job_ms` is over
// jobs, each job's mean task wait; `job_wait_ms` is over jobs, from when each could start to its
// first launch. A low utilisation with a high task-wait p95 and low per-job figures means a few
// large jobs waited for the cluster (SWIM FB-2009: one job holds a quarter of the day's maps).
import type { SimConfig } from './config.ts';
import type { Simulation } from './simulator.ts';
import { round } from './stats.ts';

/** Jobs left unfinished that the summary names (the count covers them all). */
const unfinished_listed_max = 50;

/** Builds the summary of a finished run. */
export function buildSummary(
  sim: Simulation,
  end_ms: number,
  notes: readonly string[],
): Record<string, unknown> {
  const config = sim.config;
  const metrics = sim.metrics;
  const jobs = [...metrics.jobs.values()];
  const batch = jobs.filter((j) => !j.long_running);
  const finished = batch.filter((j) => j.state === 'finished').length;
  const failed = batch.filter((j) => j.state === 'failed').length;
  const unfinished = batch.filter((j) => j.state === 'pending');
  const locality = metrics.locality;
  const placed = locality.node_local + locality.rack_local + locality.remote;
  return {
    seed: config.seed,
    policy: config.policy,
    end_ms: round(end_ms, 3),
    all_jobs_ended: sim.allJobsEnded(),
    cluster: clusterSummary(config),
    frameworks: frameworkSummaries(sim),
    jobs: {
      total: batch.length,
      services: jobs.length - batch.length,
      finished,
      failed,
      unfinished: unfinished.length,
      not_submitted: unfinished.filter((j) => j.submitted_ms === undefined).length,
      unfinished_ids: unfinished.slice(0, unfinished_listed_max).map((j) => j.job_id),
    },
    tasks: {
      launched: metrics.offers.tasks_launched,
      running_at_end: metrics.tasksRunning,
      ended_by_state: Object.fromEntries([...metrics.taskEnds].sort(([a], [b]) => (a < b ? -1 : 1))),
    },
    utilisation: metrics.meanUtilisation(),
    completion_ms: metrics.completionTimes(),
    task_wait_ms: metrics.taskWaits.summary(),
    task_wait_by_job_ms: metrics.taskWaitsByJob(),
    job_wait_ms: metrics.jobWaits(),
    locality: {
      ...locality,
      node_local_fraction: placed === 0 ? null : round(locality.node_local / placed),
    },
    offers: {
      made: metrics.offers.made,
      accepted: metrics.offers.accepted,
      declined: metrics.offers.declined,
      rescinded: metrics.offers.rescinded,
      launch_latency_ms: metrics.launchLatencies.summary(),
    },
    fairness: { jain_index_mean: metrics.meanJain() ?? null, mean_dominant_shares: metrics.meanShares() },
    network: { ...sim.network.counts },
    faults: {
      agent_crashes: sim.counts.agent_crashes,
      agent_partitions: sim.counts.agent_partitions,
      agent_recoveries: sim.counts.agent_recoveries,
      agent_restarts: sim.counts.agent_restarts,
      master_failovers: sim.counts.master_failovers,
    },
    engine: {
      events: sim.counts.events,
      master_steps: sim.counts.master_steps,
      dropped_to_dead_master: sim.counts.dropped_to_dead_master,
      dropped_from_old_master: sim.counts.dropped_from_old_master,
      call_errors: sim.counts.call_errors,
      registry_operations: sim.registry.operations,
    },
    invariants: {
      checks: sim.invariants.checks,
      violations: sim.invariants.count,
      first: sim.invariants.violations.slice(0, 10),
    },
    notes,
  };
}

function clusterSummary(config: SimConfig): Record<string, unknown> {
  return {
    agents: config.cluster.reduce((n, g) => n + g.count, 0),
    groups: config.cluster.map((g) => ({ agents: g.count, resources: g.resources, racks: g.racks })),
    network: config.network,
    master: config.master,
  };
}

function frameworkSummaries(sim: Simulation): Record<string, unknown>[] {
  const shares = sim.metrics.meanShares();
  return sim.frameworks.map((f) => {
    const config = sim.config.frameworks.find((c) => c.name === f.scheduler.name)!;
    const mine = [...sim.metrics.jobs.values()].filter(
      (j) => j.framework === f.scheduler.name && !j.long_running,
    );
    return {
      name: f.scheduler.name,
      kind: f.scheduler.kind,
      roles: config.roles,
      decision: config.decision,
      jobs: mine.length,
      jobs_finished: mine.filter((j) => j.state === 'finished').length,
      mean_dominant_share: shares[f.scheduler.name] ?? 0,
      ...f.scheduler.counts,
      decision_ms: round(f.scheduler.counts.decision_ms, 3),
    };
  });
}

/** The summary as a few lines for a terminal. */
export function summaryText(summary: Record<string, unknown>): string {
  const s = summary as {
    end_ms: number;
    all_jobs_ended: boolean;
    jobs: { total: number; finished: number; failed: number; unfinished: number };
    tasks: { launched: number };
    utilisation: Record<string, number>;
    completion_ms: { mean: number; p50: number; p95: number };
    task_wait_ms: { count: number; mean: number; p50: number; p95: number };
    task_wait_by_job_ms: { count: number; mean: number; p50: number; p95: number };
    job_wait_ms: { count: number; mean: number; p50: number; p95: number };
    locality: { node_local_fraction: number | null };
    offers: { made: number; accepted: number; declined: number };
    fairness: { jain_index_mean: number | null };
    invariants: { violations: number };
  };
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const spread = (d: { mean: number; p50: number; p95: number }) =>
    `mean ${sec(d.mean)}, p50 ${sec(d.p50)}, p95 ${sec(d.p95)}`;
  const util = Object.entries(s.utilisation)
    .map(([k, v]) => `${k} ${pct(v)}`)
    .join(', ');
  return [
    `simulated ${sec(s.end_ms)}${s.all_jobs_ended && s.jobs.total > 0 ? ' (all jobs ended)' : ''}`,
    `jobs: ${s.jobs.finished} finished, ${s.jobs.failed} failed, ${s.jobs.unfinished} unfinished of ${s.jobs.total}`,
    `tasks launched: ${s.tasks.launched}`,
    `utilisation (mean): ${util}`,
    `job completion: ${spread(s.completion_ms)}`,
    `task wait, runnable to launch (${s.task_wait_ms.count} launches): ${spread(s.task_wait_ms)}`,
    `task wait per job, mean of its tasks (${s.task_wait_by_job_ms.count} jobs): ${spread(s.task_wait_by_job_ms)}`,
    `job wait, ready to first launch (${s.job_wait_ms.count} jobs): ${spread(s.job_wait_ms)}`,
    `locality: ${s.locality.node_local_fraction === null ? '- (no task preferred a host)' : `${pct(s.locality.node_local_fraction)} node-local`}`,
    `offers: ${s.offers.made} made, ${s.offers.accepted} accepted, ${s.offers.declined} declined`,
    `fairness (Jain, mean): ${s.fairness.jain_index_mean ?? '-'}`,
    `invariant violations: ${s.invariants.violations}`,
  ].join('\n');
}
