// The discrete-event simulator: one master (the engine's, unchanged), simulated agents and framework
// schedulers, joined by a simulated network, driven by one event queue ordered by (time, sequence).
// The master host performs the master's effects and the agent host the agents'; schedulers answer
// offers after their decision time. Workloads reach the frameworks at their submit times; faults
// (agent crashes and partitions, master failovers, lost messages) happen when the config says. It
// decides nothing about allocation or scheduling: the engine and the framework logic do. One seed
// drives everything; each consumer draws from its own stream, forked by name, so adding a framework
// or an agent never changes another's draws.
import type { TraceEvent } from '../engine/events.ts';
import type { SchedulerEvent } from '../engine/master/scheduler-api.ts';
import { createRng, type Rng } from '../engine/rng.ts';
import type { Job } from '../workloads/job.ts';
import { createBlockPlacement } from '../workloads/placement.ts';
import { AgentHost, exponential } from './agent-host.ts';
import { buildCluster } from './cluster.ts';
import type { SimConfig } from './config.ts';
import { SimInvariants } from './invariants.ts';
import { type FrameworkRun, type SimCounts, type SimItem, zeroCounts } from './items.ts';
import { createLogic } from './logic.ts';
import { MasterHost } from './master-host.ts';
import { SimMetrics } from './metrics.ts';
import { SimNetwork } from './network.ts';
import { SimRegistry } from './registry.ts';
import { SimScheduler } from './scheduler.ts';
import { Timeline } from './timeline.ts';

export type { FrameworkRun, SimCounts, SimItem } from './items.ts';

/** Options of a simulation. */
export interface SimulationOptions {
  readonly config: SimConfig;
  /** Each framework's jobs, by framework name. */
  readonly jobs: ReadonlyMap<string, readonly Job[]>;
  /** Receives every trace event of the masters, in order. */
  readonly onTrace?: (event: TraceEvent) => void;
  /** Called every `progress_events` events with the simulated time. */
  readonly onProgress?: (now_ms: number, events: number) => void;
  readonly progress_events?: number;
  /** Throw at the first broken invariant instead of counting it. */
  readonly strict?: boolean;
  /** A wall clock (ms) for profiling where time goes (engine, framework logic); never in outputs. */
  readonly clock?: () => number;
}

/** The simulator. */
export class Simulation {
  readonly config: SimConfig;
  readonly rng: Rng;
  readonly timeline = new Timeline<SimItem>();
  readonly network: SimNetwork;
  readonly registry = new SimRegistry();
  readonly metrics: SimMetrics;
  readonly invariants: SimInvariants;
  readonly masters: MasterHost;
  readonly agents: AgentHost;
  readonly frameworks: FrameworkRun[] = [];
  readonly counts: SimCounts = zeroCounts();
  now = 0;
  /** Jobs (and finite launchers) that must end before the run is over, and how many have. */
  jobsToEnd = 0;
  jobsEnded = 0;
  private readonly streams = new Map<string, SimScheduler>();
  private readonly frameworkIds = new Map<string, string>();
  private readonly runs = new Map<SimScheduler, FrameworkRun>();
  private readonly faultRng: Rng;
  private readonly options: SimulationOptions;

  constructor(options: SimulationOptions) {
    const config = options.config;
    this.options = options;
    this.config = config;
    this.rng = createRng(config.seed);
    this.faultRng = this.rng.fork('faults');
    this.network = new SimNetwork(config.network, this.rng.fork('network'));
    this.metrics = new SimMetrics(new Map(config.roles.map((r) => [r.role, r.weight ?? 1])));
    this.invariants = new SimInvariants(options.strict ?? false);
    const now = () => this.now;
    this.masters = new MasterHost({
      config,
      rng: this.rng,
      timeline: this.timeline,
      network: this.network,
      registry: this.registry,
      metrics: this.metrics,
      invariants: this.invariants,
      counts: this.counts,
      now,
      nodeByConnection: (name) => this.agents.node(name),
      schedulerByStream: (id) => this.streams.get(id),
      ownerOf: (owner) => (owner === undefined ? undefined : (this.frameworkIds.get(owner) ?? owner)),
      onTrace: options.onTrace,
      clock: options.clock,
    });
    this.agents = new AgentHost({
      config,
      timeline: this.timeline,
      network: this.network,
      masters: this.masters,
      metrics: this.metrics,
      invariants: this.invariants,
      counts: this.counts,
      faultRng: this.faultRng,
      now,
    });
    this.agents.add(buildCluster(config.cluster, this.network, this.agents.listener(), false));
    this.buildFrameworks();
  }

  /** Runs until every job has ended or the end time; returns the time it stopped at. */
  run(): number {
    this.start();
    const end = this.config.end_ms;
    const every = this.options.progress_events ?? 65_536;
    const onProgress = this.options.onProgress;
    const timeline = this.timeline;
    const counts = this.counts;
    for (;;) {
      if (this.jobsToEnd > 0 && this.jobsEnded >= this.jobsToEnd) break;
      const entry = timeline.pop();
      if (entry === undefined) break;
      if (entry.at_ms > end) {
        this.now = end;
        break;
      }
      this.now = entry.at_ms;
      counts.events++;
      this.dispatch(entry.item);
      if (onProgress !== undefined && counts.events % every === 0) onProgress(this.now, counts.events);
    }
    this.metrics.sample(this.now);
    this.masters.check();
    return this.now;
  }

  /** True when every job that must end has ended. */
  allJobsEnded(): boolean {
    return this.jobsEnded >= this.jobsToEnd;
  }

  // ---------------------------------------------------------------------------------------------
  // Setup

  private buildFrameworks(): void {
    const blocks = createBlockPlacement(
      this.agents.nodes.map((n) => ({ hostname: n.name, rack: n.agent.attributes.rack ?? '' })),
      this.rng.fork('hdfs'),
    );
    for (const framework of this.config.frameworks) {
      this.metrics.addFramework(framework.name, framework.roles);
      const jobs = this.options.jobs.get(framework.name) ?? [];
      for (const job of jobs) {
        this.metrics.addJob(framework.name, job);
        if (job.long_running !== true) this.jobsToEnd++;
      }
      const logic = createLogic(framework, {
        blocks,
        on_event: (event) => this.jobEvent(framework.name, event),
      });
      if (logic.finite) this.jobsToEnd++;
      const supervise = this.config.network.loss_probability > 0 || this.config.faults.masters.length > 0;
      const scheduler = new SimScheduler({
        kind: framework.kind,
        logic: logic.logic,
        decision: framework.decision,
        host: {
          toMaster: (s, input) => {
            if (!this.masters.leading) {
              this.counts.dropped_to_dead_master++;
              return;
            }
            const at = this.network.deliveryTime(s.toMaster, this.now);
            if (at !== undefined)
              this.timeline.schedule(at, { kind: 'to_master', epoch: this.masters.epoch, input });
          },
          wake: (s, at_ms, reason) =>
            this.timeline.schedule(at_ms, { kind: 'scheduler', scheduler: s, reason }),
          streamOpened: (s, streamId) => this.streams.set(streamId, s),
        },
        toMaster: this.network.frameworkLink(`${framework.name}>master`),
        fromMaster: this.network.frameworkLink(`master>${framework.name}`),
        subscribe_retry_ms: this.config.retries.register_ms,
        launch_timeout_ms: supervise ? this.config.retries.launch_timeout_ms : undefined,
        ...(this.options.clock === undefined ? {} : { clock: this.options.clock }),
      });
      const run: FrameworkRun = { scheduler, logic, jobs, next: 0, ended: false };
      this.frameworks.push(run);
      this.runs.set(scheduler, run);
    }
  }

  private start(): void {
    this.masters.start(undefined);
    this.agents.start();
    for (const f of this.frameworks) {
      f.scheduler.subscribe(this.now);
      const first = f.jobs[0];
      if (first !== undefined) this.timeline.schedule(first.submit_ms, { kind: 'submit', framework: f });
    }
    this.scheduleFaults();
    this.timeline.schedule(0, { kind: 'sample' });
    if (this.config.invariants_interval_ms > 0) this.timeline.schedule(0, { kind: 'check' });
  }

  private scheduleFaults(): void {
    const faults = this.config.faults;
    for (const fault of faults.agents) {
      const node = this.agents.nodes[fault.agent]!;
      this.timeline.schedule(fault.at_ms, { kind: 'agent_fault', node, what: fault.kind });
      if (fault.recover_at_ms !== undefined)
        this.timeline.schedule(fault.recover_at_ms, { kind: 'agent_fault', node, what: 'recover' });
    }
    for (const fault of faults.masters) {
      this.timeline.schedule(fault.at_ms, { kind: 'master_fail' });
      this.timeline.schedule(fault.at_ms + fault.recovery_ms, { kind: 'master_recover' });
    }
    if (faults.agent_failures_per_hour > 0) this.scheduleRandomFailure();
  }

  private scheduleRandomFailure(): void {
    const at = this.now + exponential(this.faultRng, 3_600_000 / this.config.faults.agent_failures_per_hour);
    if (at <= this.config.end_ms) this.timeline.schedule(at, { kind: 'random_failure' });
  }

  // ---------------------------------------------------------------------------------------------
  // The event loop

  private dispatch(item: SimItem): void {
    const masters = this.masters;
    switch (item.kind) {
      case 'to_master':
        if (item.epoch !== masters.epoch || !masters.leading) this.counts.dropped_to_dead_master++;
        else masters.step(item.input);
        return;
      case 'to_agent':
        // Agents and frameworks hear only the leader: what a deposed master sent is ignored.
        if (item.epoch !== masters.epoch || !masters.leading) this.counts.dropped_from_old_master++;
        else this.agents.receive(item.node, item.message);
        return;
      case 'to_framework':
        if (item.epoch !== masters.epoch || !masters.leading) this.counts.dropped_from_old_master++;
        else this.schedulerReceives(item.scheduler, item.stream_id, item.event);
        return;
      case 'master_timer':
        masters.fire(item.key);
        return;
      case 'task_end':
        this.agents.taskEnd(item.node, item.framework_id, item.task_id);
        return;
      case 'scheduler':
        item.scheduler.wake(item.reason, this.now);
        return;
      case 'agent_tick':
        this.agents.tick(item.node);
        return;
      case 'agent_fault':
        this.agents.fault(item.node, item.what);
        return;
      case 'random_failure':
        this.agents.randomFailure();
        this.scheduleRandomFailure();
        return;
      case 'master_fail':
        masters.fail();
        return;
      case 'master_recover':
        // A new master leads: it recovers from the registry, and agents and frameworks find it.
        masters.start(this.registry.snapshot());
        this.agents.leaderChanged();
        for (const f of this.frameworks) f.scheduler.subscribe(this.now);
        return;
      case 'submit':
        this.submitDue(item.framework);
        return;
      case 'sample':
        this.metrics.sample(this.now);
        this.again(item, this.config.sample_interval_ms);
        return;
      case 'check':
        masters.check();
        this.again(item, this.config.invariants_interval_ms);
        return;
    }
  }

  /** Schedules a periodic item again, unless that falls after the end. */
  private again(item: SimItem, interval_ms: number): void {
    if (this.now + interval_ms <= this.config.end_ms) this.timeline.schedule(this.now + interval_ms, item);
  }

  // ---------------------------------------------------------------------------------------------
  // Frameworks

  private schedulerReceives(
    scheduler: SimScheduler,
    streamId: string,
    event: SchedulerEvent | undefined,
  ): void {
    if (event === undefined) {
      scheduler.streamClosed(streamId);
      return;
    }
    scheduler.receive(event, streamId, this.now);
    if (event.type === 'SUBSCRIBED') {
      const id = event.subscribed.framework_id.value;
      this.frameworkIds.set(scheduler.name, id);
      this.metrics.frameworkSubscribed(scheduler.name, id);
    } else if (event.type === 'UPDATE' && scheduler.kind === 'launcher') {
      this.launcherProgress(this.runs.get(scheduler)!);
    }
  }

  /** Submits every job of the framework due by now, and schedules the next. */
  private submitDue(run: FrameworkRun): void {
    const submit = run.logic.submit;
    if (submit === undefined) throw new Error(`framework ${run.scheduler.name} takes no jobs`);
    while (run.next < run.jobs.length && run.jobs[run.next]!.submit_ms <= this.now) {
      const job = run.jobs[run.next++]!;
      run.scheduler.act(submit(job, this.now), this.now);
    }
    const next = run.jobs[run.next];
    if (next !== undefined) this.timeline.schedule(next.submit_ms, { kind: 'submit', framework: run });
  }

  private jobEvent(framework: string, event: Parameters<SimMetrics['jobEvent']>[1]): void {
    this.metrics.jobEvent(framework, event);
    if (event.type === 'job_finished' || event.type === 'job_failed') {
      const job = this.metrics.jobs.get(event.job_id);
      if (job !== undefined && !job.long_running) this.jobsEnded++;
    }
  }

  /** A launcher with a finite demand ends when every task it wants has finished. */
  private launcherProgress(run: FrameworkRun): void {
    const status = run.logic.launcherStatus?.();
    if (status === undefined || !run.logic.finite) return;
    const done = status.remaining === 0 && status.active === 0;
    this.metrics.setOpenWork(run.scheduler.name, !done);
    if (done && !run.ended) {
      run.ended = true;
      this.jobsEnded++;
    }
  }
}
