// The scenario interpreter: runs parsed commands against the scenario host, one handler per
// command, and collects what each command caused as output lines. The host is built lazily at the
// first command that needs it, so `policy` must come before agents, roles and frameworks.
import type { AllocatorAgent } from '../../engine/allocator/allocator.ts';
import type { PolicyName } from '../../engine/allocator/policies.ts';
import { scenario_rounds_max } from '../../engine/constants.ts';
import type { TraceEvent } from '../../engine/events.ts';
import type { MasterInput } from '../../engine/master/inputs.ts';
import type { Operation, TaskInfo } from '../../engine/master/v1.ts';
import { parseResources } from '../../engine/resources.ts';
import { createTaskLauncher, type TaskLauncher } from '../../engine/scheduling/task-launcher.ts';
import { SimAgent } from '../agent.ts';
import { showEffect } from './format.ts';
import { ScenarioFramework } from './framework.ts';
import { type HostObservation, ScenarioHost } from './host.ts';
import { compareTaskIds, ScenarioNames } from './names.ts';
import type { AcceptOperation, FrameworkSpec, ScenarioCommand } from './parse.ts';
import { printSubject } from './print.ts';
import { ScenarioError } from './values.ts';

/** Master settings of scenario hosts: Mesos's defaults, except that allocation is by command. */
const scenario_allocation_interval_ms = 1;

/** The machine a scenario names by its agent's name: simulated agents announce no IP, so 127.0.0.1. */
function machineOf(name: string): { hostname: string; ip: string } {
  return { hostname: name, ip: '127.0.0.1' };
}

/** Rounds a `run` without `max=` may take. */
const run_rounds_default = 100;

/** What happened during one `run` round, to decide whether the cluster is quiescent. */
interface RoundRecord {
  /** Offers made, as `framework agent role resources` lines. */
  offers: string[];
  /** Launches, status changes, agents and frameworks coming and going. */
  changes: number;
}

/** Runs scenario commands and collects their output. */
export class ScenarioInterpreter {
  private host: ScenarioHost | undefined;
  private policy: { name: PolicyName; seed: string } = { name: 'drf', seed: '1' };
  private readonly names = new ScenarioNames();
  private readonly launchers = new Map<string, TaskLauncher>();
  /** Tasks each framework launched through `accept` commands, for their ids. */
  private readonly launched = new Map<string, number>();
  private lines: string[] = [];
  private round: RoundRecord | undefined;

  /** Runs one command and returns its output lines. */
  execute(command: ScenarioCommand): string[] {
    this.lines = [];
    try {
      this.dispatch(command);
    } catch (error) {
      if (error instanceof ScenarioError) throw error.atLine(command.line);
      throw error;
    }
    return this.lines;
  }

  private dispatch(c: ScenarioCommand): void {
    switch (c.kind) {
      case 'policy':
        if (this.host !== undefined)
          throw new ScenarioError('policy must come before agents, roles and frameworks');
        this.policy = { name: c.policy, seed: c.seed };
        return;
      case 'agent':
        this.addAgent(c.name, c.resources, c.attributes);
        return;
      case 'role':
        this.configureRole(c.role, c.weight, c.quota, c.limit);
        return;
      case 'framework':
        this.addFramework(c.spec);
        return;
      case 'allocate':
        this.ensureHost().allocate();
        if (!this.lines.some((l) => l.startsWith('offer '))) this.lines.push('no offers');
        return;
      case 'run':
        this.run(c.rounds_max ?? run_rounds_default);
        return;
      case 'tick':
        this.ensureHost().advanceBy(c.duration_ms);
        return;
      case 'decline': {
        const framework = this.framework(c.framework);
        if (framework.held.length === 0) this.lines.push(`${c.framework} holds no offers`);
        this.ensureHost().send(...framework.declineHeld(c.refuse_seconds));
        return;
      }
      case 'suppress':
      case 'revive':
        this.suppressOrRevive(c.kind, c.framework, c.role);
        return;
      case 'agent-remove':
        this.removeAgent(c.agent);
        return;
      case 'agent-fail':
        this.failAgent(c.agent);
        return;
      case 'agent-restart':
        this.restartAgent(c.agent);
        return;
      case 'failover': {
        const framework = this.framework(c.framework);
        this.ensureHost().send(framework.subscribe());
        return;
      }
      case 'disconnect': {
        const input = this.framework(c.framework).disconnect();
        if (input === undefined)
          throw new ScenarioError(`disconnect: framework ${c.framework} is not connected`);
        this.ensureHost().send(input);
        return;
      }
      case 'teardown':
        this.frameworkCall(c.framework, (id) => ({ type: 'TEARDOWN', framework_id: { value: id } }));
        return;
      case 'finish':
        this.finish(c.framework, c.count);
        return;
      case 'accept':
        this.accept(c.framework, c.offer, c.refuse_seconds, c.operations);
        return;
      case 'schedule':
        this.ensureHost().send({
          type: 'operator_update_maintenance_schedule',
          schedule: {
            windows: c.windows.map((w) => ({
              machine_ids: w.machines.map(machineOf),
              unavailability: {
                start: { nanoseconds: w.start_ms * 1e6 },
                ...(w.duration_ms === undefined ? {} : { duration: { nanoseconds: w.duration_ms * 1e6 } }),
              },
            })),
          },
        });
        return;
      case 'machine-down':
      case 'machine-up':
        this.ensureHost().send({
          type: c.kind === 'machine-down' ? 'operator_start_maintenance' : 'operator_stop_maintenance',
          machines: c.machines.map(machineOf),
        });
        return;
      case 'inverse-accept':
      case 'inverse-decline': {
        const framework = this.framework(c.framework);
        if (framework.heldInverse.length === 0) this.lines.push(`${c.framework} holds no inverse offers`);
        this.ensureHost().send(...framework.answerInverse(c.kind === 'inverse-accept', c.refuse_seconds));
        return;
      }
      case 'print':
        this.lines.push(
          ...printSubject(c.subject, {
            host: this.ensureHost(),
            names: this.names,
            launchers: this.launchers,
          }),
        );
        return;
    }
  }

  /** The host, built with the policy chosen so far at its first use. */
  private ensureHost(): ScenarioHost {
    if (this.host !== undefined) return this.host;
    this.host = new ScenarioHost({
      policy: this.policy.name,
      seed: this.policy.seed,
      partitions: this.policy.name === 'static' ? (_id, agent) => this.ownerOf(agent) : undefined,
      master: { allocationIntervalMs: scenario_allocation_interval_ms },
      manualAllocation: true,
      checkInvariants: true,
      observe: (o) => this.observe(o),
    });
    return this.host;
  }

  /** Static partitioning: an agent's `owner` attribute names a framework (by scenario name) or a role. */
  private ownerOf(agent: AllocatorAgent): string | undefined {
    const owner = agent.attributes?.owner;
    if (owner === undefined) return undefined;
    return this.names.frameworkId(owner) ?? owner;
  }

  private observe(o: HostObservation): void {
    if (o.type === 'note') {
      if (o.text !== '') this.lines.push(o.text);
      return;
    }
    const effect = o.effect;
    if (effect.type === 'trace') this.recordRound(effect.event);
    this.lines.push(...showEffect(effect, this.names));
  }

  private recordRound(event: TraceEvent): void {
    const round = this.round;
    if (round === undefined) return;
    switch (event.type) {
      case 'offer_made':
        round.offers.push(
          `${event.framework_id} ${event.agent_id} ${event.role} ${JSON.stringify(event.resources)}`,
        );
        return;
      case 'offer_accepted':
      case 'offer_declined':
      case 'offer_rescinded':
      case 'allocation_cycle':
      case 'input_ignored':
        return;
      default:
        round.changes++;
    }
  }

  private addAgent(name: string, resources: string, attributes: Readonly<Record<string, string>>): void {
    const host = this.ensureHost();
    if (host.agents.has(name)) throw new ScenarioError(`agent ${name} already exists`);
    host.addAgent(new SimAgent(name, resources, attributes));
  }

  private configureRole(
    role: string,
    weight: number | undefined,
    quota: Readonly<Record<string, number>> | undefined,
    limit: Readonly<Record<string, number>> | undefined,
  ): void {
    const host = this.ensureHost();
    const inputs: MasterInput[] = [];
    if (weight !== undefined) inputs.push({ type: 'operator_update_weights', weights: [{ role, weight }] });
    if (quota !== undefined || limit !== undefined) {
      inputs.push({
        type: 'operator_update_quota',
        role,
        quota: { guarantees: quota ?? {}, ...(limit === undefined ? {} : { limits: limit }) },
      });
    }
    if (inputs.length === 0) throw new ScenarioError(`role ${role}: give weight=, quota= or limit=`);
    host.send(...inputs);
  }

  private addFramework(spec: FrameworkSpec): void {
    const host = this.ensureHost();
    if (host.frameworks.has(spec.name)) throw new ScenarioError(`framework ${spec.name} already exists`);
    const launcher = createTaskLauncher({
      name: spec.name,
      roles: spec.roles,
      task: spec.task,
      tasks: spec.tasks,
      per_offer: spec.per_offer,
      refuse_seconds: spec.refuse_seconds,
      duration_ms: spec.duration_ms,
      failover_timeout_seconds: spec.failover_timeout_seconds,
      suppress_when_done: spec.suppress_when_done,
      checkpoint: spec.checkpoint,
    });
    this.launchers.set(spec.name, launcher);
    host.addFramework(new ScenarioFramework(launcher));
  }

  /**
   * Rounds of allocate, answer, run tasks, until quiescent or `rounds_max` rounds. A round is idle
   * when it launched nothing and changed no task, agent or framework; the run is quiescent after an
   * idle round that made no offers, or only offers (framework, agent, role, resources) made already
   * in the idle rounds since the last change: the frameworks declined them then and, nothing
   * having changed, decline them again.
   */
  private run(rounds_max: number): void {
    if (rounds_max > scenario_rounds_max) {
      throw new ScenarioError(`run: max=${rounds_max} is more than ${scenario_rounds_max} rounds`);
    }
    const host = this.ensureHost();
    const declined = new Set<string>();
    for (let n = 1; n <= rounds_max; n++) {
      this.lines.push(`round ${n}`);
      const round: RoundRecord = { offers: [], changes: 0 };
      this.round = round;
      try {
        host.allocate();
        for (const framework of host.frameworks.values()) host.send(...framework.answerOffers(host.now()));
      } finally {
        this.round = undefined;
      }
      if (round.changes > 0) declined.clear();
      if (round.changes === 0 && round.offers.every((o) => declined.has(o))) {
        this.lines.push(`quiescent after ${n} round${n === 1 ? '' : 's'}`);
        return;
      }
      if (round.changes === 0) for (const o of round.offers) declined.add(o);
    }
    this.lines.push(`stopped after ${rounds_max} rounds (max)`);
  }

  private framework(name: string): ScenarioFramework {
    const framework = this.ensureHost().frameworks.get(name);
    if (framework === undefined) throw new ScenarioError(`unknown framework '${name}'`);
    return framework;
  }

  private agent(name: string): SimAgent {
    const agent = this.ensureHost().agents.get(name);
    if (agent === undefined) throw new ScenarioError(`unknown agent '${name}'`);
    return agent;
  }

  private frameworkCall(name: string, make: (id: string) => Parameters<ScenarioFramework['call']>[0]): void {
    const framework = this.framework(name);
    if (framework.frameworkId === undefined) throw new ScenarioError(`framework ${name} has not subscribed`);
    if (framework.streamId === undefined) throw new ScenarioError(`framework ${name} is not connected`);
    this.ensureHost().send(...framework.call(make(framework.frameworkId)));
  }

  private suppressOrRevive(kind: 'suppress' | 'revive', name: string, role: string | undefined): void {
    const roles = role === undefined ? [] : [role];
    this.frameworkCall(name, (id) =>
      kind === 'suppress'
        ? { type: 'SUPPRESS', framework_id: { value: id }, suppress: { roles } }
        : { type: 'REVIVE', framework_id: { value: id }, revive: { roles } },
    );
  }

  private removeAgent(name: string): void {
    const agent = this.agent(name);
    if (agent.id === undefined) throw new ScenarioError(`agent-remove: agent ${name} is not registered`);
    const host = this.ensureHost();
    const id = agent.id;
    host.performAgentActions(agent, agent.shutdown('removed by the scenario'));
    host.send({ type: 'agent_unregister', agent_id: id });
  }

  private failAgent(name: string): void {
    const agent = this.agent(name);
    if (agent.condition !== 'up') throw new ScenarioError(`agent-fail: agent ${name} is not up`);
    agent.condition = 'failed';
  }

  private restartAgent(name: string): void {
    const agent = this.agent(name);
    const host = this.ensureHost();
    // A restart closes the old connection first, when the master still has one.
    if (agent.condition === 'up' && agent.id !== undefined)
      host.send({ type: 'agent_disconnected', agent_id: agent.id });
    host.send(agent.register());
  }

  /**
   * The framework accepts one held offer (`offer`, else its first) with the given operations, in
   * order: resource operations with the resources as written (the master gives them the offer's
   * allocation role), and each launch as one command task that runs until finished.
   */
  private accept(
    name: string,
    offerName: string | undefined,
    refuse_seconds: number | undefined,
    operations: readonly AcceptOperation[],
  ): void {
    const framework = this.framework(name);
    const offer =
      offerName === undefined
        ? framework.held[0]
        : framework.held.find((o) => this.names.offer(o.id.value) === offerName);
    if (offer === undefined) {
      throw new ScenarioError(
        `accept: framework ${name} holds ${offerName === undefined ? 'no offers' : `no offer ${offerName}`}`,
      );
    }
    framework.held = framework.held.filter((o) => o !== offer);
    const ops = operations.map((op) => this.operation(name, offer.agent_id, op));
    const filters = refuse_seconds === undefined ? {} : { filters: { refuse_seconds } };
    this.frameworkCall(name, (id) => ({
      type: 'ACCEPT',
      framework_id: { value: id },
      accept: { offer_ids: [offer.id], operations: ops, ...filters },
    }));
  }

  /** The v1 Operation for one operation of an `accept` command. */
  private operation(name: string, agentId: { readonly value: string }, op: AcceptOperation): Operation {
    const resources = [...parseResources(op.resources)];
    switch (op.type) {
      case 'reserve':
        return { type: 'RESERVE', reserve: { resources } };
      case 'unreserve':
        return { type: 'UNRESERVE', unreserve: { resources } };
      case 'create':
        return { type: 'CREATE', create: { volumes: resources } };
      case 'destroy':
        return { type: 'DESTROY', destroy: { volumes: resources } };
      case 'launch': {
        const n = (this.launched.get(name) ?? 0) + 1;
        this.launched.set(name, n);
        const taskId = `${name}-x${n}`;
        const task: TaskInfo = {
          name: taskId,
          task_id: { value: taskId },
          agent_id: { value: agentId.value },
          resources,
          command: { value: 'sleep 3600', shell: true },
        };
        return { type: 'LAUNCH', launch: { task_infos: [task] } };
      }
    }
  }

  private finish(name: string, count: number | undefined): void {
    const framework = this.framework(name);
    const host = this.ensureHost();
    const running: Array<{ agent: SimAgent; taskId: string }> = [];
    for (const agent of host.agents.values()) {
      if (agent.condition === 'stopped') continue;
      for (const task of agent.taskList()) {
        if (task.framework_id === framework.frameworkId && task.state === 'TASK_RUNNING') {
          running.push({ agent, taskId: task.info.task_id.value });
        }
      }
    }
    running.sort((a, b) => compareTaskIds(a.taskId, b.taskId));
    const chosen = running.slice(0, count ?? running.length);
    if (chosen.length === 0) this.lines.push(`${name} has no running tasks`);
    for (const { agent, taskId } of chosen) {
      host.performAgentActions(agent, agent.end(framework.frameworkId!, taskId, 'TASK_FINISHED', host.now()));
      host.settle();
    }
  }
}
