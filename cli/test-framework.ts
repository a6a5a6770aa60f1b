// `meso test-framework`: runs the example test framework against a live master (as Mesos's
// test-framework does): --master host:port, --tasks N (default 5), --command CMD (default
// 'echo hello'), --timeout_seconds S (default: none). Exits 0 once every task finished, 1 otherwise.
import { runTestFramework } from '../examples/test-framework.ts';
import { type Credential, readCredentialFile } from '../runtime/wire/credentials.ts';
import { parseMasterAddress, parseMasterSpec } from '../runtime/wire/master-address.ts';

/** The command's options, as text from the command line (numbers are accepted too). */
export interface TestFrameworkCommandOptions {
  readonly master?: string;
  readonly tasks?: string | number;
  readonly command?: string;
  readonly timeout_seconds?: string | number;
  readonly name?: string;
  readonly credential?: string;
}

/** The checked options; throws naming a bad or missing flag. */
export function testFrameworkOptionsOf(opts: TestFrameworkCommandOptions): {
  master: string;
  tasks: number;
  command: string;
  timeout_seconds?: number;
  name?: string;
  credential?: Credential;
} {
  if (opts.master === undefined || opts.master === '') {
    throw new Error('--master is required: the address of the master, e.g. --master 127.0.0.1:5050');
  }
  // host:port (or several), or a zk:// group whose leader the scheduler client follows.
  const spec = parseMasterSpec(opts.master);
  const master = spec.kind === 'zk' ? opts.master.trim() : spec.addresses.join(',');
  const tasks = Number(opts.tasks ?? 5);
  if (!(Number.isInteger(tasks) && tasks >= 1 && tasks <= 100_000)) {
    throw new Error(`--tasks must be a whole number from 1 to 100000, got '${opts.tasks}'`);
  }
  const command = opts.command ?? 'echo hello';
  if (command.trim() === '') throw new Error('--command must not be empty');
  const timeout = opts.timeout_seconds === undefined ? undefined : Number(opts.timeout_seconds);
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    throw new Error(`--timeout_seconds must be a positive number, got '${opts.timeout_seconds}'`);
  }
  return {
    master,
    tasks,
    command,
    ...(timeout === undefined ? {} : { timeout_seconds: timeout }),
    ...(opts.name === undefined ? {} : { name: opts.name }),
    ...(opts.credential === undefined ? {} : { credential: readCredentialFile(opts.credential) }),
  };
}

/** Runs the test framework; resolves with the exit code. */
export function runTestFrameworkCommand(opts: TestFrameworkCommandOptions): Promise<number> {
  return runTestFramework(testFrameworkOptionsOf(opts));
}
