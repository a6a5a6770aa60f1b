// Values of the scenario language: durations (`5s`, `200ms`, `2m`), counts (`3`, `inf`), and the
// error type that carries the line a problem was found on.

/** A mistake in a scenario file; `line` is set once the parser or interpreter knows it. */
export class ScenarioError extends Error {
  readonly line: number | undefined;
  readonly problem: string;

  constructor(problem: string, line?: number) {
    super(line === undefined ? problem : `line ${line}: ${problem}`);
    this.name = 'ScenarioError';
    this.problem = problem;
    this.line = line;
  }

  /** The same error, placed at `line`. */
  atLine(line: number): ScenarioError {
    return this.line === undefined ? new ScenarioError(this.problem, line) : this;
  }
}

const unit_ms: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `200ms`, `5s`, `1.5s`, `2m`, `1h` into ms; `forever` gives Infinity when allowed. */
export function parseDuration_ms(text: string, what: string, allowForever = false): number {
  if (allowForever && text === 'forever') return Number.POSITIVE_INFINITY;
  const m = /^([0-9]*\.?[0-9]+)(ms|s|m|h)$/.exec(text);
  if (!m) {
    const forms = allowForever ? "'5s', '200ms', '2m', '1h' or 'forever'" : "'5s', '200ms', '2m' or '1h'";
    throw new ScenarioError(`${what}: bad duration '${text}' (expected e.g. ${forms})`);
  }
  return Math.round(Number(m[1]) * unit_ms[m[2]!]!);
}

/** Parses a whole count; `inf` gives Infinity when allowed. Zero is allowed only with allowZero. */
export function parseCount(text: string, what: string, allowInfinite = true, allowZero = true): number {
  if (allowInfinite && text === 'inf') return Number.POSITIVE_INFINITY;
  if (!/^[0-9]+$/.test(text)) {
    throw new ScenarioError(
      `${what}: expected a whole number${allowInfinite ? " or 'inf'" : ''}, got '${text}'`,
    );
  }
  const value = Number(text);
  if (!allowZero && value === 0) throw new ScenarioError(`${what}: must be at least 1`);
  return value;
}

/** Formats ms the way scenarios write them: `0s`, `250ms`, `5s`, `1.5s`, `2m`, `forever`. */
export function formatDuration(ms: number): string {
  if (ms === Number.POSITIVE_INFINITY) return 'forever';
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 || ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Formats a share or ratio with three decimals. */
export function formatShare(value: number): string {
  return value.toFixed(3);
}
