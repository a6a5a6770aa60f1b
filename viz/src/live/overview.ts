// The cluster's overview, as Mesos's home page has it: the leading master and when it was elected,
// agents by condition, tasks by state, and CPUs, GPUs, memory and disk as total, allocated, offered
// and idle.
import { el, formatTime, table } from '../app/dom.ts';
import type { View } from '../app/router.ts';
import { liveLink } from './connection.ts';
import { addScalars, formatAmount, scalar_names, scalarsOf, zeroScalars } from './resources.ts';
import type { LiveStore } from './store.ts';

/** The task states shown, in Mesos's order; others are added as they appear. */
const shown_states = [
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_FINISHED',
  'TASK_KILLED',
  'TASK_FAILED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_UNREACHABLE',
];

/** Tasks counted by state, the ended ones the page keeps included. */
export function taskCounts(store: LiveStore): Map<string, number> {
  const counts = new Map<string, number>(shown_states.map((s) => [s, 0]));
  for (const map of [store.tasks, store.completed]) {
    for (const t of map.values()) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  }
  return counts;
}

function resourcesTable(store: LiveStore): HTMLTableElement {
  const total = zeroScalars();
  const offered = zeroScalars();
  for (const agent of store.agents.values()) {
    addScalars(total, scalarsOf(agent.total_resources));
    addScalars(offered, scalarsOf(agent.offered_resources));
  }
  const allocated = store.allocation().total;
  const labels: Record<string, string> = { cpus: 'CPUs', gpus: 'GPUs', mem: 'Memory', disk: 'Disk' };
  return table(
    'Resources',
    ['', 'Total', 'Allocated', 'Offered', 'Idle'],
    scalar_names.map((name) => [
      labels[name],
      formatAmount(name, total[name]),
      formatAmount(name, allocated[name]),
      formatAmount(name, offered[name]),
      formatAmount(name, Math.max(0, total[name] - allocated[name] - offered[name])),
    ]),
  );
}

function render(root: HTMLElement): void {
  const link = liveLink();
  const store = link.store;
  const leader = link.leader;
  let active = 0;
  let deactivated = 0;
  for (const a of store.agents.values()) {
    if (a.active && a.deactivated !== true) active += 1;
    else deactivated += 1;
  }
  const counts = [...taskCounts(store)];
  root.replaceChildren(
    el('h1', {}, 'Cluster'),
    el(
      'div',
      { class: 'cards' },
      table(
        'Master',
        ['', ''],
        [
          ['Leader', leader === undefined ? '-' : `${leader.hostname} (${leader.url})`],
          ['Version', leader?.version ?? '-'],
          ['Elected', formatTime(leader?.elected_ms ?? 0)],
          ['Started', formatTime(leader?.start_ms ?? 0)],
        ],
      ),
      table(
        'Agents',
        ['', ''],
        [
          ['Activated', el('span', { 'data-count': 'agents-active' }, active)],
          ['Deactivated', deactivated],
          ['Unreachable', store.unreachable.size],
        ],
      ),
      table(
        'Tasks',
        ['State', 'Count'],
        counts.map(([state, n]) => [state, el('span', { 'data-count': state }, n)]),
      ),
      resourcesTable(store),
    ),
    el(
      'p',
      { class: 'muted' },
      `${store.frameworks.size} frameworks active, ${store.completed_frameworks.size} completed.`,
    ),
  );
}

/** The overview view. */
export const overview_view: View = {
  path: 'overview',
  title: 'Overview',
  nav: true,
  show({ root }) {
    const store = liveLink().store;
    const body = el('section', { 'aria-label': 'Cluster overview' });
    root.append(body);
    render(body);
    const off = store.onChange(() => render(body));
    const offStatus = liveLink().onStatus(() => render(body));
    return () => {
      off();
      offStatus();
    };
  },
};
