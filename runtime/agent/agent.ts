// The live agent: it detects its resources, serves its HTTP endpoints (executor API, state, files,
// statistics), registers with the master over the agent channel (re-registering with the id it
// checkpointed in its work_dir after a restart or a lost connection, with the work of checkpointing
// frameworks it recovered), runs what the master sends through the launcher, reports status
// updates reliably, applies the offer operations the master made to its resources (checkpointing
// its total, making and removing persistent volumes), and on stop kills everything it launched, or
// leaves the work of checkpointing frameworks running for the next start to recover.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { hostname as osHostname } from 'node:os';
import { join, resolve } from 'node:path';
import { agent_port_default } from '../../engine/master/agents.ts';
import { master_version } from '../../engine/master/options.ts';
import {
  agent_stop_wait_ms,
  disk_watch_interval_ms_default,
  executor_heartbeat_interval_ms_default,
  executor_registration_timeout_ms_default,
  executor_reregistration_timeout_ms_default,
  executor_shutdown_grace_ms_default,
  fetcher_cache_size_bytes_default,
  gc_delay_ms_default,
  gc_disk_headroom_default,
  kill_grace_ms_default,
} from '../constants.ts';
import { createLog, type LogLevel } from '../log.ts';
import { createLoggingLevel } from '../logging-level.ts';
import type { MasterToAgentMessage } from '../wire/agent-protocol.ts';
import type { Credential } from '../wire/credentials.ts';
import { parseMasterAddress } from '../wire/master-address.ts';
import { schemeOf, type Tls, tlsEnvironment } from '../wire/tls.ts';
import { exitLeavingRecoverableWork } from './agent-exit.ts';
import { agentInfo, reregisterMessage } from './agent-state.ts';
import { agentsMetaDirectory } from './checkpoint.ts';
import { type AgentCore, type AgentSettings, sendHeldExecutorExits } from './core.ts';
import { createExecutorHost } from './executor-host.ts';
import { createExecutorBook, findExecutor } from './executors.ts';
import { createFetcherCache, type FetcherCache } from './fetcher-cache.ts';
import { createAgentServer } from './http.ts';
import { type AgentHttpSecurityOptions, createAgentHttpSecurity } from './http-security.ts';
import { createLauncher, type IsolationOptions } from './isolation.ts';
import { runTask, runTaskGroup } from './launch.ts';
import type { Launcher } from './launcher.ts';
import { killEverything, killTask, shutdownExecutor, shutdownFramework } from './lifecycle.ts';
import { applyOperation } from './operations.ts';
import { reconcileTasks } from './reconcile.ts';
import { recoverWork } from './recovery.ts';
import { type AgentLog, createMasterLink, type MasterDetector } from './registration.ts';
import { readCheckpointedResources, startingTotal } from './resource-checkpoint.ts';
import { agentResources, parseAttributes } from './resources.ts';
import { createSandboxGc } from './sandbox-gc.ts';
import { createStatusUpdateManager } from './status-updates.ts';
import { acknowledged } from './task-statuses.ts';

/** The variables executors inherit from the agent's environment (when it has them). */
const inherited_variables = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/** Options of startAgent. */
export interface AgentOptions {
  /** `host:port` of the master, or a detector of the leading master. */
  readonly master: string | MasterDetector;
  /** The agent's credential, for a master that authenticates agents (`--credential`). */
  readonly credential?: Credential;
  /** Serve TLS and dial the master over TLS, as LIBPROCESS_SSL_* configure it; plain without. */
  readonly tls?: Tls;
  /** Who may call the agent's own endpoints (--http_credentials, --authenticate_http_*, --acls). */
  readonly http_security?: AgentHttpSecurityOptions;
  readonly ip?: string;
  /** 0: any free port. */
  readonly port?: number;
  readonly hostname?: string;
  readonly work_dir: string;
  /** --resources text, e.g. `cpus:4;mem:8192;ports:[31000-32000]` (the rest is detected). */
  readonly resources?: string;
  /** --attributes text, e.g. `rack:r1;zone:a`. */
  readonly attributes?: string;
  /** The launcher; without one it is made from `isolation` (isolation.ts). */
  readonly launcher?: Launcher;
  /** The containerizer flags (--isolation, --launcher, --cgroups_*), used when no launcher is given. */
  readonly isolation?: IsolationOptions;
  /** --switch_user (default true): tasks run as their user, which must exist on the agent. */
  readonly switch_user?: boolean;
  /** --gc_delay: how long an ended executor run's sandbox is kept (default 1 week). */
  readonly gc_delay_ms?: number;
  /** --disk_watch_interval: how often disk usage is read to remove sandboxes sooner (default 1 min). */
  readonly disk_watch_interval_ms?: number;
  /** --gc_disk_headroom: disk fraction kept free (default 0.1). */
  readonly gc_disk_headroom?: number;
  readonly log?: AgentLog;
  readonly log_level?: LogLevel;
  readonly registration_backoff_ms_min?: number;
  readonly registration_backoff_ms_max?: number;
  readonly status_update_retry_ms_min?: number;
  readonly status_update_retry_ms_max?: number;
  readonly kill_grace_ms?: number;
  readonly executor_registration_timeout_ms?: number;
  readonly executor_reregistration_timeout_ms?: number;
  readonly executor_shutdown_grace_ms?: number;
  readonly executor_heartbeat_interval_ms?: number;
  readonly executor_environment?: Readonly<Record<string, string>>;
  /** --frameworks_home: where the fetcher finds a URI given as a relative path. */
  readonly frameworks_home?: string;
  /** --fetcher_cache_dir (default `<work_dir>/fetch`): where URIs asked with `cache` are kept. */
  readonly fetcher_cache_dir?: string;
  /** --fetcher_cache_size (default 2 GB; 0 turns the cache off). */
  readonly fetcher_cache_size_bytes?: number;
  /** --fetcher_stall_timeout: how long a download may receive nothing (default 1 min). */
  readonly fetcher_stall_timeout_ms?: number;
  /** Called when the master tells the agent to shut down (after the agent has stopped). */
  readonly on_shutdown?: (message: string) => void;
}

/** How an agent stops. */
export interface AgentStopOptions {
  /** Leave the cluster: the master removes the agent, and its id and work checkpoints go. */
  readonly unregister?: boolean;
  /** Leave the tasks and executors of checkpointing frameworks running (ignored with unregister). */
  readonly recoverable?: boolean;
}

/** A running agent. */
export interface RunningAgent {
  /** `http://ip:port` (`https://` with TLS) of the agent's endpoints. */
  readonly url: string;
  readonly port: number;
  /** The id the master gave the agent (undefined before its first registration). */
  agentId(): string | undefined;
  /** Resolves with the agent id once the agent is (re-)registered with a master. */
  registered(): Promise<string>;
  /** Follows the master at `host:port` from now on. */
  followMaster(address: string): void;
  /**
   * Stops the agent and closes its sockets. By default it kills everything it launched; with
   * `unregister` it also leaves the cluster for good; with `recoverable` it exits as Mesos's agent
   * does on SIGTERM, leaving the work of checkpointing frameworks running for the next start with
   * the same work_dir to recover (the rest is killed).
   */
  stop(options?: AgentStopOptions): Promise<void>;
  /** Resolves once the agent has stopped (by stop, or told to shut down by the master). */
  readonly stopped: Promise<void>;
}

/** Where the agent checkpoints its id: `<work_dir>/meta/agent.json`. */
export function agentCheckpointPath(work_dir: string): string {
  return join(work_dir, 'meta', 'agent.json');
}

/** The agent id checkpointed in work_dir, if any. */
export async function readCheckpointedAgentId(work_dir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(agentCheckpointPath(work_dir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const id = (JSON.parse(text) as { agent_id?: unknown }).agent_id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    throw new Error(
      `the agent checkpoint ${agentCheckpointPath(work_dir)} is corrupt: remove it to register anew`,
    );
  }
}

/**
 * Checkpoints the agent id (written aside, then renamed over, so a crash leaves the old or the new).
 * It is synchronous on purpose: the id must be on disk before the agent acts as registered, so a
 * crash right after registration cannot make the next start register as a new agent.
 */
function checkpointAgentId(work_dir: string, agent_id: string): void {
  const path = agentCheckpointPath(work_dir);
  mkdirSync(join(work_dir, 'meta'), { recursive: true });
  writeFileSync(`${path}.tmp`, JSON.stringify({ agent_id }));
  renameSync(`${path}.tmp`, path);
}

/** The settings with their defaults. */
function settingsOf(options: AgentOptions, work_dir: string, cache: FetcherCache | undefined): AgentSettings {
  const base: Record<string, string> = {};
  for (const name of inherited_variables) {
    const value = process.env[name];
    if (value !== undefined) base[name] = value;
  }
  // Executors reach the agent as it is served: over TLS, with its settings, when it serves TLS.
  if (options.tls !== undefined) Object.assign(base, tlsEnvironment(options.tls.settings));
  base.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return {
    work_dir,
    hostname: options.hostname ?? osHostname(),
    ip: options.ip ?? '127.0.0.1',
    port: options.port ?? agent_port_default,
    launcher: options.launcher ?? createLauncher(options.isolation),
    switch_user: options.switch_user ?? true,
    kill_grace_ms: options.kill_grace_ms ?? kill_grace_ms_default,
    executor_shutdown_grace_ms: options.executor_shutdown_grace_ms ?? executor_shutdown_grace_ms_default,
    executor_registration_timeout_ms:
      options.executor_registration_timeout_ms ?? executor_registration_timeout_ms_default,
    executor_reregistration_timeout_ms:
      options.executor_reregistration_timeout_ms ?? executor_reregistration_timeout_ms_default,
    executor_heartbeat_interval_ms:
      options.executor_heartbeat_interval_ms ?? executor_heartbeat_interval_ms_default,
    executor_environment: options.executor_environment ?? base,
    fetcher: {
      ...(options.frameworks_home === undefined ? {} : { frameworks_home: resolve(options.frameworks_home) }),
      ...(options.tls?.ca === undefined ? {} : { ca: options.tls.ca }),
      ...(options.fetcher_stall_timeout_ms === undefined
        ? {}
        : { stall_timeout_ms: options.fetcher_stall_timeout_ms }),
      ...(cache === undefined ? {} : { cache }),
    },
  };
}

/**
 * The agent's state before it listens: resources detected, checkpointed id read, and the total
 * checkpointed after offer operations taken back (refused when the flags no longer fit it).
 */
async function createCore(options: AgentOptions, settings: AgentSettings, log: AgentLog): Promise<AgentCore> {
  const flag_resources = await agentResources(options.resources, settings.work_dir);
  const checkpointed = await readCheckpointedResources(settings.work_dir);
  const core: AgentCore = {
    settings,
    book: createExecutorBook(),
    updates: createStatusUpdateManager({
      retry_ms_min: options.status_update_retry_ms_min,
      retry_ms_max: options.status_update_retry_ms_max,
      forward: (framework_id, status) => core.link?.send({ type: 'status_update', framework_id, status }),
    }),
    log,
    resources: startingTotal(settings.work_dir, flag_resources, checkpointed),
    flag_resources,
    attributes: parseAttributes(options.attributes),
    start_time_ms: Date.now(),
    runners: new Map(),
    unsent_exits: [],
    gc: createSandboxGc({
      work_dir: settings.work_dir,
      delay_ms: options.gc_delay_ms ?? gc_delay_ms_default,
      disk_watch_interval_ms: options.disk_watch_interval_ms ?? disk_watch_interval_ms_default,
      disk_headroom: options.gc_disk_headroom ?? gc_disk_headroom_default,
      log,
    }),
    jobs: new Set(),
    agent_id: await readCheckpointedAgentId(settings.work_dir),
    link: undefined,
    stopping: false,
  };
  return core;
}

/** Listens on the settings' ip and port, and records the port bound (port 0: any free one). */
async function listen(server: Server, settings: AgentSettings): Promise<void> {
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(settings.port, settings.ip, () => {
      server.off('error', fail);
      done();
    });
  });
  const address = server.address();
  if (typeof address === 'object' && address !== null) settings.port = address.port;
}

/** Starts an agent: it listens, then registers with its master. */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const work_dir = resolve(options.work_dir);
  await mkdir(work_dir, { recursive: true });
  const cache_size = options.fetcher_cache_size_bytes ?? fetcher_cache_size_bytes_default;
  const cache =
    cache_size > 0
      ? await createFetcherCache(resolve(options.fetcher_cache_dir ?? join(work_dir, 'fetch')), cache_size)
      : undefined;
  const settings = settingsOf(options, work_dir, cache);
  if (!Number.isInteger(settings.port) || settings.port < 0 || settings.port > 65_535) {
    throw new Error(`agent port must be 0-65535, got ${settings.port}`);
  }
  // A bad master address is the caller's mistake: refuse it before anything listens.
  if (typeof options.master === 'string') parseMasterAddress(options.master);
  const log = options.log ?? createLog('meso-agent', options.log_level ?? 'info');
  const core = await createCore(options, settings, log);
  const logging = createLoggingLevel(log, options.log_level ?? 'info');
  // Bad security flags are refused before anything listens.
  const security = createAgentHttpSecurity(options.http_security);
  const server = createAgentServer(core, createExecutorHost(core), logging, security, options.tls);
  await listen(server, settings);
  log.info('agent listening', { ip: settings.ip, port: settings.port, work_dir, agent_id: core.agent_id });
  // Recovered work is in the book before the agent introduces itself, so re-registration reports it.
  try {
    await recoverWork(core);
    const owned = new Set<string>();
    for (const framework of core.book.frameworks.values())
      for (const executor of framework.executors.values()) owned.add(executor.directory);
    await core.gc.scheduleUnowned(owned);
  } catch (error) {
    core.gc.stop();
    server.closeAllConnections();
    server.close();
    throw new Error(`recovering the work checkpointed in ${work_dir} failed: ${(error as Error).message}`);
  }

  const waiters: Array<(id: string) => void> = [];
  let stopping: Promise<void> | undefined;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((done) => {
    markStopped = done;
  });

  // `shutdown`: the master's reason for shutting the agent down. It will not take this id back,
  // so the checkpoint goes and the next start registers anew.
  const stop = (stopOptions: AgentStopOptions & { readonly shutdown?: string } = {}): Promise<void> => {
    stopping ??= (async () => {
      core.stopping = true;
      const leaving = stopOptions.unregister === true || stopOptions.shutdown !== undefined;
      try {
        if (stopOptions.unregister === true) core.link?.send({ type: 'unregister' });
        await core.link?.stop();
        if (stopOptions.recoverable === true && !leaving) {
          const summary = await exitLeavingRecoverableWork(core, agent_stop_wait_ms);
          log.info('the work of checkpointing frameworks runs on for the next start to recover', {
            executors_left_running: summary.left_running,
            executors_killed: summary.killed,
          });
        } else await killEverything(core, agent_stop_wait_ms);
        core.updates.stop();
        logging.stop();
        core.gc.stop();
        await new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        });
        if (leaving) {
          await rm(agentCheckpointPath(work_dir), { force: true });
          await rm(agentsMetaDirectory(work_dir), { recursive: true, force: true });
        }
        log.info('agent stopped', { agent_id: core.agent_id });
        if (stopOptions.shutdown !== undefined) options.on_shutdown?.(stopOptions.shutdown);
      } finally {
        markStopped();
      }
    })();
    return stopping;
  };

  const onRegistered = (id: string): void => {
    core.updates.resume();
    sendHeldExecutorExits(core);
    for (const waiter of waiters.splice(0)) waiter(id);
  };

  core.link = createMasterLink({
    master: options.master,
    backoff_ms_min: options.registration_backoff_ms_min,
    backoff_ms_max: options.registration_backoff_ms_max,
    ...(options.credential === undefined ? {} : { credential: options.credential }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    log,
    hello: () =>
      core.agent_id === undefined
        ? { type: 'register', agent_info: agentInfo(core), version: master_version }
        : reregisterMessage(core, agentInfo(core)),
    onDisconnected: () => core.updates.pause(),
    onMessage: (message) => {
      try {
        handleMasterMessage(core, message, {
          registered: (id) => {
            if (core.agent_id !== id) {
              checkpointAgentId(work_dir, id);
              core.agent_id = id;
            }
            log.info('agent registered', { agent_id: id });
            onRegistered(id);
          },
          shutdown: (text) => {
            log.warn('the master shuts this agent down', { message: text });
            void stop({ shutdown: text }).catch((error: unknown) =>
              log.error('agent shutdown failed', { error: (error as Error).message }),
            );
          },
        });
      } catch (error) {
        log.error('message from the master failed', { type: message.type, error: (error as Error).message });
      }
    },
  });

  return {
    url: `${schemeOf(options.tls, 'http')}://${settings.ip}:${settings.port}`,
    port: settings.port,
    agentId: () => core.agent_id,
    registered: () =>
      core.link?.registered() === true && core.agent_id !== undefined
        ? Promise.resolve(core.agent_id)
        : new Promise<string>((done) => waiters.push(done)),
    followMaster: (next) => core.link?.follow(next),
    stop,
    stopped,
  };
}

/** What handling a master message may need from startAgent. */
interface MessageHooks {
  registered(agent_id: string): void;
  shutdown(message: string): void;
}

/** Handles one message from the master. */
function handleMasterMessage(core: AgentCore, m: MasterToAgentMessage, hooks: MessageHooks): void {
  if (core.stopping) return;
  switch (m.type) {
    case 'registered':
    case 'reregistered':
      hooks.registered(m.agent_id.value);
      return;
    case 'run_task':
      runTask(core, m.framework_info, m.task);
      return;
    case 'run_task_group':
      runTaskGroup(core, m.framework_info, m.executor, m.task_group.tasks);
      return;
    case 'kill_task':
      killTask(core, m.framework_id.value, m.task_id.value, m.kill_policy);
      return;
    case 'acknowledge':
      acknowledged(core, m.framework_id.value, m.task_id.value, m.uuid);
      return;
    case 'reconcile_tasks':
      reconcileTasks(core, m.framework_id.value, m.tasks);
      return;
    case 'shutdown_framework':
      shutdownFramework(core, m.framework_id.value);
      return;
    case 'shutdown_executor':
      shutdownExecutor(core, m.framework_id.value, m.executor_id.value);
      return;
    case 'apply_operation':
      // The message is raw JSON from the network: applyOperation checks it before using it.
      applyOperation(core, m as unknown);
      return;
    case 'framework_message': {
      const executor = findExecutor(core.book, m.framework_id.value, m.executor_id.value);
      if (executor?.subscription === undefined) {
        core.log.warn('framework message for an executor not subscribed is dropped', {
          executor_id: m.executor_id.value,
        });
        return;
      }
      executor.subscription.send({ type: 'MESSAGE', message: { data: m.data } });
      return;
    }
    case 'ping':
      core.link?.send({ type: 'pong' });
      // The master lost track of this agent (a partition it saw end): introduce it again.
      if (!m.connected && core.link?.registered() === true) core.link.reintroduce();
      return;
    case 'shutdown':
      hooks.shutdown(m.message);
      return;
    case 'error':
      core.log.warn('the master could not use a message of the agent', { message: m.message });
      return;
  }
}
