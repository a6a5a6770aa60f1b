// Operator calls about whole agents: DEACTIVATE_AGENT and REACTIVATE_AGENT (offers off and on),
// DRAIN_AGENT (offers off, every task killed with its grace period bounded; DRAINED once no task
// is live, then removed for good when asked), and MARK_AGENT_GONE (the agent is shut down and may
// never come back; its tasks end TASK_GONE_BY_OPERATOR).
import { removeAgent } from './agent-removal.ts';
import { type Ctx, callError, sendAgent } from './context.ts';
import { rescindAgentOffers } from './offers.ts';
import { removed_agents_max } from './options.ts';
import { type AgentRecord, addBounded } from './state.ts';
import { endTask, isTerminal } from './tasks.ts';
import type { KillPolicy } from './v1.ts';

/** The registered agent `agentId`, or a 400 naming it. */
function registered(ctx: Ctx, agentId: string): AgentRecord | undefined {
  const agent = ctx.state.agents.get(agentId);
  if (agent === undefined) callError(ctx, 400, `No agent found with specified ID ${agentId}`);
  return agent;
}

/** After the allocator took an agent afresh: an agent an operator deactivated stays so. */
export function keepDeactivated(ctx: Ctx, agentId: string): void {
  if (ctx.state.deactivatedAgents.has(agentId)) ctx.allocator.deactivateAgent(agentId);
}

/** Turns offers for an agent off: outstanding ones are rescinded, tasks run on. */
export function deactivateAgent(ctx: Ctx, agentId: string): void {
  const agent = registered(ctx, agentId);
  if (agent === undefined) return;
  ctx.state.deactivatedAgents.add(agentId);
  rescindAgentOffers(ctx, agent, 'agent deactivated by the operator');
  ctx.allocator.deactivateAgent(agentId);
}

/** Turns offers for a deactivated (or drained) agent back on. */
export function reactivateAgent(ctx: Ctx, agentId: string): void {
  const agent = registered(ctx, agentId);
  if (agent === undefined) return;
  if (!ctx.state.deactivatedAgents.has(agentId)) {
    callError(ctx, 400, `Agent ${agentId} is not deactivated`);
    return;
  }
  const drain = ctx.state.drains.get(agentId);
  if (drain?.state === 'DRAINING') {
    callError(ctx, 400, `Agent ${agentId} is still draining; reactivate it once it is drained`);
    return;
  }
  ctx.state.deactivatedAgents.delete(agentId);
  ctx.state.drains.delete(agentId);
  if (agent.connected) ctx.allocator.activateAgent(agentId);
}

/** The kill policy of a drained task: its own grace period, bounded by the drain's. */
function boundedPolicy(own: KillPolicy | undefined, max_ns: number | undefined): KillPolicy | undefined {
  if (max_ns === undefined) return own;
  const ns = Math.min(own?.grace_period?.nanoseconds ?? max_ns, max_ns);
  return { grace_period: { nanoseconds: ns } };
}

/** Starts draining an agent: no more offers, every live task killed. */
export function drainAgent(
  ctx: Ctx,
  agentId: string,
  mark_gone: boolean,
  max_grace_period_ns: number | undefined,
): void {
  const agent = registered(ctx, agentId);
  if (agent === undefined) return;
  if (
    max_grace_period_ns !== undefined &&
    !(Number.isFinite(max_grace_period_ns) && max_grace_period_ns >= 0)
  ) {
    callError(ctx, 400, 'drain_agent.max_grace_period must be a duration of 0 or more');
    return;
  }
  ctx.state.deactivatedAgents.add(agentId);
  ctx.state.drains.set(agentId, { state: 'DRAINING', mark_gone, max_grace_period_ns });
  rescindAgentOffers(ctx, agent, 'agent draining');
  ctx.allocator.deactivateAgent(agentId);
  for (const [frameworkId, tasks] of agent.tasks) {
    for (const task of tasks.values()) {
      if (isTerminal(task.state)) continue;
      const kill_policy = boundedPolicy(task.info?.kill_policy, max_grace_period_ns);
      sendAgent(ctx, agent, {
        type: 'kill_task',
        framework_id: { value: frameworkId },
        task_id: { value: task.task_id },
        ...(kill_policy === undefined ? {} : { kill_policy }),
      });
    }
  }
  checkDrained(ctx, agentId);
}

/** After any input: each draining agent with no live task left is drained. */
export function checkDrains(ctx: Ctx): void {
  for (const [agentId, drain] of [...ctx.state.drains]) {
    if (drain.state === 'DRAINING') checkDrained(ctx, agentId);
  }
}

/** A draining agent with no live task is drained (and, when asked, marked gone). */
function checkDrained(ctx: Ctx, agentId: string): void {
  const drain = ctx.state.drains.get(agentId);
  const agent = ctx.state.agents.get(agentId);
  if (drain === undefined || drain.state !== 'DRAINING' || agent === undefined) return;
  for (const tasks of agent.tasks.values()) {
    for (const task of tasks.values()) if (!isTerminal(task.state)) return;
  }
  drain.state = 'DRAINED';
  if (drain.mark_gone) goneAgent(ctx, agent);
}

/** Ends an agent for good: its tasks TASK_GONE_BY_OPERATOR, the agent shut down and removed. */
function goneAgent(ctx: Ctx, agent: AgentRecord): void {
  const message = `Agent ${agent.hostname} was marked gone by the operator`;
  for (const [frameworkId, tasks] of [...agent.tasks]) {
    const framework = ctx.state.frameworks.get(frameworkId);
    if (framework === undefined) continue;
    for (const task of [...tasks.values()]) {
      if (isTerminal(task.state)) continue;
      endTask(
        ctx,
        framework,
        task,
        'TASK_GONE_BY_OPERATOR',
        'REASON_AGENT_REMOVED_BY_OPERATOR',
        message,
        true,
      );
    }
  }
  sendAgent(ctx, agent, { type: 'shutdown', message });
  removeAgent(ctx, agent, 'marked gone by the operator', false);
  ctx.state.deactivatedAgents.delete(agent.id);
  ctx.state.drains.delete(agent.id);
}

/** MARK_AGENT_GONE: a registered or unreachable agent is removed for good. */
export function markAgentGone(ctx: Ctx, agentId: string): void {
  const agent = ctx.state.agents.get(agentId);
  if (agent !== undefined) {
    goneAgent(ctx, agent);
    return;
  }
  if (ctx.state.unreachableAgents.delete(agentId) || ctx.state.recoveredAgents.delete(agentId)) {
    const message = `Agent ${agentId} was marked gone by the operator`;
    for (const framework of ctx.state.frameworks.values()) {
      for (const task of [...framework.unreachableTasks.values()]) {
        if (task.agent_id !== agentId) continue;
        endTask(
          ctx,
          framework,
          task,
          'TASK_GONE_BY_OPERATOR',
          'REASON_AGENT_REMOVED_BY_OPERATOR',
          message,
          true,
        );
      }
    }
    addBounded(ctx.state.removedAgents, agentId, removed_agents_max);
    ctx.out.push({ type: 'registry', op: 'agent_removed', agent_id: agentId });
    return;
  }
  if (ctx.state.removedAgents.has(agentId)) {
    callError(ctx, 400, `Agent ${agentId} is already gone`);
    return;
  }
  callError(ctx, 404, `No agent found with specified ID ${agentId}`);
}
