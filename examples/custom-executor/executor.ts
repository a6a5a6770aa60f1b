// The example's executor: started by the agent with the MESOS_* environment, it subscribes through
// the SDK's executor client and runs each task it is given inside its own process: the task's data
// names a number n, and the task computes the n-th Fibonacci number, writes it to a file in the
// sandbox, prints a line to its stdout (the sandbox's `stdout` file), tells the scheduler with a
// framework message and reports TASK_FINISHED. KILL ends a task with TASK_KILLED; SHUTDOWN ends
// the executor once its last updates are acknowledged.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskInfo } from '../../engine/master/v1.ts';
import { ExecutorClient, type ExecutorEvent } from '../../runtime/sdk/executor-client.ts';

/** Longest wait for the agent to acknowledge the last updates before exiting, in ms. */
const exit_wait_ms = 2000;

const client = new ExecutorClient();
const { executor_id, framework_id } = client.environment;
const sandbox = client.environment.sandbox ?? process.cwd();
/** Tasks running, and whether a kill reached them. */
const running = new Map<string, { killed: boolean }>();
/** Set on SHUTDOWN: the stream's end is then expected. */
let shutting_down = false;

/** A line on the executor's stdout, which the agent keeps in the sandbox. */
function say(line: string): void {
  process.stdout.write(`${new Date().toISOString()} executor ${executor_id}: ${line}\n`);
}

/** The n-th Fibonacci number, exactly. */
function fibonacci(n: number): bigint {
  let [a, b] = [0n, 1n];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

/** Runs one task: RUNNING, the work, then FINISHED (or KILLED if a kill came meanwhile). */
async function runTask(task: TaskInfo): Promise<void> {
  const task_id = task.task_id.value;
  running.set(task_id, { killed: false });
  await client.update({ task_id: task.task_id, state: 'TASK_RUNNING' });
  const text = task.data === undefined ? '' : Buffer.from(task.data, 'base64').toString('utf8');
  const n = Number.parseInt(text, 10);
  const result = fibonacci(Number.isInteger(n) && n >= 0 ? Math.min(n, 10_000) : 30);
  // A moment of "work", so a kill has something to interrupt.
  await new Promise((resolve) => setTimeout(resolve, 200));
  if (running.get(task_id)?.killed === true) return;
  running.delete(task_id);
  await writeFile(join(sandbox, `${task_id}.result`), `${result}\n`);
  say(`task ${task_id} computed fib(${n}) = ${result}`);
  const note = `task ${task_id} on ${client.environment.agent_id ?? 'an agent'}: fib(${n}) = ${result}`;
  // The message is a courtesy: a task is finished whether or not it reached the scheduler.
  await client.message(note).catch((error: Error) => say(`message not sent: ${error.message}`));
  await client.update({ task_id: task.task_id, state: 'TASK_FINISHED', message: `fib(${n}) = ${result}` });
}

/** Waits (a little) for the agent to acknowledge every update, then exits. */
async function exit(code: number): Promise<never> {
  const deadline = Date.now() + exit_wait_ms;
  while (client.unacknowledgedUpdates.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await client.close();
  say(`exiting with ${code}`);
  process.exit(code);
}

/** Handles one event from the agent. */
async function handle(event: ExecutorEvent): Promise<void> {
  switch (event.type) {
    case 'SUBSCRIBED':
      say(`subscribed for framework ${framework_id} in ${sandbox}`);
      return;
    case 'LAUNCH':
      say(`launching task ${event.launch.task.task_id.value}`);
      await runTask(event.launch.task);
      return;
    case 'KILL': {
      const task = running.get(event.kill.task_id.value);
      if (task === undefined) return;
      task.killed = true;
      running.delete(event.kill.task_id.value);
      say(`killed task ${event.kill.task_id.value}`);
      await client.update({ task_id: event.kill.task_id, state: 'TASK_KILLED' });
      return;
    }
    case 'MESSAGE':
      say(`message from the scheduler: ${Buffer.from(event.message.data, 'base64').toString('utf8')}`);
      return;
    case 'SHUTDOWN':
      say('shutting down');
      shutting_down = true;
      for (const [task_id, task] of running) {
        task.killed = true;
        await client.update({ task_id: { value: task_id }, state: 'TASK_KILLED' });
      }
      await exit(0);
      return;
    case 'ERROR':
      say(`error from the agent: ${event.error.message}`);
      return;
    default:
      return;
  }
}

const events = client.events();
client.subscribe().catch((error: Error) => say(`could not subscribe: ${error.message}`));
for await (const event of events) {
  // Tasks run side by side: an event is not held up by a task still working.
  handle(event).catch((error: Error) => say(`handling ${event.type} failed: ${error.message}`));
}
if (!shutting_down) {
  say('the agent is gone');
  await exit(1);
}
