// Invariants of a master's state that must hold after every step, whatever happened: nothing is
// offered twice, nothing is used or offered beyond an agent's resources, what an agent counts as
// used is what its live tasks and executors hold, offers go only to connected frameworks and sit
// on active agents, and tasks sit on agents the master knows. This is the one copy: the simulator,
// the scenario host and the master's property tests all check it, after every step in tests, so a
// bug shows at the step that caused it, not at the end of a run.
import { add, contains, equals, formatResources, type Resources, unallocate } from '../resources.ts';
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
