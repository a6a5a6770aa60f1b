// Measures read from a run's engine trace (trace.ndjson, one event a line): how long agents and
// frameworks take to reconnect after a master failover, and how a newly arrived framework ramps up
// (when it first holds each agent, and how much of what it held it used). The trace is read line by
// line, and only the event types a measure needs are parsed.
import { closeSync, openSync, readSync } from 'node:fs';
import type { TraceEvent } from '../engine/events.ts';
import type { SimConfig } from '../sim/config.ts';
import type { RunResult } from '../sim/run.ts';
import { type Metrics, round6 } from './measures.ts';
import type { Vars } from './template.ts';

/** Bytes read from the trace at a time. */
const chunk_bytes = 1 << 20;

/** Calls `visit` with each event of the trace whose type is one of `types`. */
export function readTrace(path: string, types: readonly string[], visit: (event: TraceEvent) => void): void {
  const needles = types.map((t) => `"type":"${t}"`);
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(chunk_bytes);
  let rest = '';
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, chunk_bytes, null);
      if (n === 0) break;
      const text = rest + buffer.toString('utf8', 0, n);
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines)
        if (needles.some((s) => line.includes(s))) visit(JSON.parse(line) as TraceEvent);
    }
  } finally {
    closeSync(fd);
  }
  if (rest.trim() !== '' && needles.some((s) => rest.includes(s))) visit(JSON.parse(rest) as TraceEvent);
}

const agentCount = (config: SimConfig) => config.cluster.reduce((n, g) => n + g.count, 0);

/**
 * Reconnection after the first master failure: for agents (re-registrations) and frameworks
 * (re-subscriptions), the time from the new master's start to the last one back, and MTTR, the time
 * from the failure to the last agent or framework back (the Mesos paper's measure).
 */
export function failoverMetrics(result: RunResult, tracePath: string): Metrics {
  const config = result.sim.config;
  const fault = config.faults.masters[0];
  if (fault === undefined) throw new Error("measure 'failover' needs a master failure in faults.masters");
  const failed = fault.at_ms;
  const leads = fault.at_ms + fault.recovery_ms;
  const next = config.faults.masters[1]?.at_ms ?? Number.POSITIVE_INFINITY;
  const agents = new Map<string, number>();
  const frameworks = new Map<string, number>();
  readTrace(tracePath, ['agent_added', 'framework_added'], (e) => {
    if (e.time_ms < leads || e.time_ms >= next) return;
    if (e.type === 'agent_added' && !agents.has(e.agent_id)) agents.set(e.agent_id, e.time_ms);
    if (e.type === 'framework_added' && !frameworks.has(e.framework_id))
      frameworks.set(e.framework_id, e.time_ms);
  });
  const last = (m: Map<string, number>) => (m.size === 0 ? Number.NaN : Math.max(...m.values()));
  const mean = (m: Map<string, number>) =>
    m.size === 0 ? Number.NaN : [...m.values()].reduce((a, b) => a + b, 0) / m.size;
  const s = (ms: number) => (Number.isNaN(ms) ? null : round6(ms / 1000));
  const allBack = agents.size === agentCount(config) && frameworks.size === config.frameworks.length;
  const lastBack = Math.max(last(agents), last(frameworks));
  return {
    agents_back: agents.size,
    frameworks_back: frameworks.size,
    agents_reconnect_s: s(last(agents) - leads),
    agents_reconnect_mean_s: s(mean(agents) - leads),
    frameworks_reconnect_s: s(last(frameworks) - leads),
    reconnect_s: allBack ? s(lastBack - leads) : null,
    mttr_s: allBack ? s(lastBack - failed) : null,
  };
}

/** Per agent: open offers and running tasks of one framework, and the times it held and used the agent. */
interface Holding {
  offers: number;
  tasks: number;
  since: number;
  held_ms: number;
  used_ms: number;
  first_ms: number;
}

function holdingOf(map: Map<string, Holding>, agent: string, now: number): Holding {
  let h = map.get(agent);
  if (h === undefined) {
    h = { offers: 0, tasks: 0, since: now, held_ms: 0, used_ms: 0, first_ms: now };
    map.set(agent, h);
  }
  return h;
}

/** Moves a holding's clock to `now`, adding the time since its last change to held and used. */
function advance(h: Holding, now: number): void {
  if (h.offers > 0 || h.tasks > 0) h.held_ms += now - h.since;
  if (h.tasks > 0) h.used_ms += now - h.since;
  h.since = now;
}

const terminal = new Set([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
]);

/**
 * Ramp-up of the framework named by `test_framework`, submitted at `test_submit_s`: the time until it
 * had held every agent at least once, its job's completion time, and its utilisation: the time its
 * tasks ran over the time it held agents (offers with CPUs outstanding, or tasks running).
 */
export function rampUpMetrics(result: RunResult, tracePath: string, vars: Vars): Metrics {
  const name = vars.test_framework;
  const submit_s = vars.test_submit_s;
  if (typeof name !== 'string' || typeof submit_s !== 'number')
    throw new Error("measure 'ramp-up' needs the variables test_framework (a name) and test_submit_s");
  const submit_ms = submit_s * 1000;
  let id: string | undefined;
  const offers = new Map<string, string>();
  const tasks = new Map<string, string>();
  const holdings = new Map<string, Holding>();
  readTrace(
    tracePath,
    [
      'framework_added',
      'offer_made',
      'offer_accepted',
      'offer_declined',
      'offer_rescinded',
      'task_launched',
      'task_status',
    ],
    (e) => {
      if (e.type === 'framework_added') {
        if (e.name === name) id = e.framework_id;
        return;
      }
      if (e.time_ms < submit_ms || id === undefined || !('framework_id' in e) || e.framework_id !== id)
        return;
      if (e.type === 'offer_made') {
        // Offers of what a busy agent has left (memory without CPUs) are no slot.
        if (!(Number(e.resources.cpus ?? 0) > 0)) return;
        const h = holdingOf(holdings, e.agent_id, e.time_ms);
        advance(h, e.time_ms);
        h.offers++;
        offers.set(e.offer_id, e.agent_id);
      } else if (e.type === 'offer_accepted' || e.type === 'offer_declined' || e.type === 'offer_rescinded') {
        const agent = offers.get(e.offer_id);
        if (agent === undefined) return;
        offers.delete(e.offer_id);
        const h = holdings.get(agent)!;
        advance(h, e.time_ms);
        h.offers--;
      } else if (e.type === 'task_launched') {
        const h = holdingOf(holdings, e.agent_id, e.time_ms);
        advance(h, e.time_ms);
        h.tasks++;
        tasks.set(e.task_id, e.agent_id);
      } else if (e.type === 'task_status' && terminal.has(e.state) && tasks.has(e.task_id)) {
        tasks.delete(e.task_id);
        const h = holdings.get(e.agent_id)!;
        advance(h, e.time_ms);
        h.tasks--;
      }
    },
  );
  const end = result.end_ms;
  let held = 0;
  let used = 0;
  for (const h of holdings.values()) {
    advance(h, end);
    held += h.held_ms;
    used += h.used_ms;
  }
  const k = agentCount(result.sim.config);
  const job = [...result.sim.metrics.jobs.values()].find((j) => j.framework === name);
  const finished = job?.state === 'finished' && job.ended_ms !== undefined;
  const firsts = [...holdings.values()].map((h) => h.first_ms);
  return {
    agents_held: holdings.size,
    // A framework whose job ends before the last slot frees never reaches its full allocation.
    ramp_up_reached: holdings.size < k ? 0 : 1,
    ramp_up_s: holdings.size < k ? null : round6((Math.max(...firsts) - submit_ms) / 1000),
    completion_s: finished ? round6((job.ended_ms! - job.submit_ms) / 1000) : null,
    utilisation_test: held === 0 ? null : round6(used / held),
  };
}
