// Re-registration: an agent that holds an id comes back (after a disconnection, its own restart
// with recovery, or a master failover) and reports its tasks, executors and frameworks. A known
// agent is resynchronized with the allocator; an unreachable, recovered or unknown one is admitted
// again with the work it reports. An agent removed for good is told to shut down.
import { add, allocate, contains, type Resources, summary, unallocate } from '../resources.ts';
import {
  agentInfoError,
  agentIp,
  agentResources,
  allocatorAgent,
  newAgentRecord,
  refuseAgent,
  startHealthChecks,
} from './agents.ts';
import { type Ctx, ignore, sendAgent, trace } from './context.ts';
import { recoverFramework } from './frameworks.ts';
import type { AgentReregisterInput } from './inputs.ts';
import { maintenanceRefusal } from './maintenance.ts';
import { allocateSoon, rescindAgentOffers } from './offers.ts';
import { keepDeactivated } from './operator-agents.ts';
import { withRecordedOperations } from './recorded-operations.ts';
import type { AgentRecord, FrameworkRecord, TaskRecord } from './state.ts';
import { addExecutor, addTask, endTask, isPartitionAware, isTerminal, task_states } from './tasks.ts';
import type { AgentInfo, ExecutorInfo, FrameworkInfo, Task } from './v1.ts';
import { parseWireResources, validateId } from './validation.ts';

/** Handles an agent's re-registration. */
export function reregisterAgent(ctx: Ctx, input: AgentReregisterInput): void {
  const info = input.agent_info;
  const infoError = agentInfoError(info) ?? validateId(info?.id, 'agent_info.id');
  if (infoError !== undefined) {
    refuseAgent(ctx, '', input.connection, infoError);
    return;
  }
  const agentId = info.id.value;
  if (ctx.state.removedAgents.has(agentId)) {
    refuseAgent(ctx, agentId, input.connection, `Agent ${agentId} attempted to re-register after removal`);
    return;
  }
  const refusal = maintenanceRefusal(ctx, { hostname: info.hostname, ip: agentIp(input.ip, info.hostname) });
  if (refusal !== undefined) {
    refuseAgent(ctx, agentId, input.connection, refusal);
    return;
  }
  const known = ctx.state.agents.get(agentId);
  if (known !== undefined) {
    reconnect(ctx, known, input);
    return;
  }
  const parsed = agentResources(ctx, info.resources);
  if ('error' in parsed) {
    refuseAgent(ctx, agentId, input.connection, parsed.error);
    return;
  }
  // Frameworks that are not partition-aware were told this agent's tasks are lost when this master
  // marked it unreachable; those tasks must not come back to life, so they are shut down (as Mesos).
  const lostHere = ctx.state.unreachableAgents.get(agentId)?.markedHere === true;
  const recorded = ctx.state.recoveredAgents.get(agentId) ?? ctx.state.unreachableAgents.get(agentId)?.info;
  const total = withRecordedOperations(parsed.resources, recorded?.resources);
  if (total.lost !== undefined) {
    ignore(
      ctx,
      'agent_reregister',
      `agent ${agentId}: its recorded reservations and volumes are dropped: ${total.lost}`,
    );
  }
  ctx.state.unreachableAgents.delete(agentId);
  ctx.state.recoveredAgents.delete(agentId);
  const agentInfo: AgentInfo = { ...info, resources: total.resources };
  const agent = newAgentRecord(
    ctx,
    agentId,
    agentInfo,
    total.resources,
    input.connection,
    input.ip,
    input.version,
  );
  agent.reregisteredTimeMs = ctx.now;
  ctx.state.agents.set(agentId, agent);
  ctx.state.agentsByAddress.set(`${agent.hostname}:${agent.port}`, agentId);
  admitReportedWork(ctx, agent, input, lostHere);
  endUnreportedUnreachableTasks(ctx, agent);
  ctx.allocator.addAgent(agentId, allocatorAgent(agent), agent.total, agent.used);
  keepDeactivated(ctx, agentId);
  ctx.out.push({ type: 'registry', op: 'agent_admitted', agent_id: agentId, agent_info: agent.info });
  finish(ctx, agent);
}

/**
 * A registered agent re-registers (it reconnected, or its re-registration was retried). Work it
 * reports that the master lacks is added; tasks the master has that it did not report are
 * reconciled with it. The allocator gets the agent afresh so its accounting matches.
 */
function reconnect(ctx: Ctx, agent: AgentRecord, input: AgentReregisterInput): void {
  rescindAgentOffers(ctx, agent, 'agent re-registered');
  ctx.allocator.removeAgent(agent.id);
  agent.connection = input.connection;
  if (input.ip !== undefined) agent.ip = input.ip;
  moveAddress(ctx, agent, input.agent_info);
  agent.connected = true;
  agent.reregisteredTimeMs = ctx.now;
  const reported = new Set(
    (input.tasks ?? []).map((t) => `${t?.framework_id?.value}\u0000${t?.task_id?.value}`),
  );
  for (const [frameworkId, tasks] of agent.tasks) {
    const missing = [...tasks.values()].filter((t) => !reported.has(`${frameworkId}\u0000${t.task_id}`));
    if (missing.length === 0) continue;
    sendAgent(ctx, agent, {
      type: 'reconcile_tasks',
      framework_id: { value: frameworkId },
      tasks: missing.map((t) => ({ task_id: { value: t.task_id }, state: t.state })),
    });
  }
  admitReportedWork(ctx, agent, input, false, agent.droppedFrameworks);
  agent.droppedFrameworks.clear();
  ctx.allocator.addAgent(agent.id, allocatorAgent(agent), agent.total, agent.used);
  keepDeactivated(ctx, agent.id);
  finish(ctx, agent);
}

/** An agent may come back from another port (a restart picks a free one): the master follows it. */
function moveAddress(
  ctx: Ctx,
  agent: AgentRecord,
  info: { readonly hostname: string; readonly port?: number },
): void {
  const port = typeof info.port === 'number' && Number.isInteger(info.port) ? info.port : agent.port;
  if (info.hostname === agent.hostname && port === agent.port) return;
  if (ctx.state.agentsByAddress.get(`${agent.hostname}:${agent.port}`) === agent.id) {
    ctx.state.agentsByAddress.delete(`${agent.hostname}:${agent.port}`);
  }
  agent.hostname = info.hostname;
  agent.port = port;
  agent.info = { ...agent.info, hostname: info.hostname, port };
  ctx.state.agentsByAddress.set(`${agent.hostname}:${agent.port}`, agent.id);
}

/** Tells the agent it is back, traces it, and restarts its health checks. */
function finish(ctx: Ctx, agent: AgentRecord): void {
  sendAgent(ctx, agent, { type: 'reregistered', agent_id: { value: agent.id } });
  allocateSoon(ctx);
  trace(ctx, {
    type: 'agent_added',
    agent_id: agent.id,
    hostname: agent.hostname,
    resources: summary(agent.total),
    reregistered: true,
  });
  startHealthChecks(ctx, agent);
}

/**
 * Adds the executors and tasks the agent reports that the master does not know, recovering their
 * frameworks from the reported FrameworkInfos. Work of removed frameworks is shut down instead, and
 * so is the work of frameworks that are not partition-aware when `lostHere` (their tasks were
 * reported lost when this master marked the agent unreachable), and of the `dropped` frameworks
 * (their tasks were reported lost when the agent's connection broke).
 */
function admitReportedWork(
  ctx: Ctx,
  agent: AgentRecord,
  input: AgentReregisterInput,
  lostHere = false,
  dropped: ReadonlySet<string> = new Set(),
): void {
  const infos = new Map<string, FrameworkInfo>();
  for (const fi of input.frameworks ?? []) if (typeof fi?.id?.value === 'string') infos.set(fi.id.value, fi);
  const shutdown = new Set<string>();
  const frameworkOf = (frameworkId: string): FrameworkRecord | undefined => {
    if (ctx.state.completedFrameworks.has(frameworkId) || dropped.has(frameworkId)) {
      shutdown.add(frameworkId);
      return undefined;
    }
    const known = ctx.state.frameworks.get(frameworkId);
    if (known !== undefined && lostHere && !isPartitionAware(known)) {
      shutdown.add(frameworkId);
      return undefined;
    }
    if (known !== undefined) return known;
    const info = infos.get(frameworkId);
    return info === undefined ? undefined : recoverFramework(ctx, info);
  };
  for (const executor of input.executors ?? []) {
    const framework = frameworkOf(executor?.framework_id?.value ?? '');
    if (framework !== undefined) admitExecutor(ctx, agent, framework, executor);
  }
  for (const task of input.tasks ?? []) {
    const framework = frameworkOf(task?.framework_id?.value ?? '');
    if (framework !== undefined) admitTask(ctx, agent, framework, task);
    else if (!shutdown.has(task?.framework_id?.value ?? '')) {
      ignore(
        ctx,
        'agent_reregister',
        `task ${task?.task_id?.value} of unknown framework ${task?.framework_id?.value}`,
      );
    }
  }
  for (const frameworkId of shutdown)
    sendAgent(ctx, agent, { type: 'shutdown_framework', framework_id: { value: frameworkId } });
}

/** The role reported work belongs to: its resources' allocation role, else the framework's first role. */
function reportedResources(
  framework: FrameworkRecord,
  raw: unknown,
  what: string,
): { resources: Resources; role: string } | undefined {
  const parsed = parseWireResources(raw ?? [], what);
  if ('error' in parsed) return undefined;
  const role =
    parsed.resources.find((r) => r.allocation_info)?.allocation_info?.role ?? framework.roles[0] ?? '*';
  return { resources: allocate(parsed.resources, role), role };
}

/** True when the agent can hold `resources` besides what it already uses (reports are not trusted blindly). */
function fits(agent: AgentRecord, resources: Resources): boolean {
  let used: Resources = resources;
  for (const r of agent.used.values()) used = add(used, r);
  return contains(agent.total, unallocate(used));
}

/** Adds a reported executor unless the master knows it already. */
function admitExecutor(
  ctx: Ctx,
  agent: AgentRecord,
  framework: FrameworkRecord,
  executor: ExecutorInfo,
): void {
  if (validateId(executor.executor_id, 'executor_id') !== undefined) return;
  if (agent.executors.get(framework.id)?.has(executor.executor_id.value)) return;
  const reported = reportedResources(framework, executor.resources, 'executor resources');
  if (reported === undefined || !fits(agent, reported.resources)) {
    ignore(
      ctx,
      'agent_reregister',
      `executor ${executor.executor_id.value}: bad resources or beyond the agent's`,
    );
    return;
  }
  addExecutor(agent, {
    framework_id: framework.id,
    agent_id: agent.id,
    info: { ...executor, resources: reported.resources },
    resources: reported.resources,
  });
}

/** Adds a reported task unless the master knows it already (an unreachable copy is replaced). */
function admitTask(ctx: Ctx, agent: AgentRecord, framework: FrameworkRecord, task: Task): void {
  if (validateId(task.task_id, 'task_id') !== undefined || !task_states.has(task.state)) {
    ignore(ctx, 'agent_reregister', `task ${task?.task_id?.value}: bad id or state`);
    return;
  }
  const taskId = task.task_id.value;
  const active = framework.tasks.get(taskId);
  if (active !== undefined) {
    if (active.agent_id !== agent.id)
      ignore(ctx, 'agent_reregister', `task ${taskId} is known on ${active.agent_id}`);
    return;
  }
  const reported = reportedResources(framework, task.resources, 'task resources');
  if (reported === undefined || (!isTerminal(task.state) && !fits(agent, reported.resources))) {
    ignore(ctx, 'agent_reregister', `task ${taskId}: bad resources or beyond the agent's`);
    return;
  }
  framework.unreachableTasks.delete(taskId);
  const statuses = Array.isArray(task.statuses) ? task.statuses : [];
  const record: TaskRecord = {
    task_id: taskId,
    framework_id: framework.id,
    agent_id: agent.id,
    executor_id: task.executor_id?.value ?? '',
    name: typeof task.name === 'string' ? task.name : '',
    role: reported.role,
    resources: reported.resources,
    info: undefined,
    state: task.state,
    status: statuses[statuses.length - 1],
    statuses: statuses.map((s) => ({ state: s.state, timestamp: s.timestamp ?? ctx.now / 1000 })),
    pendingUuid: task.status_update_uuid,
    unreachableSinceMs: undefined,
  };
  addTask(framework, agent, record);
}

/** Tasks left unreachable on this agent that it did not report are gone: frameworks hear so. */
function endUnreportedUnreachableTasks(ctx: Ctx, agent: AgentRecord): void {
  for (const framework of ctx.state.frameworks.values()) {
    for (const task of [...framework.unreachableTasks.values()]) {
      if (task.agent_id !== agent.id) continue;
      endTask(
        ctx,
        framework,
        task,
        'TASK_GONE',
        'REASON_RECONCILIATION',
        'Task is unknown to the re-registered agent',
        true,
      );
    }
  }
}
