// The scenario host, the smaller of the two simulated worlds (the other is the discrete-event
// simulator, simulator.ts): one master, the agent twins and scenario frameworks, a simulated clock
// and one event queue, with zero network latency. It performs the master's effects (events to
// frameworks, messages to agents, timers) and feeds what agents and frameworks answer back in as inputs, in
// first-in first-out order, so every run with the same commands is the same. It decides nothing
// about allocation or scheduling: that is the engine's. Scenarios drive it one command at a time;
// latency, faults and decision times are the simulator's.
import type { Allocator } from '../../engine/allocator/allocator.ts';
import { createAllocator, type Partitions, type PolicyName } from '../../engine/allocator/policies.ts';
import type { MasterEffect } from '../../engine/master/effects.ts';
import type { MasterInput } from '../../engine/master/inputs.ts';
import { masterInvariantViolations } from '../../engine/master/invariants.ts';
import { createMaster, type Master } from '../../engine/master/master.ts';
import type { MasterOptions } from '../../engine/master/options.ts';
import { allocationTimer } from '../../engine/master/timers.ts';
import { createRng } from '../../engine/rng.ts';
import type { SimAgent, SimAgentAction } from '../agent.ts';
import { createSimClock, type SimClock } from '../clock.ts';
import { createEventQueue, type EventQueue } from './event-queue.ts';
import type { ScenarioFramework } from './framework.ts';

/** What the host's queue holds: master timers and the ends of tasks with a duration. */
export type HostItem =
  | { readonly kind: 'master_timer'; readonly key: string }
  | {
      readonly kind: 'task_end';
      readonly agent: string;
      readonly framework_id: string;
      readonly task_id: string;
    };

/** Something the host saw happen, for whoever watches (a scenario's output, a trace). */
export type HostObservation =
  | { readonly type: 'effect'; readonly effect: MasterEffect }
  | { readonly type: 'note'; readonly text: string };

/** Options of a scenario host. */
export interface ScenarioHostOptions {
  readonly policy: PolicyName;
  readonly seed: string;
  /** Owners of agents for the static policy. */
  readonly partitions?: Partitions;
  /** Master options beyond the id and the allocator. */
  readonly master?: Omit<MasterOptions, 'masterId' | 'createAllocator'>;
  /** When true, allocation runs only when `allocate()` is called, never as time passes. */
  readonly manualAllocation?: boolean;
  /** Called for every effect the master returns and every note of an agent. */
  readonly observe?: (observation: HostObservation) => void;
  /** Most inputs one settle may process before the host gives up (a livelock guard). */
  readonly inputsPerSettleMax?: number;
  /** Check the master's invariants after every input (costs a state view per input). */
  readonly checkInvariants?: boolean;
}

/** The id every simulated master uses. */
const sim_master_id = 'M';

/** The scenario host. */
export class ScenarioHost {
  readonly clock: SimClock = createSimClock(0);
  readonly queue: EventQueue<HostItem> = createEventQueue<HostItem>();
  readonly master: Master;
  readonly allocator: Allocator;
  /** Agents and frameworks by their scenario names, in the order they were added. */
  readonly agents = new Map<string, SimAgent>();
  readonly frameworks = new Map<string, ScenarioFramework>();
  private readonly inbox: MasterInput[] = [];
  private readonly manualAllocation: boolean;
  private readonly observe: (observation: HostObservation) => void;
  private readonly inputsPerSettleMax: number;
  private readonly checkInvariants: boolean;
  /** Deadline of the allocation timer while it is withheld from the queue. */
  private allocationDue_ms: number | undefined;

  constructor(options: ScenarioHostOptions) {
    const rng = createRng(options.seed);
    let allocator: Allocator | undefined;
    this.master = createMaster({
      ...options.master,
      masterId: sim_master_id,
      createAllocator: () => {
        allocator = createAllocator({
          policy: options.policy,
          rng: rng.fork('allocator'),
          partitions: options.partitions,
        });
        return allocator;
      },
    });
    if (allocator === undefined) throw new Error('sim host: the master did not build its allocator');
    this.allocator = allocator;
    this.manualAllocation = options.manualAllocation ?? false;
    this.observe = options.observe ?? (() => {});
    this.inputsPerSettleMax = options.inputsPerSettleMax ?? 1_000_000;
    this.checkInvariants = options.checkInvariants ?? false;
  }

  /** Current simulated time in ms. */
  now(): number {
    return this.clock.now();
  }

  /** Queues inputs for the master and processes everything that follows from them. */
  send(...inputs: MasterInput[]): void {
    this.inbox.push(...inputs);
    this.settle();
  }

  /** Adds an agent and registers it. */
  addAgent(agent: SimAgent): void {
    if (this.agents.has(agent.name)) throw new Error(`sim host: agent ${agent.name} already exists`);
    this.agents.set(agent.name, agent);
    this.send(agent.register());
  }

  /** Adds a framework and subscribes it. */
  addFramework(framework: ScenarioFramework): void {
    if (this.frameworks.has(framework.name))
      throw new Error(`sim host: framework ${framework.name} already exists`);
    this.frameworks.set(framework.name, framework);
    this.send(framework.subscribe());
  }

  /** Runs one allocation cycle now (moving time to the allocation timer's deadline if it is later). */
  allocate(): void {
    const due = this.allocationDue_ms;
    if (due === undefined) throw new Error('sim host: the allocation timer is not armed');
    if (due > this.now()) this.advanceTo(due);
    this.allocationDue_ms = undefined;
    this.send({ type: 'timer', key: allocationTimer });
  }

  /** Lets `duration_ms` of simulated time pass, firing every timer that falls due on the way. */
  advanceBy(duration_ms: number): void {
    if (!(duration_ms >= 0)) throw new Error(`sim host: cannot advance by ${duration_ms} ms`);
    this.advanceTo(this.now() + duration_ms);
  }

  /** Applies the agent's actions: inputs to the master, task timers, notes. */
  performAgentActions(agent: SimAgent, actions: readonly SimAgentAction[]): void {
    for (const action of actions) {
      switch (action.type) {
        case 'input':
          this.inbox.push(action.input);
          break;
        case 'task_timer':
          this.queue.schedule(
            action.at_ms,
            {
              kind: 'task_end',
              agent: agent.name,
              framework_id: action.framework_id,
              task_id: action.task_id,
            },
            taskKey(agent.name, action.framework_id, action.task_id),
          );
          break;
        case 'cancel_task_timer':
          this.queue.cancel(taskKey(agent.name, action.framework_id, action.task_id));
          break;
        case 'note':
          this.observe({ type: 'note', text: action.text });
          break;
      }
    }
  }

  /** Processes queued inputs, then timers due now, until nothing is left to do. */
  settle(): void {
    let processed = 0;
    for (;;) {
      const input = this.inbox.shift();
      if (input !== undefined) {
        if (++processed > this.inputsPerSettleMax) {
          throw new Error(
            `sim host: more than ${this.inputsPerSettleMax} inputs without settling (a livelock?)`,
          );
        }
        this.step(input);
        continue;
      }
      const due = this.queue.popDue(this.now());
      if (due === undefined) return;
      this.fire(due.item);
    }
  }

  private advanceTo(at_ms: number): void {
    this.settle();
    for (let next = this.queue.peek(); next !== undefined && next.at_ms <= at_ms; next = this.queue.peek()) {
      this.clock.advanceTo(next.at_ms);
      this.settle();
    }
    this.clock.advanceTo(at_ms);
    this.settle();
  }

  private fire(item: HostItem): void {
    if (item.kind === 'master_timer') {
      this.step({ type: 'timer', key: item.key });
      return;
    }
    const agent = this.agents.get(item.agent);
    if (agent === undefined) return;
    this.performAgentActions(agent, agent.end(item.framework_id, item.task_id, 'TASK_FINISHED', this.now()));
  }

  private step(input: MasterInput): void {
    const effects = this.master.step(input, this.now());
    if (this.checkInvariants) {
      const problems = masterInvariantViolations(this.master.state());
      if (problems.length > 0) {
        throw new Error(`invariant broken at ${this.now()} ms after ${input.type}: ${problems.join('; ')}`);
      }
    }
    for (const effect of effects) {
      this.observe({ type: 'effect', effect });
      this.perform(effect);
    }
  }

  private perform(effect: MasterEffect): void {
    switch (effect.type) {
      case 'framework_event': {
        const framework = this.frameworkByStream(effect.stream_id);
        if (framework !== undefined)
          this.inbox.push(...framework.receive(effect.event, effect.stream_id, this.now()));
        return;
      }
      case 'close_framework_stream':
        this.frameworkByStream(effect.stream_id)?.streamClosed(effect.stream_id);
        return;
      case 'agent_message': {
        const agent = this.agents.get(effect.connection);
        if (agent === undefined) return;
        this.performAgentActions(agent, agent.receive(effect.message, this.now()));
        if (effect.message.type === 'reregistered') this.performAgentActions(agent, agent.resendPending());
        return;
      }
      case 'set_timer':
        if (this.manualAllocation && effect.key === allocationTimer) this.allocationDue_ms = effect.at_ms;
        else
          this.queue.schedule(effect.at_ms, { kind: 'master_timer', key: effect.key }, masterKey(effect.key));
        return;
      case 'cancel_timer':
        if (this.manualAllocation && effect.key === allocationTimer) this.allocationDue_ms = undefined;
        else this.queue.cancel(masterKey(effect.key));
        return;
      case 'registry':
      case 'trace':
      case 'call_error':
        return;
    }
  }

  private frameworkByStream(streamId: string): ScenarioFramework | undefined {
    for (const framework of this.frameworks.values()) if (framework.streamId === streamId) return framework;
    return undefined;
  }
}

/** Queue key of a master timer. */
function masterKey(key: string): string {
  return `master:${key}`;
}

/** Queue key of a task's end. */
function taskKey(agent: string, frameworkId: string, taskId: string): string {
  return `task:${agent}:${frameworkId}:${taskId}`;
}
