// A custom executor is given a while to subscribe: once launched, or again after the agent restarted
// and found it still running. One that has not subscribed by then is destroyed, and its tasks end
// with the reason the deadline names.
import { type AgentCore, track } from './core.ts';
import type { AgentExecutor } from './executors.ts';
import type { ContainerHandle } from './launcher.ts';

/** How long an executor has to subscribe, and what its destruction is logged and reported as. */
export interface SubscriptionDeadline {
  readonly timeout_ms: number;
  /** The warning logged when the executor is destroyed. */
  readonly warning: string;
  /** Why the agent ended the executor (its tasks' updates say so). */
  readonly termination: { readonly reason: string; readonly message: string };
}

/** Destroys `executor` unless it subscribes within the deadline (the timer is one the executor owns). */
export function destroyUnlessSubscribed(
  core: AgentCore,
  executor: AgentExecutor,
  container: ContainerHandle,
  deadline: SubscriptionDeadline,
): void {
  const timer = setTimeout(() => {
    executor.timers.delete(timer);
    if (executor.phase !== 'registering') return;
    core.log.warn(deadline.warning, { executor_id: executor.executor_id });
    executor.phase = 'terminating';
    executor.termination = deadline.termination;
    track(core, 'executor kill', container.kill(0));
  }, deadline.timeout_ms);
  executor.timers.add(timer);
}
