// What the tests of custom executors on the agent share: a task for a custom executor, and a piece
// of the executor scripts they run (small Node programs that speak the raw executor API over
// node:http, written as text so that they share no code with meso).
import { commandTask, type Json } from './agent-harness.ts';

/** A task for the custom executor `executor_id` (holding `resources`) that runs `command` in a shell. */
export function customExecutorTask(
  task_id: string,
  executor_id: string,
  command: string,
  resources: readonly Json[],
  data?: string,
): Json {
  const { command: _none, ...task } = commandTask(task_id, 'unused');
  return {
    ...task,
    executor: {
      executor_id: { value: executor_id },
      type: 'CUSTOM',
      command: { value: command, shell: true },
      resources,
    },
    ...(data === undefined ? {} : { data: Buffer.from(data).toString('base64') }),
  };
}

/**
 * The start of an executor script: the agent's address and the executor's ids from the Mesos
 * environment, and `readEvents(res, handle)`, which hands each event of the subscription's RecordIO
 * stream to `handle`, one after another.
 */
export const read_events_js = `
const env = process.env;
const [host, port] = env.MESOS_AGENT_ENDPOINT.split(':');
const ids = { framework_id: { value: env.MESOS_FRAMEWORK_ID }, executor_id: { value: env.MESOS_EXECUTOR_ID } };
function readEvents(res, handle) {
  let pending = Buffer.alloc(0);
  let chain = Promise.resolve();
  res.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const nl = pending.indexOf(10);
      if (nl < 0) break;
      const length = Number(pending.subarray(0, nl).toString());
      if (pending.length < nl + 1 + length) break;
      const event = JSON.parse(pending.subarray(nl + 1, nl + 1 + length).toString());
      pending = pending.subarray(nl + 1 + length);
      chain = chain.then(() => handle(event));
    }
  });
}
`;
