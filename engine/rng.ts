// The one seeded generator the engine and its hosts draw from. Independent streams are derived
// by name, so adding a consumer never changes the draws of another.
import seedrandom from 'seedrandom';

/** A deterministic source of uniform numbers in [0, 1). */
export interface Rng {
  /** Next uniform number in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** A new independent stream derived from this generator's seed and `name`. */
  fork(name: string): Rng;
  /** The seed this stream was made from. */
  readonly seed: string;
}

/** Creates a generator from a seed; the same seed always gives the same sequence. */
export function createRng(seed: string | number): Rng {
  const text = String(seed);
  const prng = seedrandom.alea(text);
  return {
    seed: text,
    next: () => prng.quick(),
    int: (n: number) => Math.floor(prng.quick() * n),
    fork: (name: string) => createRng(`${text}/${name}`),
  };
}

/** Shuffles `items` in place (Fisher-Yates) with `rng`, and returns it. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}
