// Health checks (TaskInfo.health_check) and general checks (TaskInfo.check) of a task run by the
// agent's own executors, with Mesos's semantics. A check runs first `delay_seconds` after the task
// runs, then `interval_seconds` after the previous run ended; a run that takes longer than
// `timeout_seconds` fails. COMMAND runs a command in the task's sandbox with the task's environment
// (as the task's user), HTTP asks `GET http(s)://127.0.0.1:<port><path>`, TCP connects to
// 127.0.0.1:<port>. A health check passes on exit 0, on an HTTP status listed in `statuses` (when
// none are listed, 200 to 399) or on a connection; failures within `grace_period_seconds` of the task's
// start are ignored until the first success; the first success and every counted failure are reported
// (TaskStatus.healthy), and `consecutive_failures` failures in a row kill the task. A general check
// only observes: each change of its result (exit code, HTTP status, TCP success) is reported as
// CheckStatusInfo; it never kills. Checks run on the agent's machine: COMMAND outside the task's
// cgroups and namespaces, HTTP and TCP on the agent's loopback.
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { CommandInfo } from '../../engine/master/v1.ts';
import { launchCommand } from './command-executor.ts';
import { findTool } from './container-process.ts';
import type { ContainerSpec, LaunchCommand } from './launcher.ts';
import { asUser, needsSwitch, requireUser } from './task-user.ts';

/** Mesos's defaults of HealthCheck and CheckInfo (seconds; failures). */
export const check_defaults = {
  delay_seconds: 15,
  interval_seconds: 10,
  timeout_seconds: 20,
  consecutive_failures: 3,
  grace_period_seconds: 10,
} as const;

/** CheckStatusInfo as Mesos sends it in TaskStatus.check_status. */
export type CheckStatusInfo =
  | { readonly type: 'COMMAND'; readonly command: { readonly exit_code?: number } }
  | { readonly type: 'HTTP'; readonly http: { readonly status_code?: number } }
  | { readonly type: 'TCP'; readonly tcp: { readonly succeeded?: boolean } };

/** One probe of a task, whatever it feeds (a health check or a general check). */
interface Probe {
  readonly type: 'COMMAND' | 'HTTP' | 'TCP';
  readonly command?: CommandInfo;
  readonly port?: number;
  readonly path?: string;
  readonly scheme?: string;
  readonly statuses?: readonly number[];
}

/** What a probe found: an exit code, an HTTP status, a TCP connection, or nothing (timeout, error). */
interface ProbeResult {
  readonly exit_code?: number;
  readonly status_code?: number;
  readonly connected?: boolean;
  /** Why there is no result (timed out, could not run). */
  readonly error?: string;
}

/** A parsed check: its probe and timing, in ms. */
interface CheckPlan {
  readonly probe: Probe;
  readonly delay_ms: number;
  readonly interval_ms: number;
  readonly timeout_ms: number;
}

/** A parsed health check: a check with its failure policy. */
interface HealthPlan extends CheckPlan {
  readonly consecutive_failures: number;
  readonly grace_ms: number;
}

type Json = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A non-negative number field in seconds as ms, else its default. */
function seconds(fields: Json, name: keyof typeof check_defaults): number {
  const value = fields[name];
  const s = typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : check_defaults[name];
  return s * 1000;
}

function portOf(value: unknown): number | undefined {
  const port = isObject(value) ? value.port : undefined;
  return typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/** The probe of a HealthCheck or CheckInfo, or a message saying what is wrong with it. */
function probeOf(check: Json, kind: 'health' | 'check'): Probe | string {
  const type = check.type;
  const name = kind === 'health' ? 'health_check' : 'check';
  if (type === 'COMMAND') {
    // HealthCheck.command is a CommandInfo; CheckInfo.command is a Command holding one.
    const holder = check.command;
    const command = kind === 'health' ? holder : isObject(holder) ? holder.command : undefined;
    if (!isObject(command) || typeof command.value !== 'string' || command.value === '')
      return `${name} of type COMMAND needs a command with a value`;
    return { type, command: command as CommandInfo };
  }
  if (type === 'HTTP') {
    const http = check.http;
    const port = portOf(http);
    if (!isObject(http) || port === undefined) return `${name} of type HTTP needs http.port (1 to 65535)`;
    const path = typeof http.path === 'string' && http.path !== '' ? http.path : '/';
    const scheme = http.scheme === 'https' ? 'https' : 'http';
    const statuses = Array.isArray(http.statuses)
      ? http.statuses.filter((s): s is number => typeof s === 'number')
      : [];
    return { type, port, path: path.startsWith('/') ? path : `/${path}`, scheme, statuses };
  }
  if (type === 'TCP') {
    const port = portOf(check.tcp);
    if (port === undefined) return `${name} of type TCP needs tcp.port (1 to 65535)`;
    return { type, port };
  }
  return `${name} has type ${JSON.stringify(type ?? null)}: COMMAND, HTTP or TCP is needed`;
}

/** The plan of TaskInfo.health_check, undefined when there is none, or an error message. */
export function healthPlanOf(health_check: unknown): HealthPlan | string | undefined {
  if (health_check === undefined || health_check === null) return undefined;
  if (!isObject(health_check)) return 'health_check must be an object';
  const probe = probeOf(health_check, 'health');
  if (typeof probe === 'string') return probe;
  const failures = health_check.consecutive_failures;
  return {
    probe,
    delay_ms: seconds(health_check, 'delay_seconds'),
    interval_ms: seconds(health_check, 'interval_seconds'),
    timeout_ms: seconds(health_check, 'timeout_seconds'),
    grace_ms: seconds(health_check, 'grace_period_seconds'),
    consecutive_failures:
      typeof failures === 'number' && Number.isInteger(failures) && failures > 0
        ? failures
        : check_defaults.consecutive_failures,
  };
}

/** The plan of TaskInfo.check, undefined when there is none, or an error message. */
export function checkPlanOf(check: unknown): CheckPlan | string | undefined {
  if (check === undefined || check === null) return undefined;
  if (!isObject(check)) return 'check must be an object';
  const probe = probeOf(check, 'check');
  if (typeof probe === 'string') return probe;
  return {
    probe,
    delay_ms: seconds(check, 'delay_seconds'),
    interval_ms: seconds(check, 'interval_seconds'),
    timeout_ms: seconds(check, 'timeout_seconds'),
  };
}

/** The empty CheckStatusInfo of a check's type: what TASK_RUNNING carries before any result. */
export function emptyCheckStatus(plan: CheckPlan): CheckStatusInfo {
  if (plan.probe.type === 'COMMAND') return { type: 'COMMAND', command: {} };
  if (plan.probe.type === 'HTTP') return { type: 'HTTP', http: {} };
  return { type: 'TCP', tcp: {} };
}

/** Where and as whom probes run. */
export interface ProbeHost {
  readonly sandbox_dir: string;
  /** The task's environment (a COMMAND probe's own variables are added to it). */
  readonly env: Readonly<Record<string, string>>;
  readonly container?: ContainerSpec;
}

/** Runs a probe's command, killing its process group when it outlasts the timeout. */
async function runCommandProbe(probe: Probe, host: ProbeHost, timeout_ms: number): Promise<ProbeResult> {
  const info = probe.command ?? {};
  let command: LaunchCommand = launchCommand(info);
  const user_name = host.container?.user;
  if (user_name !== undefined) {
    const user = await requireUser(user_name);
    const setpriv = findTool('setpriv');
    if (needsSwitch(user)) {
      if (setpriv === undefined) return { error: `running as user '${user_name}' needs setpriv` };
      command = asUser(command, user, setpriv);
    }
  }
  const env: Record<string, string> = { ...host.env };
  for (const variable of info.environment?.variables ?? []) {
    if (typeof variable?.name === 'string' && variable.name !== '') env[variable.name] = variable.value ?? '';
  }
  return new Promise((resolve) => {
    const child = spawn(
      command.shell ? '/bin/sh' : command.value,
      command.shell ? ['-c', command.value] : command.arguments.slice(1),
      {
        argv0: command.shell ? 'sh' : (command.arguments[0] ?? command.value),
        cwd: host.sandbox_dir,
        env,
        detached: true,
        stdio: 'ignore',
      },
    );
    let timed_out = false;
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
    };
    const timer = setTimeout(() => {
      timed_out = true;
      killGroup();
    }, timeout_ms);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ error: `cannot run the check command: ${error.message}` });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // What the command left running in its group ends with it.
      killGroup();
      if (timed_out) resolve({ error: `the check command timed out after ${timeout_ms / 1000}s` });
      else if (code !== null) resolve({ exit_code: code });
      else resolve({ error: `the check command was ended by ${signal ?? 'a signal'}` });
    });
  });
}

/** Asks `GET scheme://127.0.0.1:port/path`; resolves with the status code. */
function runHttpProbe(probe: Probe, timeout_ms: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const send = probe.scheme === 'https' ? httpsRequest : httpRequest;
    const req = send(
      {
        host: '127.0.0.1',
        port: probe.port,
        path: probe.path,
        method: 'GET',
        timeout: timeout_ms,
        headers: { connection: 'close' },
        ...(probe.scheme === 'https' ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        res.resume();
        resolve({ status_code: res.statusCode ?? 0 });
      },
    );
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeout_ms / 1000}s`)));
    req.once('error', (error) => resolve({ error: `HTTP check failed: ${error.message}` }));
    req.end();
  });
}

/** Connects to 127.0.0.1:port. */
function runTcpProbe(probe: Probe, timeout_ms: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: probe.port ?? 0 });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ connected: false, error: `no connection within ${timeout_ms / 1000}s` });
    }, timeout_ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ connected: true });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      resolve({ connected: false, error: `TCP check failed: ${error.message}` });
    });
  });
}

function runProbe(probe: Probe, host: ProbeHost, timeout_ms: number): Promise<ProbeResult> {
  if (probe.type === 'COMMAND')
    return runCommandProbe(probe, host, timeout_ms).catch((error: Error) => ({ error: error.message }));
  if (probe.type === 'HTTP') return runHttpProbe(probe, timeout_ms);
  return runTcpProbe(probe, timeout_ms);
}

/** Whether a result passes a health check, and why not. */
function healthVerdict(probe: Probe, result: ProbeResult): { healthy: boolean; why: string } {
  if (result.error !== undefined) return { healthy: false, why: result.error };
  if (probe.type === 'COMMAND')
    return { healthy: result.exit_code === 0, why: `the command exited with status ${result.exit_code}` };
  if (probe.type === 'HTTP') {
    const code = result.status_code ?? 0;
    const listed = probe.statuses ?? [];
    const healthy = listed.length > 0 ? listed.includes(code) : code >= 200 && code < 400;
    return { healthy, why: `the answer's status was ${code}` };
  }
  return { healthy: result.connected === true, why: 'no connection' };
}

/** The CheckStatusInfo of a general check's result (empty when there is none). */
function checkStatusOf(probe: Probe, result: ProbeResult): CheckStatusInfo {
  if (probe.type === 'COMMAND')
    return {
      type: 'COMMAND',
      command: result.exit_code === undefined ? {} : { exit_code: result.exit_code },
    };
  if (probe.type === 'HTTP')
    return {
      type: 'HTTP',
      http: result.status_code === undefined ? {} : { status_code: result.status_code },
    };
  return { type: 'TCP', tcp: { succeeded: result.connected === true } };
}

/** A health result the executor reports. */
export interface HealthReport {
  readonly healthy: boolean;
  /** The failures in a row reached consecutive_failures: the task is to be killed. */
  readonly kill: boolean;
  readonly consecutive_failures: number;
  readonly message: string;
}

/** What a task's checkers tell the executor. */
export interface CheckCallbacks {
  readonly onHealth: (report: HealthReport) => void;
  readonly onCheck: (status: CheckStatusInfo) => void;
}

/** The running checkers of a task. */
export interface TaskCheckers {
  /** Stops every checker; a probe under way is let finish and its result dropped. */
  stop(): void;
}

/** Runs `probe` after `delay_ms`, then again `interval_ms` after each run ended, until stopped. */
function loop(
  plan: CheckPlan,
  host: ProbeHost,
  isStopped: () => boolean,
  timers: Set<NodeJS.Timeout>,
  onResult: (result: ProbeResult) => void,
): void {
  const schedule = (ms: number): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (isStopped()) return;
      void runProbe(plan.probe, host, plan.timeout_ms).then((result) => {
        if (isStopped()) return;
        onResult(result);
        schedule(plan.interval_ms);
      });
    }, ms);
    timer.unref();
    timers.add(timer);
  };
  schedule(plan.delay_ms);
}

/** Starts the health check and the general check of a task that has just started running. */
export function startTaskCheckers(
  plans: { readonly health?: HealthPlan; readonly check?: CheckPlan },
  host: ProbeHost,
  callbacks: CheckCallbacks,
): TaskCheckers {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const isStopped = (): boolean => stopped;
  const health = plans.health;
  if (health !== undefined) {
    const started_at = Date.now();
    let initializing = true;
    let failures = 0;
    loop(health, host, isStopped, timers, (result) => {
      const verdict = healthVerdict(health.probe, result);
      if (verdict.healthy) {
        // Only a change is news: the first success, or a success after failures.
        if (initializing || failures > 0)
          callbacks.onHealth({ healthy: true, kill: false, consecutive_failures: 0, message: 'healthy' });
        initializing = false;
        failures = 0;
        return;
      }
      // Failures while the task is still starting up (never healthy, within the grace period) do not count.
      if (initializing && Date.now() - started_at <= health.grace_ms) return;
      failures++;
      const kill = failures >= health.consecutive_failures;
      callbacks.onHealth({
        healthy: false,
        kill,
        consecutive_failures: failures,
        message: `health check failed ${failures} time(s) in a row: ${verdict.why}`,
      });
      if (kill) stopped = true;
    });
  }
  const check = plans.check;
  if (check !== undefined) {
    let last = JSON.stringify(emptyCheckStatus(check));
    loop(check, host, isStopped, timers, (result) => {
      const status = checkStatusOf(check.probe, result);
      const text = JSON.stringify(status);
      if (text === last) return;
      last = text;
      callbacks.onCheck(status);
    });
  }
  return {
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
