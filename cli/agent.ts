// `meso agent`: runs a live agent until SIGINT or SIGTERM, or SIGUSR1, or until the master shuts it
// down. As Mesos's agent, on SIGINT or SIGTERM it exits leaving the tasks and executors of
// checkpointing frameworks running (it kills the others) and stays a member of the cluster: a restart
// with the same work_dir re-registers under its id and recovers them. SIGUSR1 shuts it down for good:
// it kills everything it launched and unregisters. Flags follow Mesos's names: --master host:port,
// --ip, --port, --hostname, --work_dir, --resources, --attributes, --log_level,
// --executor_reregistration_timeout_ms; the endpoints' --http_credentials, --authenticate_http_readonly,
// --authenticate_http_readwrite and --acls; the containerizer's --isolation, --launcher, --cgroups_root,
// --cgroups_hierarchy, --cgroups_enable_cfs, --cgroups_limit_swap, --cgroups_pids_max and
// --switch_user; sandbox garbage collection's --gc_delay, --gc_disk_headroom, --disk_watch_interval;
// the fetcher's --frameworks_home, --fetcher_cache_dir, --fetcher_cache_size, --fetcher_stall_timeout.

import { type AgentOptions, type AgentStopOptions, startAgent } from '../runtime/agent/agent.ts';
import type { AgentHttpSecurityOptions } from '../runtime/agent/http-security.ts';
import { createLog, type LogLevel, log_levels } from '../runtime/log.ts';
import { readAclsFile } from '../runtime/master/acls.ts';
import { readCredentialFile, readCredentialsFile } from '../runtime/wire/credentials.ts';
import { parseMasterAddress, parseMasterSpec } from '../runtime/wire/master-address.ts';
import { followMaster } from '../runtime/zk/follow.ts';
import { booleanOf, bytesOf, countOf, durationMsOf, fractionOf, portOf, serverTlsOption } from './flags.ts';

/** The longest timeout a timer can wait, in ms (Node fires a longer one at once). */
const timeout_ms_max = 2_147_483_647;

/** The command's options, as text from the command line (numbers are accepted too). */
export interface AgentCommandOptions {
  readonly master?: string;
  readonly credential?: string;
  readonly http_credentials?: string;
  readonly authenticate_http_readonly?: string | boolean;
  readonly authenticate_http_readwrite?: string | boolean;
  readonly acls?: string;
  readonly ip?: string;
  readonly port?: string | number;
  readonly hostname?: string;
  readonly work_dir?: string;
  readonly resources?: string;
  readonly attributes?: string;
  readonly log_level?: string;
  readonly executor_reregistration_timeout_ms?: string | number;
  readonly isolation?: string;
  readonly launcher?: string;
  readonly cgroups_root?: string;
  readonly cgroups_hierarchy?: string;
  readonly cgroups_enable_cfs?: string | boolean;
  readonly cgroups_limit_swap?: string | boolean;
  readonly cgroups_pids_max?: string | number;
  readonly switch_user?: string | boolean;
  readonly gc_delay?: string;
  readonly gc_disk_headroom?: string | number;
  readonly disk_watch_interval?: string;
  readonly frameworks_home?: string;
  readonly fetcher_cache_dir?: string;
  readonly fetcher_cache_size?: string | number;
  readonly fetcher_stall_timeout?: string;
}

/** The containerizer and sandbox flags as startAgent options (checked; errors name the flag). */
function containerOptionsOf(opts: AgentCommandOptions): Partial<AgentOptions> {
  const enable_cfs = booleanOf(opts.cgroups_enable_cfs, 'cgroups_enable_cfs');
  const limit_swap = booleanOf(opts.cgroups_limit_swap, 'cgroups_limit_swap');
  const pids_max = countOf(opts.cgroups_pids_max, 'cgroups_pids_max');
  const switch_user = booleanOf(opts.switch_user, 'switch_user');
  const gc_delay_ms = durationMsOf(opts.gc_delay, 'gc_delay');
  const disk_watch_interval_ms = durationMsOf(opts.disk_watch_interval, 'disk_watch_interval');
  const gc_disk_headroom = fractionOf(opts.gc_disk_headroom, 'gc_disk_headroom');
  const cache_size = bytesOf(opts.fetcher_cache_size, 'fetcher_cache_size');
  const stall_ms = durationMsOf(opts.fetcher_stall_timeout, 'fetcher_stall_timeout');
  if (stall_ms !== undefined && !(stall_ms >= 1 && stall_ms <= timeout_ms_max)) {
    throw new Error(
      `--fetcher_stall_timeout must be from 1ms to ${timeout_ms_max}ms, got '${opts.fetcher_stall_timeout}'`,
    );
  }
  if (
    disk_watch_interval_ms !== undefined &&
    !(disk_watch_interval_ms >= 1 && disk_watch_interval_ms <= timeout_ms_max)
  ) {
    throw new Error(
      `--disk_watch_interval must be from 1ms to ${timeout_ms_max}ms, got '${opts.disk_watch_interval}'`,
    );
  }
  const isolation = {
    ...(opts.isolation === undefined ? {} : { isolation: opts.isolation }),
    ...(opts.launcher === undefined ? {} : { launcher: opts.launcher }),
    ...(opts.cgroups_root === undefined ? {} : { cgroups_root: opts.cgroups_root }),
    ...(opts.cgroups_hierarchy === undefined ? {} : { cgroups_hierarchy: opts.cgroups_hierarchy }),
    ...(enable_cfs === undefined ? {} : { cgroups_enable_cfs: enable_cfs }),
    ...(limit_swap === undefined ? {} : { cgroups_limit_swap: limit_swap }),
    ...(pids_max === undefined ? {} : { cgroups_pids_max: pids_max }),
  };
  return {
    ...(Object.keys(isolation).length === 0 ? {} : { isolation }),
    ...(switch_user === undefined ? {} : { switch_user }),
    ...(gc_delay_ms === undefined ? {} : { gc_delay_ms }),
    ...(disk_watch_interval_ms === undefined ? {} : { disk_watch_interval_ms }),
    ...(gc_disk_headroom === undefined ? {} : { gc_disk_headroom }),
    ...(opts.frameworks_home === undefined ? {} : { frameworks_home: opts.frameworks_home }),
    ...(opts.fetcher_cache_dir === undefined ? {} : { fetcher_cache_dir: opts.fetcher_cache_dir }),
    ...(cache_size === undefined ? {} : { fetcher_cache_size_bytes: cache_size }),
    ...(stall_ms === undefined ? {} : { fetcher_stall_timeout_ms: stall_ms }),
  };
}

/** The agent's endpoint security flags as startAgent options (files read; errors name the flag). */
function httpSecurityOf(opts: AgentCommandOptions): AgentHttpSecurityOptions | undefined {
  const readonly = booleanOf(opts.authenticate_http_readonly, 'authenticate_http_readonly');
  const readwrite = booleanOf(opts.authenticate_http_readwrite, 'authenticate_http_readwrite');
  const security: AgentHttpSecurityOptions = {
    ...(opts.http_credentials === undefined
      ? {}
      : { http_credentials: readCredentialsFile(opts.http_credentials, 'http_credentials') }),
    ...(readonly === undefined ? {} : { authenticate_http_readonly: readonly }),
    ...(readwrite === undefined ? {} : { authenticate_http_readwrite: readwrite }),
    ...(opts.acls === undefined ? {} : { acls: readAclsFile(opts.acls) }),
  };
  return Object.keys(security).length === 0 ? undefined : security;
}

/** A timeout in ms from a flag: a whole number from 1 to timeout_ms_max, or an error naming the flag. */
function timeoutMsOf(value: string | number | undefined, flag: string): number | undefined {
  const ms = countOf(value, flag);
  if (ms !== undefined && !(ms >= 1 && ms <= timeout_ms_max)) {
    throw new Error(`--${flag} must be a whole number of ms from 1 to ${timeout_ms_max}, got '${value}'`);
  }
  return ms;
}

/** The startAgent options of the command's flags; throws naming a bad or missing flag. */
export function agentOptionsOf(opts: AgentCommandOptions): AgentOptions {
  if (opts.master === undefined || opts.master === '') {
    throw new Error('--master is required: the address of the master, e.g. --master 127.0.0.1:5050');
  }
  // A zk:// value is checked here and followed by a detector once the agent runs.
  const spec = parseMasterSpec(opts.master);
  if (spec.kind === 'direct' && spec.addresses.length > 1) {
    throw new Error(`--master takes one host:port or a zk:// URL, got '${opts.master}'`);
  }
  const master = spec.kind === 'zk' ? opts.master.trim() : spec.addresses[0]!;
  if (opts.work_dir === undefined || opts.work_dir === '') {
    throw new Error(
      '--work_dir is required: where sandboxes and the agent checkpoint live, e.g. --work_dir /var/lib/meso',
    );
  }
  const port = portOf(opts.port);
  const reregistration_ms = timeoutMsOf(
    opts.executor_reregistration_timeout_ms,
    'executor_reregistration_timeout_ms',
  );
  if (opts.log_level !== undefined && !log_levels.includes(opts.log_level as LogLevel)) {
    throw new Error(`--log_level must be one of ${log_levels.join(', ')}, got '${opts.log_level}'`);
  }
  const http_security = httpSecurityOf(opts);
  return {
    ...containerOptionsOf(opts),
    master,
    work_dir: opts.work_dir,
    ...(opts.ip === undefined ? {} : { ip: opts.ip }),
    ...(port === undefined ? {} : { port }),
    ...(opts.hostname === undefined ? {} : { hostname: opts.hostname }),
    ...(opts.resources === undefined ? {} : { resources: opts.resources }),
    ...(opts.attributes === undefined ? {} : { attributes: opts.attributes }),
    ...(opts.log_level === undefined ? {} : { log_level: opts.log_level as LogLevel }),
    ...(reregistration_ms === undefined ? {} : { executor_reregistration_timeout_ms: reregistration_ms }),
    ...(opts.credential === undefined ? {} : { credential: readCredentialFile(opts.credential) }),
    ...(http_security === undefined ? {} : { http_security }),
    ...serverTlsOption(),
  };
}

/** Runs an agent until a signal or the master's shutdown; resolves with the exit code once it stopped. */
export async function runAgentCommand(opts: AgentCommandOptions): Promise<number> {
  let code = 0;
  const options = agentOptionsOf(opts);
  // The detector says when ZooKeeper cannot be reached, in the agent's own log.
  const master = followMaster(options.master as string, createLog('meso-agent', options.log_level ?? 'info'));
  const agent = await startAgent({
    ...options,
    master,
    // Told to shut down by the master: the agent was refused or removed, which an operator must see.
    on_shutdown: (message) => {
      process.stderr.write(`meso agent: the master shut this agent down: ${message}\n`);
      code = 1;
    },
  });
  // SIGINT and SIGTERM: exit, leaving checkpointing frameworks' work to the next start; SIGUSR1: leave.
  const signals: Record<string, AgentStopOptions> = {
    SIGINT: { recoverable: true },
    SIGTERM: { recoverable: true },
    SIGUSR1: { unregister: true },
  };
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const [signal, how] of Object.entries(signals) as Array<[NodeJS.Signals, AgentStopOptions]>) {
    const handler = (): void => void agent.stop(how);
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  await agent.stopped;
  if (typeof master !== 'string') await master.stop();
  for (const [signal, handler] of handlers) process.off(signal, handler);
  return code;
}
