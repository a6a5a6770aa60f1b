// Invariants of a whole simulation, beyond the master's own (engine/master/invariants.ts, which
// this checks on the leader's state view): machines never hold more than they have, tasks start
// only on live machines and on agents the leading master holds, and one master leads at a time.
import type { TraceEvent } from '../engine/events.ts';
import { masterInvariantViolations } from '../engine/master/invariants.ts';
import type { MasterStateView } from '../engine/master/view.ts';

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
