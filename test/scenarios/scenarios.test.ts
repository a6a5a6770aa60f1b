// Scenario tests: every test/scenarios/*.txt is run through the engine and its transcript compared
// byte for byte with `<name>.expected` beside it. With MESO_REWRITE=1 the expected files are
// rewritten instead (then read the diff: an expected file is a test oracle, not a snapshot).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/scenario/run.ts';

const dir = import.meta.dirname;
const rewrite = process.env.MESO_REWRITE === '1';
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.txt'))
  .sort();

/** The transcript a scenario file produces, with the error that stopped it as a last line. */
function transcript(file: string): string {
  const result = runScenario(readFileSync(join(dir, file), 'utf8'));
  return result.error === undefined ? result.output : `${result.output}error: ${result.error}\n`;
}

describe('scenarios', () => {
  it('finds scenario files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(file, () => {
      const expectedPath = join(dir, file.replace(/\.txt$/, '.expected'));
      const actual = transcript(file);
      if (rewrite) {
        writeFileSync(expectedPath, actual);
        return;
      }
      if (!existsSync(expectedPath)) {
        throw new Error(`${expectedPath} is missing: run with MESO_REWRITE=1 to write it, then read it`);
      }
      expect(actual).toBe(readFileSync(expectedPath, 'utf8'));
      // The same file run again gives the same transcript: nothing depends on hidden state.
      expect(transcript(file)).toBe(actual);
    });
  }
});
