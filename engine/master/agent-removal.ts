// Agents leaving: removed for good (unregistered, replaced, or failed health checks with the
// `remove` policy) or marked unreachable (failed health checks, Mesos's default; they may come
// back). Their offers are rescinded and their tasks reported to frameworks: TASK_UNREACHABLE for
// partition-aware frameworks when the agent is unreachable, else TASK_GONE (partition-aware) or
// TASK_LOST, with REASON_AGENT_REMOVED.
import { type Ctx, cancelTimer, sendEvent, trace } from './context.ts';
import { rescindAgentOffers } from './offers.ts';
import { removed_agents_max } from './options.ts';
import { type AgentRecord, addBounded } from './state.ts';
import {
  applyStatus,
  completeTask,
  detachTask,
  endTask,
  executorField,
  isPartitionAware,
  isTerminal,
  masterStatus,
  sendUpdate,
} from './tasks.ts';
import { agentPingTimer } from './timers.ts';

/** Removes an agent (or marks it unreachable), reporting its tasks as lost to their frameworks. */
export function removeAgent(ctx: Ctx, agent: AgentRecord, reason: string, unreachable: boolean): void {
  const state = ctx.state;
  rescindAgentOffers(ctx, agent, `agent removed: ${reason}`);
  // The agent leaves the state first, so that ending its tasks does not hand their resources back
  // to the allocator: the whole agent leaves the allocator below.
  state.agents.delete(agent.id);
  if (state.agentsByAddress.get(`${agent.hostname}:${agent.port}`) === agent.id) {
    state.agentsByAddress.delete(`${agent.hostname}:${agent.port}`);
  }
  const message = unreachable
    ? `Agent ${agent.hostname} is unreachable: ${reason}`
    : `Agent ${agent.hostname} removed: ${reason}`;
  for (const [frameworkId, tasks] of [...agent.tasks]) {
    const framework = state.frameworks.get(frameworkId);
    if (framework === undefined)
      throw new Error(`agent ${agent.id} holds tasks of unknown framework ${frameworkId}`);
    for (const task of [...tasks.values()]) {
      if (isTerminal(task.state)) {
        completeTask(ctx, framework, task);
      } else if (unreachable && isPartitionAware(framework)) {
        const status = masterStatus(
          ctx,
          task.task_id,
          agent.id,
          'TASK_UNREACHABLE',
          'REASON_AGENT_REMOVED',
          message,
          {
            ...executorField(task),
            unreachable_time: { nanoseconds: ctx.now * 1e6 },
          },
        );
        applyStatus(ctx, task, status);
        sendUpdate(ctx, framework, status);
        detachTask(ctx, framework, task);
        task.unreachableSinceMs = ctx.now;
        framework.unreachableTasks.set(task.task_id, task);
      } else {
        const lost = unreachable || !isPartitionAware(framework) ? 'TASK_LOST' : 'TASK_GONE';
        endTask(ctx, framework, task, lost, 'REASON_AGENT_REMOVED', message, true);
      }
    }
  }
  agent.tasks.clear();
  agent.executors.clear();
  agent.used.clear();
  ctx.allocator.removeAgent(agent.id);
  cancelTimer(ctx, agentPingTimer(agent.id));
  // Mesos tells every framework that the agent is lost (a FAILURE naming only the agent).
  for (const framework of state.frameworks.values()) {
    sendEvent(ctx, framework, { type: 'FAILURE', failure: { agent_id: { value: agent.id } } });
  }
  if (unreachable) {
    state.unreachableAgents.set(agent.id, { info: agent.info, sinceMs: ctx.now, markedHere: true });
    trimUnreachable(ctx);
    ctx.out.push({ type: 'registry', op: 'agent_unreachable', agent_id: agent.id, time_ms: ctx.now });
  } else {
    addBounded(state.removedAgents, agent.id, removed_agents_max);
    ctx.out.push({ type: 'registry', op: 'agent_removed', agent_id: agent.id });
  }
  trace(ctx, { type: 'agent_removed', agent_id: agent.id, unreachable, reason });
}

/** Agents from the registry that did not re-register in time are marked unreachable. */
export function reregisterTimedOut(ctx: Ctx): void {
  const state = ctx.state;
  for (const [agentId, info] of [...state.recoveredAgents]) {
    state.recoveredAgents.delete(agentId);
    state.unreachableAgents.set(agentId, { info, sinceMs: ctx.now, markedHere: false });
    trimUnreachable(ctx);
    ctx.out.push({ type: 'registry', op: 'agent_unreachable', agent_id: agentId, time_ms: ctx.now });
    trace(ctx, {
      type: 'agent_removed',
      agent_id: agentId,
      unreachable: true,
      reason: 'did not re-register in time',
    });
  }
}

/** Forgets the oldest unreachable agents beyond the bound (they may still re-register, as unknown agents). */
function trimUnreachable(ctx: Ctx): void {
  const unreachable = ctx.state.unreachableAgents;
  while (unreachable.size > removed_agents_max) {
    const oldest = unreachable.keys().next();
    if (oldest.done) break;
    unreachable.delete(oldest.value);
  }
}
