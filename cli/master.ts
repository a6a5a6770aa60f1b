// `meso master`: runs a live master until SIGINT or SIGTERM. Flags follow Mesos's names:
// --ip, --port, --hostname, --policy, --allocation_interval_ms, --heartbeat_interval_seconds,
// --seed, --journal <file>, --log_level, --max_completed_tasks_per_framework,
// --max_completed_frameworks, --zk zk://h1:p1,h2:p2/path, --quorum, --zk_session_timeout,
// --agent_reregister_timeout, --offer_timeout, --agent_ping_timeout, --max_agent_ping_timeouts,
// --work_dir, --registry, --roles, --weights, --rate_limits (each also from MESO_<FLAG>).

import { type PolicyName, policyNames } from '../engine/allocator/policies.ts';
import { type LogLevel, log_levels } from '../runtime/log.ts';
import { readAclsFile } from '../runtime/master/acls.ts';
import { readRateLimitsFlag } from '../runtime/master/rate-limits.ts';
import { type RegistryKind, type StartMasterOptions, startMaster } from '../runtime/master/server.ts';
import { readCredentialsFile } from '../runtime/wire/credentials.ts';
import { parseZkUrl } from '../runtime/wire/master-address.ts';
import { booleanOf, countOf, durationMsOf, portOf, serverTlsOption } from './flags.ts';

/** The command's options, as text from the command line (numbers are accepted too). */
export interface MasterCommandOptions {
  readonly ip?: string;
  readonly port?: string | number;
  readonly hostname?: string;
  readonly policy?: string;
  readonly allocation_interval_ms?: string | number;
  readonly heartbeat_interval_seconds?: string | number;
  readonly seed?: string;
  readonly journal?: string;
  readonly log_level?: string;
  readonly max_completed_tasks_per_framework?: string | number;
  readonly max_completed_frameworks?: string | number;
  readonly credentials?: string;
  readonly acls?: string;
  readonly rate_limits?: string;
  readonly max_connections?: string | number;
  readonly max_connections_per_client?: string | number;
  readonly http_header_timeout_ms?: string | number;
  readonly authenticate_frameworks?: string | boolean;
  readonly authenticate_agents?: string | boolean;
  readonly authenticate_http_readonly?: string | boolean;
  readonly authenticate_http_readwrite?: string | boolean;
  readonly zk?: string;
  readonly quorum?: string | number;
  readonly zk_session_timeout?: string;
  readonly agent_reregister_timeout?: string;
  readonly offer_timeout?: string;
  readonly agent_ping_timeout?: string;
  readonly max_agent_ping_timeouts?: string | number;
  readonly work_dir?: string;
  readonly registry?: string;
  readonly roles?: string;
  readonly weights?: string;
}

/** `--roles a,b`: the roles frameworks may subscribe in; throws naming the flag. */
function rolesOf(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const roles = text.split(',').map((r) => r.trim());
  const bad = roles.find((r) => !/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(r) || r.includes('..'));
  if (bad !== undefined)
    throw new Error(`--roles must be role names separated by commas, got '${bad}' in '${text}'`);
  return roles;
}

/** `--weights a=2,b=0.5`: weights to start with; throws naming the flag. */
function weightsOf(text: string | undefined): Array<{ role: string; weight: number }> | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((pair) => {
    const [role, value, extra] = pair.split('=').map((p) => p.trim());
    const weight = Number(value);
    if (!role || extra !== undefined || value === undefined || !(Number.isFinite(weight) && weight > 0))
      throw new Error(`--weights must be role=weight pairs separated by commas (weights > 0), got '${pair}'`);
    return { role, weight };
  });
}

const authenticate_flags = [
  'authenticate_frameworks',
  'authenticate_agents',
  'authenticate_http_readonly',
  'authenticate_http_readwrite',
] as const;

/** The authentication options of the flags: `--credentials FILE` read, each `--authenticate_*` checked. */
function authenticationOf(opts: MasterCommandOptions): Partial<StartMasterOptions> {
  const out: Record<string, unknown> = {};
  for (const flag of authenticate_flags) {
    const on = booleanOf(opts[flag], flag);
    if (on !== undefined) out[flag] = on;
  }
  if (opts.credentials !== undefined) out.credentials = readCredentialsFile(opts.credentials);
  return out as Partial<StartMasterOptions>;
}

/** The HA and timing flags (--zk, --quorum, --zk_session_timeout and the engine's timeouts). */
function haOptionsOf(opts: MasterCommandOptions): Partial<StartMasterOptions> {
  const zk = opts.zk === undefined ? undefined : parseZkUrl(opts.zk);
  const quorum = countOf(opts.quorum, 'quorum');
  if (quorum !== undefined && (zk === undefined || quorum < 1)) {
    throw new Error(`--quorum needs --zk and must be at least 1, got '${opts.quorum}'`);
  }
  const session = durationMsOf(opts.zk_session_timeout, 'zk_session_timeout');
  if (session !== undefined && zk === undefined) throw new Error('--zk_session_timeout needs --zk');
  const reregister = durationMsOf(opts.agent_reregister_timeout, 'agent_reregister_timeout');
  const offer = durationMsOf(opts.offer_timeout, 'offer_timeout');
  const ping = durationMsOf(opts.agent_ping_timeout, 'agent_ping_timeout');
  const pings = countOf(opts.max_agent_ping_timeouts, 'max_agent_ping_timeouts');
  // startMaster checks the registry's kind and how it goes with --zk and --work_dir.
  const registry = opts.registry as RegistryKind | undefined;
  const roles = rolesOf(opts.roles);
  const weights = weightsOf(opts.weights);
  return {
    ...(roles === undefined ? {} : { roles }),
    ...(weights === undefined ? {} : { weights }),
    ...(registry === undefined ? {} : { registry }),
    ...(opts.work_dir === undefined ? {} : { work_dir: opts.work_dir }),
    ...(zk === undefined ? {} : { zk }),
    ...(session === undefined ? {} : { zk_session_timeout_ms: session }),
    ...(reregister === undefined ? {} : { agent_reregister_timeout_ms: reregister }),
    ...(offer === undefined ? {} : { offer_timeout_ms: offer }),
    ...(ping === undefined ? {} : { agent_ping_timeout_ms: ping }),
    ...(pings === undefined ? {} : { max_agent_ping_timeouts: pings }),
  };
}

/** A positive number from a flag, or an error naming the flag. */
function positive(value: string | number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new Error(`--${flag} must be a positive number, got '${value}'`);
  return n;
}

/** The connection limits of the flags, each a whole number > 0. */
function connectionLimitsOf(opts: MasterCommandOptions): Partial<StartMasterOptions> {
  const pairs = [
    ['max_connections', 'connections_max'],
    ['max_connections_per_client', 'connections_per_client_max'],
    ['http_header_timeout_ms', 'header_timeout_ms'],
  ] as const;
  const out: Record<string, number> = {};
  for (const [flag, option] of pairs) {
    const value = opts[flag];
    if (value === undefined) continue;
    const n = Number(value);
    if (!(Number.isSafeInteger(n) && n > 0))
      throw new Error(`--${flag} must be a whole number > 0, got '${value}'`);
    out[option] = n;
  }
  return out;
}

/** The startMaster options of the command's flags; throws naming a bad flag. */
export function masterOptionsOf(opts: MasterCommandOptions): StartMasterOptions {
  const port = portOf(opts.port);
  if (opts.policy !== undefined && !policyNames.includes(opts.policy as PolicyName)) {
    throw new Error(`--policy must be one of ${policyNames.join(', ')}, got '${opts.policy}'`);
  }
  if (opts.log_level !== undefined && !log_levels.includes(opts.log_level as LogLevel)) {
    throw new Error(`--log_level must be one of ${log_levels.join(', ')}, got '${opts.log_level}'`);
  }
  const allocation = positive(opts.allocation_interval_ms, 'allocation_interval_ms');
  const heartbeat = positive(opts.heartbeat_interval_seconds, 'heartbeat_interval_seconds');
  const tasks_max = countOf(opts.max_completed_tasks_per_framework, 'max_completed_tasks_per_framework');
  const frameworks_max = countOf(opts.max_completed_frameworks, 'max_completed_frameworks');
  return {
    ...haOptionsOf(opts),
    ...(opts.ip === undefined ? {} : { ip: opts.ip }),
    ...(port === undefined ? {} : { port }),
    ...(opts.hostname === undefined ? {} : { hostname: opts.hostname }),
    ...(opts.policy === undefined ? {} : { policy: opts.policy as PolicyName }),
    ...(allocation === undefined ? {} : { allocation_interval_ms: allocation }),
    ...(heartbeat === undefined ? {} : { heartbeat_interval_seconds: heartbeat }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.journal === undefined ? {} : { journal: opts.journal }),
    ...(opts.log_level === undefined ? {} : { log_level: opts.log_level as LogLevel }),
    ...(tasks_max === undefined ? {} : { completed_tasks_per_framework_max: tasks_max }),
    ...(frameworks_max === undefined ? {} : { completed_frameworks_max: frameworks_max }),
    ...authenticationOf(opts),
    ...(opts.acls === undefined ? {} : { acls: readAclsFile(opts.acls) }),
    ...(opts.rate_limits === undefined ? {} : { rate_limits: readRateLimitsFlag(opts.rate_limits) }),
    ...connectionLimitsOf(opts),
    ...serverTlsOption(),
  };
}

/** Runs a master until SIGINT or SIGTERM; resolves with the exit code once it has stopped. */
export async function runMasterCommand(opts: MasterCommandOptions): Promise<number> {
  const master = await startMaster(masterOptionsOf(opts));
  const lost = await new Promise<string | undefined>((resolve) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(undefined);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // A master that stops leading exits, as Mesos's does; its supervisor starts it again.
    void master.lost.then(resolve);
  });
  await master.stop();
  if (lost === undefined) return 0;
  process.stderr.write(`meso master: exiting: ${lost}\n`);
  return 1;
}
