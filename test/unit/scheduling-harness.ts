// Shared builders for the framework model tests: offers on named hosts and racks, jobs of each
// framework, status updates, and readers of the calls a framework makes.
import type { FrameworkCall } from '../../engine/master/scheduler-api.ts';
import type { Offer, TaskInfo, TaskState, TaskStatus } from '../../engine/master/v1.ts';
import { allocate, parseResources } from '../../engine/resources.ts';
import type { Job, TaskSpec } from '../../workloads/job.ts';

/** An offer of `resources` (flag form) on `host`, in `rack` when given, allocated to role '*'. */
export function offer(id: string, host: string, resources: string, rack?: string): Offer {
  return {
    id: { value: id },
    framework_id: { value: 'F' },
    agent_id: { value: `agent-${host}` },
    hostname: host,
    url: { scheme: 'http', address: { hostname: host, ip: '127.0.0.1', port: 5051 }, path: '/slave(1)' },
    resources: allocate(parseResources(resources), '*'),
    attributes: rack === undefined ? [] : [{ name: 'rack', type: 'TEXT', text: { value: rack } }],
    executor_ids: [],
    allocation_info: { role: '*' },
  };
}

/** Task infos launched by a list of calls, in order. */
export function launched(calls: readonly FrameworkCall[]): TaskInfo[] {
  return calls.flatMap((c) =>
    c.type === 'ACCEPT' ? (c.accept.operations ?? []).flatMap((op) => op.launch?.task_infos ?? []) : [],
  );
}

/** Ids of the tasks launched by a list of calls. */
export function launchedIds(calls: readonly FrameworkCall[]): string[] {
  return launched(calls).map((t) => t.task_id.value);
}

/** The hosts (agent ids without the `agent-` prefix) tasks were launched on, by task id. */
export function hostsOf(calls: readonly FrameworkCall[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const task of launched(calls)) out[task.task_id.value] = task.agent_id.value.replace(/^agent-/, '');
  return out;
}

/** Offer ids declined by a list of calls, with the filter each asked for. */
export function declined(calls: readonly FrameworkCall[]): Array<{ id: string; refuse_seconds?: number }> {
  return calls.flatMap((c) =>
    c.type === 'DECLINE'
      ? c.decline.offer_ids.map((id) => ({
          id: id.value,
          ...(c.decline.filters?.refuse_seconds === undefined
            ? {}
            : { refuse_seconds: c.decline.filters.refuse_seconds }),
        }))
      : [],
  );
}

/** Offer ids answered (accepted or declined) by a list of calls. */
export function answered(calls: readonly FrameworkCall[]): string[] {
  return calls.flatMap((c) =>
    c.type === 'ACCEPT'
      ? c.accept.offer_ids.map((id) => id.value)
      : c.type === 'DECLINE'
        ? c.decline.offer_ids.map((id) => id.value)
        : [],
  );
}

/** A status update of a task, with a uuid when given. */
export function status(taskId: string, state: TaskState, uuid?: string): TaskStatus {
  return {
    task_id: { value: taskId },
    state,
    agent_id: { value: 'agent-x' },
    ...(uuid === undefined ? {} : { uuid }),
  };
}

/** `n` tasks of one size and run time; `preferred` gives task i block i when set. */
export function tasks(n: number, duration_ms = 1000, preferred = false, cpus = 1, mem_mb = 1024): TaskSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    cpus,
    mem_mb,
    duration_ms,
    ...(preferred ? { preferred: i } : {}),
  }));
}

/** A Hadoop job: `maps` maps reading blocks 0.. of its own dataset, then `reduces` reduces. */
export function hadoopJob(id: string, maps: number, reduces = 0, submit_ms = 0): Job {
  return {
    id,
    framework: 'hadoop',
    label: 'test',
    submit_ms,
    phases: [
      { kind: 'map', tasks: tasks(maps, 1000, true) },
      ...(reduces > 0 ? [{ kind: 'reduce' as const, tasks: tasks(reduces, 2000) }] : []),
    ],
    gang: false,
    input: { dataset: id, blocks: maps },
  };
}

/** A gang job of `ranks` ranks of one CPU. */
export function gangJob(id: string, ranks: number, submit_ms = 0): Job {
  return {
    id,
    framework: 'mpi',
    label: 'test',
    submit_ms,
    phases: [{ kind: 'gang', tasks: tasks(ranks) }],
    gang: true,
  };
}

/** A Spark job of `iterations` iterations of `width` tasks, task i on partition i. */
export function sparkJob(id: string, iterations: number, width: number): Job {
  return {
    id,
    framework: 'spark',
    label: 'test',
    submit_ms: 0,
    phases: Array.from({ length: iterations }, () => ({
      kind: 'iteration' as const,
      tasks: tasks(width, 500, true),
    })),
    gang: false,
    iterations,
    input: { dataset: id, blocks: width },
  };
}

/** A service of `instances` long-running instances. */
export function serviceJob(id: string, instances: number): Job {
  return {
    id,
    framework: 'service',
    label: 'test',
    submit_ms: 0,
    phases: [{ kind: 'service', tasks: tasks(instances, 7 * 24 * 3600 * 1000) }],
    gang: false,
    long_running: true,
  };
}
