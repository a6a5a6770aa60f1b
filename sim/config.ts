// What a simulation runs: the cluster, the frameworks with their workloads, the allocation policy,
// the network, the faults, the master's timings and the endpoints' retry intervals. A config is
// plain JSON (an experiment file, or what `meso sim` builds from its flags); `resolveSimConfig`
// checks it, names whatever is wrong, and fills in every default, so the simulator itself never
// meets a missing field.

import type { Quota } from '../engine/allocator/allocator.ts';
import { type PolicyName, policyNames } from '../engine/allocator/policies.ts';
import { parseResources } from '../engine/resources.ts';
import type { Job } from '../workloads/job.ts';
import { anyObject, array, number, object, string, stringMap } from './json-fields.ts';
import { checkNetworkParams, type NetworkParams, network_defaults } from './network.ts';

/** Kinds of framework the simulator can run: the workload models, and a plain task launcher. */
export const framework_kinds = ['hadoop', 'mpi', 'spark', 'service', 'launcher'] as const;
/** A kind of framework. */
export type FrameworkKind = (typeof framework_kinds)[number];

/** Where a framework's jobs come from. */
export type WorkloadSource =
  /** A named generator (workloads/generators), with parameter overrides. */
  | { readonly generator: string; readonly params?: Readonly<Record<string, unknown>> }
  /** A trace, `swim:PATH` or `swf:PATH`, with the loader's parameter overrides. */
  | { readonly trace: string; readonly params?: Readonly<Record<string, unknown>> }
  /** Jobs written out in full. */
  | { readonly jobs: readonly Job[] };

/** Time a framework takes to answer offers: job_ms + task_ms x tasks launched (Omega's model). */
export interface DecisionTime {
  readonly job_ms: number;
  readonly task_ms: number;
}

/** One framework of the run. */
export interface FrameworkConfig {
  readonly name: string;
  readonly kind: FrameworkKind;
  /** Roles it subscribes with (default `*`). */
  readonly roles: readonly string[];
  /** Parameters of its model (for `launcher`: task, tasks, per_offer, duration_ms ...). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly decision: DecisionTime;
  /** Its jobs; only jobs of its kind are taken from a mixed source. */
  readonly workload: WorkloadSource | undefined;
}

/** A group of identical agents. */
export interface AgentGroup {
  readonly count: number;
  /** Resources in the flag form, e.g. `cpus:8;mem:16384;disk:100000`. */
  readonly resources: string;
  /** Racks the group's agents are spread over, in contiguous blocks (attribute `rack`). */
  readonly racks: number;
  /** More attributes every agent of the group carries. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** A role's weight and quota. */
export interface RoleConfig {
  readonly role: string;
  readonly weight?: number;
  readonly quota?: Quota;
}

/** An agent failure at a given time. */
export interface AgentFault {
  /** The agent's index in the cluster (0-based, in group order). */
  readonly agent: number;
  readonly at_ms: number;
  /** `crash`: the machine dies with its tasks; `partition`: it is cut off and keeps running them. */
  readonly kind: 'crash' | 'partition';
  /** When it comes back (never when absent). */
  readonly recover_at_ms?: number;
}

/** A master failure: the leader dies, and a new one leads after `recovery_ms`. */
export interface MasterFault {
  readonly at_ms: number;
  readonly recovery_ms: number;
}

/** Faults to inject. */
export interface FaultsConfig {
  readonly agents: readonly AgentFault[];
  /** Crashes per hour over the whole cluster, at random times and agents (a Poisson process). */
  readonly agent_failures_per_hour: number;
  /** How long a randomly failed agent stays down, on average (exponential), in ms. */
  readonly agent_downtime_ms: number;
  readonly masters: readonly MasterFault[];
}

/** Master timings (engine/master/options.ts) the simulator passes on. */
export interface SimMasterConfig {
  readonly allocation_interval_ms: number;
  readonly agent_ping_timeout_ms: number;
  readonly agent_ping_misses_max: number;
  readonly agent_reregister_timeout_ms: number;
  /** Rescind offers held this long; 0 keeps them until used (Mesos's default). */
  readonly offer_timeout_ms: number;
  readonly heartbeat_interval_seconds: number;
}

/** How endpoints recover from lost messages and failovers. */
export interface RetryConfig {
  /** An agent resends a status update not acknowledged after this long (Mesos: 10 s). */
  readonly status_update_ms: number;
  /** An agent retries registration, and a framework its subscription, after this long. */
  readonly register_ms: number;
  /** A framework kills (and so learns the fate of) a launched task that has not reported by then. */
  readonly launch_timeout_ms: number;
  /** An agent the master told to shut down restarts and registers again after this long. */
  readonly agent_restart_ms: number;
}

/** A complete simulation config, every default filled in. */
export interface SimConfig {
  readonly seed: string;
  /** The run stops here even if jobs remain. */
  readonly end_ms: number;
  readonly policy: PolicyName;
  readonly cluster: readonly AgentGroup[];
  readonly roles: readonly RoleConfig[];
  readonly frameworks: readonly FrameworkConfig[];
  readonly network: NetworkParams;
  readonly faults: FaultsConfig;
  readonly master: SimMasterConfig;
  readonly retries: RetryConfig;
  /** Interval between samples of utilisation and shares, in ms. */
  readonly sample_interval_ms: number;
  /** Check the master's invariants every this many ms of simulated time (0: never). */
  readonly invariants_interval_ms: number;
}

/** The simulator's defaults. Decision times are Omega's (EuroSys 2013, section 4): 0.1 s + 5 ms a task. */
export const sim_defaults = {
  end_ms: 30 * 24 * 3_600_000,
  policy: 'drf' as PolicyName,
  decision: { job_ms: 100, task_ms: 5 } as DecisionTime,
  agent_downtime_ms: 600_000,
  master: {
    allocation_interval_ms: 1000,
    agent_ping_timeout_ms: 15_000,
    agent_ping_misses_max: 5,
    agent_reregister_timeout_ms: 600_000,
    offer_timeout_ms: 0,
    heartbeat_interval_seconds: 5,
  } as SimMasterConfig,
  retries: {
    status_update_ms: 10_000,
    register_ms: 2000,
    launch_timeout_ms: 60_000,
    agent_restart_ms: 1000,
  } as RetryConfig,
  sample_interval_ms: 60_000,
};

/** Longest run the simulator accepts: one year of simulated time. */
export const sim_end_ms_max = 365 * 24 * 3_600_000;

function resolveGroup(value: unknown, what: string): AgentGroup {
  const o = object(value, what, ['agents', 'count', 'resources', 'racks', 'attributes']);
  const count = number(o.count ?? o.agents, `${what}.agents`, Number.NaN, 1);
  if (!Number.isInteger(count)) throw new Error(`${what}.agents: expected a whole number, got ${count}`);
  const resources = string(o.resources, `${what}.resources`);
  try {
    parseResources(resources);
  } catch (error) {
    throw new Error(`${what}.resources: ${(error as Error).message}`);
  }
  const racks = number(o.racks, `${what}.racks`, 1, 1);
  if (!Number.isInteger(racks) || racks > count)
    throw new Error(`${what}.racks: expected a whole number between 1 and the agent count, got ${racks}`);
  return { count, resources, racks, attributes: stringMap(o.attributes, `${what}.attributes`) };
}

function resolveCluster(value: unknown): AgentGroup[] {
  const o = object(value, 'cluster', ['agents', 'resources', 'racks', 'attributes', 'groups']);
  if (o.groups !== undefined) {
    if (o.agents !== undefined || o.resources !== undefined)
      throw new Error('cluster: give either groups or agents and resources, not both');
    const groups = array(o.groups, 'cluster.groups').map((g, i) => resolveGroup(g, `cluster.groups[${i}]`));
    if (groups.length === 0) throw new Error('cluster.groups: expected at least one group');
    return groups;
  }
  return [resolveGroup(o, 'cluster')];
}

function resolveWorkload(value: unknown, what: string): WorkloadSource | undefined {
  if (value === undefined) return undefined;
  const o = object(value, what, ['generator', 'trace', 'jobs', 'params']);
  const given = ['generator', 'trace', 'jobs'].filter((k) => o[k] !== undefined);
  if (given.length !== 1) throw new Error(`${what}: give exactly one of generator, trace or jobs`);
  const params = o.params === undefined ? undefined : anyObject(o.params, `${what}.params`);
  if (o.generator !== undefined)
    return { generator: string(o.generator, `${what}.generator`), ...(params ? { params } : {}) };
  if (o.trace !== undefined)
    return { trace: string(o.trace, `${what}.trace`), ...(params ? { params } : {}) };
  return { jobs: array(o.jobs, `${what}.jobs`) as Job[] };
}

function resolveFramework(value: unknown, index: number): FrameworkConfig {
  const what = `frameworks[${index}]`;
  const o = object(value, what, ['name', 'kind', 'role', 'roles', 'params', 'decision', 'workload']);
  const name = string(o.name, `${what}.name`);
  if (!/^[A-Za-z0-9._-]+$/.test(name))
    throw new Error(`${what}.name: letters, digits, '.', '_' and '-' only, got '${name}'`);
  const kind = string(o.kind, `${what}.kind`) as FrameworkKind;
  if (!framework_kinds.includes(kind))
    throw new Error(`${what}.kind: '${kind}' is not one of ${framework_kinds.join(', ')}`);
  if (o.role !== undefined && o.roles !== undefined) throw new Error(`${what}: give role or roles, not both`);
  const roles =
    o.roles !== undefined
      ? array(o.roles, `${what}.roles`).map((r, i) => string(r, `${what}.roles[${i}]`))
      : [string(o.role, `${what}.role`, '*')];
  if (roles.length === 0) throw new Error(`${what}.roles: expected at least one role`);
  const d = object(o.decision ?? {}, `${what}.decision`, ['job_ms', 'task_ms']);
  const decision = {
    job_ms: number(d.job_ms, `${what}.decision.job_ms`, sim_defaults.decision.job_ms),
    task_ms: number(d.task_ms, `${what}.decision.task_ms`, sim_defaults.decision.task_ms),
  };
  const params = o.params === undefined ? {} : anyObject(o.params, `${what}.params`);
  const workload = resolveWorkload(o.workload, `${what}.workload`);
  if (kind === 'launcher' && workload !== undefined)
    throw new Error(`${what}: a launcher framework takes params, not a workload`);
  return { name, kind, roles, params, decision, workload };
}

function resolveRole(value: unknown, index: number): RoleConfig {
  const what = `roles[${index}]`;
  const o = object(value, what, ['role', 'weight', 'quota', 'limit']);
  const role = string(o.role, `${what}.role`);
  const weight = o.weight === undefined ? undefined : number(o.weight, `${what}.weight`, 1, Number.MIN_VALUE);
  const numbers = (v: unknown, w: string) => {
    const q = anyObject(v, w);
    for (const [k, x] of Object.entries(q)) number(x, `${w}.${k}`, 0);
    return q as Readonly<Record<string, number>>;
  };
  const quota =
    o.quota === undefined && o.limit === undefined
      ? undefined
      : {
          guarantees: o.quota === undefined ? {} : numbers(o.quota, `${what}.quota`),
          ...(o.limit === undefined ? {} : { limits: numbers(o.limit, `${what}.limit`) }),
        };
  return { role, ...(weight === undefined ? {} : { weight }), ...(quota === undefined ? {} : { quota }) };
}

function resolveFaults(value: unknown, agents: number): FaultsConfig {
  const o = object(value ?? {}, 'faults', [
    'agents',
    'agent_failures_per_hour',
    'agent_downtime_ms',
    'masters',
  ]);
  const agentFaults = array(o.agents, 'faults.agents').map((v, i): AgentFault => {
    const what = `faults.agents[${i}]`;
    const f = object(v, what, ['agent', 'at_ms', 'kind', 'recover_at_ms']);
    const agent = number(f.agent, `${what}.agent`, Number.NaN);
    if (!Number.isInteger(agent) || agent >= agents)
      throw new Error(`${what}.agent: expected an agent index below ${agents}, got ${agent}`);
    const kind = string(f.kind, `${what}.kind`, 'crash');
    if (kind !== 'crash' && kind !== 'partition')
      throw new Error(`${what}.kind: expected crash or partition, got '${kind}'`);
    const at_ms = number(f.at_ms, `${what}.at_ms`, Number.NaN);
    const recover =
      f.recover_at_ms === undefined ? undefined : number(f.recover_at_ms, `${what}.recover_at_ms`, 0);
    if (recover !== undefined && recover <= at_ms)
      throw new Error(`${what}.recover_at_ms: must come after at_ms (${at_ms})`);
    return { agent, at_ms, kind, ...(recover === undefined ? {} : { recover_at_ms: recover }) };
  });
  const masters = array(o.masters, 'faults.masters').map((v, i): MasterFault => {
    const what = `faults.masters[${i}]`;
    const f = object(v, what, ['at_ms', 'recovery_ms']);
    return {
      at_ms: number(f.at_ms, `${what}.at_ms`, Number.NaN),
      recovery_ms: number(f.recovery_ms, `${what}.recovery_ms`, 10_000),
    };
  });
  const sorted = [...masters].sort((a, b) => a.at_ms - b.at_ms);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    if (sorted[i]!.at_ms < prev.at_ms + prev.recovery_ms)
      throw new Error('faults.masters: a master failure comes before the previous failover has recovered');
  }
  return {
    agents: agentFaults,
    agent_failures_per_hour: number(o.agent_failures_per_hour, 'faults.agent_failures_per_hour', 0),
    agent_downtime_ms: number(
      o.agent_downtime_ms,
      'faults.agent_downtime_ms',
      sim_defaults.agent_downtime_ms,
      1,
    ),
    masters: sorted,
  };
}

function resolveMaster(value: unknown): SimMasterConfig {
  const d = sim_defaults.master;
  const o = object(value ?? {}, 'master', Object.keys(d));
  const positive = (k: keyof SimMasterConfig) => number(o[k], `master.${k}`, d[k], Number.MIN_VALUE);
  return {
    allocation_interval_ms: positive('allocation_interval_ms'),
    agent_ping_timeout_ms: positive('agent_ping_timeout_ms'),
    agent_ping_misses_max: positive('agent_ping_misses_max'),
    agent_reregister_timeout_ms: positive('agent_reregister_timeout_ms'),
    offer_timeout_ms: number(o.offer_timeout_ms, 'master.offer_timeout_ms', d.offer_timeout_ms),
    heartbeat_interval_seconds: positive('heartbeat_interval_seconds'),
  };
}

function resolveRetries(value: unknown): RetryConfig {
  const d = sim_defaults.retries;
  const o = object(value ?? {}, 'retries', Object.keys(d));
  const positive = (k: keyof RetryConfig) => number(o[k], `retries.${k}`, d[k], Number.MIN_VALUE);
  return {
    status_update_ms: positive('status_update_ms'),
    register_ms: positive('register_ms'),
    launch_timeout_ms: positive('launch_timeout_ms'),
    agent_restart_ms: positive('agent_restart_ms'),
  };
}

/** Fields a config file may hold at its top level. */
const config_fields = [
  'seed',
  'end_ms',
  'policy',
  'cluster',
  'roles',
  'frameworks',
  'network',
  'faults',
  'master',
  'retries',
  'sample_interval_ms',
  'invariants_interval_ms',
] as const;

/** Checks a config (parsed JSON) and fills in every default; throws naming the first problem. */
export function resolveSimConfig(value: unknown): SimConfig {
  const o = object(value, 'config', config_fields);
  const seed = o.seed === undefined ? '1' : String(o.seed);
  const end_ms = number(o.end_ms, 'end_ms', sim_defaults.end_ms, 1);
  if (end_ms > sim_end_ms_max)
    throw new Error(`end_ms: at most one year (${sim_end_ms_max} ms), got ${end_ms}`);
  const policy = string(o.policy, 'policy', sim_defaults.policy) as PolicyName;
  if (!policyNames.includes(policy))
    throw new Error(`policy: '${policy}' is not one of ${policyNames.join(', ')}`);
  if (o.cluster === undefined)
    throw new Error('cluster: missing (e.g. {"agents": 600, "resources": "cpus:8;mem:16384"})');
  const cluster = resolveCluster(o.cluster);
  const agents = cluster.reduce((n, g) => n + g.count, 0);
  const frameworks = array(o.frameworks, 'frameworks').map(resolveFramework);
  if (frameworks.length === 0) throw new Error('frameworks: expected at least one framework');
  const names = new Set<string>();
  for (const f of frameworks) {
    if (names.has(f.name)) throw new Error(`frameworks: two frameworks are named '${f.name}'`);
    names.add(f.name);
  }
  const n = { ...network_defaults, ...object(o.network ?? {}, 'network', Object.keys(network_defaults)) };
  const network: NetworkParams = {
    master_agent_ms: number(n.master_agent_ms, 'network.master_agent_ms', 0),
    master_framework_ms: number(n.master_framework_ms, 'network.master_framework_ms', 0),
    jitter_ms: number(n.jitter_ms, 'network.jitter_ms', 0),
    loss_probability: number(n.loss_probability, 'network.loss_probability', 0),
    retransmit_ms: number(n.retransmit_ms, 'network.retransmit_ms', 0),
  };
  checkNetworkParams(network);
  return {
    seed,
    end_ms,
    policy,
    cluster,
    roles: array(o.roles, 'roles').map(resolveRole),
    frameworks,
    network,
    faults: resolveFaults(o.faults, agents),
    master: resolveMaster(o.master),
    retries: resolveRetries(o.retries),
    sample_interval_ms: number(
      o.sample_interval_ms,
      'sample_interval_ms',
      sim_defaults.sample_interval_ms,
      1,
    ),
    invariants_interval_ms: number(o.invariants_interval_ms, 'invariants_interval_ms', 0),
  };
}

/** Number of agents in the cluster. */
export function agentCount(config: SimConfig): number {
  return config.cluster.reduce((n, g) => n + g.count, 0);
}
