// The agents: a list of every agent with its resources in use and its tasks, and one agent's page
// (resources, attributes, the tasks it runs), each linked to the frameworks and tasks they name.
import { el, formatTime, link, table } from '../app/dom.ts';
import { href, type View } from '../app/router.ts';
import { liveLink } from './connection.ts';
import { liveList } from './list-view.ts';
import { formatAmount, scalar_names, scalarsOf, zeroScalars } from './resources.ts';
import type { LiveAgent, LiveStore, LiveTask } from './store.ts';
import { taskColumns, taskText } from './tasks.ts';

/** An agent's attributes as `name:value` text. */
function attributesText(agent: LiveAgent): string {
  return (agent.agent_info.attributes ?? [])
    .map((a) => `${a.name}:${a.text?.value ?? a.scalar?.value ?? ''}`)
    .join(', ');
}

interface AgentRow {
  readonly agent: LiveAgent;
  readonly tasks: number;
  readonly used: ReturnType<typeof zeroScalars>;
}

function agentRows(store: LiveStore): AgentRow[] {
  const { by_agent } = store.allocation();
  const tasks = new Map<string, number>();
  for (const t of store.tasks.values()) tasks.set(t.agent_id.value, (tasks.get(t.agent_id.value) ?? 0) + 1);
  return [...store.agents.values()].map((agent) => {
    const id = agent.agent_info.id.value;
    return { agent, tasks: tasks.get(id) ?? 0, used: by_agent.get(id) ?? zeroScalars() };
  });
}

function usedOf(row: AgentRow, name: 'cpus' | 'mem' | 'disk' | 'gpus'): string {
  const total = scalarsOf(row.agent.total_resources)[name];
  return `${formatAmount(name, row.used[name])} / ${formatAmount(name, total)}`;
}

/** The agents view: the list, or one agent when its id is in the path. */
export const agents_view: View = {
  path: 'agents',
  title: 'Agents',
  nav: true,
  show({ root, params }) {
    if (params[0] !== undefined) return showAgent(root, params[0]);
    root.append(el('h1', {}, 'Agents'));
    return liveList<AgentRow>(root, {
      label: 'Agents',
      columns: [
        {
          title: 'ID',
          width: '2.2fr',
          cell: (r) => link(href('agents', r.agent.agent_info.id.value), r.agent.agent_info.id.value),
        },
        { title: 'Host', width: '1.4fr', cell: (r) => r.agent.agent_info.hostname },
        { title: 'Active', width: '0.6fr', cell: (r) => (r.agent.active ? 'yes' : 'no') },
        { title: 'Tasks', width: '0.6fr', cell: (r) => r.tasks },
        { title: 'CPUs', width: '1fr', cell: (r) => usedOf(r, 'cpus') },
        { title: 'Memory', width: '1.4fr', cell: (r) => usedOf(r, 'mem') },
        { title: 'Disk', width: '1.4fr', cell: (r) => usedOf(r, 'disk') },
        {
          title: 'Registered',
          width: '1.3fr',
          cell: (r) => formatTime((r.agent.registered_time?.nanoseconds ?? 0) / 1e6),
        },
      ],
      rows: agentRows,
      text: (r) => `${r.agent.agent_info.id.value} ${r.agent.agent_info.hostname} ${attributesText(r.agent)}`,
    });
  },
};

function showAgent(root: HTMLElement, id: string): () => void {
  const store = liveLink().store;
  const head = el('section', { 'aria-label': `Agent ${id}` });
  root.append(head);
  const paint = (): void => {
    const agent = store.agents.get(id);
    if (agent === undefined) {
      head.replaceChildren(
        el('h1', {}, `Agent ${id}`),
        el('p', { class: 'error' }, 'This agent is not registered (now).'),
      );
      return;
    }
    const total = scalarsOf(agent.total_resources);
    const used = store.allocation().by_agent.get(id) ?? zeroScalars();
    const offered = scalarsOf(agent.offered_resources);
    head.replaceChildren(
      el('h1', {}, `Agent ${agent.agent_info.hostname}`),
      el(
        'div',
        { class: 'cards' },
        table(
          'Agent',
          ['', ''],
          [
            ['ID', id],
            [
              'Host',
              `${agent.agent_info.hostname}${agent.agent_info.port ? `:${agent.agent_info.port}` : ''}`,
            ],
            ['Version', agent.version ?? '-'],
            ['Active', agent.active ? 'yes' : 'no'],
            ['Registered', formatTime((agent.registered_time?.nanoseconds ?? 0) / 1e6)],
            ['Attributes', attributesText(agent) || '-'],
          ],
        ),
        table(
          'Resources',
          ['', 'Total', 'Allocated', 'Offered'],
          scalar_names.map((n) => [
            n,
            formatAmount(n, total[n]),
            formatAmount(n, used[n]),
            formatAmount(n, offered[n]),
          ]),
        ),
      ),
      el('h2', {}, 'Tasks'),
    );
  };
  paint();
  const off = store.onChange(paint);
  const stopList = liveList<LiveTask>(root, {
    label: 'Tasks on this agent',
    columns: taskColumns,
    rows: (s) => [...s.tasks.values(), ...s.completed.values()].filter((t) => t.agent_id.value === id),
    text: taskText,
  });
  return () => {
    off();
    stopList();
  };
}
