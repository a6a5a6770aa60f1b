// The simulator's side of the master: it builds the leading master (the engine's, unchanged, with
// its own allocator), steps it, and performs its effects: messages go out on the network, timers
// into the event queue, registry writes into the simulated registry, trace events to metrics,
// invariant checks and the trace file. A failover kills the leader (its timers die with it, and
// whatever is in flight to it is lost); after the recovery time a new master, of the next epoch,
// recovers from the registry the old one wrote.
import type { Allocator } from '../engine/allocator/allocator.ts';
import { createAllocator } from '../engine/allocator/policies.ts';
import type { TraceEvent } from '../engine/events.ts';
import type { MasterEffect } from '../engine/master/effects.ts';
import type { MasterInput } from '../engine/master/inputs.ts';
import { createMaster, type Master } from '../engine/master/master.ts';
import type { RegistrySnapshot } from '../engine/master/options.ts';
import type { SchedulerEvent } from '../engine/master/scheduler-api.ts';
import type { Rng } from '../engine/rng.ts';
import type { AgentNode } from './cluster.ts';
import type { SimConfig } from './config.ts';
import type { SimInvariants } from './invariants.ts';
import type { SimCounts, SimItem } from './items.ts';
import type { SimMetrics } from './metrics.ts';
import type { SimNetwork } from './network.ts';
import type { SimRegistry } from './registry.ts';
import type { SimScheduler } from './scheduler.ts';
import type { Timeline, TimelineEntry } from './timeline.ts';

/** What the master host works with. */
export interface MasterHostDeps {
  readonly config: SimConfig;
  readonly rng: Rng;
  readonly timeline: Timeline<SimItem>;
  readonly network: SimNetwork;
  readonly registry: SimRegistry;
  readonly metrics: SimMetrics;
  readonly invariants: SimInvariants;
  readonly counts: SimCounts;
  readonly now: () => number;
  readonly nodeByConnection: (connection: string) => AgentNode | undefined;
  readonly schedulerByStream: (streamId: string) => SimScheduler | undefined;
  /** The framework id or role an agent's `owner` attribute names (static partitioning). */
  readonly ownerOf: (owner: string | undefined) => string | undefined;
  readonly onTrace: ((event: TraceEvent) => void) | undefined;
  /** A wall clock (ms) for profiling; when given, time spent in the engine is added to `engine_ms`. */
  readonly clock: (() => number) | undefined;
}

/** The leading master and what the simulator does for it. */
export class MasterHost {
  /** Epoch of the current (or last) master; 0 before the first. */
  epoch = 0;
  master: Master | undefined;
  allocator: Allocator | undefined;
  /** Wall time spent in the master's step, when profiling (ms). */
  engine_ms = 0;
  private readonly deps: MasterHostDeps;
  private readonly timers = new Map<string, TimelineEntry<SimItem>>();

  constructor(deps: MasterHostDeps) {
    this.deps = deps;
  }

  /** True while a master leads. */
  get leading(): boolean {
    return this.master !== undefined;
  }

  /** Creates the next master (recovering from `recovered` after a failover) and starts it. */
  start(recovered: RegistrySnapshot | undefined): void {
    if (this.master !== undefined) throw new Error('simulator: a master is already leading');
    const { config, invariants } = this.deps;
    this.epoch++;
    const m = config.master;
    const policy = config.policy;
    const allocatorRng = this.deps.rng.fork(`allocator/${this.epoch}`);
    let allocator: Allocator | undefined;
    this.master = createMaster({
      masterId: `M${this.epoch}`,
      createAllocator: () => {
        allocator = createAllocator({
          policy,
          rng: allocatorRng,
          ...(policy === 'static'
            ? { partitions: (_id, agent) => this.deps.ownerOf(agent.attributes?.owner) }
            : {}),
        });
        return allocator;
      },
      allocationIntervalMs: m.allocation_interval_ms,
      agentPingTimeoutMs: m.agent_ping_timeout_ms,
      agentPingMissesMax: m.agent_ping_misses_max,
      agentReregisterTimeoutMs: m.agent_reregister_timeout_ms,
      offerTimeoutMs: m.offer_timeout_ms,
      heartbeatIntervalSeconds: m.heartbeat_interval_seconds,
      ...(recovered === undefined ? {} : { recovered }),
    });
    this.allocator = allocator;
    invariants.masterStarted(this.epoch, this.deps.now());
    this.step({ type: 'start' });
    if (recovered !== undefined) return;
    // Weights and quota are operator calls on the first master; later ones recover them.
    for (const role of config.roles) {
      if (role.weight !== undefined)
        this.step({ type: 'operator_update_weights', weights: [{ role: role.role, weight: role.weight }] });
      if (role.quota !== undefined)
        this.step({ type: 'operator_update_quota', role: role.role, quota: role.quota });
    }
  }

  /** The leader dies: its timers with it. */
  fail(): void {
    if (this.master === undefined) return;
    this.master = undefined;
    this.allocator = undefined;
    for (const entry of this.timers.values()) this.deps.timeline.cancel(entry);
    this.timers.clear();
    this.deps.invariants.masterStopped(this.epoch, this.deps.now());
    this.deps.counts.master_failovers++;
  }

  /** Applies one input to the leader; dropped while none leads. */
  step(input: MasterInput): void {
    const master = this.master;
    if (master === undefined) {
      this.deps.counts.dropped_to_dead_master++;
      return;
    }
    this.deps.counts.master_steps++;
    const clock = this.deps.clock;
    let effects: MasterEffect[];
    if (clock === undefined) effects = master.step(input, this.deps.now());
    else {
      const started = clock();
      effects = master.step(input, this.deps.now());
      this.engine_ms += clock() - started;
    }
    for (let i = 0; i < effects.length; i++) this.perform(effects[i]!);
  }

  /** A master timer fell due. */
  fire(key: string): void {
    this.timers.delete(key);
    this.step({ type: 'timer', key });
  }

  private perform(effect: MasterEffect): void {
    const deps = this.deps;
    switch (effect.type) {
      case 'framework_event':
        this.toScheduler(effect.stream_id, effect.event);
        return;
      case 'close_framework_stream':
        this.toScheduler(effect.stream_id, undefined);
        return;
      case 'agent_message': {
        const node = deps.nodeByConnection(effect.connection);
        if (node === undefined) return;
        const at = deps.network.deliveryTime(node.fromMaster, deps.now());
        if (at !== undefined)
          deps.timeline.schedule(at, { kind: 'to_agent', epoch: this.epoch, node, message: effect.message });
        return;
      }
      case 'set_timer': {
        const old = this.timers.get(effect.key);
        if (old !== undefined) deps.timeline.cancel(old);
        this.timers.set(
          effect.key,
          deps.timeline.schedule(effect.at_ms, { kind: 'master_timer', key: effect.key }),
        );
        return;
      }
      case 'cancel_timer': {
        const old = this.timers.get(effect.key);
        if (old !== undefined) {
          deps.timeline.cancel(old);
          this.timers.delete(effect.key);
        }
        return;
      }
      case 'registry':
        deps.registry.apply(effect);
        return;
      case 'trace':
        deps.metrics.trace(effect.event);
        deps.invariants.trace(effect.event);
        deps.onTrace?.(effect.event);
        return;
      case 'call_error':
        deps.counts.call_errors++;
        return;
    }
  }

  private toScheduler(streamId: string, event: SchedulerEvent | undefined): void {
    const deps = this.deps;
    const scheduler = deps.schedulerByStream(streamId);
    if (scheduler === undefined) return;
    const at = deps.network.deliveryTime(scheduler.fromMaster, deps.now());
    if (at === undefined) return;
    deps.timeline.schedule(at, {
      kind: 'to_framework',
      epoch: this.epoch,
      scheduler,
      stream_id: streamId,
      event,
    });
  }

  /** Checks the leader's own invariants (a full state view: costly on a large cluster). */
  check(): void {
    if (this.master !== undefined) this.deps.invariants.checkMaster(this.master.state(), this.deps.now());
  }
}
