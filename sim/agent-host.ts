// The simulator's side of the agents: it hands each agent what the master sent it, carries what
// the agent answers to the master over the agent's link, runs task timers, and retries what the
// agent would retry (its registration until the leader confirms it; unacknowledged status updates
// when messages may be lost). Faults happen here: a crash kills the machine and its tasks, a
// partition cuts the agent off while its tasks run on; recovery registers the agent again (as a
// new agent after a crash, with its tasks after a partition). Metrics and invariants hear of every
// task that starts or stops holding resources.
import type { AgentMessage } from '../engine/master/effects.ts';
import type { Rng } from '../engine/rng.ts';
import type { SimAgent, SimAgentAction, SimAgentListener, SimAgentTask } from './agent.ts';
import type { AgentNode } from './cluster.ts';
import type { SimConfig } from './config.ts';
import type { SimInvariants } from './invariants.ts';
import type { SimCounts, SimItem } from './items.ts';
import type { MasterHost } from './master-host.ts';
import { type SimMetrics, taskUsage } from './metrics.ts';
import type { SimNetwork } from './network.ts';
import type { Timeline, TimelineEntry } from './timeline.ts';

/** Terminal states an agent reports; any other state at a task's stop means it died with its agent. */
const terminal_states: ReadonlySet<string> = new Set([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
]);

/** What the agent host works with. */
export interface AgentHostDeps {
  readonly config: SimConfig;
  readonly timeline: Timeline<SimItem>;
  readonly network: SimNetwork;
  readonly masters: MasterHost;
  readonly metrics: SimMetrics;
  readonly invariants: SimInvariants;
  readonly counts: SimCounts;
  readonly faultRng: Rng;
  readonly now: () => number;
}

/** Runs the agents' side of the simulation. */
export class AgentHost {
  readonly nodes: AgentNode[] = [];
  private readonly byName = new Map<string, AgentNode>();
  private readonly deps: AgentHostDeps;
  private readonly lossy: boolean;

  constructor(deps: AgentHostDeps) {
    this.deps = deps;
    this.lossy = deps.config.network.loss_probability > 0;
  }

  /** Adds the cluster's machines. */
  add(nodes: readonly AgentNode[]): void {
    for (const node of nodes) {
      this.nodes.push(node);
      this.byName.set(node.name, node);
    }
  }

  /** The node an agent connection (its name) belongs to. */
  node(name: string): AgentNode | undefined {
    return this.byName.get(name);
  }

  /** Hears of tasks starting and stopping on agents. */
  listener(): SimAgentListener {
    return {
      taskStarted: (agent, task) => this.taskHolding(agent, task, true),
      taskStopped: (agent, task) => this.taskHolding(agent, task, false),
    };
  }

  /** Brings every machine up and registers it. */
  start(): void {
    for (const node of this.nodes) {
      this.deps.metrics.agentCapacity(node.capacity, true);
      this.register(node);
    }
  }

  /** Sends the agent's (re-)registration and arms its retry. */
  register(node: AgentNode): void {
    this.actions(node, [{ type: 'input', input: node.agent.register() }]);
    this.armTick(node, this.deps.now() + this.deps.config.retries.register_ms);
  }

  /** A new master leads: every agent that is up registers with it. */
  leaderChanged(): void {
    for (const node of this.nodes) if (node.agent.condition === 'up') this.register(node);
  }

  /** A message from the master arrives. */
  receive(node: AgentNode, message: AgentMessage): void {
    const agent = node.agent;
    if (agent.condition !== 'up') return;
    const now = this.deps.now();
    this.actions(node, agent.receive(message, now));
    if (message.type === 'registered' || message.type === 'reregistered')
      node.confirmedEpoch = this.deps.masters.epoch;
    if (message.type === 'reregistered') this.actions(node, agent.resendPending(now));
    if ((agent.condition as SimAgent['condition']) === 'stopped') {
      // Told to shut down (refused, or removed): the process restarts and registers anew.
      this.deps.counts.agent_restarts++;
      this.deps.timeline.schedule(now + this.deps.config.retries.agent_restart_ms, {
        kind: 'agent_fault',
        node,
        what: 'recover',
      });
    }
  }

  /** A task's run time is over. */
  taskEnd(node: AgentNode, frameworkId: string, taskId: string): void {
    this.actions(node, node.agent.end(frameworkId, taskId, 'TASK_FINISHED', this.deps.now()));
  }

  /** Performs an agent's actions: inputs go to the master over its link, task timers to the queue. */
  actions(node: AgentNode, actions: readonly SimAgentAction[]): void {
    const { network, timeline, masters, config } = this.deps;
    const now = this.deps.now();
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i]!;
      if (action.type === 'input') {
        const at = network.deliveryTime(node.toMaster, now);
        if (this.lossy && action.input.type === 'agent_status_update')
          this.armTick(node, now + config.retries.status_update_ms);
        if (at === undefined) continue;
        // A message sent while no master leads reaches nobody.
        const epoch = masters.leading ? masters.epoch : -1;
        timeline.schedule(at, { kind: 'to_master', epoch, input: action.input });
      } else if (action.type === 'task_timer') {
        timeline.schedule(action.at_ms, {
          kind: 'task_end',
          node,
          framework_id: action.framework_id,
          task_id: action.task_id,
        });
      }
      // A cancelled task timer is left to fire: the agent ignores the end of a task it no longer runs.
    }
  }

  /** The agent's retry timer: registration not confirmed, updates not acknowledged. */
  tick(node: AgentNode): void {
    node.tick = undefined;
    const agent = node.agent;
    if (agent.condition !== 'up') return;
    const masters = this.deps.masters;
    if (node.confirmedEpoch !== masters.epoch || !masters.leading) {
      this.register(node);
      return;
    }
    if (!this.lossy) return;
    const now = this.deps.now();
    const retry_ms = this.deps.config.retries.status_update_ms;
    this.actions(node, agent.retryUnacknowledged(now, now - retry_ms));
    if (agent.hasUnacknowledged()) this.armTick(node, now + retry_ms);
  }

  /** A machine crashes, is cut off, or comes back. */
  fault(node: AgentNode, what: 'crash' | 'partition' | 'recover'): void {
    const { counts, metrics } = this.deps;
    const agent = node.agent;
    if (what === 'recover') {
      if (agent.condition === 'up') return;
      if (node.fault === 'crashed') metrics.agentCapacity(node.capacity, true);
      // A crashed machine (or a restarted process) comes back empty, as a new agent.
      if (node.fault === 'crashed' || agent.condition === 'stopped') agent.id = undefined;
      if (node.fault !== 'none') counts.agent_recoveries++;
      const crashedId = node.fault === 'crashed' ? node.crashedId : undefined;
      node.fault = 'none';
      node.crashedId = undefined;
      node.confirmedEpoch = -1;
      // The rebooted machine resets the master's old connection to it (TCP answers it with a reset),
      // so the master learns the old agent is gone before the new one registers at its address;
      // otherwise it would take the registration for a retry and keep the dead agent's tasks.
      if (crashedId !== undefined && this.deps.masters.leading)
        this.actions(node, [{ type: 'input', input: { type: 'agent_disconnected', agent_id: crashedId } }]);
      this.register(node);
      return;
    }
    if (agent.condition !== 'up') return;
    if (what === 'crash') {
      counts.agent_crashes++;
      node.fault = 'crashed';
      node.crashedId = agent.id;
      this.actions(node, agent.crash(this.deps.now()));
      metrics.agentCapacity(node.capacity, false);
      this.deps.invariants.agentDown(node);
    } else {
      counts.agent_partitions++;
      node.fault = 'partitioned';
      agent.condition = 'failed';
    }
  }

  /** A random crash (Poisson over the cluster) of an agent that is up; it comes back after a drawn downtime. */
  randomFailure(): void {
    const rng = this.deps.faultRng;
    const up = this.nodes.filter((n) => n.agent.condition === 'up');
    if (up.length === 0) return;
    const node = up[rng.int(up.length)]!;
    this.fault(node, 'crash');
    const downtime = exponential(rng, this.deps.config.faults.agent_downtime_ms);
    this.deps.timeline.schedule(this.deps.now() + downtime, { kind: 'agent_fault', node, what: 'recover' });
  }

  private armTick(node: AgentNode, at_ms: number): void {
    const current = node.tick as TimelineEntry<SimItem> | undefined;
    if (current?.live && current.at_ms <= at_ms) return;
    if (current !== undefined) this.deps.timeline.cancel(current);
    node.tick = this.deps.timeline.schedule(at_ms, { kind: 'agent_tick', node });
  }

  private taskHolding(agent: SimAgent, task: SimAgentTask, started: boolean): void {
    const node = this.byName.get(agent.name)!;
    const { usage, role } = taskUsage(task.info);
    const sign = started ? 1 : -1;
    for (let i = 0; i < usage.length; i++) node.used[i]! += sign * usage[i]!;
    const metrics = this.deps.metrics;
    if (started) this.deps.invariants.taskStarted(node, task.info.task_id.value, this.deps.now());
    else metrics.taskEnded(terminal_states.has(task.state) ? task.state : 'TASK_LOST');
    metrics.taskUsage(task.framework_id, role, usage, started);
  }
}

/** An exponentially distributed draw with the given mean. */
export function exponential(rng: Rng, mean: number): number {
  return -Math.log(1 - rng.next()) * mean;
}
