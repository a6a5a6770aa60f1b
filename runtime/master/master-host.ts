// The host around one engine master: every input goes through `step` with the host clock's `now`,
// and every effect the engine returns is performed here, in order. Scheduler streams and agent
// connections are reached through sinks the server attaches; timers run on the real clock; registry
// writes go to the in-memory registry; trace events go to the live feed. The host decides nothing
// itself: it only carries inputs in and effects out.
import { EventEmitter } from 'node:events';
import type { TraceEvent } from '../../engine/events.ts';
import type {
  AgentMessageEffect,
  CallErrorEffect,
  CloseFrameworkStreamEffect,
  FrameworkEventEffect,
  MasterEffect,
} from '../../engine/master/effects.ts';
import type { MasterInput } from '../../engine/master/inputs.ts';
import type { Master } from '../../engine/master/master.ts';
import type { Log } from '../log.ts';
import type { MasterHistory } from './history.ts';
import type { Journal } from './journal.ts';
import type { MasterMetrics } from './metrics.ts';
import type { MemoryRegistry } from './registry.ts';
import { createTimerHost, type TimerHost } from './timers.ts';

/** Where effects that reach the outside world go. */
export interface EffectSinks {
  frameworkEvent(effect: FrameworkEventEffect): void;
  closeFrameworkStream(effect: CloseFrameworkStreamEffect): void;
  agentMessage(effect: AgentMessageEffect): void;
}

/** What one step gave. */
export interface StepResult {
  readonly effects: readonly MasterEffect[];
  /** The engine refused the call: the HTTP answer. */
  readonly callError: CallErrorEffect | undefined;
  /** The step threw (a bug): the caller answers 500. */
  readonly failure: Error | undefined;
}

/** The live feed: emits `trace` with each TraceEvent as it is performed. */
export type TraceFeed = EventEmitter<{ trace: [TraceEvent] }>;

/** The host of one engine master. */
export interface MasterHost {
  readonly master: Master;
  readonly feed: TraceFeed;
  readonly registry: MemoryRegistry;
  readonly timers: TimerHost;
  /** The host clock: epoch ms, never going back. */
  now(): number;
  /** Attaches where framework events and agent messages go. */
  attach(sinks: EffectSinks): void;
  /**
   * Steps one input and performs its effects. `prepare` sees the effects before they are
   * performed (a SUBSCRIBE handler drops its stream when the call was refused).
   */
  step(input: MasterInput, prepare?: (effects: readonly MasterEffect[]) => void): StepResult;
  /** Stops the timers and closes the journal; later steps are refused. */
  stop(): void;
}

/** What the host needs. */
export interface MasterHostOptions {
  readonly master: Master;
  readonly registry: MemoryRegistry;
  readonly log: Log;
  readonly metrics?: MasterMetrics;
  readonly journal?: Journal;
  /** The wall clock (tests may pass their own). */
  readonly clock?: () => number;
  /** Keeps the engine's `history` effects (a master built with `historyEffects`). */
  readonly history?: MasterHistory;
  /** Called after a step that added to the history (a host writes it behind, not within the step). */
  readonly historyChanged?: (history: MasterHistory) => void;
  /** Whether this master may act (it leads); steps are refused when not (fencing). */
  readonly mayAct?: () => boolean;
  /**
   * Called after a step that changed the registry, to persist it, before any other effect of the
   * step is performed; when it throws, no effect of the step is performed and the host stops.
   */
  readonly persist?: (registry: MemoryRegistry) => void;
}

/** Creates the host of an engine master. */
export function createMasterHost(options: MasterHostOptions): MasterHost {
  const { master, registry, log, metrics, journal } = options;
  const clock = options.clock ?? Date.now;
  const feed: TraceFeed = new EventEmitter();
  // Many parts of the server listen to the feed; none of them is a leak.
  feed.setMaxListeners(0);
  let last = Number.NEGATIVE_INFINITY;
  let sinks: EffectSinks | undefined;
  let stepping = false;
  let stopped = false;

  const now = (): number => {
    last = Math.max(last, clock());
    return last;
  };
  const timers = createTimerHost(now, (key) => {
    const result = step({ type: 'timer', key });
    if (result.failure !== undefined) log.error('timer step failed', { key });
  });

  function perform(effect: MasterEffect): void {
    switch (effect.type) {
      case 'framework_event':
        sinks?.frameworkEvent(effect);
        return;
      case 'close_framework_stream':
        sinks?.closeFrameworkStream(effect);
        return;
      case 'agent_message':
        sinks?.agentMessage(effect);
        return;
      case 'set_timer':
        timers.set(effect.key, effect.at_ms);
        return;
      case 'cancel_timer':
        timers.cancel(effect.key);
        return;
      case 'registry':
        registry.apply(effect);
        return;
      case 'history':
        options.history?.apply(effect);
        return;
      case 'trace':
        metrics?.trace(effect.event);
        feed.emit('trace', effect.event);
        return;
      case 'call_error':
        return;
    }
  }

  // A sink that throws (a socket in a state nobody expected) must not keep the later effects of
  // the step, such as its timers, from being performed.
  function performSafely(effect: MasterEffect): void {
    try {
      perform(effect);
    } catch (err) {
      log.error('performing an effect failed', { effect: effect.type, error: (err as Error).message });
    }
  }

  function step(input: MasterInput, prepare?: (effects: readonly MasterEffect[]) => void): StepResult {
    if (stopped) return { effects: [], callError: undefined, failure: new Error('the master is stopped') };
    if (options.mayAct?.() === false) {
      return { effects: [], callError: undefined, failure: new Error('this master does not lead') };
    }
    // Effects are performed synchronously and no sink steps again, so a nested step is a bug.
    if (stepping) throw new Error(`master host: step(${input.type}) while another step is running`);
    stepping = true;
    try {
      const at = now();
      journal?.append(at, input);
      const started = performance.now();
      let effects: MasterEffect[];
      try {
        effects = master.step(input, at);
      } catch (err) {
        const failure = err instanceof Error ? err : new Error(String(err));
        metrics?.engineFailure(input.type);
        log.error('engine step failed', { input: input.type, error: failure.message, stack: failure.stack });
        return { effects: [], callError: undefined, failure };
      }
      metrics?.engineStep(input.type, (performance.now() - started) / 1000);
      prepare?.(effects);
      let callError: CallErrorEffect | undefined;
      // Registry changes are applied and persisted before the effects that may depend on them.
      let changed = false;
      for (const effect of effects) {
        if (effect.type !== 'registry') continue;
        performSafely(effect);
        changed = true;
      }
      if (changed && options.persist !== undefined) {
        try {
          options.persist(registry);
        } catch (err) {
          // What the step decided is not durable: none of it may reach the outside, and the host
          // takes no further step (its state is ahead of the registry).
          stopped = true;
          timers.clear();
          return {
            effects,
            callError: undefined,
            failure: err instanceof Error ? err : new Error(String(err)),
          };
        }
      }
      let historied = false;
      for (const effect of effects) {
        if (effect.type === 'call_error') callError ??= effect;
        if (effect.type === 'history') historied = true;
        if (effect.type !== 'registry') performSafely(effect);
      }
      if (historied && options.history !== undefined) options.historyChanged?.(options.history);
      return { effects, callError, failure: undefined };
    } finally {
      stepping = false;
    }
  }

  return {
    master,
    feed,
    registry,
    timers,
    now,
    attach(s) {
      sinks = s;
    },
    step,
    stop() {
      stopped = true;
      timers.clear();
      journal?.close();
    },
  };
}
