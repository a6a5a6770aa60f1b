// Status updates from agents, forwarded to frameworks as UPDATE events, and the frameworks'
// acknowledgements, forwarded back to the agents. A task's resources are freed when a terminal
// update arrives; the task itself leaves the active set when that update is acknowledged.
import { type Ctx, callError, ignore, sendAgent, timestampSeconds, trace } from './context.ts';
import type { AgentStatusUpdateInput } from './inputs.ts';
import type { FrameworkRecord } from './state.ts';
import { applyStatus, completeTask, isTerminal, sendUpdate, task_states } from './tasks.ts';
import type { Id, TaskStatus } from './v1.ts';
import { isStatusUuid, validateId } from './validation.ts';

/** An agent's status update: applied to the task it names, and forwarded to the framework. */
export function agentStatusUpdate(ctx: Ctx, input: AgentStatusUpdateInput): void {
  const agent = ctx.state.agents.get(input.agent_id);
  if (agent === undefined) {
    ignore(ctx, 'agent_status_update', `unknown agent ${input.agent_id}`);
    return;
  }
  const status = input.status;
  if (status === null || typeof status !== 'object' || validateId(status.task_id, 'task_id') !== undefined) {
    ignore(ctx, 'agent_status_update', 'status without a valid task_id');
    return;
  }
  if (!task_states.has(status.state) || status.state === 'TASK_STAGING') {
    ignore(ctx, 'agent_status_update', `state ${status.state} cannot come from an agent`);
    return;
  }
  const framework = ctx.state.frameworks.get(input.framework_id);
  if (framework === undefined) {
    ignore(ctx, 'agent_status_update', `unknown framework ${input.framework_id}`);
    return;
  }
  const taskId = status.task_id.value;
  const task = framework.tasks.get(taskId);
  if (task !== undefined && task.agent_id !== agent.id) {
    ignore(ctx, 'agent_status_update', `task ${taskId} runs on ${task.agent_id}, not on ${agent.id}`);
    return;
  }
  const forwarded: TaskStatus = {
    ...status,
    agent_id: { value: agent.id },
    source: status.source ?? 'SOURCE_AGENT',
    timestamp: status.timestamp ?? timestampSeconds(ctx),
  };
  if (task === undefined) {
    // Mesos forwards updates of tasks it does not know (launched before a master failover and
    // not yet reported): the framework decides what they mean.
    trace(ctx, {
      type: 'task_status',
      task_id: taskId,
      framework_id: framework.id,
      agent_id: agent.id,
      state: forwarded.state,
      ...(forwarded.reason === undefined ? {} : { reason: forwarded.reason }),
      source: forwarded.source ?? 'SOURCE_AGENT',
    });
    sendUpdate(ctx, framework, forwarded);
    return;
  }
  applyStatus(ctx, task, forwarded);
  task.pendingUuid = forwarded.uuid;
  sendUpdate(ctx, framework, forwarded);
  // An update nobody can acknowledge (no uuid) completes a terminal task at once.
  if (forwarded.uuid === undefined && isTerminal(task.state)) completeTask(ctx, framework, task);
}

/** The body of ACKNOWLEDGE. */
export interface AcknowledgeBody {
  readonly agent_id: Id;
  readonly task_id: Id;
  readonly uuid: string;
}

/** ACKNOWLEDGE: forwarded to the agent; a terminal task whose last update is acknowledged completes. */
export function acknowledge(ctx: Ctx, framework: FrameworkRecord, body: AcknowledgeBody): void {
  const error =
    validateId(body?.agent_id, 'acknowledge.agent_id') ?? validateId(body?.task_id, 'acknowledge.task_id');
  if (error !== undefined) {
    callError(ctx, 400, error);
    return;
  }
  if (!isStatusUuid(body.uuid)) {
    callError(ctx, 400, "'acknowledge.uuid' is not a valid UUID");
    return;
  }
  const agent = ctx.state.agents.get(body.agent_id.value);
  if (agent === undefined) {
    ignore(ctx, 'ACKNOWLEDGE', `unknown agent ${body.agent_id.value}`);
    return;
  }
  const task = framework.tasks.get(body.task_id.value);
  if (task !== undefined && task.agent_id === agent.id && task.pendingUuid === body.uuid) {
    task.pendingUuid = undefined;
    if (isTerminal(task.state)) completeTask(ctx, framework, task);
  }
  sendAgent(ctx, agent, {
    type: 'acknowledge',
    framework_id: { value: framework.id },
    task_id: { value: body.task_id.value },
    uuid: body.uuid,
  });
}
