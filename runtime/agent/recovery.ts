// Agent recovery, as Mesos's agent recovers with `--recover=reconnect`: before it registers, a
// restarted agent reads its checkpoints and takes back the work of frameworks that checkpoint.
// A task whose command still runs is watched until it ends (its wrapper records the exit status);
// one that ended while the agent was down is reported from what was recorded; its unacknowledged
// status updates are sent again once the agent is registered. A custom executor still running is
// given a while to subscribe again. Process groups of frameworks that do not checkpoint, and of
// any agent id other than the current one, are killed: nothing manages them any more.
import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { TaskInfo, TaskStatus } from '../../engine/master/v1.ts';
import {
  agentMetaDirectory,
  agentsMetaDirectory,
  type ExecutorCheckpoint,
  type FrameworkCheckpoint,
  type TaskCheckpoint,
} from './checkpoint.ts';
import { type CommandTaskReport, recoverCommandTask } from './command-executor.ts';
import { type AgentCore, taskKey, track } from './core.ts';
import {
  type AgentExecutor,
  type AgentFramework,
  type AgentTask,
  addFramework,
  type ExecutorKind,
  gracePeriodMs,
  hasCapability,
  isTerminalState,
} from './executors.ts';
import { agentExecutorEnded } from './launch.ts';
import { executorRecord } from './launch-setup.ts';
import { executorTerminated, groupEnd } from './lifecycle.ts';
import { type ContainerRecord, isContainerRecord } from './process-groups.ts';
import { destroyUnlessSubscribed } from './subscription-deadline.ts';
import { reportTask } from './task-statuses.ts';

const executor_kinds: readonly ExecutorKind[] = ['command', 'default', 'custom'];

/** A task's checkpoints as found on disk. */
interface TaskOnDisk {
  readonly dir: string;
  readonly task: TaskCheckpoint | undefined;
  readonly container: ContainerRecord | undefined;
}

/** An executor run's checkpoints as found on disk. */
interface RunOnDisk {
  readonly dir: string;
  readonly executor: ExecutorCheckpoint | undefined;
  readonly container: ContainerRecord | undefined;
  readonly tasks: readonly TaskOnDisk[];
}

/** A framework's checkpoints as found on disk. */
interface FrameworkOnDisk {
  readonly dir: string;
  readonly framework: FrameworkCheckpoint | undefined;
  readonly runs: readonly RunOnDisk[];
}

/** The entries of a directory (none when it does not exist). */
async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((name) => !name.endsWith('.tmp')).sort();
}

/** A JSON checkpoint, or undefined when it is missing or unreadable (a warning says which). */
async function readJson(core: AgentCore, path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    core.log.warn('a checkpoint is corrupt and is skipped', { path });
    return undefined;
  }
}

/** A container record, if the file holds one. */
async function readContainer(core: AgentCore, path: string): Promise<ContainerRecord | undefined> {
  const value = await readJson(core, path);
  return isContainerRecord(value) ? value : undefined;
}

/** Reads every framework's checkpoints under an agent's meta directory. */
async function readFrameworks(core: AgentCore, agent_dir: string): Promise<FrameworkOnDisk[]> {
  const frameworks: FrameworkOnDisk[] = [];
  for (const name of await entries(join(agent_dir, 'frameworks'))) {
    const dir = join(agent_dir, 'frameworks', name);
    const runs: RunOnDisk[] = [];
    for (const executor of await entries(join(dir, 'executors'))) {
      for (const run of await entries(join(dir, 'executors', executor, 'runs'))) {
        const run_dir = join(dir, 'executors', executor, 'runs', run);
        const tasks: TaskOnDisk[] = [];
        for (const task of await entries(join(run_dir, 'tasks'))) {
          const task_dir = join(run_dir, 'tasks', task);
          tasks.push({
            dir: task_dir,
            task: (await readJson(core, join(task_dir, 'task.json'))) as TaskCheckpoint | undefined,
            container: await readContainer(core, join(task_dir, 'container.json')),
          });
        }
        runs.push({
          dir: run_dir,
          executor: (await readJson(core, join(run_dir, 'executor.json'))) as ExecutorCheckpoint | undefined,
          container: await readContainer(core, join(run_dir, 'container.json')),
          tasks,
        });
      }
    }
    const framework = (await readJson(core, join(dir, 'framework.json'))) as FrameworkCheckpoint | undefined;
    frameworks.push({ dir, framework, runs });
  }
  return frameworks;
}

/** Kills what is left of a recorded process group (in the background). */
function killRecorded(core: AgentCore, record: ContainerRecord | undefined, why: string): void {
  if (record === undefined) return;
  const kill = async (): Promise<void> => {
    const container = await core.settings.launcher.recover(record);
    if (container === undefined) return;
    core.log.info('killing a process group the agent no longer manages', { pid: record.pid, why });
    await container.kill(0);
  };
  track(core, `kill of process group ${record.pid}`, kill());
}

/** Kills every process group recorded in a run. */
function killRun(core: AgentCore, run: RunOnDisk, why: string): void {
  killRecorded(core, run.container, why);
  for (const task of run.tasks) killRecorded(core, task.container, why);
}

/** Recovers the work checkpointed in work_dir: called once, before the agent registers. */
export async function recoverWork(core: AgentCore): Promise<void> {
  const root = agentsMetaDirectory(core.settings.work_dir);
  const current =
    core.agent_id === undefined
      ? undefined
      : basename(agentMetaDirectory(core.settings.work_dir, core.agent_id));
  const records: ContainerRecord[] = [];
  for (const name of await entries(root)) {
    const agent_dir = join(root, name);
    const frameworks = await readFrameworks(core, agent_dir);
    for (const framework of frameworks) {
      records.push(...recordsOf(framework));
      const info = framework.framework?.framework_info;
      if (name === current && info?.checkpoint === true && typeof info.id?.value === 'string') {
        await recoverFramework(core, framework);
        continue;
      }
      // An unreadable checkpoint counts as none, as in Mesos's non-strict recovery.
      const why = name === current ? 'its framework is not recovered' : 'it belongs to an earlier agent id';
      for (const run of framework.runs) killRun(core, run, why);
      await rm(framework.dir, { recursive: true, force: true });
    }
    if (name !== current) await rm(agent_dir, { recursive: true, force: true });
  }
  // Containers no checkpoint names (the agent died between making one and recording it) are
  // destroyed: nothing would ever manage them.
  const orphans = (await core.settings.launcher.destroyOrphans?.(records)) ?? [];
  if (orphans.length > 0) core.log.info('destroyed containers no checkpoint names', { containers: orphans });
}

/** Every container record of a framework's runs and tasks. */
function recordsOf(framework: FrameworkOnDisk): ContainerRecord[] {
  return framework.runs.flatMap((run) => [
    ...(run.container === undefined ? [] : [run.container]),
    ...run.tasks.flatMap((task) => (task.container === undefined ? [] : [task.container])),
  ]);
}

/** Takes back a checkpointing framework's executors and tasks. */
async function recoverFramework(core: AgentCore, on_disk: FrameworkOnDisk): Promise<void> {
  const framework = addFramework(core.book, on_disk.framework!.framework_info);
  for (const run of on_disk.runs) {
    const executor = await recoverExecutor(core, framework, run);
    if (executor === undefined) {
      killRun(core, run, 'its checkpoint holds no task to recover');
      track(core, 'removal of a checkpoint', rm(run.dir, { recursive: true, force: true }));
    }
  }
  if (framework.executors.size === 0) {
    core.book.frameworks.delete(framework.id);
    track(core, 'removal of a checkpoint', rm(on_disk.dir, { recursive: true, force: true }));
  }
}

/** A task as its checkpoint describes it, if the checkpoint is whole. */
function taskOf(checkpoint: TaskCheckpoint | undefined, framework_id: string, executor_id: string) {
  const info = checkpoint?.task_info as TaskInfo | undefined;
  if (
    checkpoint === undefined ||
    typeof info?.task_id?.value !== 'string' ||
    typeof checkpoint.state !== 'string'
  )
    return undefined;
  const task: AgentTask = {
    info,
    framework_id,
    executor_id,
    state: checkpoint.state,
    statuses: Array.isArray(checkpoint.statuses) ? [...checkpoint.statuses] : [],
    kill_requested: checkpoint.kill_requested === true,
    ...(Array.isArray(checkpoint.group) ? { group: checkpoint.group } : {}),
  };
  return task;
}

/** Rebuilds an executor run and its tasks; undefined when there is nothing to take back. */
async function recoverExecutor(
  core: AgentCore,
  framework: AgentFramework,
  run: RunOnDisk,
): Promise<AgentExecutor | undefined> {
  const saved = run.executor;
  const executor_id = saved?.executor_info?.executor_id?.value;
  if (
    saved === undefined ||
    typeof executor_id !== 'string' ||
    !executor_kinds.includes(saved.kind) ||
    typeof saved.container_id !== 'string' ||
    typeof saved.directory !== 'string' ||
    framework.executors.has(executor_id)
  )
    return undefined;
  const executor = executorRecord({
    framework_id: framework.id,
    executor_id,
    kind: saved.kind,
    info: saved.executor_info,
    container_id: saved.container_id,
    directory: saved.directory,
  });
  const recovered: Array<{ task: AgentTask; on_disk: TaskOnDisk }> = [];
  for (const on_disk of run.tasks) {
    const task = taskOf(on_disk.task, framework.id, executor_id);
    if (task === undefined) {
      killRecorded(core, on_disk.container, 'its task was never checkpointed');
      continue;
    }
    const task_id = task.info.task_id.value;
    (on_disk.task?.queued === true ? executor.queued : executor.tasks).set(task_id, task);
    for (const status of on_disk.task?.unacknowledged ?? []) requeue(core, framework.id, status);
    recovered.push({ task, on_disk });
  }
  if (recovered.length === 0 && (executor.kind !== 'custom' || run.container === undefined)) return undefined;
  framework.executors.set(executor_id, executor);
  core.log.info('recovered an executor', {
    framework_id: framework.id,
    executor_id,
    tasks: recovered.length,
  });
  if (executor.kind === 'custom') await recoverCustomExecutor(core, executor, run.container);
  else await recoverAgentRunTasks(core, framework, executor, recovered);
  return executor;
}

/** Queues an unacknowledged update again: it is sent once the agent is registered. */
function requeue(core: AgentCore, framework_id: string, status: TaskStatus): void {
  try {
    core.updates.update(framework_id, status);
  } catch (error) {
    core.log.warn('an unacknowledged update could not be queued again', { error: (error as Error).message });
  }
}

/** Takes back the tasks the agent runs itself (command and default executors). */
async function recoverAgentRunTasks(
  core: AgentCore,
  framework: AgentFramework,
  executor: AgentExecutor,
  recovered: ReadonlyArray<{ task: AgentTask; on_disk: TaskOnDisk }>,
): Promise<void> {
  const all = recovered.map((r) => r.task);
  for (const { task, on_disk } of recovered) {
    if (isTerminalState(task.state)) continue;
    const task_id = task.info.task_id.value;
    const key = taskKey(framework.id, task_id);
    const group =
      task.group === undefined ? undefined : all.filter((t) => task.group?.includes(t.info.task_id.value));
    const onEnd = group === undefined ? undefined : groupEnd(core, framework.id, group);
    const report = (r: CommandTaskReport): void => {
      // The agent speaks for an executor that could not: an end nobody recorded.
      const source = r.reason === 'REASON_EXECUTOR_TERMINATED' ? 'SOURCE_AGENT' : 'SOURCE_EXECUTOR';
      reportTask(core, task, { ...r, source });
    };
    const runner = recoverCommandTask({
      container:
        on_disk.container === undefined ? undefined : await core.settings.launcher.recover(on_disk.container),
      exit_status_file: join(on_disk.dir, 'exit_status'),
      killed: task.kill_requested,
      kill_grace_ms: gracePeriodMs(task.info.kill_policy) ?? core.settings.kill_grace_ms,
      killing_state: hasCapability(framework.info, 'TASK_KILLING_STATE'),
      report,
    });
    core.runners.set(key, runner);
    const done = runner.done.then(() => {
      core.runners.delete(key);
      onEnd?.(task.state);
      agentExecutorEnded(core, executor);
    });
    track(core, `recovered task ${task_id}`, done);
  }
  // An executor whose tasks had all ended waits only for their acknowledgements.
  agentExecutorEnded(core, executor);
}

/** Gives a custom executor still running a while to subscribe again; one that is gone has ended. */
async function recoverCustomExecutor(
  core: AgentCore,
  executor: AgentExecutor,
  record: ContainerRecord | undefined,
): Promise<void> {
  const container = record === undefined ? undefined : await core.settings.launcher.recover(record);
  if (container === undefined) {
    executorTerminated(core, executor, undefined, {
      reason: 'REASON_EXECUTOR_TERMINATED',
      message: 'Executor terminated while the agent was down',
    });
    return;
  }
  executor.container = container;
  destroyUnlessSubscribed(core, executor, container, {
    timeout_ms: core.settings.executor_reregistration_timeout_ms,
    warning: 'recovered executor did not subscribe again in time; destroying it',
    termination: {
      reason: 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT',
      message: 'Executor did not subscribe again in time after the agent restarted',
    },
  });
  track(
    core,
    `recovered executor ${executor.executor_id}`,
    container.ended.then(() => executorTerminated(core, executor, undefined, undefined)),
  );
}
