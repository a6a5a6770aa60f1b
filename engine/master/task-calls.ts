// Framework calls about running work (KILL, SHUTDOWN, MESSAGE) and agent reports about executors
// (exited, messages to the scheduler).
import { type Ctx, callError, ignore, sendAgent, sendEvent } from './context.ts';
import type { AgentExecutorExitedInput, AgentExecutorMessageInput } from './inputs.ts';
import { explicit } from './reconciliation.ts';
import type { FrameworkRecord } from './state.ts';
import { removeExecutor } from './tasks.ts';
import type { Id, KillPolicy } from './v1.ts';
import { validateId, validateKillPolicy } from './validation.ts';

/** KILL: forwarded to the task's agent; an unknown task is answered by reconciliation (as Mesos). */
export function kill(
  ctx: Ctx,
  framework: FrameworkRecord,
  body: { readonly task_id: Id; readonly agent_id?: Id; readonly kill_policy?: KillPolicy },
): void {
  const error =
    validateId(body?.task_id, 'kill.task_id') ??
    (body.agent_id === undefined ? undefined : validateId(body.agent_id, 'kill.agent_id')) ??
    validateKillPolicy(body.kill_policy);
  if (error !== undefined) {
    callError(ctx, 400, error);
    return;
  }
  const task = framework.tasks.get(body.task_id.value);
  if (task === undefined) {
    const item =
      body.agent_id === undefined
        ? { task_id: body.task_id }
        : { task_id: body.task_id, agent_id: body.agent_id };
    explicit(ctx, framework, item);
    return;
  }
  const agent = ctx.state.agents.get(task.agent_id);
  if (agent === undefined || !agent.connected) {
    ignore(ctx, 'KILL', `agent ${task.agent_id} of task ${task.task_id} is disconnected`);
    return;
  }
  sendAgent(ctx, agent, {
    type: 'kill_task',
    framework_id: { value: framework.id },
    task_id: { value: task.task_id },
    ...(body.kill_policy === undefined ? {} : { kill_policy: body.kill_policy }),
  });
}

/** SHUTDOWN: asks an agent to stop one of the framework's executors. */
export function shutdownExecutor(
  ctx: Ctx,
  framework: FrameworkRecord,
  body: { readonly executor_id: Id; readonly agent_id: Id },
): void {
  const error =
    validateId(body?.executor_id, 'shutdown.executor_id') ?? validateId(body?.agent_id, 'shutdown.agent_id');
  if (error !== undefined) {
    callError(ctx, 400, error);
    return;
  }
  const agent = ctx.state.agents.get(body.agent_id.value);
  if (agent === undefined || !agent.connected) {
    ignore(ctx, 'SHUTDOWN', `agent ${body.agent_id.value} is not connected`);
    return;
  }
  sendAgent(ctx, agent, {
    type: 'shutdown_executor',
    framework_id: { value: framework.id },
    executor_id: { value: body.executor_id.value },
  });
}

/** MESSAGE: a framework's message to one of its executors. */
export function frameworkMessage(
  ctx: Ctx,
  framework: FrameworkRecord,
  body: { readonly agent_id: Id; readonly executor_id: Id; readonly data: string },
): void {
  const error =
    validateId(body?.agent_id, 'message.agent_id') ?? validateId(body?.executor_id, 'message.executor_id');
  if (error !== undefined) {
    callError(ctx, 400, error);
    return;
  }
  if (typeof body.data !== 'string') {
    callError(ctx, 400, "'message.data' must be base64 text");
    return;
  }
  const agent = ctx.state.agents.get(body.agent_id.value);
  if (agent === undefined || !agent.connected) {
    ignore(ctx, 'MESSAGE', `agent ${body.agent_id.value} is not connected`);
    return;
  }
  sendAgent(ctx, agent, {
    type: 'framework_message',
    framework_id: { value: framework.id },
    executor_id: { value: body.executor_id.value },
    data: body.data,
  });
}

/** An executor exited: its resources go back, and its framework hears of it (FAILURE). */
export function executorExited(ctx: Ctx, input: AgentExecutorExitedInput): void {
  const agent = ctx.state.agents.get(input.agent_id);
  if (agent === undefined) {
    ignore(ctx, 'agent_executor_exited', `unknown agent ${input.agent_id}`);
    return;
  }
  removeExecutor(ctx, agent, input.framework_id, input.executor_id);
  const framework = ctx.state.frameworks.get(input.framework_id);
  if (framework === undefined) return;
  sendEvent(ctx, framework, {
    type: 'FAILURE',
    failure: {
      agent_id: { value: agent.id },
      executor_id: { value: input.executor_id },
      ...(input.status === undefined ? {} : { status: input.status }),
    },
  });
}

/** An executor's message to its scheduler. */
export function executorMessage(ctx: Ctx, input: AgentExecutorMessageInput): void {
  const framework = ctx.state.frameworks.get(input.framework_id);
  if (framework === undefined || !ctx.state.agents.has(input.agent_id)) {
    ignore(
      ctx,
      'agent_executor_message',
      `unknown framework ${input.framework_id} or agent ${input.agent_id}`,
    );
    return;
  }
  sendEvent(ctx, framework, {
    type: 'MESSAGE',
    message: {
      agent_id: { value: input.agent_id },
      executor_id: { value: input.executor_id },
      data: input.data,
    },
  });
}
