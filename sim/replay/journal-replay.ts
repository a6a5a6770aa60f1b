// Replaying a live master's journal (engine/master/journal-format.ts): a master built as the
// journal's header says, stepped through every journaled input at its time. Under the journal's own
// policy and seed the replay makes the live master's decisions again, effect for effect; under
// another policy it shows what that policy would have done with the same inputs (calls naming offers
// the other policy never made are refused by the engine as they would be live).
import { createAllocator, type PolicyName } from '../../engine/allocator/policies.ts';
import type { TraceEvent } from '../../engine/events.ts';
import type { MasterEffect } from '../../engine/master/effects.ts';
import { type JournalHeader, parseJournal } from '../../engine/master/journal-format.ts';
import { createMaster, type Master } from '../../engine/master/master.ts';
import type { MasterOptions } from '../../engine/master/options.ts';
import { createRng } from '../../engine/rng.ts';

/** The engine master options a journal's header names (or `policy` in place of its own); what an older header lacks takes its default. */
export function replayOptionsOf(header: JournalHeader, policy?: PolicyName): MasterOptions {
  const h = header.master;
  return {
    masterId: h.master_id,
    createAllocator: () =>
      createAllocator({ policy: policy ?? (h.policy as PolicyName), rng: createRng(h.seed) }),
    hostname: h.hostname,
    ip: h.ip,
    port: h.port,
    allocationIntervalMs: h.allocation_interval_ms,
    ...(h.join_allocation_delay_ms === undefined
      ? {}
      : { joinAllocationDelayMs: h.join_allocation_delay_ms }),
    heartbeatIntervalSeconds: h.heartbeat_interval_seconds,
    ...(h.completed_tasks_per_framework_max === undefined
      ? {}
      : { completedTasksPerFrameworkMax: h.completed_tasks_per_framework_max }),
    ...(h.completed_frameworks_max === undefined
      ? {}
      : { completedFrameworksMax: h.completed_frameworks_max }),
    ...(header.recovered === undefined ? {} : { recovered: header.recovered }),
    ...(h.roles === undefined ? {} : { roles: h.roles }),
    ...(h.timing?.agent_reregister_timeout_ms === undefined
      ? {}
      : { agentReregisterTimeoutMs: h.timing.agent_reregister_timeout_ms }),
    ...(h.timing?.offer_timeout_ms === undefined ? {} : { offerTimeoutMs: h.timing.offer_timeout_ms }),
    ...(h.timing?.agent_ping_timeout_ms === undefined
      ? {}
      : { agentPingTimeoutMs: h.timing.agent_ping_timeout_ms }),
    ...(h.timing?.max_agent_ping_timeouts === undefined
      ? {}
      : { agentPingMissesMax: h.timing.max_agent_ping_timeouts }),
    ...(h.history_effects === true ? { historyEffects: true } : {}),
  };
}

/** Options of a replay. */
export interface ReplayOptions {
  /** Replay under this policy rather than the journal's. */
  readonly policy?: PolicyName;
  /** Hears every effect of every step, in order. */
  readonly onEffect?: (effect: MasterEffect) => void;
}

/** What a replay gives back: the header, the master after the last input, and its trace events. */
export interface Replay {
  readonly header: JournalHeader;
  readonly master: Master;
  readonly trace: readonly TraceEvent[];
  /** The time of the last input (the replay's end), in ms. */
  readonly end_ms: number;
}

/**
 * Replays a journal's text: each run (each start of the live master on the file) through a fresh
 * master built as its header says, recovered from the registry the header records. The trace holds
 * every run's events in order; `header` and `master` are the last run's.
 */
export function replayJournal(text: string, options: ReplayOptions = {}): Replay {
  const { runs } = parseJournal(text);
  const trace: TraceEvent[] = [];
  const onEffect = options.onEffect;
  let end_ms = 0;
  let last: { header: JournalHeader; master: Master } | undefined;
  for (const { header, entries } of runs) {
    const master = createMaster(replayOptionsOf(header, options.policy));
    for (const entry of entries) {
      end_ms = entry.now;
      for (const effect of master.step(entry.input, entry.now)) {
        if (effect.type === 'trace') trace.push(effect.event);
        onEffect?.(effect);
      }
    }
    last = { header, master };
  }
  return { ...last!, trace, end_ms };
}
