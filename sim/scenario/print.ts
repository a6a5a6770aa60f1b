// The `print` command: offers, tasks, shares, allocation, agents and frameworks, read from the
// master's state view and the allocator, in the scenario's names and a fixed order.
import type { FrameworkView, MasterStateView, TaskView } from '../../engine/master/view.ts';
import { add, type Resources, subtract, unallocate } from '../../engine/resources.ts';
import type { TaskLauncher } from '../../engine/scheduling/task-launcher.ts';
import { showResources, showUnavailability } from './format.ts';
import type { ScenarioHost } from './host.ts';
import { compareTaskIds, type ScenarioNames } from './names.ts';
import type { PrintSubject } from './parse.ts';
import { formatDuration, formatShare } from './values.ts';

/** What printing needs: the host, the names, and each framework's launcher. */
export interface PrintContext {
  readonly host: ScenarioHost;
  readonly names: ScenarioNames;
  readonly launchers: ReadonlyMap<string, TaskLauncher>;
}

/** Lines for `print <subject>`. */
export function printSubject(subject: PrintSubject, ctx: PrintContext): string[] {
  const view = ctx.host.master.state();
  switch (subject) {
    case 'offers':
      return printOffers(view, ctx);
    case 'tasks':
      return printTasks(view, ctx);
    case 'shares':
      return printShares(ctx);
    case 'allocation':
      return printAllocation(view, ctx);
    case 'agents':
      return printAgents(view, ctx);
    case 'frameworks':
      return printFrameworks(view, ctx);
    case 'maintenance':
      return printMaintenance(ctx);
  }
}

function printOffers(view: MasterStateView, ctx: PrintContext): string[] {
  const offers = view.frameworks.flatMap((f) => f.offers);
  offers.sort((a, b) => ctx.names.offerNumber(a.id) - ctx.names.offerNumber(b.id) || (a.id < b.id ? -1 : 1));
  if (offers.length === 0) return ['no offers'];
  return offers.map((o) => {
    const where = `${ctx.names.agent(o.agent_id)} -> ${ctx.names.framework(o.framework_id)}`;
    return `offer ${ctx.names.offer(o.id)} ${where} (role ${o.role}): ${showResources(o.resources)}`;
  });
}

/** Frameworks in the order the scenario declared them, with their view (active or completed). */
function frameworksInOrder(
  view: MasterStateView,
  ctx: PrintContext,
): Array<[string, FrameworkView | undefined]> {
  const byId = new Map<string, FrameworkView>();
  for (const f of view.completed_frameworks) byId.set(f.id, f);
  for (const f of view.frameworks) byId.set(f.id, f);
  return [...ctx.host.frameworks.keys()].map((name) => {
    const id = ctx.names.frameworkId(name);
    return [name, id === undefined ? undefined : byId.get(id)];
  });
}

function taskLine(task: TaskView, ctx: PrintContext): string {
  return `  ${task.task_id} ${ctx.names.agent(task.agent_id)} ${task.state} ${showResources(task.resources)}`;
}

function printTasks(view: MasterStateView, ctx: PrintContext): string[] {
  const lines: string[] = [];
  const removed = new Set(view.completed_frameworks.map((f) => f.id));
  for (const [name, framework] of frameworksInOrder(view, ctx)) {
    if (framework === undefined) {
      lines.push(`${name}: not subscribed`);
      continue;
    }
    const tasks = [...framework.tasks, ...framework.unreachable_tasks].sort((a, b) =>
      compareTaskIds(a.task_id, b.task_id),
    );
    const ended = new Map<string, number>();
    for (const t of framework.completed_tasks) ended.set(t.state, (ended.get(t.state) ?? 0) + 1);
    const endedText = [...ended.keys()]
      .sort()
      .map((state) => `${ended.get(state)} ${state}`)
      .join(', ');
    const header = `${name}: ${tasks.length} task${tasks.length === 1 ? '' : 's'}`;
    const suffix = [removed.has(framework.id) ? 'removed' : '', endedText === '' ? '' : `ended: ${endedText}`]
      .filter((s) => s !== '')
      .join('; ');
    lines.push(suffix === '' ? header : `${header} (${suffix})`);
    for (const task of tasks) lines.push(taskLine(task, ctx));
  }
  return lines.length === 0 ? ['no frameworks'] : lines;
}

function printShares(ctx: PrintContext): string[] {
  const shares = ctx.host.allocator.shares();
  const lines: string[] = [];
  for (const role of Object.keys(shares.roles).sort())
    lines.push(`role ${role}: ${formatShare(shares.roles[role]!)}`);
  const frameworks = Object.keys(shares.frameworks)
    .map((id) => [ctx.names.framework(id), shares.frameworks[id]!] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [name, share] of frameworks) lines.push(`framework ${name}: ${formatShare(share)}`);
  return lines.length === 0 ? ['no shares'] : lines;
}

function printAllocation(view: MasterStateView, ctx: PrintContext): string[] {
  const lines: string[] = [];
  const frameworks = frameworksInOrder(view, ctx).flatMap(([, f]) => (f === undefined ? [] : [f]));
  for (const agent of view.agents) {
    lines.push(`${ctx.names.agent(agent.id)}: total ${showResources(agent.resources)}`);
    for (const framework of frameworks) {
      let used: Resources = [];
      for (const task of framework.tasks) if (task.agent_id === agent.id) used = add(used, task.resources);
      for (const e of framework.executors) if (e.agent_id === agent.id) used = add(used, e.resources);
      const roles = [...new Set(used.map((r) => r.allocation_info?.role ?? '*'))].sort().join(',');
      if (used.length > 0)
        lines.push(`  ${ctx.names.framework(framework.id)} uses ${showResources(used)} (role ${roles})`);
      for (const offer of framework.offers) {
        if (offer.agent_id !== agent.id) continue;
        lines.push(
          `  ${ctx.names.framework(framework.id)} offered ${showResources(offer.resources)} (role ${offer.role})`,
        );
      }
    }
    const taken = add(unallocate(agent.used_resources), unallocate(agent.offered_resources));
    lines.push(`  free ${showResources(subtract(agent.resources, taken))}`);
  }
  return lines.length === 0 ? ['no agents'] : lines;
}

function printAgents(view: MasterStateView, ctx: PrintContext): string[] {
  const byId = new Map(view.agents.map((a) => [a.id, a]));
  const unreachable = new Map(view.unreachable_agents.map((u) => [u.id, u.since_ms]));
  const lines: string[] = [];
  for (const sim of ctx.host.agents.values()) {
    const agent = sim.id === undefined ? undefined : byId.get(sim.id);
    const attributes = Object.keys(sim.attributes)
      .sort()
      .map((k) => ` ${k}=${sim.attributes[k]}`)
      .join('');
    let where: string;
    if (agent !== undefined)
      where = `${agent.active ? 'active' : 'disconnected'}: ${showResources(agent.resources)}`;
    else if (sim.id !== undefined && unreachable.has(sim.id)) where = 'unreachable';
    else if (sim.condition === 'stopped') where = 'shut down';
    else where = 'not registered';
    const condition = sim.condition === 'failed' ? ' [failed]' : '';
    lines.push(`${sim.name}: ${where}${attributes === '' ? '' : ` attributes${attributes}`}${condition}`);
  }
  return lines.length === 0 ? ['no agents'] : lines;
}

function printFrameworks(view: MasterStateView, ctx: PrintContext): string[] {
  const removed = new Set(view.completed_frameworks.map((f) => f.id));
  const lines: string[] = [];
  for (const [name, framework] of frameworksInOrder(view, ctx)) {
    const launcher = ctx.launchers.get(name);
    const s = launcher?.status();
    const progress =
      s === undefined
        ? ''
        : `; launched ${s.launched}, active ${s.active}, finished ${s.finished}, failed ${s.failed}, wants ${
            s.remaining === Number.POSITIVE_INFINITY ? 'more' : s.remaining
          }${s.suppressed ? ', suppressed' : ''}`;
    if (framework === undefined) {
      lines.push(`${name}: not subscribed${progress}`);
      continue;
    }
    const condition = removed.has(framework.id)
      ? 'removed'
      : framework.connected
        ? 'connected'
        : 'disconnected';
    const tasks = `${framework.tasks.length} task${framework.tasks.length === 1 ? '' : 's'}`;
    lines.push(`${name}: ${condition}, roles ${framework.roles.join(',')}, ${tasks}${progress}`);
  }
  return lines.length === 0 ? ['no frameworks'] : lines;
}

/** The schedule, each machine in maintenance with the answers of frameworks there, and inverse offers. */
function printMaintenance(ctx: PrintContext): string[] {
  const lookups = ctx.host.master.lookups;
  const windows = lookups.maintenanceSchedule().windows ?? [];
  const lines = [
    windows.length === 0
      ? 'schedule: (empty)'
      : `schedule: ${windows.map((w) => `${w.machine_ids.map((id) => id.hostname).join(',')} ${showUnavailability(w.unavailability)}`).join('; ')}`,
  ];
  const status = lookups.maintenanceStatus();
  for (const machine of status.draining_machines ?? []) {
    const answers = (machine.statuses ?? []).map(
      (s) =>
        `${ctx.names.framework(s.framework_id.value)} ${s.status} at ${formatDuration(Math.round(s.timestamp.nanoseconds / 1e6))}`,
    );
    lines.push(`${machine.id.hostname}: DRAINING${answers.length === 0 ? '' : ` (${answers.join(', ')})`}`);
  }
  for (const id of status.down_machines ?? []) lines.push(`${id.hostname}: DOWN`);
  for (const o of lookups.inverseOffers()) {
    lines.push(
      `inverse offer ${ctx.names.offer(o.id)} ${ctx.names.agent(o.agent_id)} -> ${ctx.names.framework(o.framework_id)}`,
    );
  }
  return lines;
}
