// Test helpers for the live agent: a fake master (a `ws` server speaking the agent protocol, written
// by hand here), raw HTTP and the executor-API stream reader (those of master-client.ts), temp dirs
// and the cleanup of everything a test started.
import { readFileSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type WebSocket, WebSocketServer } from 'ws';
import { type AgentOptions, type RunningAgent, startAgent } from '../../runtime/agent/agent.ts';
import { silentLog } from '../../runtime/log.ts';
import {
  type EventStream,
  Inbox,
  type Json,
  openStream,
  type RawResponse,
  rawRequest as sendRequest,
} from './master-client.ts';

export {
  type EventStream,
  Inbox,
  type Json,
  openStream,
  postJson,
  type RawResponse,
} from './master-client.ts';

/** Waits until `check` holds (polling), or throws after `timeout_ms`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeout_ms = 8000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeout_ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sleeps. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A fake master: takes agent connections and records what they send. */
export interface FakeMaster {
  readonly port: number;
  readonly address: string;
  /** Every message from any agent connection, in arrival order. */
  readonly messages: Inbox<Json>;
  /** Number of connections opened so far. */
  connections(): number;
  /** Sends to the newest open connection. */
  send(message: Json): void;
  /** Drops the newest connection (as a network fault would). */
  dropConnection(): void;
  stop(): Promise<void>;
}

/** Starts a fake master that answers register/reregister with `agent_id` unless told not to. */
export async function startFakeMaster(
  options: { agent_id?: string; answer?: boolean; port?: number } = {},
): Promise<FakeMaster> {
  const agent_id = options.agent_id ?? 'fake-master-S0';
  const wss = new WebSocketServer({ host: '127.0.0.1', port: options.port ?? 0, path: '/api/v1/agent' });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', () => resolve());
    wss.once('error', reject);
  });
  const messages = new Inbox<Json>();
  const sockets: WebSocket[] = [];
  let opened = 0;
  wss.on('connection', (ws) => {
    opened++;
    sockets.push(ws);
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Json;
      messages.push(message);
      if (options.answer === false) return;
      if (message.type === 'register')
        ws.send(JSON.stringify({ type: 'registered', agent_id: { value: agent_id } }));
      if (message.type === 'reregister') {
        ws.send(JSON.stringify({ type: 'reregistered', agent_id: { value: message.agent_info.id.value } }));
      }
    });
  });
  const port = (wss.address() as AddressInfo).port;
  const newest = (): WebSocket | undefined => sockets.filter((s) => s.readyState === s.OPEN).at(-1);
  return {
    port,
    address: `127.0.0.1:${port}`,
    messages,
    connections: () => opened,
    send(message) {
      const ws = newest();
      if (ws === undefined) throw new Error('the fake master has no agent connection');
      ws.send(JSON.stringify(message));
    },
    dropConnection() {
      newest()?.terminate();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** Sends one request to 127.0.0.1:port and reads the whole answer. */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  return sendRequest(port, { method, path, headers, body });
}

/** GETs a JSON endpoint. */
export async function getJson(port: number, path: string): Promise<Json> {
  const res = await rawRequest(port, 'GET', path);
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.body}`);
  return JSON.parse(res.body) as Json;
}

/** Everything a test started, cleaned up by `cleanup`. */
export class Started {
  readonly agents: RunningAgent[] = [];
  readonly masters: FakeMaster[] = [];
  readonly dirs: string[] = [];
  readonly streams: EventStream[] = [];
  readonly stoppers: Array<() => Promise<void>> = [];

  /** A fresh temp dir (real path). */
  async dir(prefix = 'meso-agent-'): Promise<string> {
    const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
    this.dirs.push(dir);
    return dir;
  }

  /** Starts an agent with test-friendly timings. */
  async agent(
    options: Partial<AgentOptions> & Pick<AgentOptions, 'master' | 'work_dir'>,
  ): Promise<RunningAgent> {
    const agent = await startAgent({
      port: 0,
      hostname: 'agent.test',
      resources: 'cpus:2;mem:1024;disk:2048',
      log: silentLog,
      registration_backoff_ms_min: 20,
      registration_backoff_ms_max: 200,
      status_update_retry_ms_min: 5000,
      kill_grace_ms: 1000,
      ...options,
    });
    this.agents.push(agent);
    return agent;
  }

  async fakeMaster(options?: { agent_id?: string; answer?: boolean }): Promise<FakeMaster> {
    const master = await startFakeMaster(options);
    this.masters.push(master);
    return master;
  }

  async stream(
    port: number,
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<EventStream> {
    const stream = await openStream(port, path, body, headers);
    this.streams.push(stream);
    return stream;
  }

  /** Stops every agent (killing what they launched), stream, master, and removes the dirs. */
  async cleanup(): Promise<void> {
    for (const stream of this.streams.splice(0)) stream.close();
    await Promise.all(this.agents.splice(0).map((agent) => agent.stop()));
    for (const stop of this.stoppers.splice(0)) await stop();
    await Promise.all(this.masters.splice(0).map((master) => master.stop()));
    await Promise.all(this.dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** Whether a process no longer runs (a zombie has ended too). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** A command TaskInfo for run_task. */
export function commandTask(task_id: string, command: string, extra: Json = {}): Json {
  return {
    name: task_id,
    task_id: { value: task_id },
    agent_id: { value: 'fake-master-S0' },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, role: '*', allocation_info: { role: '*' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 32 }, role: '*', allocation_info: { role: '*' } },
    ],
    command: { value: command, shell: true },
    ...extra,
  };
}

/** A FrameworkInfo with an id. */
export function frameworkInfo(id: string, extra: Json = {}): Json {
  return { id: { value: id }, user: 'root', name: id, checkpoint: false, ...extra };
}
