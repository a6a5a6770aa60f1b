// The pre-aggregation every trace view draws from: events folded into time buckets as they are read.
// A million offers become a few thousand numbers per framework. Only what is live at a moment is
// kept one by one (agents, outstanding offers, running tasks), so memory follows the cluster's size,
// not the trace's length; frameworks past `frameworks_max` are counted together as one.
import { type EventFields, resource_names } from './read-line.ts';
import { type Series, SeriesClock } from './series.ts';

/** Slots of a framework's `flow` series: what became of its offers and tasks, counted per bucket. */
export const flow_slots = [
  'made',
  'accepted',
  'declined',
  'declined_long',
  'rescinded',
  'launched',
  'finished',
  'failed',
] as const;
/** A decline whose filter is longer than this (the default refuse_seconds) is a long one. */
export const refuse_seconds_default = 5;
/** Frameworks followed one by one; the rest share one series. */
export const frameworks_max = 64;
/** Bins of the task completion-time histogram: bin k holds durations in [2^(k-4), 2^(k-3)) s. */
export const completion_bins = 32;
/** Slots of the task levels: launched but not yet running (pending work), running. */
export const task_levels = ['pending', 'running'] as const;

const terminal = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR']);
for (const s of ['TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNREACHABLE']) terminal.add(s);
const known = new Set(['agent_added', 'agent_removed', 'framework_added', 'framework_disconnected']);
for (const t of ['framework_removed', 'allocation_cycle', 'input_ignored']) known.add(t);

/** One framework's series (or the shared one of those past the bound). */
export interface FrameworkSeries {
  readonly id: string;
  name: string;
  roles: readonly string[];
  readonly flow: Series;
  /** Sum of the refuse_seconds of declines per bucket. */
  readonly refuse: Series;
  /** Resources its running tasks hold (levels, `resource_names`). */
  readonly alloc: Series;
}

interface LiveTask {
  readonly fw: FrameworkSeries;
  readonly res: Float64Array;
  readonly launched_ms: number;
  running: boolean;
}

interface LiveOffer {
  readonly fw: FrameworkSeries;
  readonly res: Float64Array;
}

const r_n = resource_names.length;

function addTo(level: Float64Array, res: Float64Array, sign: number): void {
  for (let i = 0; i < r_n; i++) level[i]! += sign * res[i]!;
}

/** Trace events folded into buckets. */
export class TraceAggregate {
  readonly clock: SeriesClock;
  /** Cluster totals, allocated and offered (levels, `resource_names`). */
  readonly total: Series;
  readonly allocated: Series;
  readonly offered: Series;
  /** Agents active (level). */
  readonly agents: Series;
  /** Tasks as `task_levels` (level). */
  readonly tasks: Series;
  /** Offers outstanding (level). */
  readonly offers_out: Series;
  /** Tasks ended per completion-time bin (counts). */
  readonly completion: Series;
  readonly frameworks = new Map<string, FrameworkSeries>();
  private others: FrameworkSeries | undefined;
  private readonly agent_resources = new Map<string, Float64Array>();
  private readonly live_offers = new Map<string, LiveOffer>();
  private readonly live_tasks = new Map<string, LiveTask>();
  /** Resource vectors of offers and tasks that have ended, reused for the next ones. */
  private readonly spare: Float64Array[] = [];
  events = 0;
  /** Events of types this viewer does not know, by type. */
  readonly unknown = new Map<string, number>();
  first_ms = Number.NaN;
  last_ms = Number.NaN;

  constructor(bucket_ms_initial = 100) {
    const c = new SeriesClock(bucket_ms_initial);
    this.clock = c;
    this.total = c.series('level', r_n);
    this.allocated = c.series('level', r_n);
    this.offered = c.series('level', r_n);
    this.agents = c.series('level', 1);
    this.tasks = c.series('level', task_levels.length);
    this.offers_out = c.series('level', 1);
    this.completion = c.series('count', completion_bins);
  }

  /** The framework's series, made on first sight. */
  framework(id: string): FrameworkSeries {
    const fw = this.frameworks.get(id);
    if (fw !== undefined) return fw;
    if (this.frameworks.size >= frameworks_max) {
      this.others ??= this.newFramework('(others)', 'other frameworks');
      return this.others;
    }
    const made = this.newFramework(id, id);
    this.frameworks.set(id, made);
    return made;
  }

  private newFramework(id: string, name: string): FrameworkSeries {
    const c = this.clock;
    const flow = c.series('count', flow_slots.length);
    return { id, name, roles: [], flow, refuse: c.series('count', 1), alloc: c.series('level', r_n) };
  }

  /** Every framework series, the shared one of the rest last. */
  allFrameworks(): FrameworkSeries[] {
    const all = [...this.frameworks.values()];
    if (this.others !== undefined) all.push(this.others);
    return all;
  }

  /** Folds one event in; events of unknown types are counted by type and otherwise skipped. */
  fold(e: EventFields): void {
    this.events++;
    const b = this.clock.at(e.time_ms);
    if (!(this.first_ms <= e.time_ms)) this.first_ms = e.time_ms;
    if (!(this.last_ms >= e.time_ms)) this.last_ms = e.time_ms;
    switch (e.type) {
      case 'offer_made':
        this.offerMade(b, e);
        break;
      case 'offer_accepted':
      case 'offer_declined':
      case 'offer_rescinded':
        this.offerResolved(b, e);
        break;
      case 'task_launched':
        this.taskLaunched(b, e);
        break;
      case 'task_status':
        this.taskStatus(b, e);
        break;
      case 'agent_added':
        this.agentAdded(e);
        break;
      case 'agent_removed':
        this.agentRemoved(e);
        break;
      case 'framework_added':
        this.frameworkAdded(e);
        break;
      default:
        if (!known.has(e.type)) this.unknown.set(e.type, (this.unknown.get(e.type) ?? 0) + 1);
    }
  }

  private frameworkAdded(e: EventFields): void {
    const fw = this.framework(e.framework_id);
    if (fw.id !== e.framework_id) return;
    const name = e.whole?.name;
    const roles = e.whole?.roles;
    if (typeof name === 'string') fw.name = name;
    if (Array.isArray(roles)) fw.roles = roles.filter((r): r is string => typeof r === 'string');
  }

  private agentAdded(e: EventFields): void {
    if (this.agent_resources.has(e.agent_id)) return;
    const res = Float64Array.from(e.resources);
    this.agent_resources.set(e.agent_id, res);
    addTo(this.total.now, res, 1);
    this.agents.now[0]!++;
  }

  private agentRemoved(e: EventFields): void {
    const res = this.agent_resources.get(e.agent_id);
    if (res === undefined) return;
    this.agent_resources.delete(e.agent_id);
    addTo(this.total.now, res, -1);
    this.agents.now[0]!--;
  }

  private offerMade(b: number, e: EventFields): void {
    if (this.live_offers.has(e.offer_id)) return;
    const fw = this.framework(e.framework_id);
    const res = this.copy(e.resources);
    this.live_offers.set(e.offer_id, { fw, res });
    fw.flow.add(b, 0, 1);
    this.offers_out.now[0]!++;
    addTo(this.offered.now, res, 1);
  }

  private offerResolved(b: number, e: EventFields): void {
    const offer = this.live_offers.get(e.offer_id);
    if (offer === undefined) return;
    this.live_offers.delete(e.offer_id);
    const fw = offer.fw;
    if (e.type === 'offer_accepted') fw.flow.add(b, 1, 1);
    else if (e.type === 'offer_rescinded') fw.flow.add(b, 4, 1);
    else {
      const refuse = Number.isFinite(e.refuse_seconds) ? e.refuse_seconds : refuse_seconds_default;
      fw.flow.add(b, refuse > refuse_seconds_default ? 3 : 2, 1);
      fw.refuse.add(b, 0, refuse);
    }
    this.offers_out.now[0]!--;
    addTo(this.offered.now, offer.res, -1);
    this.spare.push(offer.res);
  }

  /** A copy of `res`, in a spare vector when there is one. */
  private copy(res: Float64Array): Float64Array {
    const v = this.spare.pop();
    if (v === undefined) return Float64Array.from(res);
    v.set(res);
    return v;
  }

  private taskLaunched(b: number, e: EventFields): void {
    const id = `${e.framework_id} ${e.task_id}`;
    if (this.live_tasks.has(id)) return;
    const fw = this.framework(e.framework_id);
    const res = this.copy(e.resources);
    this.live_tasks.set(id, { fw, res, launched_ms: e.time_ms, running: false });
    fw.flow.add(b, 5, 1);
    addTo(fw.alloc.now, res, 1);
    addTo(this.allocated.now, res, 1);
    this.tasks.now[0]!++;
  }

  private taskStatus(b: number, e: EventFields): void {
    const id = `${e.framework_id} ${e.task_id}`;
    const task = this.live_tasks.get(id);
    // A status of a task launched before the trace began has nothing to take back.
    if (task === undefined) return;
    if (!terminal.has(e.state)) {
      if (e.state === 'TASK_RUNNING' && !task.running) {
        task.running = true;
        this.tasks.now[0]!--;
        this.tasks.now[1]!++;
      }
      return;
    }
    this.live_tasks.delete(id);
    this.tasks.now[task.running ? 1 : 0]!--;
    addTo(task.fw.alloc.now, task.res, -1);
    addTo(this.allocated.now, task.res, -1);
    this.spare.push(task.res);
    task.fw.flow.add(b, e.state === 'TASK_FINISHED' ? 6 : 7, 1);
    const seconds = Math.max(0, e.time_ms - task.launched_ms) / 1000;
    const bin = seconds > 0 ? Math.floor(Math.log2(seconds)) + 4 : 0;
    this.completion.add(b, Math.max(0, Math.min(completion_bins - 1, bin)), 1);
  }
}
