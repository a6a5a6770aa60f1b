// The test framework, after Mesos's src/test-framework: it launches a number of tasks (five by
// default) of cpus:1;mem:128, each running a short shell command, prints every offer, launch and
// status update, and succeeds once every task has finished. Any task ending otherwise aborts the
// run, as Mesos's does. The logic is a FrameworkLogic, so the same code could run in the simulator;
// `runTestFramework` drives it against a live master through the SDK.
import type { FrameworkCall } from '../engine/master/scheduler-api.ts';
import {
  type FrameworkInfo,
  type Id,
  type TaskInfo,
  type TaskStatus,
  terminal_task_states,
} from '../engine/master/v1.ts';
import type { Quantities } from '../engine/quantities.ts';
import type { FrameworkLogic } from '../engine/scheduling/framework-logic.ts';
import { runLiveFramework } from '../runtime/sdk/live-framework.ts';
import type { Credential } from '../runtime/wire/credentials.ts';
import type { Tls } from '../runtime/wire/tls.ts';
import { carveTasks, describeResources } from './offer-carving.ts';

/** What the test framework runs. */
export interface TestFrameworkConfig {
  readonly name?: string;
  readonly tasks: number;
  /** Shell command of every task. */
  readonly command: string;
  /** Resources of every task (default cpus:1;mem:128). */
  readonly task_resources?: Quantities;
  readonly role?: string;
}

/** Where a run stands. */
export type TestFrameworkOutcome =
  | { readonly state: 'running' }
  | { readonly state: 'finished' }
  | { readonly state: 'failed'; readonly message: string };

/** The test framework's logic, with its outcome. */
export interface TestFramework extends FrameworkLogic {
  outcome(): TestFrameworkOutcome;
}

/** Resources of each task, as Mesos's test framework asks. */
export const test_task_resources: Quantities = { cpus: 1, mem: 128 };
/** Filter on offers declined while tasks are still wanted, and once all are launched, in seconds. */
const refuse_seconds_wanting = 1;
const refuse_seconds_done = 60;

/** Creates the test framework's logic; `print` receives its progress lines. */
export function createTestFramework(
  config: TestFrameworkConfig,
  print: (line: string) => void,
): TestFramework {
  if (!(Number.isInteger(config.tasks) && config.tasks >= 1)) {
    throw new Error(`test framework: tasks must be a whole number >= 1, got ${config.tasks}`);
  }
  const size = config.task_resources ?? test_task_resources;
  const name = config.name ?? 'meso test framework';
  let framework_id: string | undefined;
  let launched = 0;
  let finished = 0;
  let outcome: TestFrameworkOutcome = { state: 'running' };
  const id = (): Id => ({ value: framework_id ?? '' });

  const taskInfo = (agent_id: Id, resources: TaskInfo['resources']): TaskInfo => {
    const n = launched++;
    return {
      name: `Task ${n}`,
      task_id: { value: String(n) },
      agent_id,
      resources,
      command: { value: config.command, shell: true },
    };
  };

  const fail = (message: string): void => {
    if (outcome.state !== 'running') return;
    outcome = { state: 'failed', message };
    print(message);
  };

  return {
    name,
    frameworkInfo(): FrameworkInfo {
      return {
        user: 'root',
        name,
        ...(framework_id === undefined ? {} : { id: { value: framework_id } }),
        failover_timeout: 0,
        roles: [config.role ?? '*'],
        capabilities: [{ type: 'MULTI_ROLE' }],
      };
    },
    subscribed(subscribed_id) {
      if (framework_id === undefined) print(`Registered with framework ID ${subscribed_id}`);
      else print(`Re-registered with framework ID ${subscribed_id}`);
      framework_id = subscribed_id;
      return [];
    },
    offers(offers) {
      const calls: FrameworkCall[] = [];
      const declined: Id[] = [];
      for (const offer of offers) {
        print(`Received offer ${offer.id.value} with ${describeResources(offer.resources)}`);
        const wanted = outcome.state === 'running' ? config.tasks - launched : 0;
        const pieces = carveTasks(offer.resources, size, wanted);
        if (pieces.length === 0) {
          declined.push(offer.id);
          continue;
        }
        const task_infos = pieces.map((resources) => taskInfo(offer.agent_id, resources));
        for (const task of task_infos)
          print(`Launching task ${task.task_id.value} using offer ${offer.id.value}`);
        const launch = { type: 'LAUNCH', launch: { task_infos } };
        const filters = { refuse_seconds: refuse_seconds_wanting };
        calls.push({
          type: 'ACCEPT',
          framework_id: id(),
          accept: { offer_ids: [offer.id], operations: [launch], filters },
        });
      }
      if (declined.length > 0) {
        const refuse_seconds = launched < config.tasks ? refuse_seconds_wanting : refuse_seconds_done;
        calls.push({
          type: 'DECLINE',
          framework_id: id(),
          decline: { offer_ids: declined, filters: { refuse_seconds } },
        });
      }
      return calls;
    },
    rescinded() {
      return [];
    },
    update(status: TaskStatus) {
      const task = status.task_id.value;
      const message = status.message === undefined ? '' : `: ${status.message}`;
      print(`Task ${task} is in state ${status.state}${message}`);
      if (status.state === 'TASK_FINISHED') {
        finished++;
        if (finished === config.tasks && outcome.state === 'running') outcome = { state: 'finished' };
      } else if (terminal_task_states.has(status.state)) {
        fail(
          `Aborting because task ${task} is in unexpected state ${status.state} with reason ` +
            `'${status.reason ?? ''}' from source '${status.source ?? ''}' with message '${status.message ?? ''}'`,
        );
      }
      if (status.uuid === undefined || status.agent_id === undefined) return [];
      const acknowledge = { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid };
      return [{ type: 'ACKNOWLEDGE', framework_id: id(), acknowledge }];
    },
    error(text) {
      fail(`The master sent an error: ${text}`);
      return [];
    },
    outcome: () => outcome,
  };
}

/** Options of a live test framework run. */
export interface TestFrameworkRunOptions extends TestFrameworkConfig {
  /** `host:port` of the master. */
  readonly master: string;
  /** The framework's credential, for a master that authenticates frameworks. */
  readonly credential?: Credential;
  /** TLS to reach the master with (default: as LIBPROCESS_SSL_* say; false: plain HTTP). */
  readonly tls?: Tls | false;
  /** Give up after this long (default: wait as long as it takes). */
  readonly timeout_seconds?: number;
  /** Progress lines (default: stdout). */
  readonly print?: (line: string) => void;
}

/** Runs the test framework against a live master; resolves with the exit code (0: every task finished). */
export async function runTestFramework(options: TestFrameworkRunOptions): Promise<number> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const logic = createTestFramework(options, print);
  let decided: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    decided = resolve;
  });
  const live = runLiveFramework({
    master: options.master,
    client: {
      ...(options.credential === undefined ? {} : { credential: options.credential }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    },
    logic,
    onEvent: () => {
      if (logic.outcome().state !== 'running') decided();
    },
    onCallError: (call, error) => {
      if (logic.outcome().state === 'running') print(`The master refused ${call.type}: ${error.message}`);
    },
  });
  // A master that cannot be reached is said at once, with its address, the reason and the wait.
  const give_up_at =
    options.timeout_seconds === undefined ? undefined : Date.now() + options.timeout_seconds * 1000;
  live.client.on('retrying', ({ master, reason, delay_ms }) => {
    const left =
      give_up_at === undefined
        ? ''
        : `; giving up in ${Math.max(0, (give_up_at - Date.now()) / 1000).toFixed(0)} s`;
    print(`Cannot subscribe at ${master}: ${reason}; retrying in ${(delay_ms / 1000).toFixed(1)} s${left}`);
  });
  let timer: NodeJS.Timeout | undefined;
  const timed_out = new Promise<string>((resolve) => {
    if (options.timeout_seconds !== undefined) {
      timer = setTimeout(
        () => resolve(`timed out after ${options.timeout_seconds} s`),
        options.timeout_seconds * 1000,
      );
    }
  });
  const ended = await Promise.race([done.then(() => undefined), live.stopped, timed_out]);
  clearTimeout(timer);
  const outcome = logic.outcome();
  if (ended !== undefined && outcome.state === 'running')
    print(`Stopped before every task finished: ${ended}`);
  // Tear down (as Mesos's test framework stops its driver): the master forgets the framework and kills what is left.
  if (live.client.subscription !== undefined) {
    await live.teardown().catch((error: Error) => print(`Teardown failed: ${error.message}`));
  }
  await live.stop();
  if (outcome.state === 'finished') print(`All ${options.tasks} tasks finished`);
  return outcome.state === 'finished' ? 0 : 1;
}
