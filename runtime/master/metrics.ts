// The master's metrics in Prometheus text format (GET /metrics), through prom-client. Counters are
// fed by the host as things happen (HTTP answers, engine inputs, trace events, messages sent);
// gauges are read from the master's state when scraped. Each master has its own registry, so
// several masters in one process (tests) do not share counters.
import { Counter, Gauge, Registry } from 'prom-client';
import type { TraceEvent } from '../../engine/events.ts';
import type { MasterLookups } from '../../engine/master/lookups.ts';
import { LabelCounter, LabelHistogram } from './metric-types.ts';

/** Gauges read at scrape time. */
export interface MasterStats {
  readonly elected: boolean;
  readonly uptime_seconds: number;
  readonly agents_active: number;
  readonly agents_inactive: number;
  readonly agents_unreachable: number;
  readonly frameworks_active: number;
  readonly frameworks_inactive: number;
  readonly frameworks_completed: number;
  readonly tasks_active: number;
  readonly offers_outstanding: number;
  readonly scheduler_streams: number;
  readonly agent_connections: number;
  readonly operator_subscribers: number;
  /** Open GET /master/events streams. */
  readonly event_subscribers: number;
  readonly timers_armed: number;
  /** Totals of scalar resources (cpus, mem, disk, gpus) by kind. */
  readonly resources: ReadonlyArray<{ readonly name: string; readonly kind: string; readonly value: number }>;
}

/** The gauges of /metrics that come from the engine master. */
export type EngineGauges = Omit<
  MasterStats,
  | 'elected'
  | 'uptime_seconds'
  | 'scheduler_streams'
  | 'agent_connections'
  | 'operator_subscribers'
  | 'event_subscribers'
  | 'timers_armed'
>;

/** Scalar resources always reported, at 0 when no agent has them, so that their series stay put. */
const standard_scalars = ['cpus', 'mem', 'disk', 'gpus'];

/** Reads the engine's gauges through its lookups: counts and totals, never the whole view. */
export function engineGauges(lookups: MasterLookups): EngineGauges {
  const counts = lookups.counts();
  const totals = lookups.scalarTotals();
  const resources: Array<{ name: string; kind: string; value: number }> = [];
  for (const [kind, quantities] of [
    ['total', totals.total],
    ['used', totals.used],
    ['offered', totals.offered],
  ] as const) {
    const names = new Set([...standard_scalars, ...Object.keys(quantities).sort()]);
    for (const name of names) resources.push({ name, kind, value: quantities[name] ?? 0 });
  }
  return {
    agents_active: counts.agents_active,
    agents_inactive: counts.agents_inactive,
    agents_unreachable: counts.agents_unreachable,
    frameworks_active: counts.frameworks_active,
    frameworks_inactive: counts.frameworks_inactive,
    frameworks_completed: counts.frameworks_completed,
    tasks_active: counts.tasks_active,
    offers_outstanding: counts.offers_outstanding,
    resources,
  };
}

/** The master's metrics. */
export interface MasterMetrics {
  readonly contentType: string;
  /** The metrics as Prometheus text. */
  text(): Promise<string>;
  httpRequest(route: string, code: number): void;
  engineStep(inputType: string, seconds: number): void;
  engineFailure(inputType: string): void;
  trace(event: TraceEvent): void;
  eventSent(type: string): void;
  agentMessageSent(type: string): void;
  agentMessageRefused(): void;
}

const prefix = 'meso_master_';

/** Creates the metrics of one master; `stats` is read at each scrape. */
export function createMasterMetrics(stats: () => MasterStats): MasterMetrics {
  const registry = new Registry();
  // Updated several times per task: counted in plain maps (metric-types.ts), printed when scraped.
  const http = new LabelCounter(
    `${prefix}http_requests_total`,
    'HTTP requests answered, by route and status code',
    ['route', 'code'],
    registry,
  );
  const inputs = new LabelHistogram(
    `${prefix}engine_step_seconds`,
    'Time the engine took to step one input, by input type',
    'input',
    [0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registry,
  );
  const failures = new LabelCounter(
    `${prefix}engine_step_failures_total`,
    'Inputs whose step threw (a bug in the engine), by input type',
    ['input'],
    registry,
  );
  const traces = new LabelCounter(
    `${prefix}trace_events_total`,
    'Trace events of the engine (offers made, accepted, declined, rescinded, tasks launched ...), by type',
    ['type'],
    registry,
  );
  const statuses = new LabelCounter(
    `${prefix}task_status_updates_total`,
    'Task state changes, by state',
    ['state'],
    registry,
  );
  const events = new LabelCounter(
    `${prefix}scheduler_events_sent_total`,
    'Events written on scheduler streams, by type',
    ['type'],
    registry,
  );
  const agentMessages = new LabelCounter(
    `${prefix}agent_messages_sent_total`,
    'Messages sent to agents, by type',
    ['type'],
    registry,
  );
  const refused = new Counter({
    name: `${prefix}agent_messages_refused_total`,
    help: 'Messages from agents refused as malformed or out of order',
    registers: [registry],
  });
  registerGauges([registry], stats);
  return {
    contentType: registry.contentType,
    text: () => registry.metrics(),
    httpRequest: (route, code) => http.inc(route, String(code)),
    engineStep: (input, seconds) => inputs.observe(input, seconds),
    engineFailure: (input) => failures.inc(input),
    trace(event) {
      traces.inc(event.type);
      if (event.type === 'task_status') statuses.inc(event.state);
    },
    eventSent: (type) => events.inc(type),
    agentMessageSent: (type) => agentMessages.inc(type),
    agentMessageRefused: () => refused.inc(),
  };
}

/** The gauges, all read from one `stats()` call per scrape. */
function registerGauges(registers: Registry[], stats: () => MasterStats): void {
  let current: MasterStats | undefined;
  // The first gauge collected reads the stats; the others reuse them within the same scrape.
  const read = (): MasterStats => {
    if (current === undefined) {
      current = stats();
      queueMicrotask(() => {
        current = undefined;
      });
    }
    return current;
  };
  const simple: Array<[keyof MasterStats, string]> = [
    ['uptime_seconds', 'Seconds since the master started'],
    ['agents_active', 'Registered agents that are connected'],
    ['agents_inactive', 'Registered agents that are disconnected'],
    ['agents_unreachable', 'Agents marked unreachable'],
    ['frameworks_active', 'Frameworks with an open event stream'],
    ['frameworks_inactive', 'Frameworks known but without an event stream'],
    ['frameworks_completed', 'Removed frameworks the master remembers'],
    ['tasks_active', 'Tasks not yet completed'],
    ['offers_outstanding', 'Offers made and not yet used, declined or rescinded'],
    ['scheduler_streams', 'Open scheduler event streams'],
    ['agent_connections', 'Open agent channel connections'],
    ['operator_subscribers', 'Open operator event streams'],
    ['event_subscribers', 'Open trace event streams (GET /master/events)'],
    ['timers_armed', 'Engine timers armed'],
  ];
  new Gauge({
    name: `${prefix}elected`,
    help: '1 when this master leads, else 0',
    registers,
    collect() {
      this.set(read().elected ? 1 : 0);
    },
  });
  for (const [key, help] of simple) {
    new Gauge({
      name: `${prefix}${key}`,
      help,
      registers,
      collect() {
        this.set(read()[key] as number);
      },
    });
  }
  new Gauge({
    name: `${prefix}resources`,
    help: 'Scalar resources of registered agents, by resource name and kind (total, used, offered)',
    labelNames: ['resource', 'kind'],
    registers,
    collect() {
      this.reset();
      for (const r of read().resources) this.set({ resource: r.name, kind: r.kind }, r.value);
    },
  });
}
