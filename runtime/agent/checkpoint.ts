// The agent's checkpoints under `<work_dir>/meta`, laid out as Mesos lays out its own:
//   meta/agent.json                                            the agent id
//   meta/slaves/<agent>/frameworks/<framework>/framework.json  FrameworkInfo
//     executors/<executor>/runs/<container>/executor.json      the executor: kind, info, sandbox
//     executors/<executor>/runs/<container>/container.json     a custom executor's process group
//     .../runs/<container>/tasks/<task>/task.json              the task: info, statuses, unacknowledged updates
//     .../runs/<container>/tasks/<task>/container.json         the process group of a task the agent runs
//     .../runs/<container>/tasks/<task>/exit_status            the task command's exit status (its wrapper writes it)
// Every framework's process groups are recorded, so that a restarted agent can kill what it no
// longer manages; tasks (and their status updates) only for frameworks that checkpoint, as Mesos
// does. Each file is written aside and renamed over the old one, so a crash leaves one or the
// other whole. Writes are synchronous, so they happen in the order of the agent's decisions.
import { mkdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutorInfo, FrameworkInfo, TaskInfo, TaskState, TaskStatus } from '../../engine/master/v1.ts';
import type { AgentCore } from './core.ts';
import type { AgentExecutor, AgentFramework, AgentTask, ExecutorKind } from './executors.ts';
import type { ContainerRecord } from './process-groups.ts';

/** A framework's checkpoint. */
export interface FrameworkCheckpoint {
  readonly framework_info: FrameworkInfo;
}

/** An executor run's checkpoint. */
export interface ExecutorCheckpoint {
  readonly kind: ExecutorKind;
  readonly executor_info: ExecutorInfo;
  readonly container_id: string;
  /** The run's sandbox. */
  readonly directory: string;
}

/** A task's checkpoint (frameworks that checkpoint only). */
export interface TaskCheckpoint {
  readonly task_info: TaskInfo;
  readonly state: TaskState;
  readonly statuses: readonly TaskStatus[];
  readonly kill_requested: boolean;
  /** Waiting for its custom executor to subscribe (not yet handed to it). */
  readonly queued: boolean;
  /** The ids of the tasks launched with it in one task group, if it was. */
  readonly group?: readonly string[];
  /** Updates not yet acknowledged, oldest first. */
  readonly unacknowledged: readonly TaskStatus[];
}

/** The name of an id as one path component: no '/', never '.' or '..'. */
function component(id: string): string {
  const encoded = encodeURIComponent(id);
  return encoded === '.' ? '%2E' : encoded === '..' ? '%2E%2E' : encoded;
}

/** `<work_dir>/meta/slaves`: where every agent id's checkpoints live. */
export function agentsMetaDirectory(work_dir: string): string {
  return join(work_dir, 'meta', 'slaves');
}

/** The checkpoints of one agent id. */
export function agentMetaDirectory(work_dir: string, agent_id: string): string {
  return join(agentsMetaDirectory(work_dir), component(agent_id));
}

/** The checkpoints of a framework on an agent. */
export function frameworkMetaDirectory(work_dir: string, agent_id: string, framework_id: string): string {
  return join(agentMetaDirectory(work_dir, agent_id), 'frameworks', component(framework_id));
}

/** The checkpoints of one run (container) of an executor. */
export function runMetaDirectory(work_dir: string, agent_id: string, executor: AgentExecutor): string {
  return join(
    frameworkMetaDirectory(work_dir, agent_id, executor.framework_id),
    'executors',
    component(executor.executor_id),
    'runs',
    component(executor.container_id),
  );
}

/** The checkpoints of a task of a run. */
export function taskMetaDirectory(run_directory: string, task_id: string): string {
  return join(run_directory, 'tasks', component(task_id));
}

/** Writes a JSON checkpoint: aside, then renamed over the old one. */
export function writeCheckpoint(path: string, value: unknown): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(`${path}.tmp`, JSON.stringify(value));
  renameSync(`${path}.tmp`, path);
}

/** Runs a checkpoint step; a failure is logged (the agent keeps running, less recoverable). */
function attempt(core: AgentCore, what: string, step: () => void): void {
  try {
    step();
  } catch (error) {
    core.log.error(`checkpointing ${what} failed`, { error: (error as Error).message });
  }
}

/** Whether the framework asked for its work to survive an agent restart. */
export function checkpoints(framework: AgentFramework | undefined): boolean {
  return framework?.info.checkpoint === true;
}

/** The run directory of an executor, when the agent has an id. */
function runDirectory(core: AgentCore, executor: AgentExecutor): string | undefined {
  return core.agent_id === undefined
    ? undefined
    : runMetaDirectory(core.settings.work_dir, core.agent_id, executor);
}

/** Checkpoints new work: the framework, the executor run, and its tasks (these if the framework checkpoints). */
export function checkpointWork(
  core: AgentCore,
  framework: AgentFramework,
  executor: AgentExecutor,
  tasks: readonly AgentTask[],
): void {
  const run = runDirectory(core, executor);
  if (run === undefined) return;
  attempt(core, `executor ${executor.executor_id}`, () => {
    const framework_dir = frameworkMetaDirectory(core.settings.work_dir, core.agent_id ?? '', framework.id);
    writeCheckpoint(join(framework_dir, 'framework.json'), {
      framework_info: framework.info,
    } satisfies FrameworkCheckpoint);
    writeCheckpoint(join(run, 'executor.json'), {
      kind: executor.kind,
      executor_info: executor.info,
      container_id: executor.container_id,
      directory: executor.directory,
    } satisfies ExecutorCheckpoint);
  });
  for (const task of tasks) checkpointTask(core, executor, task);
}

/** Checkpoints a task's info, state, statuses and unacknowledged updates (frameworks that checkpoint). */
export function checkpointTask(core: AgentCore, executor: AgentExecutor, task: AgentTask): void {
  if (!checkpoints(core.book.frameworks.get(task.framework_id))) return;
  const run = runDirectory(core, executor);
  if (run === undefined) return;
  const task_id = task.info.task_id.value;
  attempt(core, `task ${task_id}`, () => {
    writeCheckpoint(join(taskMetaDirectory(run, task_id), 'task.json'), {
      task_info: task.info,
      state: task.state,
      statuses: task.statuses,
      kill_requested: task.kill_requested,
      queued: executor.queued.has(task_id),
      ...(task.group === undefined ? {} : { group: task.group }),
      unacknowledged: core.updates.pending(task.framework_id, task_id),
    } satisfies TaskCheckpoint);
  });
}

/** Records the process group of a task the agent runs (`task_id`), or of a custom executor. */
export function checkpointContainer(
  core: AgentCore,
  executor: AgentExecutor,
  task_id: string | undefined,
  record: ContainerRecord,
): void {
  const run = runDirectory(core, executor);
  if (run === undefined) return;
  const dir = task_id === undefined ? run : taskMetaDirectory(run, task_id);
  attempt(core, `the container of ${task_id ?? executor.executor_id}`, () =>
    writeCheckpoint(join(dir, 'container.json'), record),
  );
}

/** Where the wrapper of a task's command records its exit status (frameworks that checkpoint). */
export function exitStatusFile(
  core: AgentCore,
  executor: AgentExecutor,
  task_id: string,
): string | undefined {
  if (!checkpoints(core.book.frameworks.get(executor.framework_id))) return undefined;
  const run = runDirectory(core, executor);
  return run === undefined ? undefined : join(taskMetaDirectory(run, task_id), 'exit_status');
}

/** A task is done with: its checkpoints go. */
export function forgetTask(core: AgentCore, executor: AgentExecutor, task_id: string): void {
  const run = runDirectory(core, executor);
  if (run === undefined) return;
  attempt(core, `the end of task ${task_id}`, () =>
    rmSync(taskMetaDirectory(run, task_id), { recursive: true, force: true }),
  );
}

/** An executor run is done with: its checkpoints go, and its framework's once it has no executor left. */
export function forgetExecutor(core: AgentCore, executor: AgentExecutor): void {
  const agent_id = core.agent_id;
  if (agent_id === undefined) return;
  const work_dir = core.settings.work_dir;
  attempt(core, `the end of executor ${executor.executor_id}`, () => {
    const run = runMetaDirectory(work_dir, agent_id, executor);
    rmSync(run, { recursive: true, force: true });
    removeIfEmpty(join(run, '..'));
    removeIfEmpty(join(run, '..', '..'));
    if (!core.book.frameworks.has(executor.framework_id)) {
      rmSync(frameworkMetaDirectory(work_dir, agent_id, executor.framework_id), {
        recursive: true,
        force: true,
      });
    }
  });
}

/** Removes a directory that holds nothing (another run of the same executor keeps it). */
function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error;
  }
}
