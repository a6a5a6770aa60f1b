// The live agent's state shared by its parts (launching, killing, the executor API, the HTTP
// endpoints): its options, its book of frameworks, executors and tasks, its status update manager
// and its link to the master, plus small helpers on it (background jobs, the agent's id and address,
// executor exits for the master). The status-update steps every part takes are in task-statuses.ts.
import type { Attribute } from '../../engine/master/v1.ts';
import type { Resources } from '../../engine/resources.ts';
import { unsent_executor_exits_max } from '../constants.ts';
import type { ExecutorExitedMessage } from '../wire/agent-protocol.ts';
import type { CommandTask } from './command-executor.ts';
import type { ExecutorBook } from './executors.ts';
import type { FetcherSettings } from './fetcher.ts';
import type { Launcher } from './launcher.ts';
import type { AgentLog, MasterLink } from './registration.ts';
import type { SandboxGc } from './sandbox-gc.ts';
import type { StatusUpdateManager } from './status-updates.ts';

/** The agent's settings once defaults are applied. */
export interface AgentSettings {
  readonly work_dir: string;
  readonly hostname: string;
  readonly ip: string;
  /** The port the agent's HTTP server listens on (known once it listens). */
  port: number;
  readonly launcher: Launcher;
  /** --switch_user: tasks run as their command's or framework's user (Mesos's default: true). */
  readonly switch_user: boolean;
  readonly kill_grace_ms: number;
  readonly executor_shutdown_grace_ms: number;
  readonly executor_registration_timeout_ms: number;
  readonly executor_heartbeat_interval_ms: number;
  /** How long a recovered custom executor has to subscribe again after a restart. */
  readonly executor_reregistration_timeout_ms: number;
  /** Variables every executor and command starts with (PATH ...). */
  readonly executor_environment: Readonly<Record<string, string>>;
  /** How CommandInfo.uris are fetched into sandboxes (cache, trusted authorities, frameworks_home). */
  readonly fetcher: FetcherSettings;
}

/** The agent's state, shared by its parts. */
export interface AgentCore {
  readonly settings: AgentSettings;
  readonly book: ExecutorBook;
  readonly updates: StatusUpdateManager;
  readonly log: AgentLog;
  /** The agent's total: its flags' resources, with the offer operations the master applied since. */
  resources: Resources;
  /** What the flags give (--resources, the rest detected): every total must match it without its reservations. */
  readonly flag_resources: Resources;
  readonly attributes: readonly Attribute[];
  readonly start_time_ms: number;
  /** Tasks run by the agent's own executors (command and default), keyed by taskKey. */
  readonly runners: Map<string, CommandTask>;
  /** Removes the sandboxes of ended executor runs (--gc_delay, --disk_watch_interval). */
  readonly gc: SandboxGc;
  /** Every background job (a kill, a launch), so that stop can wait for them. */
  readonly jobs: Set<Promise<unknown>>;
  /** Executor exits that found no master (an agent recovering, or one that lost its master). */
  readonly unsent_exits: ExecutorExitedMessage[];
  agent_id: string | undefined;
  link: MasterLink | undefined;
  stopping: boolean;
}

/** The key of a task across frameworks. */
export function taskKey(framework_id: string, task_id: string): string {
  return `${framework_id}\u0000${task_id}`;
}

/** Runs a background job, logging its failure, and remembers it until it settles. */
export function track(core: AgentCore, what: string, job: Promise<unknown>): void {
  const tracked = job.catch((error: unknown) => {
    core.log.error(`${what} failed`, { error: (error as Error).message });
  });
  core.jobs.add(tracked);
  void tracked.finally(() => core.jobs.delete(tracked));
}

/** The agent's own address, `ip:port`, as executors reach it. */
export function agentEndpoint(core: AgentCore): string {
  return `${core.settings.ip}:${core.settings.port}`;
}

/**
 * Tells the master that an executor ended. Without a master now (the agent is recovering, or lost
 * it) the news waits for the next registration: the master would otherwise keep the executor.
 */
export function executorExited(core: AgentCore, message: Omit<ExecutorExitedMessage, 'type'>): void {
  if (core.link?.registered() === true && core.link.send({ type: 'executor_exited', ...message })) return;
  core.unsent_exits.push({ type: 'executor_exited', ...message });
  if (core.unsent_exits.length > unsent_executor_exits_max) core.unsent_exits.shift();
}

/** Sends the executor exits held while the agent had no master (it has registered again). */
export function sendHeldExecutorExits(core: AgentCore): void {
  for (const message of core.unsent_exits.splice(0)) core.link?.send(message);
}

/** The agent id, which every task-carrying path needs (tasks only come after registration). */
export function requireAgentId(core: AgentCore): string {
  if (core.agent_id === undefined) throw new Error('the agent has no id yet: it is not registered');
  return core.agent_id;
}
