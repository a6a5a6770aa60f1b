// The simplest useful framework: it wants a number of identical tasks (or an unbounded stream of
// them), launches as many as fit in each offer up to a per-offer cap, and declines the rest with a
// filter. Tasks that end badly (lost, failed, killed) count against the demand again, so the
// launcher replaces them; tasks that finish are done. Task ids are `<prefix>-<n>`, n counting from
// 1 in launch order, so a run is the same every time.

import type { FrameworkCall } from '../master/scheduler-api.ts';
import {
  type FrameworkInfo,
  type Id,
  type Offer,
  type TaskInfo,
  type TaskState,
  terminal_task_states,
} from '../master/v1.ts';
import { containsQuantities, isEmptyQuantities, type Quantities } from '../quantities.ts';
import { type Resources, shrink, subtract, toQuantities } from '../resources.ts';
import type { FrameworkLogic } from './framework-logic.ts';

/** Label of a TaskInfo that tells a simulated agent how long the task runs, in ms. */
export const task_duration_label = 'meso.sim.duration_ms';

/** What a task launcher wants and how it answers offers. */
export interface TaskLauncherConfig {
  readonly name: string;
  readonly user?: string;
  readonly roles: readonly string[];
  /** Resources of each task (scalars, e.g. `{cpus: 1, mem: 4096}`). */
  readonly task: Quantities;
  /** Tasks wanted in total (finished ones count); Infinity for an unbounded demand. */
  readonly tasks: number;
  /** Most tasks launched from one offer; Infinity for no cap. */
  readonly per_offer: number;
  /** Filter asked for with declines and with the unused part of accepts. */
  readonly refuse_seconds: number;
  /** How long each task runs (written into the task for simulated agents); Infinity for forever. */
  readonly duration_ms: number;
  readonly failover_timeout_seconds?: number;
  /** Suppress offers while the demand is met (and revive when it is not), instead of declining. */
  readonly suppress_when_done?: boolean;
  /** FrameworkInfo.checkpoint: the framework's tasks outlive a broken agent connection. */
  readonly checkpoint?: boolean;
  /** Prefix of task ids; the framework name by default. */
  readonly task_id_prefix?: string;
}

/** What a task launcher has done so far. */
export interface TaskLauncherStatus {
  readonly launched: number;
  /** Tasks not yet in a terminal state. */
  readonly active: number;
  readonly finished: number;
  /** Tasks that ended other than finished (to be replaced). */
  readonly failed: number;
  /** Tasks still wanted beyond the active and finished ones; Infinity when unbounded. */
  readonly remaining: number;
  readonly suppressed: boolean;
}

/** A task launcher: framework logic plus a view of its progress. */
export interface TaskLauncher extends FrameworkLogic {
  status(): TaskLauncherStatus;
}

/** Throws unless the config describes a demand that can be met. */
function checkConfig(config: TaskLauncherConfig): void {
  if (config.roles.length === 0) throw new Error(`task launcher ${config.name}: needs at least one role`);
  if (isEmptyQuantities(config.task)) throw new Error(`task launcher ${config.name}: task size is empty`);
  const whole = (n: number) => n === Number.POSITIVE_INFINITY || (Number.isInteger(n) && n >= 0);
  if (!whole(config.tasks))
    throw new Error(`task launcher ${config.name}: tasks must be a whole number or Infinity`);
  if (!whole(config.per_offer) || config.per_offer < 1) {
    throw new Error(`task launcher ${config.name}: per_offer must be at least 1`);
  }
  if (!(config.refuse_seconds >= 0))
    throw new Error(`task launcher ${config.name}: refuse_seconds must be >= 0`);
  if (!(config.duration_ms > 0)) throw new Error(`task launcher ${config.name}: duration_ms must be > 0`);
}

/** Creates a task launcher with the given demand. */
export function createTaskLauncher(config: TaskLauncherConfig): TaskLauncher {
  checkConfig(config);
  const prefix = config.task_id_prefix ?? config.name;
  let frameworkId: string | undefined;
  let next = 1;
  let suppressed = false;
  let finished = 0;
  let failed = 0;
  /** Latest known state of every task that is not finished (terminal failures are dropped). */
  const active = new Map<string, TaskState>();

  const remaining = (): number => Math.max(0, config.tasks - active.size - finished);
  const id = (): Id => {
    if (frameworkId === undefined) throw new Error(`task launcher ${config.name}: used before SUBSCRIBED`);
    return { value: frameworkId };
  };
  const filters = { refuse_seconds: config.refuse_seconds };

  const taskInfo = (offer: Offer, resources: Resources): TaskInfo => {
    const n = next++;
    const seconds = config.duration_ms / 1000;
    const finite = Number.isFinite(config.duration_ms);
    return {
      name: `${config.name} task ${n}`,
      task_id: { value: `${prefix}-${n}` },
      agent_id: offer.agent_id,
      resources,
      command: { value: finite ? `sleep ${seconds}` : 'sleep infinity', shell: true },
      ...(finite
        ? { labels: { labels: [{ key: task_duration_label, value: String(config.duration_ms) }] } }
        : {}),
    };
  };

  // Carves whole tasks out of one offer, at most `cap` of them.
  const tasksFor = (offer: Offer, cap: number): TaskInfo[] => {
    const tasks: TaskInfo[] = [];
    let left: Resources = offer.resources;
    while (tasks.length < cap) {
      const taken = shrink(left, config.task, false);
      if (!containsQuantities(toQuantities(taken), config.task)) break;
      left = subtract(left, taken);
      tasks.push(taskInfo(offer, taken));
    }
    return tasks;
  };

  // Suppresses when the demand is met and revives when it is not, if the framework asked for that.
  const adjustSuppression = (): FrameworkCall[] => {
    if (config.suppress_when_done !== true) return [];
    const done = remaining() === 0;
    if (done && !suppressed) {
      suppressed = true;
      return [{ type: 'SUPPRESS', framework_id: id(), suppress: { roles: [...config.roles] } }];
    }
    if (!done && suppressed) {
      suppressed = false;
      return [{ type: 'REVIVE', framework_id: id(), revive: { roles: [...config.roles] } }];
    }
    return [];
  };

  return {
    name: config.name,
    frameworkInfo(): FrameworkInfo {
      return {
        user: config.user ?? 'root',
        name: config.name,
        ...(frameworkId === undefined ? {} : { id: { value: frameworkId } }),
        failover_timeout: config.failover_timeout_seconds ?? 0,
        roles: [...config.roles],
        capabilities: [{ type: 'MULTI_ROLE' }],
        ...(config.checkpoint === true ? { checkpoint: true } : {}),
      };
    },

    subscribed(subscribedId) {
      const resubscribed = frameworkId !== undefined;
      if (resubscribed && frameworkId !== subscribedId) {
        throw new Error(`task launcher ${config.name}: re-subscribed as ${subscribedId}, was ${frameworkId}`);
      }
      frameworkId = subscribedId;
      // A (re-)subscription starts unsuppressed in the master, so the launcher does too.
      suppressed = false;
      // After a failover the launcher asks for the state of every task it has (implicit reconciliation).
      const calls: FrameworkCall[] = resubscribed
        ? [{ type: 'RECONCILE', framework_id: id(), reconcile: { tasks: [] } }]
        : [];
      return [...calls, ...adjustSuppression()];
    },

    offers(offers) {
      const calls: FrameworkCall[] = [];
      const declined: Id[] = [];
      for (const offer of offers) {
        const tasks = tasksFor(offer, Math.min(config.per_offer, remaining()));
        if (tasks.length === 0) {
          declined.push(offer.id);
          continue;
        }
        for (const task of tasks) active.set(task.task_id.value, 'TASK_STAGING');
        calls.push({
          type: 'ACCEPT',
          framework_id: id(),
          accept: {
            offer_ids: [offer.id],
            operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
            filters,
          },
        });
      }
      if (declined.length > 0)
        calls.push({ type: 'DECLINE', framework_id: id(), decline: { offer_ids: declined, filters } });
      return [...calls, ...adjustSuppression()];
    },

    rescinded() {
      // Offers are answered as soon as they arrive, so a rescinded offer holds nothing to undo.
      return [];
    },

    update(status) {
      const taskId = status.task_id.value;
      const known = active.has(taskId);
      if (status.state === 'TASK_FINISHED') {
        if (known) finished++;
        active.delete(taskId);
      } else if (terminal_task_states.has(status.state)) {
        if (known) failed++;
        active.delete(taskId);
      } else if (known || status.state === 'TASK_RUNNING') {
        // A task reported running again (its agent came back) is active, even after it was lost.
        active.set(taskId, status.state);
      }
      const calls: FrameworkCall[] = [];
      if (status.uuid !== undefined && status.agent_id !== undefined) {
        calls.push({
          type: 'ACKNOWLEDGE',
          framework_id: id(),
          acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
        });
      }
      return [...calls, ...adjustSuppression()];
    },

    error() {
      return [];
    },

    status() {
      return {
        launched: next - 1,
        active: active.size,
        finished,
        failed,
        remaining: remaining(),
        suppressed,
      };
    },
  };
}
