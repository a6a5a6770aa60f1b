// Invariants of a master's state that must hold after every step, whatever happened: nothing is
// offered twice, nothing is used or offered beyond an agent's resources, offers are only on
// connected agents, and tasks sit on agents the master knows. The simulator checks them after each
// input, so a bug shows at the step that caused it, not at the end of a run.
import type { MasterStateView } from '../engine/master/view.ts';
import { add, contains, formatResources, type Resources, unallocate } from '../engine/resources.ts';

/** Every invariant the view breaks, one message each (empty when all hold). */
export function masterInvariantViolations(view: MasterStateView): string[] {
  const problems: string[] = [];
  const agents = new Map(view.agents.map((a) => [a.id, a]));
  const unreachable = new Set(view.unreachable_agents.map((u) => u.id));
  for (const agent of view.agents) {
    const taken: Resources = add(unallocate(agent.used_resources), unallocate(agent.offered_resources));
    if (!contains(agent.resources, taken)) {
      problems.push(
        `agent ${agent.id}: used and offered ${formatResources(taken)} exceed its resources ${formatResources(agent.resources)}`,
      );
    }
  }
  const offerIds = new Set<string>();
  for (const framework of view.frameworks) {
    for (const offer of framework.offers) {
      if (offerIds.has(offer.id)) problems.push(`offer ${offer.id} is outstanding twice`);
      offerIds.add(offer.id);
      if (offer.framework_id !== framework.id)
        problems.push(`offer ${offer.id} is listed under another framework`);
      const agent = agents.get(offer.agent_id);
      if (agent === undefined || !agent.active)
        problems.push(`offer ${offer.id} is on agent ${offer.agent_id}, which is not active`);
    }
    for (const task of framework.tasks) {
      if (!agents.has(task.agent_id))
        problems.push(`task ${task.task_id} is on agent ${task.agent_id}, which is not registered`);
    }
    for (const task of framework.unreachable_tasks) {
      if (!unreachable.has(task.agent_id))
        problems.push(`unreachable task ${task.task_id} is on a reachable agent`);
    }
  }
  return problems;
}
