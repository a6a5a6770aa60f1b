// Command-line flags in Mesos's style (`--work_dir`), each of which may also come from the
// environment as MESO_<FLAG> (`MESO_WORK_DIR`), as Mesos reads MESOS_<FLAG>.
import { Option } from 'commander';
import { loadTls, type Tls, tlsSettingsOf } from '../runtime/wire/tls.ts';

/** A flag taking a value, also read from MESO_<NAME>; `name` is the Mesos-style flag name. */
export function flag(name: string, description: string, defaultValue?: string): Option {
  const option = new Option(`--${name} <value>`, description).env(`MESO_${name.toUpperCase()}`);
  return defaultValue === undefined ? option : option.default(defaultValue);
}

/** Resolves at the first SIGINT or SIGTERM (a long-running command's cue to stop). */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((done) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      done();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** Runs a command body; a thrown error is printed as `meso <command>: message` and gives exit code 1. */
export async function runCommand(command: string, body: () => number | Promise<number>): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (error) {
    const message = namingTheSource(error instanceof Error ? error.message : String(error));
    process.stderr.write(`meso ${command}: ${message}\n`);
    process.exitCode = 1;
  }
}

/**
 * An error about `--name` whose value came from MESO_NAME (set, and the flag not on the command
 * line, which would win) names the variable, so the user looks where the value really is.
 */
export function namingTheSource(
  message: string,
  argv: readonly string[] = process.argv,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const m = /^--([a-z][a-z0-9_]*)\b/.exec(message);
  if (m === null) return message;
  const name = m[1]!;
  const variable = `MESO_${name.toUpperCase()}`;
  const on_line = argv.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (on_line || env[variable] === undefined) return message;
  return `${variable} (--${name}, from the environment)${message.slice(m[0].length)}`;
}

/** A TCP port from a flag (0 = any free port), or an error naming the flag. */
export function portOf(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new Error(`--port must be an integer in [0, 65535], got '${value}'`);
  }
  return port;
}

/** A whole number >= 0 from a flag (a count or a cap), or an error naming the flag. */
export function countOf(value: string | number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
  if (!(Number.isSafeInteger(n) && n >= 0)) {
    throw new Error(`--${flag} must be a whole number >= 0, got '${value}'`);
  }
  return n;
}

/** A boolean flag's value in Mesos's spelling (true/false, also 1/0), or an error naming the flag. */
export function booleanOf(value: string | boolean | undefined, flag: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new Error(`--${flag} must be true or false, got '${value}'`);
}

/** Milliseconds per unit of a Mesos duration ('10secs', '1mins', '2hrs', '1weeks', '500ms'). */
const duration_units_ms: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  secs: 1000,
  mins: 60_000,
  hrs: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

/** A duration flag in Mesos's form, in ms, or an error naming the flag and the units. */
export function durationMsOf(value: string | number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]+)\s*$/.exec(String(value));
  const unit = match?.[2] === undefined ? undefined : duration_units_ms[match[2]];
  if (match === null || unit === undefined) {
    throw new Error(
      `--${flag} must be a duration such as 10secs, 1mins or 1weeks (units: ${Object.keys(duration_units_ms).join(', ')}), got '${value}'`,
    );
  }
  return Number(match[1]) * unit;
}

/** Units of a byte size flag, as Mesos spells them. */
const byte_units: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
};

/** A byte size flag in Mesos's form (2GB, 512MB, 0B), in bytes, or an error naming the flag and the units. */
export function bytesOf(value: string | number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)\s*$/.exec(String(value));
  const unit = match?.[2] === undefined ? undefined : byte_units[match[2].toUpperCase()];
  if (match === null || unit === undefined) {
    throw new Error(
      `--${flag} must be a size such as 512MB or 2GB (units: ${Object.keys(byte_units).join(', ')}), got '${value}'`,
    );
  }
  return Math.floor(Number(match[1]) * unit);
}

/** A fraction in [0, 1] from a flag, or an error naming the flag. */
export function fractionOf(value: string | number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (String(value).trim() === '' || !(n >= 0 && n <= 1)) {
    throw new Error(`--${flag} must be a number from 0 to 1, got '${value}'`);
  }
  return n;
}

/** TLS as this process's LIBPROCESS_SSL_* variables configure a server (none when they leave it off). */
export function serverTlsOption(): { tls?: Tls } {
  const tls = loadTls(tlsSettingsOf(), 'server');
  return tls === undefined ? {} : { tls };
}
