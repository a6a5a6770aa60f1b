// Helpers of the end-to-end tests: real `meso` processes (`node bin/meso.js ...`) on 127.0.0.1 with
// free ports, their output kept for the assertions and for failure messages, every process ended
// by its pid when the test is over (SIGTERM, then SIGKILL), and temp dirs removed. An agent is
// ended with SIGUSR1, which kills what it launched: on SIGTERM it would leave the tasks of
// checkpointing frameworks running. Whatever an agent recorded in its work_dir and still runs
// (an agent killed outright leaves its tasks behind) is killed too.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SchedulerEvent } from '../../engine/master/scheduler-api.ts';
import type { FrameworkInfo, Offer, TaskStatus } from '../../engine/master/v1.ts';
import {
  type ContainerRecord,
  isContainerRecord,
  recordedGroupLives,
} from '../../runtime/agent/process-groups.ts';
import { SchedulerClient } from '../../runtime/sdk/scheduler-client.ts';

/** The repository's root, where bin/meso.js lives. */
export const repo_root = fileURLToPath(new URL('../..', import.meta.url));
/** How long cleanup waits for a process to end after SIGTERM before SIGKILL. */
const term_wait_ms = 8000;

// biome-ignore lint/suspicious/noExplicitAny: tests read nested wire JSON without declaring every shape.
export type Json = Record<string, any>;

/** A free TCP port on 127.0.0.1 (bound, then released for the process under test). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A process the test started. */
export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  /** What it printed so far, stdout and stderr. */
  stdout(): string;
  stderr(): string;
  /** Resolves with how it ended. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** Whether it has ended. */
  done(): boolean;
}

/** Waits until `check` holds (polling), or throws after `timeout_ms` naming `what`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeout_ms: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    let held = false;
    try {
      held = await check();
    } catch {
      held = false;
    }
    if (held) return;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeout_ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** GETs a JSON endpoint on 127.0.0.1 (with `headers`, e.g. authorization, when given). */
export function getJson(port: number, path: string, headers: Record<string, string> = {}): Promise<Json> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`GET ${path} answered ${res.statusCode}: ${body}`));
        else resolve(JSON.parse(body) as Json);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${path}: no answer within 5 s`)));
    req.end();
  });
}

/** Whether a process no longer runs (a zombie counts as gone). */
export function isGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Pids of the live processes whose working directory is `dir` (a task's sandbox). */
export function pidsWithCwd(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir && !isGone(Number(entry))) pids.push(Number(entry));
    } catch {
      // The process ended meanwhile, or is not ours to read.
    }
  }
  return pids.sort((a, b) => a - b);
}

/** The process groups an agent recorded under `<work_dir>/meta` (its tasks' and executors' containers). */
export function recordedContainers(work_dir: string): ContainerRecord[] {
  const records: ContainerRecord[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 16) return;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (name === 'container.json') {
        try {
          const record: unknown = JSON.parse(readFileSync(path, 'utf8'));
          if (isContainerRecord(record)) records.push(record);
        } catch {
          // Gone or half written: nothing to kill by it.
        }
      } else walk(path, depth + 1);
    }
  };
  walk(join(work_dir, 'meta'), 0);
  return records;
}

/** Kills (SIGKILL) every recorded process group that still runs; returns how many it killed. */
export async function killRecordedGroups(records: readonly ContainerRecord[]): Promise<number> {
  let killed = 0;
  for (const record of records) {
    if (!(await recordedGroupLives(record))) continue;
    try {
      process.kill(-record.pid, 'SIGKILL');
      killed++;
    } catch {
      // It ended meanwhile.
    }
  }
  return killed;
}

/** The value of `--name=value` among command-line arguments. */
function flagValue(args: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

/** Everything a test started: processes and temp dirs, cleaned up by `cleanup`. */
export class Processes {
  readonly spawned: Spawned[] = [];
  readonly dirs: string[] = [];
  /** The `meso agent` processes and their work_dirs. */
  readonly agents = new Map<Spawned, string>();

  /** Starts a process with its output captured. */
  spawn(command: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Spawned {
    const child = spawn(command, args, {
      cwd: repo_root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    let ended = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('close', (code, signal) => {
        ended = true;
        resolve({ code, signal });
      });
    });
    const spawned: Spawned = {
      child,
      pid: child.pid,
      stdout: () => out,
      stderr: () => err,
      exited,
      done: () => ended,
    };
    this.spawned.push(spawned);
    return spawned;
  }

  /** Starts `node bin/meso.js <args>` (an agent's work_dir is remembered, to clean up what it leaves). */
  meso(args: readonly string[], env: Readonly<Record<string, string>> = {}): Spawned {
    const spawned = this.spawn(process.execPath, [join(repo_root, 'bin', 'meso.js'), ...args], env);
    const work_dir = flagValue(args, 'work_dir');
    if (args[0] === 'agent' && work_dir !== undefined) this.agents.set(spawned, work_dir);
    return spawned;
  }

  /** A fresh temp dir (real path), removed by cleanup. */
  async dir(prefix = 'meso-e2e-'): Promise<string> {
    const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
    this.dirs.push(dir);
    return dir;
  }

  /**
   * Ends every process still running by its pid (agents with SIGUSR1, the rest with SIGTERM; then
   * SIGKILL), kills what the agents recorded and left running, then removes the dirs.
   */
  async cleanup(): Promise<void> {
    const work_dirs = [...new Set(this.agents.values())];
    // Read before the agents stop: an agent shut down removes its records.
    const recorded = work_dirs.flatMap(recordedContainers);
    const agents = new Set(this.agents.keys());
    this.agents.clear();
    const running = this.spawned.splice(0).filter((p) => !p.done());
    for (const p of running) process.kill(p.pid, agents.has(p) ? 'SIGUSR1' : 'SIGTERM');
    await Promise.all(
      running.map(async (p) => {
        const timer = setTimeout(() => {
          if (!p.done()) process.kill(p.pid, 'SIGKILL');
        }, term_wait_ms);
        await p.exited;
        clearTimeout(timer);
      }),
    );
    await killRecordedGroups([...recorded, ...work_dirs.flatMap(recordedContainers)]);
    await Promise.all(this.dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** A master and agents running as `meso` processes. */
export interface Cluster {
  readonly master_port: number;
  readonly master: Spawned;
  readonly agents: Spawned[];
  readonly agent_ports: number[];
  readonly work_dirs: string[];
}

/** Starts `meso master` and `meso agent`s, and waits until every agent is registered. */
export async function startCluster(
  procs: Processes,
  options: { readonly agents: number; readonly resources: string },
): Promise<Cluster> {
  const master_port = await freePort();
  const master = procs.meso([
    'master',
    `--port=${master_port}`,
    '--allocation_interval_ms=100',
    '--heartbeat_interval_seconds=1',
    '--log_level=warn',
  ]);
  await eventually(
    async () => (await getJson(master_port, '/master/state')).id !== undefined,
    15_000,
    'the master answering /master/state',
  );
  const root = await procs.dir();
  const agents: Spawned[] = [];
  const agent_ports: number[] = [];
  const work_dirs: string[] = [];
  for (let i = 0; i < options.agents; i++) {
    const port = await freePort();
    const work_dir = join(root, `agent-${i + 1}`);
    agents.push(procs.meso(agentArgs(master_port, port, work_dir, options.resources)));
    agent_ports.push(port);
    work_dirs.push(work_dir);
  }
  await eventually(
    async () =>
      (await getJson(master_port, '/master/state')).slaves.filter((s: Json) => s.active).length ===
      options.agents,
    15_000,
    `${options.agents} agents registering`,
  ).catch((error: Error) => {
    throw new Error(
      `${error.message}\nmaster: ${master.stderr()}\nagents: ${agents.map((a) => a.stderr()).join('\n')}`,
    );
  });
  return { master_port, master, agents, agent_ports, work_dirs };
}

/** The arguments of `meso agent`. */
export function agentArgs(master_port: number, port: number, work_dir: string, resources: string): string[] {
  return [
    'agent',
    `--master=127.0.0.1:${master_port}`,
    `--port=${port}`,
    `--work_dir=${work_dir}`,
    `--resources=${resources}`,
    '--log_level=warn',
  ];
}

/** A subscribed test framework: it acknowledges every update and keeps every event. */
export interface TestFramework {
  readonly client: SchedulerClient;
  readonly events: SchedulerEvent[];
  /** The framework's id. */
  readonly id: string;
  /** Waits for the update of `task_id` in `state` and returns its status. */
  update(task_id: string, state: string, timeout_ms?: number): Promise<TaskStatus>;
  /**
   * Waits for an offer that was neither taken nor rescinded and that `fits`; marks it taken. The
   * newest such offer wins (older ones may name resources that changed since).
   */
  offer(fits?: (offer: Offer) => boolean, timeout_ms?: number): Promise<Offer>;
}

/** Subscribes a framework with the client library; `frameworks` collects it for closing. */
export async function startTestFramework(
  master_port: number | string,
  framework_info: FrameworkInfo,
  frameworks: SchedulerClient[],
): Promise<TestFramework> {
  // A port on 127.0.0.1, or any `--master` value (a zk:// URL).
  const master = typeof master_port === 'number' ? `127.0.0.1:${master_port}` : master_port;
  const client = new SchedulerClient({ master, framework_info });
  frameworks.push(client);
  const events: SchedulerEvent[] = [];
  const taken = new Set<string>();
  client.on('event', (event) => {
    events.push(event);
    // The client sends an acknowledgement lost with its master again to the next leader; one still
    // owed when the client closes is left to the agent, which resends the update.
    if (event.type === 'UPDATE') client.acknowledge(event.update.status as TaskStatus).catch(() => undefined);
    if (event.type === 'RESCIND') taken.add(event.rescind.offer_id.value);
  });
  const subscription = await client.subscribed();
  const update = async (task_id: string, state: string, timeout_ms = 20_000): Promise<TaskStatus> => {
    let found: TaskStatus | undefined;
    await eventually(
      () => {
        for (const e of events) {
          if (e.type !== 'UPDATE') continue;
          const status = e.update.status as TaskStatus;
          if (status.task_id.value === task_id && status.state === state) found = status;
        }
        return found !== undefined;
      },
      timeout_ms,
      `${state} of ${task_id}`,
    ).catch((error: Error) => {
      const seen = events.flatMap((e) =>
        e.type === 'UPDATE' ? [`${e.update.status.task_id.value}:${e.update.status.state}`] : [],
      );
      throw new Error(`${error.message}; updates seen: ${seen.join(', ')}`);
    });
    return found!;
  };
  const offer = async (fits: (offer: Offer) => boolean = () => true, timeout_ms = 15_000): Promise<Offer> => {
    let found: Offer | undefined;
    await eventually(
      () => {
        const offers = events.flatMap((e) => (e.type === 'OFFERS' ? (e.offers.offers as Offer[]) : []));
        found = offers.reverse().find((o) => !taken.has(o.id.value) && fits(o));
        return found !== undefined;
      },
      timeout_ms,
      'a fitting offer',
    );
    taken.add(found!.id.value);
    return found!;
  };
  return { client, events, id: subscription.framework_id, update, offer };
}
