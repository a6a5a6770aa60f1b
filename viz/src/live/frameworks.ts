// The frameworks: each with its roles, dominant share (its largest share of any resource of the
// cluster, as DRF ranks it), tasks and the offers it holds; one framework's page lists its tasks.
import { el, formatTime, link, table } from '../app/dom.ts';
import { href, type View } from '../app/router.ts';
import { liveLink } from './connection.ts';
import { liveList } from './list-view.ts';
import { addScalars, formatAmount, type Scalars, scalar_names, scalarsOf, zeroScalars } from './resources.ts';
import type { LiveFramework, LiveStore, LiveTask } from './store.ts';
import { taskColumns, taskText } from './tasks.ts';

/** The cluster's total resources: the sum over its agents. */
export function clusterTotal(store: LiveStore): Scalars {
  const total = zeroScalars();
  for (const a of store.agents.values()) addScalars(total, scalarsOf(a.total_resources));
  return total;
}

/** The largest share of any resource `used` holds of `total`, in [0, 1]. */
export function dominantShare(used: Scalars, total: Scalars): number {
  let share = 0;
  for (const n of scalar_names) if (total[n] > 0) share = Math.max(share, used[n] / total[n]);
  return share;
}

/** A framework's roles as text. */
export function rolesOf(f: LiveFramework): readonly string[] {
  const info = f.framework_info;
  return info.roles !== undefined && info.roles.length > 0 ? info.roles : [info.role ?? '*'];
}

interface FrameworkRow {
  readonly framework: LiveFramework;
  readonly completed: boolean;
  readonly tasks: number;
  readonly used: Scalars;
  readonly share: number;
}

function frameworkRows(store: LiveStore): FrameworkRow[] {
  const { by_framework } = store.allocation();
  const total = clusterTotal(store);
  const tasks = new Map<string, number>();
  for (const t of store.tasks.values())
    tasks.set(t.framework_id.value, (tasks.get(t.framework_id.value) ?? 0) + 1);
  const row = (framework: LiveFramework, completed: boolean): FrameworkRow => {
    const id = framework.framework_info.id.value;
    const used = completed ? zeroScalars() : (by_framework.get(id) ?? zeroScalars());
    return { framework, completed, tasks: tasks.get(id) ?? 0, used, share: dominantShare(used, total) };
  };
  return [
    ...[...store.frameworks.values()].map((f) => row(f, false)),
    ...[...store.completed_frameworks.values()].map((f) => row(f, true)),
  ];
}

function condition(r: FrameworkRow): string {
  if (r.completed) return 'completed';
  if (!r.framework.connected) return 'disconnected';
  return r.framework.active ? 'active' : 'inactive';
}

/** The frameworks view: the list, or one framework when its id is in the path. */
export const frameworks_view: View = {
  path: 'frameworks',
  title: 'Frameworks',
  nav: true,
  show({ root, params }) {
    if (params[0] !== undefined) return showFramework(root, params[0]);
    root.append(el('h1', {}, 'Frameworks'));
    return liveList<FrameworkRow>(root, {
      label: 'Frameworks',
      columns: [
        {
          title: 'ID',
          width: '2fr',
          cell: (r) =>
            link(
              href('frameworks', r.framework.framework_info.id.value),
              r.framework.framework_info.id.value,
            ),
        },
        {
          title: 'Name',
          width: '1.3fr',
          cell: (r) =>
            el(
              'span',
              { 'data-framework': r.framework.framework_info.name },
              r.framework.framework_info.name,
            ),
        },
        { title: 'Roles', width: '1fr', cell: (r) => rolesOf(r.framework).join(', ') },
        {
          title: 'State',
          width: '0.9fr',
          cell: (r) => el('span', { 'data-framework-state': '' }, condition(r)),
        },
        { title: 'Tasks', width: '0.6fr', cell: (r) => r.tasks },
        { title: 'CPUs', width: '0.6fr', cell: (r) => formatAmount('cpus', r.used.cpus) },
        { title: 'Memory', width: '0.8fr', cell: (r) => formatAmount('mem', r.used.mem) },
        { title: 'Dominant share', width: '0.9fr', cell: (r) => `${(r.share * 100).toFixed(1)}%` },
        {
          title: 'Offers',
          width: '0.6fr',
          cell: (r) => (r.completed ? 0 : (r.framework.offers?.length ?? 0)),
        },
        {
          title: 'Registered',
          width: '1.3fr',
          cell: (r) => formatTime((r.framework.registered_time?.nanoseconds ?? 0) / 1e6),
        },
      ],
      rows: frameworkRows,
      text: (r) =>
        `${r.framework.framework_info.id.value} ${r.framework.framework_info.name} ${rolesOf(r.framework).join(' ')} ${condition(r)}`,
    });
  },
};

function showFramework(root: HTMLElement, id: string): () => void {
  const store = liveLink().store;
  const head = el('section', { 'aria-label': `Framework ${id}` });
  root.append(head);
  const paint = (): void => {
    const f = store.frameworks.get(id) ?? store.completed_frameworks.get(id);
    if (f === undefined) {
      head.replaceChildren(
        el('h1', {}, `Framework ${id}`),
        el('p', { class: 'error' }, 'The page holds no such framework.'),
      );
      return;
    }
    const done = !store.frameworks.has(id);
    const used = done ? zeroScalars() : (store.allocation().by_framework.get(id) ?? zeroScalars());
    head.replaceChildren(
      el('h1', {}, `Framework ${f.framework_info.name}`),
      table(
        'Framework',
        ['', ''],
        [
          ['ID', id],
          [
            'State',
            el('span', { 'data-framework-state': '' }, done ? 'completed' : f.active ? 'active' : 'inactive'),
          ],
          ['Roles', rolesOf(f).join(', ')],
          ['User', f.framework_info.user ?? '-'],
          ['Principal', f.framework_info.principal ?? '-'],
          ['Dominant share', `${(dominantShare(used, clusterTotal(store)) * 100).toFixed(1)}%`],
          ['Registered', formatTime((f.registered_time?.nanoseconds ?? 0) / 1e6)],
        ],
      ),
      el('h2', {}, 'Tasks'),
    );
  };
  paint();
  const off = store.onChange(paint);
  const stopList = liveList<LiveTask>(root, {
    label: 'Tasks of this framework',
    columns: taskColumns,
    rows: (s) => [...s.tasks.values(), ...s.completed.values()].filter((t) => t.framework_id.value === id),
    text: taskText,
  });
  return () => {
    off();
    stopList();
  };
}
