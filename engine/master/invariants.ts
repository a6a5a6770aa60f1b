// Invariants of a master's state that must hold after every step, whatever happened: nothing is
// offered twice, nothing is used or offered beyond an agent's resources, what an agent counts as
// used is what its live tasks and executors hold, offers go only to connected frameworks and sit
// on active agents, and tasks sit on agents the master knows. This is the one copy: the simulator,
// the scenario host and the master's property tests all check it, after every step in tests, so a
// bug shows at the step that caused it, not at the end of a run.
import { add, contains, equals, formatResources, type Resources, unallocate } from '../resources.ts';
import { agentMachineKey, machineKey } from './machines.ts';
import { terminal_task_states } from './v1.ts';
import type { MasterStateView } from './view.ts';

/** Every invariant the view breaks, one message each (empty when all hold). */
export function masterInvariantViolations(view: MasterStateView): string[] {
  const problems: string[] = [];
  const agents = new Map(view.agents.map((a) => [a.id, a]));
  const unreachable = new Set(view.unreachable_agents.map((u) => u.id));
  const usedByAgent = new Map<string, Resources>();
  const offerIds = new Set<string>();
  for (const framework of view.frameworks) {
    for (const offer of framework.offers) {
      if (offerIds.has(offer.id)) problems.push(`offer ${offer.id} is outstanding twice`);
      offerIds.add(offer.id);
      if (offer.framework_id !== framework.id)
        problems.push(`offer ${offer.id} is listed under another framework`);
      if (!framework.connected)
        problems.push(
          `offer ${offer.id} is outstanding to framework ${framework.id}, which is not connected`,
        );
      const agent = agents.get(offer.agent_id);
      if (agent === undefined || !agent.active)
        problems.push(`offer ${offer.id} is on agent ${offer.agent_id}, which is not active`);
    }
    for (const task of framework.tasks) {
      if (!agents.has(task.agent_id))
        problems.push(`task ${task.task_id} is on agent ${task.agent_id}, which is not registered`);
      else if (!terminal_task_states.has(task.state))
        usedByAgent.set(task.agent_id, add(usedByAgent.get(task.agent_id) ?? [], task.resources));
    }
    for (const task of framework.unreachable_tasks) {
      if (!unreachable.has(task.agent_id))
        problems.push(`unreachable task ${task.task_id} is on a reachable agent`);
    }
    for (const executor of framework.executors)
      usedByAgent.set(executor.agent_id, add(usedByAgent.get(executor.agent_id) ?? [], executor.resources));
  }
  for (const agent of view.agents) problems.push(...agentViolations(agent, usedByAgent.get(agent.id) ?? []));
  problems.push(...maintenanceViolations(view));
  return problems;
}

/** What one agent's books break: its use against its live tasks, and use plus offers against its size. */
function agentViolations(agent: MasterStateView['agents'][number], live: Resources): string[] {
  const problems: string[] = [];
  const taken = add(unallocate(agent.used_resources), unallocate(agent.offered_resources));
  if (!contains(agent.resources, taken)) {
    problems.push(
      `agent ${agent.id}: used and offered ${formatResources(taken)} exceed its resources ${formatResources(agent.resources)}`,
    );
  }
  if (!equals(agent.used_resources, live)) {
    problems.push(
      `agent ${agent.id}: counts ${formatResources(agent.used_resources)} used, its live tasks and executors hold ${formatResources(live) || 'nothing'}`,
    );
  }
  return problems;
}

/**
 * What maintenance breaks: no agent stays registered on a DOWN machine, and each inverse offer is
 * one of a kind for its (agent, framework), to a connected framework, about an active agent of a
 * DRAINING machine.
 */
function maintenanceViolations(view: MasterStateView): string[] {
  const { machines, inverse_offers } = view.maintenance;
  if (machines.length === 0 && inverse_offers.length === 0) return [];
  const problems: string[] = [];
  const modes = new Map(machines.map((m) => [machineKey(m.id), m.mode]));
  const agents = new Map(view.agents.map((a) => [a.id, a]));
  for (const agent of view.agents) {
    if (modes.get(agentMachineKey(agent)) === 'DOWN')
      problems.push(`agent ${agent.id} is registered on a machine that is DOWN`);
  }
  const connected = new Set(view.frameworks.filter((f) => f.connected).map((f) => f.id));
  const pairs = new Set<string>();
  for (const offer of inverse_offers) {
    const pair = `${offer.agent_id} ${offer.framework_id}`;
    if (pairs.has(pair))
      problems.push(`two inverse offers to ${offer.framework_id} about agent ${offer.agent_id}`);
    pairs.add(pair);
    if (!connected.has(offer.framework_id))
      problems.push(
        `inverse offer ${offer.id} is outstanding to ${offer.framework_id}, which is not connected`,
      );
    const agent = agents.get(offer.agent_id);
    if (agent === undefined || !agent.active)
      problems.push(`inverse offer ${offer.id} is about agent ${offer.agent_id}, which is not active`);
    else if (modes.get(agentMachineKey(agent)) !== 'DRAINING')
      problems.push(
        `inverse offer ${offer.id} is about agent ${offer.agent_id}, whose machine is not DRAINING`,
      );
  }
  return problems;
}
