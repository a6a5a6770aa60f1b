// The TaskInfo of one attempt of a job's task. Its command stands for the work (a sleep of the
// modelled run time) and its labels say how long it runs, so a simulated agent needs no job model.
import type { TaskInfo } from '../master/v1.ts';
import type { Resources } from '../resources.ts';
import type { JobRun } from './job-run.ts';
import { task_duration_label } from './task-launcher.ts';

/** Label naming the job a task belongs to. */
const task_job_label = 'meso.job';
/** Label naming the kind of the task's phase (map, reduce, iteration, gang, service). */
const task_phase_label = 'meso.phase';

/**
 * The TaskInfo launching task `index` of `run`'s current phase with `resources` on `agentId`, running
 * for `run_ms` (the task's own duration unless the model says otherwise, e.g. for a remote read).
 */
export function jobTaskInfo(
  run: JobRun,
  index: number,
  taskId: string,
  agentId: string,
  resources: Resources,
  run_ms?: number,
): TaskInfo {
  const phase = run.currentPhase();
  const spec = phase.tasks[index];
  if (spec === undefined) throw new Error(`job ${run.job.id}: no task ${run.phase}/${index}`);
  // A simulated agent runs a task without a positive duration forever, so a zero-length task
  // (allowed by the job model) is given the shortest positive run time instead.
  const duration_ms = Math.max(1, run_ms ?? spec.duration_ms);
  return {
    name: `${run.job.id} ${phase.kind} ${index}`,
    task_id: { value: taskId },
    agent_id: { value: agentId },
    resources,
    command: { value: `sleep ${duration_ms / 1000}`, shell: true },
    labels: {
      labels: [
        { key: task_duration_label, value: String(duration_ms) },
        { key: task_job_label, value: run.job.id },
        { key: task_phase_label, value: phase.kind },
      ],
    },
  };
}
