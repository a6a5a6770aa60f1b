// Helpers of the end-to-end tests of a `meso agent` and its tasks: command tasks carved from an
// offer, a task's sandbox and the processes in it, an agent started again on its work_dir, and a
// task as the master shows it.
import { readFileSync } from 'node:fs';
import type { FrameworkInfo, Offer, TaskInfo } from '../../engine/master/v1.ts';
import { carveTasks } from '../../examples/offer-carving.ts';
import {
  agentArgs,
  type Cluster,
  eventually,
  getJson,
  type Json,
  type Processes,
  pidsWithCwd,
  type Spawned,
} from './e2e-harness.ts';

/** The FrameworkInfo of a multi-role test framework in role `*`, run as root. */
export function testFrameworkInfo(name: string, checkpoint: boolean): FrameworkInfo {
  return { user: 'root', name, roles: ['*'], checkpoint, capabilities: [{ type: 'MULTI_ROLE' }] };
}

/** Shell command tasks (id to command) on `offer`, each on its own slice of 0.1 cpus and 32 MB. */
export function commandTasks(offer: Offer, commands: Readonly<Record<string, string>>): TaskInfo[] {
  const ids = Object.keys(commands);
  const slices = carveTasks(offer.resources, { cpus: 0.1, mem: 32 }, ids.length);
  return ids.map((id, i) => ({
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: slices[i]!,
    command: { value: commands[id]!, shell: true },
  }));
}

/** The command line of a process ('' once it is gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** An executor's sandbox as the agent's /state shows it (a command task's executor id is its task id). */
export async function executorSandbox(agent_port: number, executor_id: string): Promise<string> {
  const state = await getJson(agent_port, '/state');
  const executor = state.frameworks
    .flatMap((f: Json) => f.executors as Json[])
    .find((e: Json) => e.id === executor_id);
  if (executor === undefined) throw new Error(`the agent shows no executor ${executor_id}`);
  return executor.directory as string;
}

/**
 * Waits until a process in `dir` (a sandbox) runs `command`; returns its pid and the pids of every
 * process in `dir` at that moment.
 */
export async function commandRunning(
  dir: string,
  command: string,
  what = `'${command}' running`,
): Promise<{ pid: number; pids: number[] }> {
  let pid = 0;
  let pids: number[] = [];
  await eventually(
    () => {
      pids = pidsWithCwd(dir);
      pid = pids.find((p) => cmdline(p) === command) ?? 0;
      return pid > 0;
    },
    5000,
    what,
  );
  return { pid, pids };
}

/** Starts the first agent of `cluster` again with its work_dir and port, and waits until it is back. */
export async function restartAgent(procs: Processes, cluster: Cluster, resources: string): Promise<Spawned> {
  const agent = procs.meso(
    agentArgs(cluster.master_port, cluster.agent_ports[0]!, cluster.work_dirs[0]!, resources),
  );
  await eventually(
    async () => (await getJson(cluster.master_port, '/master/state')).slaves[0]?.active === true,
    15_000,
    'the restarted agent re-registering',
  ).catch((error: Error) => {
    throw new Error(`${error.message}; agent said: ${agent.stderr()}`);
  });
  return agent;
}

/** A task of the master's /master/state, active or completed, of an active or completed framework. */
export async function masterTask(master_port: number, task_id: string): Promise<Json | undefined> {
  const state = await getJson(master_port, '/master/state');
  const frameworks = [...state.frameworks, ...state.completed_frameworks] as Json[];
  return frameworks
    .flatMap((f) => [...(f.tasks as Json[]), ...(f.completed_tasks as Json[])])
    .find((t) => t.id === task_id);
}
