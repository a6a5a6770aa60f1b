// Structured logs of the runtime (master, agent, SDK): one JSON line per event on stderr, through
// pino. The master logs what an operator needs to follow a cluster (start, stop, agents and
// frameworks coming and going, refused input, bugs) and nothing per offer, so a busy master's log
// stays readable.
import { pino } from 'pino';

/** Fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** A structured logger. */
export interface Log {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Changes the level from now on (loggers that keep no level lack it). */
  setLevel?(level: LogLevel): void;
}

/** Log levels, quietest last. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** The log levels a user may name. */
export const log_levels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** Creates a logger writing JSON lines to stderr (file descriptor 2) at `level` and above. */
export function createLog(name: string, level: LogLevel = 'info'): Log {
  if (!log_levels.includes(level)) throw new Error(`log level must be one of ${log_levels.join(', ')}`);
  const logger = pino({ name, level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
    setLevel: (next) => {
      logger.level = next;
    },
  };
}

/** A logger that drops everything (tests). */
export const silentLog: Log = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** A logger that keeps its lines in memory (tests that check what was logged). */
export function memoryLog(): Log & {
  readonly lines: Array<{ level: string; message: string; fields: LogFields }>;
} {
  const lines: Array<{ level: string; message: string; fields: LogFields }> = [];
  const at =
    (level: string) =>
    (message: string, fields: LogFields = {}): void => {
      lines.push({ level, message, fields });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
