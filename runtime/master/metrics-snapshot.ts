// The master's metrics under Mesos's names, as `GET /metrics/snapshot` and GET_METRICS give them
// (a flat object of name to number), read from the same gauges as the Prometheus text of /metrics.
import type { MasterStats } from './metrics.ts';

/** Mesos's name of each gauge that has one. */
const names: ReadonlyArray<readonly [string, (s: MasterStats) => number]> = [
  ['master/elected', (s) => (s.elected ? 1 : 0)],
  ['master/uptime_secs', (s) => s.uptime_seconds],
  ['master/slaves_active', (s) => s.agents_active],
  ['master/slaves_inactive', (s) => s.agents_inactive],
  ['master/slaves_connected', (s) => s.agents_active],
  ['master/slaves_disconnected', (s) => s.agents_inactive],
  ['master/slaves_unreachable', (s) => s.agents_unreachable],
  ['master/frameworks_active', (s) => s.frameworks_active],
  ['master/frameworks_inactive', (s) => s.frameworks_inactive],
  ['master/frameworks_connected', (s) => s.frameworks_active],
  ['master/frameworks_disconnected', (s) => s.frameworks_inactive],
  ['master/tasks_running', (s) => s.tasks_active],
  ['master/outstanding_offers', (s) => s.offers_outstanding],
];

/** The metrics snapshot: each gauge, and `<resource>_total|_used|_percent` for each scalar. */
export function metricsSnapshot(stats: MasterStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, read] of names) out[name] = read(stats);
  const totals = new Map<string, { total: number; used: number }>();
  for (const r of stats.resources) {
    const entry = totals.get(r.name) ?? { total: 0, used: 0 };
    if (r.kind === 'total') entry.total = r.value;
    if (r.kind === 'used') entry.used = r.value;
    totals.set(r.name, entry);
  }
  for (const [name, { total, used }] of totals) {
    out[`master/${name}_total`] = total;
    out[`master/${name}_used`] = used;
    out[`master/${name}_percent`] = total === 0 ? 0 : used / total;
  }
  return out;
}
