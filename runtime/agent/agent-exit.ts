// An agent that exits without shutting down (the `meso agent` process gets SIGTERM or SIGINT), as
// Mesos's agent exits: the executors and tasks of frameworks that checkpoint run on, so that the
// next start with the same work_dir recovers them; those of frameworks that do not checkpoint are
// killed, since nothing could take them back. Nothing is checkpointed as killed for the work left
// running: its checkpoints already say all a restarted agent needs.
import { agent_stop_kill_grace_ms } from '../constants.ts';
import { checkpoints, checkpointTask } from './checkpoint.ts';
import { type AgentCore, taskKey } from './core.ts';
import { type AgentExecutor, isTerminalState } from './executors.ts';

/** What the exit did: executors left running and executors killed. */
export interface ExitSummary {
  readonly left_running: number;
  readonly killed: number;
}

/** Stops the agent's own interest in an executor: its process and its tasks' run on without it. */
function release(core: AgentCore, executor: AgentExecutor): void {
  for (const task_id of executor.tasks.keys())
    core.runners.get(taskKey(executor.framework_id, task_id))?.release();
  executor.container?.release();
}

/** Kills an executor and its tasks; returns what ends once they are gone. */
function kill(core: AgentCore, executor: AgentExecutor): Promise<unknown>[] {
  const ends: Promise<unknown>[] = [];
  for (const task of [...executor.tasks.values(), ...executor.queued.values()]) {
    const runner = core.runners.get(taskKey(executor.framework_id, task.info.task_id.value));
    if (runner !== undefined) {
      runner.kill(agent_stop_kill_grace_ms);
      ends.push(runner.done);
    }
    if (isTerminalState(task.state) || task.kill_requested) continue;
    task.kill_requested = true;
    checkpointTask(core, executor, task);
  }
  if (executor.container !== undefined) ends.push(executor.container.kill(agent_stop_kill_grace_ms));
  return ends;
}

/**
 * Leaves the work of checkpointing frameworks running and kills the rest, waiting (boundedly) for
 * what it killed to end. The caller has set `core.stopping` and closed the link to the master.
 */
export async function exitLeavingRecoverableWork(core: AgentCore, wait_ms: number): Promise<ExitSummary> {
  const ends: Promise<unknown>[] = [];
  let left_running = 0;
  let killed = 0;
  for (const framework of core.book.frameworks.values()) {
    const keep = checkpoints(framework) && !framework.terminating;
    for (const executor of framework.executors.values()) {
      for (const timer of executor.timers) clearTimeout(timer);
      executor.timers.clear();
      // The stream ends with the agent; an executor of a checkpointing framework subscribes again
      // once the agent is back.
      executor.subscription?.close();
      executor.subscription = undefined;
      if (executor.phase === 'terminated') continue;
      if (keep) {
        release(core, executor);
        left_running++;
      } else {
        ends.push(...kill(core, executor));
        killed++;
      }
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, wait_ms);
  });
  await Promise.race([Promise.allSettled(ends), deadline]);
  clearTimeout(timer);
  return { left_running, killed };
}
