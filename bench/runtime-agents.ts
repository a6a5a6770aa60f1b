// Emulated agents for the runtime benchmark: each is one real WebSocket to the master's agent
// channel (runtime/wire/agent-protocol.ts), with no containerizer behind it. Its executors finish
// tasks at once: on run_task an agent sends TASK_RUNNING and then (when the pool is finishing
// tasks) TASK_FINISHED, each with a fresh uuid; it answers pings with pongs and kills with
// TASK_KILLED, and takes acknowledgements without resending anything. An agent can flap: its
// connection closes and a new one re-registers with the agent's id (bench/soak.ts).
import WebSocket from 'ws';
import { agent_channel_path } from '../runtime/wire/agent-protocol.ts';

/** What an agent's executors do with a task. */
export type TaskFate = 'finish' | 'hold';

/** Counts of what the agents did. */
export interface AgentCounts {
  readonly tasks_run: number;
  readonly updates_sent: number;
  readonly acknowledgements: number;
  readonly pings: number;
  readonly errors: number;
}

/** A pool of emulated agents. */
export interface AgentPool {
  readonly size: number;
  /** What the executors do with tasks from now on. */
  fate: TaskFate;
  counts(): AgentCounts;
  /** Closes agent `index`'s connection and re-registers it with its id on a new one. */
  flap(index: number): Promise<void>;
  /** Closes every connection; resolves once all are closed (or cut after `timeout_ms`). */
  close(timeout_ms?: number): Promise<void>;
}

/** The shape of the agents. */
export interface AgentPoolOptions {
  /** `http://127.0.0.1:port` of the master. */
  readonly url: string;
  readonly agents: number;
  /** Resources of each agent, as the agent flag writes them. */
  readonly resources: string;
  /** Registrations in flight at once. */
  readonly concurrency?: number;
  /** Give up when registering takes longer than this. */
  readonly timeout_ms?: number;
}

/** One emulated agent. */
interface Agent {
  readonly ws: WebSocket;
  id: string | undefined;
}

/** A 16-byte status uuid in base64 from a counter (unique within the run, cheap to make). */
function uuidOf(n: number): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32LE(n >>> 0, 0);
  bytes.writeUInt32LE(Math.floor(n / 2 ** 32), 4);
  bytes[15] = 0xa5;
  return bytes.toString('base64');
}

/** Connects and registers `agents` emulated agents; resolves once every one is registered. */
export async function startAgentPool(options: AgentPoolOptions): Promise<AgentPool> {
  const concurrency = options.concurrency ?? 200;
  const deadline = Date.now() + (options.timeout_ms ?? 120_000);
  const wsUrl = `${options.url.replace(/^http/, 'ws')}${agent_channel_path}`;
  const agents: Agent[] = [];
  let uuids = 0;
  const counts = { tasks_run: 0, updates_sent: 0, acknowledgements: 0, pings: 0, errors: 0 };
  const pool = { fate: 'finish' as TaskFate };

  function update(agent: Agent, frameworkId: string, taskId: unknown, state: string): void {
    agent.ws.send(
      JSON.stringify({
        type: 'status_update',
        framework_id: frameworkId,
        status: {
          task_id: taskId,
          state,
          source: 'SOURCE_EXECUTOR',
          uuid: uuidOf(uuids++),
          timestamp: Date.now() / 1000,
        },
      }),
    );
    counts.updates_sent++;
  }

  // biome-ignore lint/suspicious/noExplicitAny: master messages are read field by field, as JSON.
  function onMessage(agent: Agent, m: any, registered: (id: string) => void): void {
    switch (m.type) {
      case 'registered':
      case 'reregistered':
        agent.id = m.agent_id.value;
        registered(agent.id!);
        return;
      case 'run_task':
      case 'run_task_group': {
        const frameworkId: string = m.framework_info.id.value;
        const tasks = m.type === 'run_task' ? [m.task] : m.task_group.tasks;
        for (const task of tasks) {
          counts.tasks_run++;
          update(agent, frameworkId, task.task_id, 'TASK_RUNNING');
          if (pool.fate === 'finish') update(agent, frameworkId, task.task_id, 'TASK_FINISHED');
        }
        return;
      }
      case 'kill_task':
        update(agent, m.framework_id.value, m.task_id, 'TASK_KILLED');
        return;
      case 'acknowledge':
        counts.acknowledgements++;
        return;
      case 'ping':
        counts.pings++;
        agent.ws.send('{"type":"pong"}');
        return;
      case 'error':
        counts.errors++;
        return;
      default:
        return;
    }
  }

  /** Connects agent `index` and registers it, or re-registers it as `id`. */
  function connect(index: number, id?: string, timeout_ms = deadline - Date.now()): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
      const agent: Agent = { ws, id };
      agents[index] = agent;
      let done = false;
      const timer = setTimeout(() => fail(new Error(`agent ${index} not registered in time`)), timeout_ms);
      function fail(err: Error): void {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(err);
      }
      ws.on('message', (data) =>
        onMessage(agent, JSON.parse(data.toString()), () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve();
        }),
      );
      ws.on('error', (err) => fail(err));
      ws.on('close', () => fail(new Error(`agent ${index} closed before registering`)));
      const agent_info = { hostname: `bench-agent-${index}`, port: 5051, resources: options.resources };
      ws.on('open', () =>
        ws.send(
          JSON.stringify(
            id === undefined
              ? { type: 'register', agent_info }
              : { type: 'reregister', agent_info: { ...agent_info, id: { value: id } } },
          ),
        ),
      );
    });
  }

  let next = 0;
  async function worker(): Promise<void> {
    while (next < options.agents) await connect(next++);
  }
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.min(concurrency, options.agents); i++) workers.push(worker());
  const closeAll = async (timeout_ms = 5000): Promise<void> => {
    const closed = agents.map(
      (a) =>
        new Promise<void>((resolve) => {
          if (a.ws.readyState === WebSocket.CLOSED) resolve();
          else a.ws.once('close', () => resolve());
        }),
    );
    for (const a of agents) {
      if (a.ws.readyState === WebSocket.CONNECTING) a.ws.terminate();
      else a.ws.close(1000, 'benchmark done');
    }
    const cut = setTimeout(() => {
      for (const a of agents) a.ws.terminate();
    }, timeout_ms);
    await Promise.all(closed);
    clearTimeout(cut);
  };
  try {
    await Promise.all(workers);
  } catch (err) {
    await closeAll(1000);
    throw err;
  }
  return {
    size: agents.length,
    get fate() {
      return pool.fate;
    },
    set fate(f: TaskFate) {
      pool.fate = f;
    },
    counts: () => ({ ...counts }),
    async flap(index) {
      const agent = agents[index];
      if (agent?.id === undefined) throw new Error(`agent ${index} is not registered`);
      await new Promise<void>((resolve) => {
        agent.ws.once('close', () => resolve());
        agent.ws.close(1000, 'flap');
      });
      await connect(index, agent.id, options.timeout_ms ?? 120_000);
    },
    close: closeAll,
  };
}
