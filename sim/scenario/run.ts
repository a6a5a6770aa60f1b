// Runs a whole scenario: parses it, executes each command in order, and builds the transcript
// that scenario tests compare byte for byte: comment and blank lines as written, each command as
// `> <command>` followed by what it caused. The first error stops the run; it names its line.
import { ScenarioInterpreter } from './interpreter.ts';
import { checkNames, parseScenario } from './parse.ts';
import { ScenarioError } from './values.ts';

/** The transcript of a scenario run, and the error that stopped it, if any. */
export interface ScenarioResult {
  /** The transcript, one line per entry, ending with a newline (empty when parsing failed). */
  readonly output: string;
  /** `line N: problem`, when the scenario stopped on an error. */
  readonly error: string | undefined;
}

/** Runs a scenario's text and returns its transcript. */
export function runScenario(source: string): ScenarioResult {
  const lines: string[] = [];
  const finish = (error: string | undefined): ScenarioResult => ({
    output: lines.length === 0 ? '' : `${lines.join('\n')}\n`,
    error,
  });
  let parsed: ReturnType<typeof parseScenario>;
  try {
    parsed = parseScenario(source);
    checkNames(parsed);
  } catch (error) {
    if (error instanceof ScenarioError) return finish(error.message);
    throw error;
  }
  const interpreter = new ScenarioInterpreter();
  for (const line of parsed) {
    if (line.kind === 'comment') {
      lines.push(line.text);
      continue;
    }
    lines.push(`> ${line.command.text}`);
    try {
      lines.push(...interpreter.execute(line.command));
    } catch (error) {
      if (error instanceof ScenarioError) return finish(error.message);
      const message = error instanceof Error ? error.message : String(error);
      return finish(`line ${line.command.line}: ${message}`);
    }
  }
  return finish(undefined);
}
