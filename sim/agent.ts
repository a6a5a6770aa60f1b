// The simplest agent twin: no containers, no executors of its own, only the protocol. It runs a
// launched task at once (TASK_STARTING then TASK_RUNNING), finishes it when its duration ends or
// when told to, kills it on request, answers pings, and sends each task's status updates one at a
// time, the next only after the framework acknowledged the previous (as Mesos's status update
// manager does). It returns what it wants done as actions, for its host to perform: inputs to the
// master, and timers for tasks with a duration. The simulator of workloads grows this twin.
import type { AgentMessage } from '../engine/master/effects.ts';
import type { MasterInput } from '../engine/master/inputs.ts';
import {
  type Attribute,
  type FrameworkInfo,
  type Task,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
  terminal_task_states,
} from '../engine/master/v1.ts';
import { parseResources } from '../engine/resources.ts';
import { task_duration_label } from '../engine/scheduling/task-launcher.ts';

/** Something a simulated agent asks its host to do. */
export type SimAgentAction =
  | { readonly type: 'input'; readonly input: MasterInput }
  | {
      readonly type: 'task_timer';
      readonly at_ms: number;
      readonly framework_id: string;
      readonly task_id: string;
    }
  | { readonly type: 'cancel_task_timer'; readonly framework_id: string; readonly task_id: string }
  | { readonly type: 'note'; readonly text: string };

/** A task as the agent runs it. */
export interface SimAgentTask {
  readonly framework_id: string;
  readonly info: TaskInfo;
  /** Launch order on this agent, the tie-break when tasks are picked. */
  readonly order: number;
  state: TaskState;
  /** Status updates not yet acknowledged; the first has been sent. */
  readonly pending: TaskStatus[];
  /** When the first pending update was last sent (ms), for retries. */
  sent_ms: number;
  /** True from launch until the task ends: it holds its resources on the agent. */
  holding: boolean;
}

/** Who hears of tasks starting and stopping on an agent (the simulator's metrics and checks). */
export interface SimAgentListener {
  /** A task was launched and now holds its resources. */
  taskStarted(agent: SimAgent, task: SimAgentTask, now: number): void;
  /** A task ended or was dropped and no longer holds its resources. */
  taskStopped(agent: SimAgent, task: SimAgentTask, now: number): void;
}

/** How a simulated agent behaves beyond the protocol's minimum. */
export interface SimAgentOptions {
  /** Report TASK_STARTING before TASK_RUNNING (default true, as Mesos's executors do). */
  readonly reportStarting?: boolean;
  readonly listener?: SimAgentListener;
}

/** How an agent is: answering the master, failed (silent), or shut down for good. */
export type SimAgentCondition = 'up' | 'failed' | 'stopped';

/** Reads the run time a task launcher wrote into the task; Infinity when it runs forever. */
function taskDuration_ms(info: TaskInfo): number {
  const label = info.labels?.labels.find((l) => l.key === task_duration_label);
  const value = Number(label?.value);
  return label !== undefined && Number.isFinite(value) && value > 0 ? value : Number.POSITIVE_INFINITY;
}

/** FNV-1a hash of a string, for deterministic status update uuids. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A simulated agent. */
export class SimAgent {
  readonly name: string;
  readonly resources: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** The id the master gave it; undefined until registered (and after a shutdown). */
  id: string | undefined;
  condition: SimAgentCondition = 'up';
  /** Tasks by framework id, then task id. */
  readonly tasks = new Map<string, Map<string, SimAgentTask>>();
  /** FrameworkInfo of every framework that launched tasks here, reported when re-registering. */
  private readonly frameworkInfos = new Map<string, FrameworkInfo>();
  private updates = 0;
  private launches = 0;
  private readonly hash: number;
  private readonly reportStarting: boolean;
  private readonly listener: SimAgentListener | undefined;
  /** Tasks holding resources here. */
  running = 0;

  constructor(
    name: string,
    resources: string,
    attributes: Readonly<Record<string, string>>,
    options: SimAgentOptions = {},
  ) {
    this.name = name;
    this.resources = resources;
    this.attributes = attributes;
    this.hash = fnv1a(name);
    this.reportStarting = options.reportStarting ?? true;
    this.listener = options.listener;
  }

  /** The registration (first time, or after a shutdown) or re-registration (with its tasks) input. */
  register(): MasterInput {
    this.condition = 'up';
    const attributes: Attribute[] = Object.keys(this.attributes)
      .sort()
      .map((name) => ({ name, type: 'TEXT', text: { value: this.attributes[name]! } }));
    const info = { hostname: this.name, port: 5051, attributes };
    if (this.id === undefined) {
      return {
        type: 'agent_register',
        connection: this.name,
        agent_info: { ...info, resources: this.resources },
      };
    }
    const tasks: Task[] = this.taskList().map((t) => ({
      name: t.info.name,
      task_id: t.info.task_id,
      framework_id: { value: t.framework_id },
      agent_id: { value: this.id! },
      state: t.state,
      resources: t.info.resources,
    }));
    const frameworks = [...this.tasks.keys()].flatMap((id) => {
      const framework = this.frameworkInfos.get(id);
      return framework === undefined ? [] : [framework];
    });
    return {
      type: 'agent_reregister',
      connection: this.name,
      agent_info: { ...info, resources: parseResources(this.resources), id: { value: this.id } },
      tasks,
      frameworks,
    };
  }

  /** After a (re-)registration, resends the first unacknowledged update of every task. */
  resendPending(now?: number): SimAgentAction[] {
    return this.taskList().flatMap((t) =>
      t.pending[0] === undefined ? [] : this.send(t, t.pending[0], now),
    );
  }

  /** Every task the agent holds, in launch order. */
  taskList(): SimAgentTask[] {
    const out: SimAgentTask[] = [];
    for (const byId of this.tasks.values()) out.push(...byId.values());
    return out.sort((a, b) => a.order - b.order);
  }

  /** Handles one message from the master. A failed or stopped agent hears nothing. */
  receive(message: AgentMessage, now: number): SimAgentAction[] {
    if (this.condition !== 'up') return [];
    switch (message.type) {
      case 'registered':
      case 'reregistered':
        this.id = message.agent_id.value;
        return [];
      case 'run_task':
        return this.launch(this.learnFramework(message.framework_info), message.task, now);
      case 'run_task_group': {
        const frameworkId = this.learnFramework(message.framework_info);
        return message.task_group.tasks.flatMap((task) => this.launch(frameworkId, task, now));
      }
      case 'kill_task':
        return this.end(
          message.framework_id.value,
          message.task_id.value,
          'TASK_KILLED',
          now,
          'REASON_TASK_KILLED',
        );
      case 'acknowledge':
        return this.acknowledged(message.framework_id.value, message.task_id.value, message.uuid, now);
      case 'reconcile_tasks':
        return message.tasks.flatMap((t) => this.reconcile(message.framework_id.value, t.task_id.value, now));
      case 'shutdown_framework':
        return this.forgetFramework(message.framework_id.value, now);
      case 'shutdown_executor':
        // Command tasks run under an executor whose id is the task id.
        return this.end(
          message.framework_id.value,
          message.executor_id.value,
          'TASK_KILLED',
          now,
          'REASON_EXECUTOR_TERMINATED',
        );
      case 'ping':
        return [{ type: 'input', input: { type: 'agent_pong', agent_id: this.id ?? this.name } }];
      case 'shutdown':
        return this.shutdown(message.message, now);
      case 'framework_message':
        return [];
      case 'apply_operation':
        // A simulated agent has no volumes to make; the master records the new total itself.
        return [];
      default:
        throw new Error(`sim agent ${this.name}: unknown message ${JSON.stringify(message)}`);
    }
  }

  /** Remembers a framework's info (to report it when re-registering); returns its id. */
  private learnFramework(info: FrameworkInfo): string {
    const id = info.id?.value;
    if (id === undefined) throw new Error(`sim agent ${this.name}: a task came without its framework id`);
    this.frameworkInfos.set(id, info);
    return id;
  }

  /** Ends a task on the agent's own account (its duration passed, or a scenario says so). */
  end(frameworkId: string, taskId: string, state: TaskState, now: number, reason?: string): SimAgentAction[] {
    const task = this.tasks.get(frameworkId)?.get(taskId);
    if (task === undefined) {
      // Mesos's agent answers a kill for a task it does not know with TASK_LOST.
      if (state !== 'TASK_KILLED' || this.condition !== 'up') return [];
      return this.sendOrphanStatus(frameworkId, taskId, 'TASK_LOST', now);
    }
    if (terminal_task_states.has(task.state)) return [];
    const actions: SimAgentAction[] = [
      { type: 'cancel_task_timer', framework_id: frameworkId, task_id: taskId },
    ];
    return [...actions, ...this.transition(task, state, now, reason)];
  }

  private launch(frameworkId: string, info: TaskInfo, now: number): SimAgentAction[] {
    let byId = this.tasks.get(frameworkId);
    if (byId === undefined) {
      byId = new Map();
      this.tasks.set(frameworkId, byId);
    }
    if (byId.has(info.task_id.value)) {
      return [
        { type: 'note', text: `agent ${this.name}: task ${info.task_id.value} is already running here` },
      ];
    }
    const task: SimAgentTask = {
      framework_id: frameworkId,
      info,
      order: this.launches++,
      state: 'TASK_STAGING',
      pending: [],
      sent_ms: now,
      holding: true,
    };
    byId.set(info.task_id.value, task);
    this.running++;
    this.listener?.taskStarted(this, task, now);
    const actions = this.reportStarting
      ? [...this.transition(task, 'TASK_STARTING', now), ...this.transition(task, 'TASK_RUNNING', now)]
      : this.transition(task, 'TASK_RUNNING', now);
    const duration_ms = taskDuration_ms(info);
    if (Number.isFinite(duration_ms)) {
      actions.push({
        type: 'task_timer',
        at_ms: now + duration_ms,
        framework_id: frameworkId,
        task_id: info.task_id.value,
      });
    }
    return actions;
  }

  /** Moves a task to `state` and queues the update; sends it if nothing else is waiting. */
  private transition(task: SimAgentTask, state: TaskState, now: number, reason?: string): SimAgentAction[] {
    task.state = state;
    if (terminal_task_states.has(state)) this.release(task, now);
    const status = this.status(task.info.task_id.value, state, now, reason);
    task.pending.push(status);
    return task.pending.length === 1 ? this.send(task, status, now) : [];
  }

  private status(taskId: string, state: TaskState, now: number, reason?: string): TaskStatus {
    return {
      task_id: { value: taskId },
      state,
      source: 'SOURCE_EXECUTOR',
      ...(reason === undefined ? {} : { reason }),
      agent_id: { value: this.id ?? this.name },
      executor_id: { value: taskId },
      timestamp: now / 1000,
      uuid: this.nextUuid(),
    };
  }

  /** A fresh 16-byte uuid, base64: the agent's name hash and a counter, so runs repeat exactly. */
  private nextUuid(): string {
    const n = ++this.updates;
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, this.hash);
    view.setUint32(12, n);
    return btoa(String.fromCharCode(...bytes));
  }

  /** Sends an update to the master; a failed agent keeps it queued until it comes back. */
  private send(task: SimAgentTask, status: TaskStatus, now?: number): SimAgentAction[] {
    if (this.condition !== 'up') return [];
    if (now !== undefined) task.sent_ms = now;
    return [
      {
        type: 'input',
        input: {
          type: 'agent_status_update',
          agent_id: this.id ?? this.name,
          framework_id: task.framework_id,
          status,
        },
      },
    ];
  }

  private sendOrphanStatus(
    frameworkId: string,
    taskId: string,
    state: TaskState,
    now: number,
  ): SimAgentAction[] {
    const status = this.status(taskId, state, now, 'REASON_RECONCILIATION');
    return [
      {
        type: 'input',
        input: {
          type: 'agent_status_update',
          agent_id: this.id ?? this.name,
          framework_id: frameworkId,
          status,
        },
      },
    ];
  }

  private acknowledged(frameworkId: string, taskId: string, uuid: string, now: number): SimAgentAction[] {
    const task = this.tasks.get(frameworkId)?.get(taskId);
    if (task === undefined || task.pending[0]?.uuid !== uuid) return [];
    task.pending.shift();
    const next = task.pending[0];
    if (next !== undefined) return this.send(task, next, now);
    if (terminal_task_states.has(task.state)) this.forgetTask(frameworkId, taskId);
    return [];
  }

  private reconcile(frameworkId: string, taskId: string, now: number): SimAgentAction[] {
    const task = this.tasks.get(frameworkId)?.get(taskId);
    if (task === undefined) return this.sendOrphanStatus(frameworkId, taskId, 'TASK_LOST', now);
    // The latest state goes out again: the unacknowledged update if there is one, else a fresh one.
    const latest = task.pending[0];
    return latest === undefined ? this.transition(task, task.state, now) : this.send(task, latest, now);
  }

  private forgetTask(frameworkId: string, taskId: string): void {
    const byId = this.tasks.get(frameworkId);
    byId?.delete(taskId);
    if (byId !== undefined && byId.size === 0) this.tasks.delete(frameworkId);
  }

  /** Marks a task as no longer holding its resources, and tells the listener once. */
  private release(task: SimAgentTask, now: number): void {
    if (!task.holding) return;
    task.holding = false;
    this.running--;
    this.listener?.taskStopped(this, task, now);
  }

  /**
   * Resends the first unacknowledged update of every task whose update went out at or before
   * `sent_before_ms` (Mesos's status update manager retries until acknowledged).
   */
  retryUnacknowledged(now: number, sent_before_ms: number): SimAgentAction[] {
    if (this.condition !== 'up') return [];
    const actions: SimAgentAction[] = [];
    for (const byId of this.tasks.values()) {
      for (const task of byId.values()) {
        const head = task.pending[0];
        if (head === undefined || task.sent_ms > sent_before_ms) continue;
        for (const action of this.send(task, head, now)) actions.push(action);
      }
    }
    return actions;
  }

  /** True when some task has an update not yet acknowledged. */
  hasUnacknowledged(): boolean {
    for (const byId of this.tasks.values())
      for (const task of byId.values()) if (task.pending.length > 0) return true;
    return false;
  }

  /** The machine dies: every task is gone with it, and the agent is silent until it registers again. */
  crash(now: number): SimAgentAction[] {
    const actions: SimAgentAction[] = [];
    for (const frameworkId of [...this.tasks.keys()]) actions.push(...this.forgetFramework(frameworkId, now));
    this.condition = 'failed';
    this.id = undefined;
    return actions;
  }

  private forgetFramework(frameworkId: string, now = 0): SimAgentAction[] {
    const byId = this.tasks.get(frameworkId);
    if (byId === undefined) return [];
    this.tasks.delete(frameworkId);
    for (const task of byId.values()) this.release(task, now);
    return [...byId.keys()].map((taskId) => ({
      type: 'cancel_task_timer',
      framework_id: frameworkId,
      task_id: taskId,
    }));
  }

  /** Stops for good: every task is gone and the master no longer knows the agent. */
  shutdown(message: string, now = 0): SimAgentAction[] {
    const actions: SimAgentAction[] = [{ type: 'note', text: `agent ${this.name} shut down: ${message}` }];
    for (const frameworkId of [...this.tasks.keys()]) actions.push(...this.forgetFramework(frameworkId, now));
    this.condition = 'stopped';
    this.id = undefined;
    return actions;
  }
}
