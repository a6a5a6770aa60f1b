// A live framework: any FrameworkLogic (the pure event-to-call state machines the simulator runs)
// driven against a real master through the scheduler client. Each event goes into the logic with
// `now` from the real clock, and the calls it returns are sent in order, one at a time, so an
// ACCEPT reaches the master before a later KILL of the task it launched. A logic that asks for a
// timer (`nextTick_ms`) gets `tick` when it is due. The same logic, the same decisions: only the
// host differs.
import type { FrameworkCall, SchedulerEvent } from '../../engine/master/scheduler-api.ts';
import { type FrameworkLogic, handleSchedulerEvent } from '../../engine/scheduling/framework-logic.ts';
import { type Log, silentLog } from '../log.ts';
import { SchedulerClient, type SchedulerClientOptions } from './scheduler-client.ts';

/** Options of a live framework. */
export interface LiveFrameworkOptions {
  /** `host:port` of the master (or several), or a `zk://` URL of the group whose leader is followed. */
  readonly master: SchedulerClientOptions['master'];
  readonly logic: FrameworkLogic;
  /** The clock handed to the logic as `now`, in ms (default Date.now). */
  readonly clock?: () => number;
  readonly log?: Log;
  /** Called after the logic has taken each event (for progress output and tests). */
  readonly onEvent?: (event: SchedulerEvent) => void;
  /** Called when the master refuses a call or it cannot be sent. */
  readonly onCallError?: (call: FrameworkCall, error: Error) => void;
  /** Passed on to the scheduler client. */
  readonly client?: Omit<SchedulerClientOptions, 'master' | 'framework_info' | 'log'>;
}

/** A running live framework. */
export interface LiveFramework {
  readonly client: SchedulerClient;
  readonly logic: FrameworkLogic;
  /** Resolves with the reason once the framework has stopped (closed, torn down, refused, or a logic error). */
  readonly stopped: Promise<string>;
  /** Resolves once every call made so far has been answered. */
  idle(): Promise<void>;
  /** Tears the framework down (its tasks are killed) and stops. */
  teardown(): Promise<void>;
  /** Stops without tearing down: the master keeps the framework for its failover timeout. */
  stop(reason?: string): Promise<void>;
}

/** Starts a framework logic against a live master. */
export function runLiveFramework(options: LiveFrameworkOptions): LiveFramework {
  const { logic } = options;
  const clock = options.clock ?? Date.now;
  const log = options.log ?? silentLog;
  const client = new SchedulerClient({
    ...options.client,
    master: options.master,
    framework_info: () => logic.frameworkInfo(),
    log,
  });
  // Calls go out one at a time, in the order the logic made them.
  let sending: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let failure: string | undefined;
  // Set once the framework is being torn down or stopped: later events no longer reach the logic.
  let halted = false;

  const send = (calls: readonly FrameworkCall[]): void => {
    for (const call of calls) {
      sending = sending.then(() =>
        client.call(call).catch((error: Error) => {
          log.warn('live framework: a call failed', { type: call.type, error: error.message });
          options.onCallError?.(call, error);
        }),
      );
    }
  };

  // Runs one step of the logic; a logic that throws has a bug, and the framework stops.
  const step = (what: string, run: () => FrameworkCall[]): void => {
    if (failure !== undefined || halted) return;
    try {
      send(run());
      armTick();
    } catch (error) {
      failure = `the framework logic failed on ${what}: ${(error as Error).message}`;
      log.error('live framework: logic failed', { what, error: (error as Error).message });
      void client.close(failure);
    }
  };

  const armTick = (): void => {
    clearTimeout(timer);
    timer = undefined;
    const at_ms = logic.nextTick_ms?.();
    if (at_ms === undefined || logic.tick === undefined) return;
    const tick = logic.tick.bind(logic);
    timer = setTimeout(() => step('tick', () => tick(clock())), Math.max(0, at_ms - clock()));
  };

  client.on('event', (event) => {
    step(event.type, () => handleSchedulerEvent(logic, event, clock()));
    options.onEvent?.(event);
  });

  const stopped = new Promise<string>((resolve) => {
    client.once('closed', (reason) => {
      clearTimeout(timer);
      resolve(failure ?? reason);
    });
  });

  return {
    client,
    logic,
    stopped,
    idle: () => sending,
    async teardown() {
      halted = true;
      await sending;
      clearTimeout(timer);
      await client.teardown();
    },
    async stop(reason) {
      halted = true;
      clearTimeout(timer);
      await client.close(reason);
    },
  };
}
