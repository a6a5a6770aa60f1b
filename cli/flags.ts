// Command-line flags in Mesos's style (`--work_dir`), each of which may also come from the
// environment as MESO_<FLAG> (`MESO_WORK_DIR`), as Mesos reads MESOS_<FLAG>.
import { Option } from 'commander';

/** A flag taking a value, also read from MESO_<NAME>; `name` is the Mesos-style flag name. */
export function flag(name: string, description: string, defaultValue?: string): Option {
  const option = new Option(`--${name} <value>`, description).env(`MESO_${name.toUpperCase()}`);
  return defaultValue === undefined ? option : option.default(defaultValue);
}

/** Runs a command body; a thrown error is printed as `meso <command>: message` and gives exit code 1. */
export async function runCommand(command: string, body: () => number | Promise<number>): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (error) {
    process.stderr.write(`meso ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
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
