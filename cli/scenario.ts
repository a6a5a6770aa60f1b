// `meso scenario FILE`: runs a scenario file through the engine and prints its transcript, the
// same text the scenario tests compare with `<name>.expected`.
import { readFileSync } from 'node:fs';
import { runScenario } from '../sim/scenario/run.ts';

/** Where the command writes; standard output and error unless a caller (a test) says otherwise. */
export interface ScenarioCommandOptions {
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

/** Runs the scenario in `file`, prints its transcript, and returns the exit code (0, or 1 on an error). */
export function runScenarioCommand(file: string, opts: ScenarioCommandOptions = {}): number {
  const stdout = opts.stdout ?? ((text: string) => process.stdout.write(text));
  const stderr = opts.stderr ?? ((text: string) => process.stderr.write(text));
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    stderr(`meso scenario: cannot read ${file}: ${(error as Error).message}\n`);
    return 1;
  }
  const result = runScenario(source);
  stdout(result.output);
  if (result.error !== undefined) {
    stderr(`meso scenario: ${file}: ${result.error}\n`);
    return 1;
  }
  return 0;
}
