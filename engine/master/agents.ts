// Agents joining and staying: registration (resources normalized, default ports added), health
// checks (a ping per timeout; after too many unanswered the agent is removed or marked
// unreachable), disconnection and graceful unregistration. Re-registration lives in
// agent-reregistration.ts.
import type { AllocatorAgent } from '../allocator/allocator.ts';
import { add, parseResources, type Resources, summary, unallocate } from '../resources.ts';
import { removeAgent } from './agent-removal.ts';
import { type Ctx, ignore, sendAgent, setTimer, trace } from './context.ts';
import { nextAgentId } from './ids.ts';
import type { AgentRegisterInput } from './inputs.ts';
import { maintenanceRefusal } from './maintenance.ts';
import { allocateSoon, rescindAgentOffers } from './offers.ts';
import type { AgentRecord } from './state.ts';
import { completeTask, endTask, isTerminal, removeExecutor } from './tasks.ts';
import { agentPingTimer } from './timers.ts';
import type { AgentInfo, Attribute } from './v1.ts';
import { parseWireResources } from './validation.ts';

/** The port an agent listens on when it does not say (Mesos's default). */
export const agent_port_default = 5051;

/** Attributes as the allocator sees them: flat text by name. */
export function flatAttributes(attributes: readonly Attribute[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of attributes ?? []) {
    if (a.type === 'TEXT') out[a.name] = a.text?.value ?? '';
    else if (a.type === 'SCALAR') out[a.name] = String(a.scalar?.value ?? 0);
    else if (a.type === 'RANGES')
      out[a.name] = `[${(a.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(',')}]`;
    else out[a.name] = `{${(a.set?.item ?? []).join(',')}}`;
  }
  return out;
}

/** What the allocator is told of an agent. */
export function allocatorAgent(agent: AgentRecord): AllocatorAgent {
  return { hostname: agent.hostname, attributes: flatAttributes(agent.info.attributes) };
}

/**
 * An agent's total resources from what it sent: normalized, allocation stripped, and the default
 * port range added when it names no ports. Returns an error message when they are invalid.
 */
export function agentResources(ctx: Ctx, raw: unknown): { resources: Resources } | { error: string } {
  let resources: Resources;
  if (typeof raw === 'string') {
    try {
      resources = parseResources(raw);
    } catch (err) {
      return { error: `agent resources are invalid: ${(err as Error).message}` };
    }
  } else {
    const parsed = parseWireResources(raw, 'agent resources');
    if ('error' in parsed) return parsed;
    resources = parsed.resources;
  }
  resources = unallocate(resources);
  if (!resources.some((r) => r.name === 'ports')) {
    resources = add(resources, parseResources(`ports:${ctx.options.agentPortsDefault}`));
  }
  return { resources };
}

/** Checks the parts of an AgentInfo every (re-)registration needs. */
export function agentInfoError(info: unknown): string | undefined {
  if (info === null || typeof info !== 'object') return 'agent_info is missing';
  const ai = info as AgentInfo;
  if (typeof ai.hostname !== 'string' || ai.hostname === '')
    return 'agent_info.hostname must be a non-empty string';
  const port = ai.port ?? agent_port_default;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return 'agent_info.port must be a port number';
  if (ai.attributes !== undefined && !Array.isArray(ai.attributes))
    return 'agent_info.attributes must be a list';
  return undefined;
}

/** The IP to put in offer URLs: the one the host saw, else the hostname when it is an address. */
export function agentIp(ip: string | undefined, hostname: string): string {
  if (ip !== undefined && ip !== '') return ip;
  return /^\d+\.\d+\.\d+\.\d+$/.test(hostname) ? hostname : '127.0.0.1';
}

/** Refuses an agent: it is told to shut down. */
export function refuseAgent(ctx: Ctx, agentId: string, connection: string, message: string): void {
  ctx.out.push({
    type: 'agent_message',
    agent_id: agentId,
    connection,
    message: { type: 'shutdown', message },
  });
  ignore(ctx, 'agent registration', message);
}

/** A new agent record, connected, with no work. */
export function newAgentRecord(
  ctx: Ctx,
  id: string,
  info: AgentInfo,
  total: Resources,
  connection: string,
  ip: string | undefined,
  version: string | undefined,
): AgentRecord {
  return {
    id,
    info: { ...info, id: { value: id }, resources: total, port: info.port ?? agent_port_default },
    hostname: info.hostname,
    port: info.port ?? agent_port_default,
    ip: agentIp(ip, info.hostname),
    connection,
    version,
    total,
    used: new Map(),
    offers: new Set(),
    tasks: new Map(),
    executors: new Map(),
    connected: true,
    registeredTimeMs: ctx.now,
    reregisteredTimeMs: undefined,
    awaitingPong: false,
    pingsMissed: 0,
    droppedFrameworks: new Set(),
  };
}

/** Registration of an agent without an id. A retry from a connected agent gets its id again. */
export function registerAgent(ctx: Ctx, input: AgentRegisterInput): void {
  const info = input.agent_info;
  const infoError = agentInfoError(info);
  if (infoError !== undefined) {
    refuseAgent(ctx, '', input.connection, infoError);
    return;
  }
  const parsed = agentResources(ctx, info.resources);
  if ('error' in parsed) {
    refuseAgent(ctx, '', input.connection, parsed.error);
    return;
  }
  const refusal = maintenanceRefusal(ctx, { hostname: info.hostname, ip: agentIp(input.ip, info.hostname) });
  if (refusal !== undefined) {
    refuseAgent(ctx, '', input.connection, refusal);
    return;
  }
  const address = `${info.hostname}:${info.port ?? agent_port_default}`;
  const existing = ctx.state.agents.get(ctx.state.agentsByAddress.get(address) ?? '');
  if (existing !== undefined) {
    if (existing.connected) {
      existing.connection = input.connection;
      sendAgent(ctx, existing, { type: 'registered', agent_id: { value: existing.id } });
      return;
    }
    removeAgent(ctx, existing, 'a new agent registered at the same address', false);
  }
  const id = newAgentId(ctx);
  const agentInfo: AgentInfo = { ...info, resources: parsed.resources };
  const agent = newAgentRecord(
    ctx,
    id,
    agentInfo,
    parsed.resources,
    input.connection,
    input.ip,
    input.version,
  );
  ctx.state.agents.set(id, agent);
  ctx.state.agentsByAddress.set(address, id);
  ctx.allocator.addAgent(id, allocatorAgent(agent), agent.total, new Map());
  ctx.out.push({ type: 'registry', op: 'agent_admitted', agent_id: id, agent_info: agent.info });
  sendAgent(ctx, agent, { type: 'registered', agent_id: { value: id } });
  allocateSoon(ctx);
  trace(ctx, {
    type: 'agent_added',
    agent_id: id,
    hostname: agent.hostname,
    resources: summary(agent.total),
    reregistered: false,
  });
  startHealthChecks(ctx, agent);
}

/** A fresh agent id, skipping any id the master has seen. */
function newAgentId(ctx: Ctx): string {
  const s = ctx.state;
  for (;;) {
    const id = nextAgentId(ctx.options.masterId, s.ids);
    if (
      !s.agents.has(id) &&
      !s.unreachableAgents.has(id) &&
      !s.removedAgents.has(id) &&
      !s.recoveredAgents.has(id)
    ) {
      return id;
    }
  }
}

/** Pings the agent now and arms its health-check timer. */
export function startHealthChecks(ctx: Ctx, agent: AgentRecord): void {
  agent.pingsMissed = 0;
  ping(ctx, agent);
}

/** Sends a ping and arms the timer that checks for its answer. */
function ping(ctx: Ctx, agent: AgentRecord): void {
  agent.awaitingPong = true;
  sendAgent(ctx, agent, { type: 'ping', connected: agent.connected });
  setTimer(ctx, agentPingTimer(agent.id), ctx.now + ctx.options.agentPingTimeoutMs);
}

/** Any message from an agent proves it alive. */
export function agentAlive(agent: AgentRecord): void {
  agent.awaitingPong = false;
  agent.pingsMissed = 0;
}

/** The health-check timer fired: count a miss if the last ping went unanswered, then ping again. */
export function pingTimedOut(ctx: Ctx, agentId: string): void {
  const agent = ctx.state.agents.get(agentId);
  if (agent === undefined) return;
  if (agent.awaitingPong) {
    agent.pingsMissed++;
    if (agent.pingsMissed >= ctx.options.agentPingMissesMax) {
      removeAgent(ctx, agent, 'health check timed out', ctx.options.agentFailure === 'unreachable');
      return;
    }
  }
  ping(ctx, agent);
}

/** The host lost the agent's connection: no offers on it until it re-registers; pings go on. */
export function agentDisconnected(ctx: Ctx, agentId: string): void {
  const agent = ctx.state.agents.get(agentId);
  if (agent === undefined || !agent.connected) {
    ignore(ctx, 'agent_disconnected', `agent ${agentId} is not connected`);
    return;
  }
  agent.connected = false;
  rescindAgentOffers(ctx, agent, 'agent disconnected');
  dropUncheckpointedWork(ctx, agent);
  ctx.allocator.deactivateAgent(agent.id);
}

/**
 * As Mesos's master does when an agent's connection breaks: the tasks of frameworks that do not
 * checkpoint cannot be recovered by the agent, so they are reported lost (TASK_LOST,
 * REASON_AGENT_DISCONNECTED) and their executors forgotten, their resources freed. A framework that
 * checkpoints keeps its work: the agent may come back with it.
 */
function dropUncheckpointedWork(ctx: Ctx, agent: AgentRecord): void {
  const message = `Agent ${agent.hostname} disconnected`;
  for (const frameworkId of new Set([...agent.tasks.keys(), ...agent.executors.keys()])) {
    const framework = ctx.state.frameworks.get(frameworkId);
    if (framework === undefined || framework.info.checkpoint === true) continue;
    for (const task of [...(agent.tasks.get(frameworkId)?.values() ?? [])]) {
      if (isTerminal(task.state)) completeTask(ctx, framework, task);
      else endTask(ctx, framework, task, 'TASK_LOST', 'REASON_AGENT_DISCONNECTED', message, true);
    }
    for (const executorId of [...(agent.executors.get(frameworkId)?.keys() ?? [])]) {
      removeExecutor(ctx, agent, frameworkId, executorId);
    }
    agent.droppedFrameworks.add(frameworkId);
  }
}

/** The agent leaves on purpose: removed at once. */
export function agentUnregistered(ctx: Ctx, agentId: string): void {
  const agent = ctx.state.agents.get(agentId);
  if (agent === undefined) {
    ignore(ctx, 'agent_unregister', `unknown agent ${agentId}`);
    return;
  }
  removeAgent(ctx, agent, 'agent unregistered', false);
}
