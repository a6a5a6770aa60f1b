// What a replayed run did, measured from its trace events: per framework the offers it was made,
// the tasks it launched, its time-weighted mean share of the cluster (by its dominant resource of
// cpus and mem held by running tasks) and its wait from subscribing to its first offer; for the
// cluster the time-weighted utilisation of cpus and mem. Two replays of one journal (its own
// policy and another) side by side make `meso replay --policy`'s report.
import type { ResourceSummary, TraceEvent } from '../../engine/events.ts';
import { isTerminal, type TaskState } from '../../engine/master/v1.ts';

/** One framework's figures in a replay. */
export interface FrameworkFigures {
  readonly framework_id: string;
  readonly name: string;
  readonly offers: number;
  readonly tasks_launched: number;
  /** Time-weighted mean of its dominant share (cpus or mem held by its running tasks over the cluster's). */
  readonly share_mean: number;
  /** From subscribing to its first offer, in s (null if it was never offered anything). */
  readonly first_offer_wait_s: number | null;
}

/** One replay's figures. */
export interface ReplayFigures {
  readonly policy: string;
  readonly duration_s: number;
  readonly offers: number;
  readonly tasks_launched: number;
  readonly utilisation: { readonly cpus: number; readonly mem: number };
  readonly frameworks: readonly FrameworkFigures[];
}

const kinds = ['cpus', 'mem'] as const;
type Vec = { cpus: number; mem: number };
const scalar = (r: ResourceSummary, k: string) => (typeof r[k] === 'number' ? (r[k] as number) : 0);

interface FrameworkTally {
  name: string;
  added_ms: number;
  first_offer_ms: number | undefined;
  offers: number;
  launched: number;
  held: Vec;
  share_integral: number;
}

/** Measures one replay from its trace events, up to `end_ms`. */
export function measureReplay(policy: string, trace: readonly TraceEvent[], end_ms: number): ReplayFigures {
  const total: Vec = { cpus: 0, mem: 0 };
  const used: Vec = { cpus: 0, mem: 0 };
  const agentTotals = new Map<string, Vec>();
  const tasks = new Map<string, { framework: string; res: Vec }>();
  const frameworks = new Map<string, FrameworkTally>();
  const util = { cpus: 0, mem: 0 };
  const start_ms = trace[0]?.time_ms ?? 0;
  let last_ms = start_ms;
  let offers = 0;
  let launched = 0;

  const advance = (to: number) => {
    const dt = to - last_ms;
    if (dt <= 0) return;
    for (const k of kinds) if (total[k] > 0) util[k] += (used[k] / total[k]) * dt;
    for (const f of frameworks.values()) {
      const share = Math.max(...kinds.map((k) => (total[k] > 0 ? f.held[k] / total[k] : 0)));
      f.share_integral += share * dt;
    }
    last_ms = to;
  };
  const move = (sign: number, res: Vec, framework: FrameworkTally | undefined) => {
    for (const k of kinds) {
      used[k] += sign * res[k];
      if (framework !== undefined) framework.held[k] += sign * res[k];
    }
  };

  for (const e of trace) {
    advance(e.time_ms);
    switch (e.type) {
      case 'agent_added': {
        const res = { cpus: scalar(e.resources, 'cpus'), mem: scalar(e.resources, 'mem') };
        const before = agentTotals.get(e.agent_id);
        for (const k of kinds) total[k] += res[k] - (before?.[k] ?? 0);
        agentTotals.set(e.agent_id, res);
        break;
      }
      case 'agent_removed': {
        const before = agentTotals.get(e.agent_id);
        for (const k of kinds) total[k] -= before?.[k] ?? 0;
        agentTotals.delete(e.agent_id);
        break;
      }
      case 'framework_added':
        if (!frameworks.has(e.framework_id)) {
          frameworks.set(e.framework_id, {
            name: e.name,
            added_ms: e.time_ms,
            first_offer_ms: undefined,
            offers: 0,
            launched: 0,
            held: { cpus: 0, mem: 0 },
            share_integral: 0,
          });
        }
        break;
      case 'offer_made': {
        offers++;
        const f = frameworks.get(e.framework_id);
        if (f !== undefined) {
          f.offers++;
          f.first_offer_ms ??= e.time_ms;
        }
        break;
      }
      case 'task_launched': {
        launched++;
        const res = { cpus: scalar(e.resources, 'cpus'), mem: scalar(e.resources, 'mem') };
        const key = `${e.framework_id}/${e.task_id}`;
        const f = frameworks.get(e.framework_id);
        if (f !== undefined) f.launched++;
        if (!tasks.has(key)) {
          tasks.set(key, { framework: e.framework_id, res });
          move(1, res, f);
        }
        break;
      }
      case 'task_status': {
        const key = `${e.framework_id}/${e.task_id}`;
        const task = tasks.get(key);
        if (task !== undefined && isTerminal(e.state as TaskState)) {
          move(-1, task.res, frameworks.get(task.framework));
          tasks.delete(key);
        }
        break;
      }
    }
  }
  advance(end_ms);
  const span = Math.max(last_ms - start_ms, 0);
  const mean = (integral: number) => (span > 0 ? round(integral / span) : 0);
  return {
    policy,
    duration_s: round(span / 1000),
    offers,
    tasks_launched: launched,
    utilisation: { cpus: mean(util.cpus), mem: mean(util.mem) },
    frameworks: [...frameworks].map(([id, f]) => ({
      framework_id: id,
      name: f.name,
      offers: f.offers,
      tasks_launched: f.launched,
      share_mean: mean(f.share_integral),
      first_offer_wait_s:
        f.first_offer_ms === undefined ? null : round((f.first_offer_ms - f.added_ms) / 1000),
    })),
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** The side-by-side report of two or more replays of one journal, as aligned text. */
export function reportText(runs: readonly ReplayFigures[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const rows: string[][] = [['', ...runs.map((r) => r.policy)]];
  rows.push(['offers', ...runs.map((r) => String(r.offers))]);
  rows.push(['tasks launched', ...runs.map((r) => String(r.tasks_launched))]);
  rows.push(['utilisation cpus', ...runs.map((r) => pct(r.utilisation.cpus))]);
  rows.push(['utilisation mem', ...runs.map((r) => pct(r.utilisation.mem))]);
  const ids = [...new Set(runs.flatMap((r) => r.frameworks.map((f) => f.framework_id)))];
  for (const id of ids) {
    const of = (r: ReplayFigures) => r.frameworks.find((f) => f.framework_id === id);
    const name = runs.map(of).find((f) => f !== undefined)?.name ?? id;
    rows.push([`${name}: share (mean)`, ...runs.map((r) => pct(of(r)?.share_mean ?? 0))]);
    rows.push([`${name}: tasks launched`, ...runs.map((r) => String(of(r)?.tasks_launched ?? 0))]);
    rows.push([
      `${name}: first offer wait`,
      ...runs.map((r) => {
        const w = of(r)?.first_offer_wait_s;
        return w === null || w === undefined ? '-' : `${w.toFixed(3)} s`;
      }),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n')}\n`;
}
