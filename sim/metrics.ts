// What a simulation measures: utilisation per resource and each framework's and role's share over
// time (sampled), job completion times, wait times and locality (from the framework models' job
// events), offer counts and offer-to-launch latencies (from the master's trace), and Jain's
// fairness index over the frameworks with work. Usage counts what tasks hold on the agents that
// run them, from launch to end, which is what a cluster operator would see; capacity counts the
// agents that are up. Everything is keyed by simulated time, so the same run gives the same figures.
//
// Waits come in three views, because one alone misleads. A task's wait runs from when it could
// first run (its phase started, the first phase when its job could start; or it was requeued after
// a bad ending) to the framework's decision that launched it. It never counts from the job's
// submission, so a reduce does not count the maps' run time, and it does not include the decision
// time or the trip to the agent (the launch latency does). Over tasks, one job of 100,000 maps on a
// cluster of a few thousand slots owns the percentiles, so each job's mean task wait is reported
// over jobs too, and so is a job's wait: from when it could start to its first launch.
import type { TraceEvent } from '../engine/events.ts';
import type { TaskInfo } from '../engine/master/v1.ts';
import type { JobEvent } from '../engine/scheduling/job-events.ts';
import type { Job } from '../workloads/job.ts';
import { type Distribution, jainIndex, round, Samples } from './stats.ts';

/** The resources metrics follow, in column order. */
export const metric_resources = ['cpus', 'mem', 'disk'] as const;
const R = metric_resources.length;

/** Scalars of a task's resources, in `metric_resources` order, and its allocation role. */
export function taskUsage(info: TaskInfo): { usage: Float64Array; role: string } {
  const usage = new Float64Array(R);
  let role = '*';
  for (const r of info.resources) {
    const i = r.name === 'cpus' ? 0 : r.name === 'mem' ? 1 : r.name === 'disk' ? 2 : -1;
    if (i >= 0 && r.scalar !== undefined) usage[i]! += r.scalar.value;
    const allocated = r.allocation_info?.role;
    if (allocated !== undefined) role = allocated;
  }
  return { usage, role };
}

/** What is known of one job. */
export interface JobRecord {
  readonly job_id: string;
  readonly framework: string;
  readonly label: string;
  readonly tasks: number;
  readonly submit_ms: number;
  readonly long_running: boolean;
  submitted_ms: number | undefined;
  ready_ms: number | undefined;
  started_ms: number | undefined;
  ended_ms: number | undefined;
  state: 'pending' | 'finished' | 'failed';
  /** Task launches of the job (relaunches included) and the sum of their waits. */
  task_launches: number;
  task_wait_sum_ms: number;
}

/** One framework as metrics see it. */
interface FrameworkUsage {
  readonly name: string;
  readonly roles: readonly string[];
  readonly weight: number;
  readonly used: Float64Array;
  running: number;
  jobsOpen: number;
  shareSum: number;
}

/** Locality counts. */
export interface LocalityCounts {
  node_local: number;
  rack_local: number;
  remote: number;
}

/** Offer counts. */
export interface OfferCounts {
  made: number;
  accepted: number;
  declined: number;
  rescinded: number;
  tasks_launched: number;
}

const zeroOffers = (): OfferCounts => ({
  made: 0,
  accepted: 0,
  declined: 0,
  rescinded: 0,
  tasks_launched: 0,
});

/** The simulator's metrics. */
export class SimMetrics {
  readonly capacity = new Float64Array(R);
  readonly used = new Float64Array(R);
  agentsUp = 0;
  tasksRunning = 0;
  readonly jobs = new Map<string, JobRecord>();
  readonly offers: OfferCounts = zeroOffers();
  readonly locality: LocalityCounts = { node_local: 0, rack_local: 0, remote: 0 };
  readonly taskWaits = new Samples();
  readonly launchLatencies = new Samples();
  /** Tasks that ran, by how they ended on their agent. */
  readonly taskEnds = new Map<string, number>();
  readonly utilisationRows: string[] = [];
  readonly shareRows: string[] = [];
  readonly offerRows: string[] = [];
  private readonly frameworks: FrameworkUsage[] = [];
  private readonly byName = new Map<string, FrameworkUsage>();
  private readonly byId = new Map<string, FrameworkUsage>();
  private readonly roleNames: string[] = [];
  private readonly roleUsed = new Map<string, Float64Array>();
  private readonly roleWeights: ReadonlyMap<string, number>;
  private readonly offersMade = new Map<string, number>();
  private interval: OfferCounts = zeroOffers();
  private samples = 0;
  private readonly utilSum = new Float64Array(R);
  private jainSum = 0;
  private jainSamples = 0;

  constructor(roleWeights: ReadonlyMap<string, number>) {
    this.roleWeights = roleWeights;
  }

  /** Declares a framework, in config order (the order of its columns and rows). */
  addFramework(name: string, roles: readonly string[]): void {
    const weight = this.roleWeights.get(roles[0] ?? '*') ?? 1;
    const f: FrameworkUsage = {
      name,
      roles,
      weight,
      used: new Float64Array(R),
      running: 0,
      jobsOpen: 0,
      shareSum: 0,
    };
    this.frameworks.push(f);
    this.byName.set(name, f);
    for (const role of roles) this.role(role);
  }

  /** The master gave framework `name` the id `frameworkId`. */
  frameworkSubscribed(name: string, frameworkId: string): void {
    const f = this.byName.get(name);
    if (f !== undefined) this.byId.set(frameworkId, f);
  }

  /** Declares a job of a framework's workload. */
  addJob(framework: string, job: Job): void {
    let tasks = 0;
    for (const phase of job.phases) tasks += phase.tasks.length;
    this.jobs.set(job.id, {
      job_id: job.id,
      framework,
      label: job.label,
      tasks,
      submit_ms: job.submit_ms,
      long_running: job.long_running === true,
      submitted_ms: undefined,
      ready_ms: undefined,
      started_ms: undefined,
      ended_ms: undefined,
      state: 'pending',
      task_launches: 0,
      task_wait_sum_ms: 0,
    });
  }

  /** An agent came up (its resources count as capacity) or went down. */
  agentCapacity(resources: Float64Array, up: boolean): void {
    const sign = up ? 1 : -1;
    for (let i = 0; i < R; i++) this.capacity[i]! += sign * resources[i]!;
    this.agentsUp += sign;
  }

  /** A task started or stopped holding `usage` for `frameworkId` as `role`. */
  taskUsage(frameworkId: string, role: string, usage: Float64Array, started: boolean): void {
    const sign = started ? 1 : -1;
    this.tasksRunning += sign;
    for (let i = 0; i < R; i++) this.used[i]! += sign * usage[i]!;
    const f = this.byId.get(frameworkId);
    if (f !== undefined) {
      f.running += sign;
      for (let i = 0; i < R; i++) f.used[i]! += sign * usage[i]!;
    }
    const r = this.role(role);
    for (let i = 0; i < R; i++) r[i]! += sign * usage[i]!;
  }

  /** A task stopped running on its agent, in `state` (TASK_LOST when its machine died with it). */
  taskEnded(state: string): void {
    this.taskEnds.set(state, (this.taskEnds.get(state) ?? 0) + 1);
  }

  /** A trace event of the master. */
  trace(event: TraceEvent): void {
    switch (event.type) {
      case 'offer_made':
        this.offers.made++;
        this.interval.made++;
        this.offersMade.set(event.offer_id, event.time_ms);
        return;
      case 'offer_accepted': {
        this.offers.accepted++;
        this.interval.accepted++;
        const made = this.offersMade.get(event.offer_id);
        this.offersMade.delete(event.offer_id);
        if (event.tasks_launched > 0 && made !== undefined) this.launchLatencies.add(event.time_ms - made);
        return;
      }
      case 'offer_declined':
        this.offers.declined++;
        this.interval.declined++;
        this.offersMade.delete(event.offer_id);
        return;
      case 'offer_rescinded':
        this.offers.rescinded++;
        this.interval.rescinded++;
        this.offersMade.delete(event.offer_id);
        return;
      case 'task_launched':
        this.offers.tasks_launched++;
        this.interval.tasks_launched++;
        return;
      default:
        return;
    }
  }

  /** A job event of framework `name`'s model. */
  jobEvent(name: string, event: JobEvent): void {
    switch (event.type) {
      case 'job_submitted': {
        const job = this.jobs.get(event.job_id);
        if (job !== undefined) job.submitted_ms = event.at_ms;
        const f = this.byName.get(name);
        if (f !== undefined && job?.long_running !== true) f.jobsOpen++;
        return;
      }
      case 'job_ready':
        this.setJob(event.job_id, (job) => (job.ready_ms = event.at_ms));
        return;
      case 'job_started':
        this.setJob(event.job_id, (job) => (job.started_ms = event.at_ms));
        return;
      case 'task_launched':
        this.taskWaits.add(event.wait_ms);
        this.setJob(event.job_id, (job) => {
          job.task_launches++;
          job.task_wait_sum_ms += event.wait_ms;
        });
        if (event.locality === 'node-local') this.locality.node_local++;
        else if (event.locality === 'rack-local') this.locality.rack_local++;
        else if (event.locality === 'remote') this.locality.remote++;
        return;
      case 'job_finished':
      case 'job_failed': {
        const job = this.jobs.get(event.job_id);
        if (job === undefined || job.state !== 'pending') return;
        job.state = event.type === 'job_finished' ? 'finished' : 'failed';
        job.ended_ms = event.at_ms;
        const f = this.byName.get(name);
        if (f !== undefined && !job.long_running) f.jobsOpen--;
        return;
      }
      default:
        return;
    }
  }

  /** A launcher framework (no job model) has work, or not, for fairness. */
  setOpenWork(name: string, open: boolean): void {
    const f = this.byName.get(name);
    if (f !== undefined) f.jobsOpen = open ? 1 : 0;
  }

  /** Records one sample of utilisation, shares and fairness at `now`. */
  sample(now: number): void {
    this.samples++;
    const time_s = round(now / 1000, 3);
    const util: string[] = [];
    for (let i = 0; i < R; i++) {
      const u = this.capacity[i]! > 0 ? this.used[i]! / this.capacity[i]! : 0;
      this.utilSum[i]! += u;
      util.push(`${round(this.used[i]!, 3)},${round(this.capacity[i]!, 3)},${round(u)}`);
    }
    this.utilisationRows.push(`${time_s},${util.join(',')},${this.tasksRunning},${this.agentsUp}`);
    const fair: number[] = [];
    for (const f of this.frameworks) {
      const share = this.dominantShare(f.used);
      f.shareSum += share;
      if (f.jobsOpen > 0 || f.running > 0) fair.push(share / f.weight);
      this.shareRows.push(
        `${time_s},framework,${f.name},${round(share)},${round(f.used[0]!, 3)},${round(f.used[1]!, 3)}`,
      );
    }
    for (const role of this.roleNames) {
      const used = this.roleUsed.get(role)!;
      this.shareRows.push(
        `${time_s},role,${role},${round(this.dominantShare(used))},${round(used[0]!, 3)},${round(used[1]!, 3)}`,
      );
    }
    const jain = jainIndex(fair);
    if (jain !== undefined) {
      this.jainSum += jain;
      this.jainSamples++;
    }
    const o = this.interval;
    this.offerRows.push(
      `${time_s},${o.made},${o.accepted},${o.declined},${o.rescinded},${o.tasks_launched},${jain === undefined ? '' : round(jain)}`,
    );
    this.interval = zeroOffers();
  }

  /** Time-averaged utilisation per resource over the samples. */
  meanUtilisation(): Record<string, number> {
    const out: Record<string, number> = {};
    metric_resources.forEach((name, i) => {
      out[name] = this.samples === 0 ? 0 : round(this.utilSum[i]! / this.samples);
    });
    return out;
  }

  /** Time-averaged dominant share of each framework. */
  meanShares(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const f of this.frameworks) out[f.name] = this.samples === 0 ? 0 : round(f.shareSum / this.samples);
    return out;
  }

  /** Mean of Jain's index over the samples where some framework had work. */
  meanJain(): number | undefined {
    return this.jainSamples === 0 ? undefined : round(this.jainSum / this.jainSamples);
  }

  /** Completion times (end minus submission) of the finished jobs. */
  completionTimes(): Distribution {
    const s = new Samples();
    for (const job of this.jobs.values()) {
      if (job.state === 'finished' && job.ended_ms !== undefined) s.add(job.ended_ms - job.submit_ms);
    }
    return s.summary();
  }

  /** Each job's mean task wait, over the jobs that launched a task: every job counts once. */
  taskWaitsByJob(): Distribution {
    const s = new Samples();
    for (const job of this.jobs.values()) {
      if (job.task_launches > 0) s.add(job.task_wait_sum_ms / job.task_launches);
    }
    return s.summary();
  }

  /** Job waits: from when each job could start (submission, or the end of its `after`) to its first launch. */
  jobWaits(): Distribution {
    const s = new Samples();
    for (const job of this.jobs.values()) {
      if (job.started_ms === undefined) continue;
      s.add(job.started_ms - (job.ready_ms ?? job.submitted_ms ?? job.submit_ms));
    }
    return s.summary();
  }

  private dominantShare(used: Float64Array): number {
    let share = 0;
    for (let i = 0; i < R; i++) {
      const c = this.capacity[i]!;
      if (c > 0) share = Math.max(share, used[i]! / c);
    }
    return share;
  }

  private role(role: string): Float64Array {
    let used = this.roleUsed.get(role);
    if (used === undefined) {
      used = new Float64Array(R);
      this.roleUsed.set(role, used);
      this.roleNames.push(role);
    }
    return used;
  }

  private setJob(jobId: string, set: (job: JobRecord) => void): void {
    const job = this.jobs.get(jobId);
    if (job !== undefined) set(job);
  }
}

/** Header of utilisation.csv. */
export const utilisation_header = `time_s,${metric_resources.map((r) => `${r}_used,${r}_total,${r}_utilisation`).join(',')},tasks_running,agents_up`;
/** Header of shares.csv. */
export const shares_header = 'time_s,kind,name,dominant_share,cpus,mem';
/** Header of offers.csv (counts over the interval ending at time_s, and Jain's index at time_s). */
export const offers_header =
  'time_s,offers_made,offers_accepted,offers_declined,offers_rescinded,tasks_launched,jain_index';
