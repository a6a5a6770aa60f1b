// The custom executor example's scheduler: it launches tasks that run under the example's own
// executor (executor.ts) rather than the agent's command executor. One executor per agent runs all
// of that agent's tasks: the first task on an agent starts it, with its own resources, and later
// tasks reuse it (the same ExecutorInfo). Each task's data is the number the executor works on.
// Run it against a master:
//
//     npx tsx examples/custom-executor/scheduler.ts --master 127.0.0.1:5050 [--tasks 4]

import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { FrameworkCall } from '../../engine/master/scheduler-api.ts';
import type { ExecutorInfo, FrameworkInfo, Id, Offer, TaskInfo, TaskStatus } from '../../engine/master/v1.ts';
import { terminal_task_states } from '../../engine/master/v1.ts';
import type { Quantities } from '../../engine/quantities.ts';
import { type Resources, subtract } from '../../engine/resources.ts';
import type { FrameworkLogic } from '../../engine/scheduling/framework-logic.ts';
import { runLiveFramework } from '../../runtime/sdk/live-framework.ts';
import type { Tls } from '../../runtime/wire/tls.ts';
import { carveTasks } from '../offer-carving.ts';

/** The executor's id: one per agent, shared by the tasks there. */
export const example_executor_id = 'meso-example-executor';
const task_size: Quantities = { cpus: 0.2, mem: 32 };
const executor_size: Quantities = { cpus: 0.1, mem: 32 };

/** The command that starts the example executor: node, with tsx's loader, from any sandbox. */
export function exampleExecutorCommand(): string {
  const entry = fileURLToPath(new URL('./executor.mjs', import.meta.url));
  return `'${process.execPath}' '${entry}'`;
}

/** The scheduler's logic, with its progress. */
export interface CustomExecutorFramework extends FrameworkLogic {
  /** Tasks finished, and the first failure (if any). */
  progress(): { readonly finished: number; readonly failure: string | undefined };
}

/** Creates the scheduler's logic: `tasks` tasks under the executor started by `executor_command`. */
export function createCustomExecutorFramework(
  tasks: number,
  executor_command: string,
  print: (line: string) => void,
): CustomExecutorFramework {
  let framework_id: string | undefined;
  let launched = 0;
  let finished = 0;
  let failure: string | undefined;
  const id = (): Id => ({ value: framework_id ?? '' });

  const executorInfo = (resources: Resources): ExecutorInfo => ({
    executor_id: { value: example_executor_id },
    type: 'CUSTOM',
    name: 'meso example executor',
    command: { value: executor_command, shell: true },
    resources,
  });

  // Tasks for one offer; the executor's resources are set aside unless it already runs there.
  const tasksFor = (offer: Offer): TaskInfo[] => {
    const wanted = failure === undefined ? tasks - launched : 0;
    if (wanted <= 0) return [];
    let left: Resources = offer.resources;
    let executor_resources: Resources = [];
    if (!offer.executor_ids.some((e) => e.value === example_executor_id)) {
      const piece = carveTasks(left, executor_size, 1)[0];
      if (piece === undefined) return [];
      executor_resources = piece;
      left = subtract(left, piece);
    }
    const executor = executorInfo(executor_resources);
    return carveTasks(left, task_size, wanted).map((resources) => {
      const n = launched++;
      return {
        name: `fib task ${n}`,
        task_id: { value: `fib-${n}` },
        agent_id: offer.agent_id,
        resources,
        executor,
        data: Buffer.from(String(20 + n * 10)).toString('base64'),
      };
    });
  };

  return {
    name: 'meso custom executor example',
    frameworkInfo(): FrameworkInfo {
      return {
        user: 'root',
        name: 'meso custom executor example',
        ...(framework_id === undefined ? {} : { id: { value: framework_id } }),
        roles: ['*'],
        capabilities: [{ type: 'MULTI_ROLE' }],
      };
    },
    subscribed(subscribed_id) {
      framework_id = subscribed_id;
      print(`Subscribed as framework ${subscribed_id}`);
      return [];
    },
    offers(offers) {
      const calls: FrameworkCall[] = [];
      const declined: Id[] = [];
      for (const offer of offers) {
        const task_infos = tasksFor(offer);
        if (task_infos.length === 0) {
          declined.push(offer.id);
          continue;
        }
        print(`Launching ${task_infos.map((t) => t.task_id.value).join(', ')} on ${offer.hostname}`);
        const launch = { type: 'LAUNCH', launch: { task_infos } };
        const accept = { offer_ids: [offer.id], operations: [launch], filters: { refuse_seconds: 1 } };
        calls.push({ type: 'ACCEPT', framework_id: id(), accept });
      }
      if (declined.length > 0) {
        calls.push({ type: 'DECLINE', framework_id: id(), decline: { offer_ids: declined } });
      }
      return calls;
    },
    rescinded: () => [],
    update(status: TaskStatus) {
      const message = status.message === undefined ? '' : ` (${status.message})`;
      print(`Task ${status.task_id.value} is in state ${status.state}${message}`);
      if (status.state === 'TASK_FINISHED') finished++;
      else if (terminal_task_states.has(status.state)) {
        failure ??= `task ${status.task_id.value} ended in ${status.state}${message}`;
      }
      if (status.uuid === undefined || status.agent_id === undefined) return [];
      const acknowledge = { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid };
      return [{ type: 'ACKNOWLEDGE', framework_id: id(), acknowledge }];
    },
    error(text) {
      failure ??= `the master sent an error: ${text}`;
      return [];
    },
    progress: () => ({ finished, failure }),
  };
}

/** Runs the example against a live master; resolves with the exit code (0: every task finished). */
export async function runCustomExecutorExample(options: {
  readonly master: string;
  readonly tasks: number;
  readonly timeout_seconds?: number;
  readonly print?: (line: string) => void;
  /** TLS to reach the master with (default: as LIBPROCESS_SSL_* say; false: plain HTTP). */
  readonly tls?: Tls | false;
}): Promise<number> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const logic = createCustomExecutorFramework(options.tasks, exampleExecutorCommand(), print);
  let settle: () => void = () => {};
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const live = runLiveFramework({
    master: options.master,
    logic,
    ...(options.tls === undefined ? {} : { client: { tls: options.tls } }),
    onEvent: (event) => {
      if (event.type === 'MESSAGE') {
        print(`Message from the executor: ${Buffer.from(event.message.data, 'base64').toString('utf8')}`);
      }
      const { finished, failure } = logic.progress();
      if (failure !== undefined || finished >= options.tasks) settle();
    },
  });
  const timeout_ms = (options.timeout_seconds ?? 120) * 1000;
  const timer = setTimeout(settle, timeout_ms);
  await Promise.race([settled, live.stopped]);
  clearTimeout(timer);
  const { finished, failure } = logic.progress();
  // Teardown shuts the executors down: each gets SHUTDOWN and exits.
  if (live.client.subscription !== undefined) await live.teardown().catch(() => live.stop());
  await live.stop();
  if (finished >= options.tasks) {
    print(`All ${options.tasks} tasks finished`);
    return 0;
  }
  print(`Failed: ${failure ?? `${finished} of ${options.tasks} tasks finished`}`);
  return 1;
}

/** The command line: --master host:port [--tasks N] [--timeout_seconds S]. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      master: { type: 'string' },
      tasks: { type: 'string', default: '4' },
      timeout_seconds: { type: 'string', default: '120' },
    },
  });
  if (values.master === undefined) {
    process.stderr.write(
      'usage: npx tsx examples/custom-executor/scheduler.ts --master HOST:PORT [--tasks N]\n',
    );
    process.exitCode = 2;
    return;
  }
  const tasks = Number(values.tasks);
  if (!(Number.isInteger(tasks) && tasks >= 1)) throw new Error(`--tasks must be a whole number >= 1`);
  process.exitCode = await runCustomExecutorExample({
    master: values.master,
    tasks,
    timeout_seconds: Number(values.timeout_seconds),
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
