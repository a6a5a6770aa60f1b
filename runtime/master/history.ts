// The completed history a master shows in /master/state (completed tasks per framework, completed
// frameworks), kept by the host from the engine's `history` effects so that a restarted master, or
// a new leader, shows it again. Mesos keeps none of it across a failover; meso keeps it beside the
// registry, under the same caps as the engine (--max_completed_tasks_per_framework,
// --max_completed_frameworks), oldest dropped first.
import type { HistoryEffect } from '../../engine/master/effects.ts';
import type { CompletedFramework, CompletedHistory } from '../../engine/master/options.ts';
import type { TaskRecord } from '../../engine/master/state.ts';

/** The history a host keeps. */
export interface MasterHistory {
  apply(effect: HistoryEffect): void;
  snapshot(): CompletedHistory;
}

/** The caps the engine master keeps its history under. */
export interface HistoryCaps {
  readonly completed_tasks_per_framework_max: number;
  readonly completed_frameworks_max: number;
}

/** Creates the history, holding `recovered` (what the master was built from). */
export function createMasterHistory(caps: HistoryCaps, recovered?: CompletedHistory): MasterHistory {
  const tasks = new Map<string, TaskRecord[]>();
  const frameworks = new Map<string, CompletedFramework>();
  for (const entry of recovered?.tasks ?? []) tasks.set(entry.framework_id, [...entry.tasks]);
  for (const f of recovered?.frameworks ?? [])
    if (f.info.id !== undefined) frameworks.set(f.info.id.value, f);
  const trimmed = (list: TaskRecord[]): TaskRecord[] =>
    list.length > caps.completed_tasks_per_framework_max
      ? list.slice(list.length - caps.completed_tasks_per_framework_max)
      : list;
  return {
    apply(effect) {
      if (effect.op === 'task_completed') {
        const list = tasks.get(effect.framework_id) ?? [];
        list.push(effect.task);
        // Trimmed in batches, as the engine does, so that a long run pays O(1) per task.
        const max = caps.completed_tasks_per_framework_max;
        tasks.set(effect.framework_id, list.length > 2 * max + 16 ? trimmed(list) : list);
        return;
      }
      const id = effect.framework.info.id?.value;
      if (id === undefined) return;
      frameworks.set(id, { ...effect.framework, tasks: trimmed(tasks.get(id) ?? []) });
      tasks.delete(id);
      while (frameworks.size > caps.completed_frameworks_max) {
        const oldest = frameworks.keys().next();
        if (oldest.done) break;
        frameworks.delete(oldest.value);
      }
    },
    snapshot() {
      return {
        tasks: [...tasks].map(([framework_id, list]) => ({ framework_id, tasks: trimmed(list) })),
        frameworks: [...frameworks.values()],
      };
    },
  };
}
