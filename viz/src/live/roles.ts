// The roles: weight, quota (guarantees and limits) and the share each holds. Weights and quota are
// not carried by the event stream, so the view reads GET_ROLES and GET_QUOTA when it opens and again
// after events have changed the cluster (at most every few seconds, and only while it is shown).
import { el, table } from '../app/dom.ts';
import type { View } from '../app/router.ts';
import { liveLink } from './connection.ts';
import { clusterTotal, dominantShare } from './frameworks.ts';
import { formatAmount, scalarsOf, type WireResource } from './resources.ts';

/** The least time between two reads of the roles. */
const roles_read_interval_ms = 3000;

interface RoleRow {
  readonly name: string;
  readonly weight?: number;
  readonly frameworks?: readonly { value: string }[];
  readonly resources?: readonly WireResource[];
}

interface QuotaConfig {
  readonly role: string;
  readonly guarantees?: Record<string, { value: number }>;
  readonly limits?: Record<string, { value: number }>;
}

function amounts(q: Record<string, { value: number }> | undefined): string {
  const parts = Object.entries(q ?? {}).map(([n, v]) => `${n} ${formatAmount(n, v.value)}`);
  return parts.length === 0 ? '-' : parts.join(', ');
}

async function readRoles(): Promise<{ roles: RoleRow[]; quotas: Map<string, QuotaConfig> }> {
  const link = liveLink();
  const [roles, quota] = await Promise.all([
    link.call({ type: 'GET_ROLES' }),
    link.call({ type: 'GET_QUOTA' }),
  ]);
  if (!roles.ok) throw new Error(`GET_ROLES answered ${roles.status}`);
  if (!quota.ok) throw new Error(`GET_QUOTA answered ${quota.status}`);
  const r = (await roles.json()) as { get_roles?: { roles?: RoleRow[] } };
  const q = (await quota.json()) as { get_quota?: { status?: { configs?: QuotaConfig[] } } };
  return {
    roles: r.get_roles?.roles ?? [],
    quotas: new Map((q.get_quota?.status?.configs ?? []).map((c) => [c.role, c])),
  };
}

/** The roles view. */
export const roles_view: View = {
  path: 'roles',
  title: 'Roles',
  nav: true,
  show({ root }) {
    const store = liveLink().store;
    const body = el(
      'section',
      { 'aria-label': 'Roles' },
      el('h1', {}, 'Roles'),
      el('p', { class: 'muted' }, 'Reading the roles...'),
    );
    root.append(body);
    let stopped = false;
    let last_ms = 0;
    let pending: ReturnType<typeof setTimeout> | undefined;
    const paint = async (): Promise<void> => {
      pending = undefined;
      last_ms = Date.now();
      try {
        const { roles, quotas } = await readRoles();
        if (stopped) return;
        const total = clusterTotal(store);
        const rows = roles.map((r) => {
          const used = scalarsOf(r.resources);
          const q = quotas.get(r.name);
          return [
            r.name,
            r.weight ?? 1,
            r.frameworks?.length ?? 0,
            `${formatAmount('cpus', used.cpus)} cpus, ${formatAmount('mem', used.mem)}`,
            amounts(q?.guarantees),
            amounts(q?.limits),
            el('span', { 'data-role-share': r.name }, `${(dominantShare(used, total) * 100).toFixed(1)}%`),
          ];
        });
        body.replaceChildren(
          el('h1', {}, 'Roles'),
          table(
            'Roles',
            ['Role', 'Weight', 'Frameworks', 'Allocated', 'Quota guarantee', 'Quota limit', 'Dominant share'],
            rows,
          ),
        );
      } catch (error) {
        if (!stopped)
          body.append(
            el('p', { class: 'error' }, `The roles could not be read: ${(error as Error).message}`),
          );
      }
    };
    void paint();
    const off = store.onChange(() => {
      if (pending !== undefined) return;
      pending = setTimeout(() => void paint(), Math.max(0, last_ms + roles_read_interval_ms - Date.now()));
    });
    return () => {
      stopped = true;
      off();
      if (pending !== undefined) clearTimeout(pending);
    };
  },
};
