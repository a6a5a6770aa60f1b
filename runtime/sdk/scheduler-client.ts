// The scheduler client: the calls of the v1 scheduler API as methods (accept, launch, decline,
// acknowledge, reconcile, ...) over a scheduler session, which subscribes, follows the leader and
// reads the event stream (see scheduler-session.ts).
import type { Filters, Id, KillPolicy, Operation, TaskInfo, TaskStatus } from '../../engine/master/v1.ts';
import { SchedulerCallError, type SchedulerClientOptions } from './scheduler-client-types.ts';
import { SchedulerSession } from './scheduler-session.ts';

export {
  heartbeat_misses_max_default,
  redirects_max_default,
  subscribe_backoff_ms_max_default,
  subscribe_backoff_ms_min_default,
} from '../constants.ts';
export {
  SchedulerCallError,
  type SchedulerClientEventMap,
  type SchedulerClientOptions,
  type Subscription,
  scheduler_path,
} from './scheduler-client-types.ts';

/** A v1 scheduler client; it starts subscribing as soon as it is constructed. */
export class SchedulerClient extends SchedulerSession {
  /** ACCEPT: applies `operations` to the offers; unused resources are filtered as `filters` says. */
  accept(offer_ids: readonly Id[], operations: readonly Operation[], filters?: Filters): Promise<void> {
    const accept = { offer_ids, operations, ...(filters === undefined ? {} : { filters }) };
    return this.call({ type: 'ACCEPT', framework_id: this.#id(), accept });
  }

  /** ACCEPT with one LAUNCH of `task_infos`. */
  launch(offer_ids: readonly Id[], task_infos: readonly TaskInfo[], filters?: Filters): Promise<void> {
    return this.accept(offer_ids, [{ type: 'LAUNCH', launch: { task_infos } }], filters);
  }

  /** DECLINE: gives the offers back (not offered again for `filters.refuse_seconds`, default 5 s). */
  decline(offer_ids: readonly Id[], filters?: Filters): Promise<void> {
    const decline = { offer_ids, ...(filters === undefined ? {} : { filters }) };
    return this.call({ type: 'DECLINE', framework_id: this.#id(), decline });
  }

  /** REVIVE: clears filters and resumes offers for `roles` (all the framework's roles when empty). */
  revive(roles: readonly string[] = []): Promise<void> {
    return this.call({ type: 'REVIVE', framework_id: this.#id(), revive: { roles } });
  }

  /** SUPPRESS: stops offers for `roles` (all the framework's roles when empty). */
  suppress(roles: readonly string[] = []): Promise<void> {
    return this.call({ type: 'SUPPRESS', framework_id: this.#id(), suppress: { roles } });
  }

  /** KILL: kills a task. */
  kill(task_id: Id, agent_id?: Id, kill_policy?: KillPolicy): Promise<void> {
    const kill = {
      task_id,
      ...(agent_id === undefined ? {} : { agent_id }),
      ...(kill_policy === undefined ? {} : { kill_policy }),
    };
    return this.call({ type: 'KILL', framework_id: this.#id(), kill });
  }

  /** SHUTDOWN: shuts an executor down. */
  shutdown(executor_id: Id, agent_id: Id): Promise<void> {
    return this.call({ type: 'SHUTDOWN', framework_id: this.#id(), shutdown: { executor_id, agent_id } });
  }

  /** ACKNOWLEDGE of a status update; resolves false without a call when the update needs none. */
  async acknowledge(status: TaskStatus): Promise<boolean> {
    if (status.uuid === undefined || status.agent_id === undefined) return false;
    const acknowledge = { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid };
    await this.call({ type: 'ACKNOWLEDGE', framework_id: this.#id(), acknowledge });
    return true;
  }

  /** RECONCILE: asks for the state of these tasks (of every known task when empty). */
  reconcile(tasks: ReadonlyArray<{ readonly task_id: Id; readonly agent_id?: Id }> = []): Promise<void> {
    return this.call({ type: 'RECONCILE', framework_id: this.#id(), reconcile: { tasks } });
  }

  /** MESSAGE: sends `data` (base64) to an executor. */
  message(agent_id: Id, executor_id: Id, data: string): Promise<void> {
    return this.call({ type: 'MESSAGE', framework_id: this.#id(), message: { agent_id, executor_id, data } });
  }

  /** TEARDOWN: ends the framework (its tasks are killed), then closes the client. */
  async teardown(): Promise<void> {
    const framework_id = this.#id();
    const reason = 'the framework tore itself down';
    // Marked first: the master may end the stream before the call's answer arrives.
    this.markFatal(reason);
    try {
      await this.call({ type: 'TEARDOWN', framework_id });
    } catch (error) {
      this.markFatal(undefined);
      throw error;
    }
    await this.close(reason);
  }

  /** The framework id for a call; throws before the first subscription. */
  #id(): Id {
    if (this.frameworkId === undefined) {
      throw new SchedulerCallError('call', 0, 'the framework has no id yet: wait for SUBSCRIBED');
    }
    return { value: this.frameworkId };
  }
}

/** Creates a scheduler client, which starts subscribing at once. */
export function createSchedulerClient(options: SchedulerClientOptions): SchedulerClient {
  return new SchedulerClient(options);
}
