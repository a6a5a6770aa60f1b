// Invariants of a master's state that must hold after every step, whatever happened: nothing is
// offered twice, nothing is used or offered beyond an agent's resources, offers are only on
// connected agents, and tasks sit on agents the master knows. The simulator checks them after each
// input, so a bug shows at the step that caused it, not at the end of a run.
import type { TraceEvent } from '../engine/events.ts';
import type { MasterStateView } from '../engine/master/view.ts';
import { add, contains, formatResources, type Resources, unallocate } from '../engine/resources.ts';

/** Every invariant the view breaks, one message each (empty when all hold). */
export function masterInvariantViolations(view: MasterStateView): string[] {
  const problems: string[] = [];
  const agents = new Map(view.agents.map((a) => [a.id, a]));
  const unreachable = new Set(view.unreachable_agents.map((u) => u.id));
  for (const agent of view.agents) {
    const taken: Resources = add(unallocate(agent.used_resources), unallocate(agent.offered_resources));
    if (!contains(agent.resources, taken)) {
      problems.push(
        `agent ${agent.id}: used and offered ${formatResources(taken)} exceed its resources ${formatResources(agent.resources)}`,
      );
    }
  }
  const offerIds = new Set<string>();
  for (const framework of view.frameworks) {
    for (const offer of framework.offers) {
      if (offerIds.has(offer.id)) problems.push(`offer ${offer.id} is outstanding twice`);
      offerIds.add(offer.id);
      if (offer.framework_id !== framework.id)
        problems.push(`offer ${offer.id} is listed under another framework`);
      const agent = agents.get(offer.agent_id);
      if (agent === undefined || !agent.active)
        problems.push(`offer ${offer.id} is on agent ${offer.agent_id}, which is not active`);
    }
    for (const task of framework.tasks) {
      if (!agents.has(task.agent_id))
        problems.push(`task ${task.task_id} is on agent ${task.agent_id}, which is not registered`);
    }
    for (const task of framework.unreachable_tasks) {
      if (!unreachable.has(task.agent_id))
        problems.push(`unreachable task ${task.task_id} is on a reachable agent`);
    }
  }
  return problems;
}

/** At most this many violation messages are kept; the count goes on. */
const violations_kept_max = 100;

/** What the simulator's invariant checks need to know of an agent. */
interface CheckedNode {
  readonly name: string;
  readonly capacity: Float64Array;
  readonly used: Float64Array;
  readonly agent: { readonly condition: string; readonly id: string | undefined };
}

/**
 * Invariants of a whole simulation, checked as it runs: no agent holds more than its capacity, no
 * task starts on a dead agent, the master launches only on agents it holds registered, and one
 * master leads at a time. With `strict`, the first violation throws (so a test stops at the step
 * that caused it); otherwise violations are counted and reported.
 */
export class SimInvariants {
  readonly violations: string[] = [];
  count = 0;
  checks = 0;
  private readonly strict: boolean;
  /** Epoch of the master leading now, or undefined while none leads. */
  private leading: number | undefined;
  /** Agent ids the leading master holds registered, from its trace. */
  private readonly registered = new Set<string>();

  constructor(strict: boolean) {
    this.strict = strict;
  }

  /** A master of `epoch` starts leading. */
  masterStarted(epoch: number, now: number): void {
    if (this.leading !== undefined)
      this.violate(now, `master ${epoch} starts while master ${this.leading} still leads`);
    this.leading = epoch;
    this.registered.clear();
  }

  /** The master of `epoch` stops leading. */
  masterStopped(epoch: number, now: number): void {
    if (this.leading !== epoch) this.violate(now, `master ${epoch} stops but master ${this.leading} leads`);
    this.leading = undefined;
    this.registered.clear();
  }

  /** A trace event of the leading master. */
  trace(event: TraceEvent): void {
    switch (event.type) {
      case 'agent_added':
        this.registered.add(event.agent_id);
        return;
      case 'agent_removed':
        this.registered.delete(event.agent_id);
        return;
      case 'task_launched':
        if (!this.registered.has(event.agent_id))
          this.violate(
            event.time_ms,
            `task ${event.task_id} launched on agent ${event.agent_id}, which the master does not hold`,
          );
        return;
      default:
        return;
    }
  }

  /** A task started on `node` (its usage already counted). */
  taskStarted(node: CheckedNode, taskId: string, now: number): void {
    this.checks++;
    if (node.agent.condition !== 'up')
      this.violate(now, `task ${taskId} started on ${node.name}, which is down`);
    for (let i = 0; i < node.used.length; i++) {
      if (node.used[i]! > node.capacity[i]! + 1e-6)
        this.violate(
          now,
          `agent ${node.name} holds ${node.used[i]} of resource ${i}, over its ${node.capacity[i]}`,
        );
    }
  }

  /** A crashed agent must hold nothing. */
  agentDown(node: CheckedNode): void {
    for (let i = 0; i < node.used.length; i++) {
      if (Math.abs(node.used[i]!) > 1e-6)
        this.violate(0, `crashed agent ${node.name} still holds resource ${i}`);
    }
  }

  /** Checks the master's own invariants on its state view. */
  checkMaster(view: MasterStateView, now: number): void {
    this.checks++;
    for (const problem of masterInvariantViolations(view)) this.violate(now, problem);
  }

  /** Records a violation; throws when strict. */
  violate(now: number, message: string): void {
    const text = `at ${now} ms: ${message}`;
    this.count++;
    if (this.violations.length < violations_kept_max) this.violations.push(text);
    if (this.strict) throw new Error(`invariant broken ${text}`);
  }
}
