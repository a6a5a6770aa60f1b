// The tasks: every task the page holds (running, then those that ended), filterable, each linked to
// its framework, its agent and its own page with the sandbox and the tail of its output.
import { el, formatTime, link, table } from '../app/dom.ts';
import { href, type View } from '../app/router.ts';
import type { Column } from '../app/virtual-list.ts';
import { liveLink } from './connection.ts';
import { liveList } from './list-view.ts';
import { formatAmount, scalarsOf } from './resources.ts';
import { showSandbox } from './sandbox.ts';
import { type LiveStore, type LiveTask, taskKey } from './store.ts';

/** The framework's name, or its id when the page does not hold it. */
function frameworkName(store: LiveStore, id: string): string {
  const f = store.frameworks.get(id) ?? store.completed_frameworks.get(id);
  return f?.framework_info.name ?? id;
}

/** When a task's state last changed, ms since the epoch. */
function lastChange(task: LiveTask): number {
  const s = task.statuses;
  return ((s?.[s.length - 1]?.timestamp ?? 0) as number) * 1000;
}

/** The columns of task lists. */
export const taskColumns: readonly Column<LiveTask>[] = [
  {
    title: 'ID',
    width: '1.6fr',
    cell: (t) => link(href('tasks', t.framework_id.value, t.task_id.value), t.task_id.value),
  },
  { title: 'Name', width: '1.2fr', cell: (t) => t.name },
  { title: 'State', width: '1.2fr', cell: (t) => el('span', { class: `state ${t.state}` }, t.state) },
  {
    title: 'Framework',
    width: '1.2fr',
    cell: (t) =>
      link(href('frameworks', t.framework_id.value), frameworkName(liveLink().store, t.framework_id.value)),
  },
  {
    title: 'Agent',
    width: '1.6fr',
    cell: (t) => {
      const host = liveLink().store.agents.get(t.agent_id.value)?.agent_info.hostname ?? t.agent_id.value;
      return link(href('agents', t.agent_id.value), host);
    },
  },
  { title: 'CPUs', width: '0.5fr', cell: (t) => formatAmount('cpus', scalarsOf(t.resources).cpus) },
  { title: 'Memory', width: '0.7fr', cell: (t) => formatAmount('mem', scalarsOf(t.resources).mem) },
  { title: 'Changed', width: '1.2fr', cell: (t) => formatTime(lastChange(t)) },
];

/** The text a task filter matches. */
export function taskText(t: LiveTask): string {
  return `${t.task_id.value} ${t.name} ${t.state} ${t.framework_id.value} ${t.agent_id.value}`;
}

/** The tasks view: the list, or one task when `#/tasks/<framework>/<task>`. */
export const tasks_view: View = {
  path: 'tasks',
  title: 'Tasks',
  nav: true,
  show({ root, params }) {
    if (params.length >= 2) return showTask(root, params[0]!, params[1]!);
    root.append(el('h1', {}, 'Tasks'));
    return liveList<LiveTask>(root, {
      label: 'Tasks',
      columns: taskColumns,
      rows: (s) => [...s.tasks.values(), ...[...s.completed.values()].reverse()],
      text: taskText,
    });
  },
};

function showTask(root: HTMLElement, framework_id: string, task_id: string): () => void {
  const store = liveLink().store;
  const key = taskKey(framework_id, task_id);
  const head = el('section', { 'aria-label': `Task ${task_id}` });
  root.append(head);
  const paint = (): void => {
    const task = store.tasks.get(key) ?? store.completed.get(key);
    if (task === undefined) {
      head.replaceChildren(
        el('h1', {}, `Task ${task_id}`),
        el('p', { class: 'error' }, 'The page holds no such task.'),
      );
      return;
    }
    const r = scalarsOf(task.resources);
    head.replaceChildren(
      el('h1', {}, `Task ${task_id}`),
      table(
        'Task',
        ['', ''],
        [
          ['Name', task.name],
          ['State', el('span', { 'data-task-state': '' }, task.state)],
          ['Framework', link(href('frameworks', framework_id), frameworkName(store, framework_id))],
          ['Agent', link(href('agents', task.agent_id.value), task.agent_id.value)],
          [
            'Resources',
            `cpus ${formatAmount('cpus', r.cpus)}, mem ${formatAmount('mem', r.mem)}, disk ${formatAmount('disk', r.disk)}`,
          ],
          ['Changed', formatTime(lastChange(task))],
        ],
      ),
    );
  };
  // The sandbox is shown once the task is known: a page opened at this view waits for the state.
  let stopSandbox: (() => void) | undefined;
  const update = (): void => {
    paint();
    const task = store.tasks.get(key) ?? store.completed.get(key);
    if (stopSandbox === undefined && task !== undefined) stopSandbox = showSandbox(root, task);
  };
  update();
  const off = store.onChange(update);
  return () => {
    off();
    stopSandbox?.();
  };
}
