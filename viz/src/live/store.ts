// The live cluster as the page holds it: the snapshot SUBSCRIBED carries (a GET_STATE), then every
// operator event applied to it (docs/protocol.md, "Operator endpoints"). Views read the maps and are
// told of changes at most once per frame batch, so a burst of thousands of events costs one redraw.
// Event types the page does not know are counted and otherwise ignored.
import { addScalars, type Scalars, scalarsOf, type WireResource, zeroScalars } from './resources.ts';

type Id = { readonly value: string };

/** A v1 agent (Response.GetAgents.Agent), as far as the views read it. */
export interface LiveAgent {
  readonly agent_info: {
    readonly id: Id;
    readonly hostname: string;
    readonly port?: number;
    readonly attributes?: readonly { name: string; text?: { value: string }; scalar?: { value: number } }[];
  };
  readonly active: boolean;
  readonly deactivated?: boolean;
  readonly version?: string;
  readonly registered_time?: { readonly nanoseconds: number };
  readonly total_resources?: readonly WireResource[];
  readonly offered_resources?: readonly WireResource[];
}

/** A v1 framework (Response.GetFrameworks.Framework). */
export interface LiveFramework {
  readonly framework_info: {
    readonly id: Id;
    readonly name: string;
    readonly user?: string;
    readonly principal?: string;
    readonly roles?: readonly string[];
    readonly role?: string;
  };
  readonly active: boolean;
  readonly connected: boolean;
  readonly registered_time?: { readonly nanoseconds: number };
  readonly offers?: readonly unknown[];
  readonly offered_resources?: readonly WireResource[];
}

/** A v1 task. */
export interface LiveTask {
  readonly name: string;
  readonly task_id: Id;
  readonly framework_id: Id;
  readonly agent_id: Id;
  readonly executor_id?: Id;
  state: string;
  readonly resources?: readonly WireResource[];
  statuses?: { state: string; timestamp?: number; message?: string }[];
}

/** States a task does not leave. */
export const terminal_states: ReadonlySet<string> = new Set([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

/** Ended tasks and frameworks kept, oldest dropped first (the master keeps its own bounded history). */
const completed_tasks_max = 20_000;
const completed_frameworks_max = 100;

/** The key of a task: ids are unique per framework only. */
export function taskKey(framework_id: string, task_id: string): string {
  return `${framework_id}\u0000${task_id}`;
}

/** The live cluster. */
export class LiveStore {
  readonly agents = new Map<string, LiveAgent>();
  readonly frameworks = new Map<string, LiveFramework>();
  readonly completed_frameworks = new Map<string, LiveFramework>();
  /** Tasks not ended, then ended ones (`completed`), each by `taskKey`. */
  readonly tasks = new Map<string, LiveTask>();
  readonly completed = new Map<string, LiveTask>();
  /** Agents the master knows of but that are not connected: recovered and not back, or removed. */
  readonly unreachable = new Set<string>();
  /** Events of types the page does not know, by type. */
  readonly ignored = new Map<string, number>();
  /** Bumped on every change, so a view can tell whether to redraw. */
  version = 0;
  private readonly listeners = new Set<() => void>();
  private scheduled = false;

  /** Calls `fn` after changes (batched); returns the unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.version += 1;
    if (this.scheduled) return;
    this.scheduled = true;
    // A quarter second keeps a page showing thousands of events a second responsive.
    setTimeout(() => {
      this.scheduled = false;
      for (const fn of [...this.listeners]) fn();
    }, 250);
  }

  /** Replaces everything with a GET_STATE answer. */
  reset(state: GetState): void {
    this.agents.clear();
    this.frameworks.clear();
    this.completed_frameworks.clear();
    this.tasks.clear();
    this.completed.clear();
    this.unreachable.clear();
    for (const a of state.get_agents?.agents ?? []) this.agents.set(a.agent_info.id.value, a);
    for (const r of state.get_agents?.recovered_agents ?? []) this.unreachable.add(r.id.value);
    for (const f of state.get_frameworks?.frameworks ?? []) this.frameworks.set(f.framework_info.id.value, f);
    for (const f of state.get_frameworks?.completed_frameworks ?? []) {
      this.completed_frameworks.set(f.framework_info.id.value, f);
    }
    const tasks = state.get_tasks;
    for (const t of [...(tasks?.tasks ?? []), ...(tasks?.unreachable_tasks ?? [])]) this.putTask(t);
    for (const t of tasks?.completed_tasks ?? []) this.putTask(t);
    this.changed();
  }

  private putTask(task: LiveTask): void {
    const key = taskKey(task.framework_id.value, task.task_id.value);
    if (terminal_states.has(task.state)) {
      this.tasks.delete(key);
      this.completed.set(key, task);
      if (this.completed.size > completed_tasks_max) {
        this.completed.delete(this.completed.keys().next().value!);
      }
    } else {
      this.tasks.set(key, task);
    }
  }

  /** Applies one operator event. */
  apply(event: OperatorEvent): void {
    switch (event.type) {
      case 'SUBSCRIBED':
        this.reset(event.subscribed?.get_state ?? {});
        return;
      case 'HEARTBEAT':
        return;
      case 'TASK_ADDED':
        if (event.task_added?.task !== undefined) this.putTask(event.task_added.task);
        break;
      case 'TASK_UPDATED':
        this.updateTask(event.task_updated);
        break;
      case 'AGENT_ADDED': {
        const agent = event.agent_added?.agent;
        if (agent === undefined) return;
        this.agents.set(agent.agent_info.id.value, agent);
        this.unreachable.delete(agent.agent_info.id.value);
        break;
      }
      case 'AGENT_REMOVED': {
        const id = event.agent_removed?.agent_id?.value;
        if (id === undefined) return;
        this.agents.delete(id);
        this.unreachable.add(id);
        break;
      }
      case 'FRAMEWORK_ADDED':
      case 'FRAMEWORK_UPDATED': {
        const framework = (event.framework_added ?? event.framework_updated)?.framework;
        if (framework === undefined) return;
        this.frameworks.set(framework.framework_info.id.value, framework);
        break;
      }
      case 'FRAMEWORK_REMOVED':
        this.removeFramework(event.framework_removed?.framework_info?.id?.value);
        break;
      default:
        this.ignored.set(String(event.type), (this.ignored.get(String(event.type)) ?? 0) + 1);
        return;
    }
    this.changed();
  }

  private updateTask(update: OperatorEvent['task_updated']): void {
    const framework_id = update?.framework_id?.value;
    const task_id = update?.status?.task_id?.value;
    if (framework_id === undefined || task_id === undefined) return;
    const key = taskKey(framework_id, task_id);
    const task = this.tasks.get(key) ?? this.completed.get(key);
    if (task === undefined) return;
    task.state = update?.state ?? update?.status?.state ?? task.state;
    task.statuses = [...(task.statuses ?? []), { state: task.state, timestamp: update?.status?.timestamp }];
    this.putTask(task);
  }

  private removeFramework(id: string | undefined): void {
    if (id === undefined) return;
    const framework = this.frameworks.get(id);
    this.frameworks.delete(id);
    if (framework !== undefined) {
      this.completed_frameworks.set(id, { ...framework, active: false, connected: false });
      if (this.completed_frameworks.size > completed_frameworks_max) {
        this.completed_frameworks.delete(this.completed_frameworks.keys().next().value!);
      }
    }
  }

  /** Resources of the tasks that have not ended, by agent and by framework. */
  allocation(): { by_agent: Map<string, Scalars>; by_framework: Map<string, Scalars>; total: Scalars } {
    const by_agent = new Map<string, Scalars>();
    const by_framework = new Map<string, Scalars>();
    const total = zeroScalars();
    for (const task of this.tasks.values()) {
      const r = scalarsOf(task.resources);
      addInto(by_agent, task.agent_id.value, r);
      addInto(by_framework, task.framework_id.value, r);
      addScalars(total, r);
    }
    return { by_agent, by_framework, total };
  }
}

function addInto(map: Map<string, Scalars>, key: string, r: Scalars): void {
  let s = map.get(key);
  if (s === undefined) {
    s = zeroScalars();
    map.set(key, s);
  }
  addScalars(s, r);
}

/** Response.GetState, as far as the store reads it. */
export interface GetState {
  readonly get_agents?: {
    readonly agents?: readonly LiveAgent[];
    readonly recovered_agents?: readonly { readonly id: Id }[];
  };
  readonly get_frameworks?: {
    readonly frameworks?: readonly LiveFramework[];
    readonly completed_frameworks?: readonly LiveFramework[];
  };
  readonly get_tasks?: {
    readonly tasks?: readonly LiveTask[];
    readonly unreachable_tasks?: readonly LiveTask[];
    readonly completed_tasks?: readonly LiveTask[];
  };
}

/** One event of the operator SUBSCRIBE stream. */
export interface OperatorEvent {
  readonly type?: string;
  readonly subscribed?: { readonly get_state?: GetState; readonly heartbeat_interval_seconds?: number };
  readonly task_added?: { readonly task: LiveTask };
  readonly task_updated?: {
    readonly framework_id?: Id;
    readonly status?: { readonly task_id?: Id; readonly state?: string; readonly timestamp?: number };
    readonly state?: string;
  };
  readonly agent_added?: { readonly agent: LiveAgent };
  readonly agent_removed?: { readonly agent_id?: Id };
  readonly framework_added?: { readonly framework: LiveFramework };
  readonly framework_updated?: { readonly framework: LiveFramework };
  readonly framework_removed?: { readonly framework_info?: { readonly id?: Id } };
}
