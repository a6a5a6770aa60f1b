// The logging level of the operator API (GET_LOGGING_LEVEL, SET_LOGGING_LEVEL), for master and
// agent. Mesos's level is a verbosity: 0 logs as configured, more logs more. meso's logs have
// levels rather than verbosities, so 0 is the configured level and any level above 0 logs debug
// lines too. A level set for a duration falls back to 0 when the duration ends, as in Mesos.
import type { Log, LogLevel } from './log.ts';

/** The operator-set logging level of one server. */
export interface LoggingLevel {
  /** The current verbosity (0: as configured). */
  level(): number;
  /** Sets the verbosity for `duration_ms`, after which it falls back to 0. */
  set(level: number, duration_ms: number): void;
  /** Cancels a pending fall back (the server stops). */
  stop(): void;
}

/** Durations of a set level beyond this are refused (Node timers hold about 24.8 days). */
export const logging_duration_ms_max = 2 ** 31 - 1;

/** A logging level over `log`, whose configured level is `configured`. */
export function createLoggingLevel(log: Log, configured: LogLevel): LoggingLevel {
  let current = 0;
  let timer: NodeJS.Timeout | undefined;
  const apply = (level: number): void => {
    current = level;
    log.setLevel?.(level > 0 && configured !== 'debug' ? 'debug' : configured);
  };
  return {
    level: () => current,
    set(level, duration_ms) {
      clearTimeout(timer);
      apply(level);
      timer = setTimeout(() => apply(0), duration_ms);
      timer.unref();
    },
    stop() {
      clearTimeout(timer);
    },
  };
}

/** The level and duration of a SET_LOGGING_LEVEL body, or why they are unusable. */
export function parseSetLoggingLevel(
  body: unknown,
): { level: number; duration_ms: number } | { error: string } {
  const b = body as { level?: unknown; duration?: { nanoseconds?: unknown } } | undefined;
  const level = b?.level;
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0) {
    return { error: "Expecting 'set_logging_level.level' to be a whole number >= 0" };
  }
  const ns = Number(b?.duration?.nanoseconds);
  if (!Number.isFinite(ns) || ns <= 0 || ns / 1e6 > logging_duration_ms_max) {
    return {
      error: "Expecting 'set_logging_level.duration.nanoseconds' to be a positive duration up to 24 days",
    };
  }
  return { level, duration_ms: Math.ceil(ns / 1e6) };
}
