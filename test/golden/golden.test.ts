// The simulator's and the experiments' outputs stay byte-identical to the golden record
// (test/golden/sums.json): the small cases here, every case with `npx tsx test/golden/golden.ts --all`.
import { describe, expect, it } from 'vitest';
import { goldenCases, readGolden, runGoldenCase } from './golden.ts';

const record = readGolden();

describe('outputs against the golden record', () => {
  for (const c of goldenCases.filter((g) => g.small)) {
    it(`${c.name} writes the recorded bytes`, async () => {
      expect(await runGoldenCase(c)).toEqual(record[c.name]);
    });
  }
});
