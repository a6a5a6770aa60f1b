// A live master for the tests that drive it over real sockets: started in-process on a free port,
// silent, allocating every 20 ms with the test file's seed. The fake agents and streams a test opens
// on it are closed, and the master stopped, by `cleanup` after each test.
import { silentLog } from '../../runtime/log.ts';
import { type RunningMaster, type StartMasterOptions, startMaster } from '../../runtime/master/server.ts';
import {
  connectAgent,
  type EventStream,
  type FakeAgent,
  type Json,
  registerAgent,
  type SubscribedFramework,
  subscribeFramework,
} from './master-client.ts';

/** A test's live master and what the test opened on it. */
export class LiveMaster {
  /** The running master, until it is stopped. */
  master: RunningMaster | undefined;
  /** Fake agents to close after the test. */
  readonly agents: FakeAgent[] = [];
  /** Streams to close after the test. */
  readonly streams: EventStream[] = [];
  readonly #seed: number;

  constructor(seed: number) {
    this.#seed = seed;
  }

  /** Starts the master, with `extra` options over the defaults. */
  async start(extra: Partial<StartMasterOptions> = {}): Promise<RunningMaster> {
    this.master = await startMaster({
      port: 0,
      allocation_interval_ms: 20,
      seed: this.#seed,
      log: silentLog,
      ...extra,
    });
    return this.master;
  }

  /** Subscribes the framework `name` on the running master (its stream closed after the test). */
  framework(name: string, extra: Json = {}): Promise<SubscribedFramework> {
    return subscribeFramework(this.#port(), name, this.streams, extra);
  }

  /** Connects a fake agent (closed after the test) and registers it with `resources`. */
  async agent(hostname: string, resources?: string): Promise<{ agent: FakeAgent; agentId: string }> {
    const agent = await connectAgent(this.#port());
    this.agents.push(agent);
    return { agent, agentId: await registerAgent(agent, hostname, resources) };
  }

  #port(): number {
    if (this.master === undefined) throw new Error('the master is not started');
    return this.master.port;
  }

  /** Stops the master now (for a test that reads what it left behind). */
  async stop(): Promise<void> {
    await this.master?.stop();
    this.master = undefined;
  }

  /** Closes every stream and fake agent of the test, then stops the master. */
  async cleanup(): Promise<void> {
    for (const stream of this.streams.splice(0)) stream.close();
    for (const agent of this.agents.splice(0)) await agent.close();
    await this.stop();
  }
}
