// A seeded slice of bench/fuzz.ts in the suite: requests of every kind to every endpoint of a live
// master and agent get no 5xx (save 501), crash neither, and refused batches change no state.
import { describe, expect, it } from 'vitest';
import { fuzzEndpoints } from '../../bench/fuzz.ts';

describe('endpoint fuzz (seeded slice)', () => {
  it('answers 1,500 fuzzed requests below 500 and keeps state through refusals', async () => {
    const result = await fuzzEndpoints(1500, 11);
    expect(result.failures).toEqual([]);
    expect(result.calls).toBe(1500);
    // The fuzz reaches past authentication and method checks into the handlers.
    expect(result.statuses['200']).toBeGreaterThan(0);
    expect(result.statuses['400']).toBeGreaterThan(0);
    expect(result.statuses['401']).toBeGreaterThan(0);
  });
});
