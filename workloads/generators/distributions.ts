// Random draws the generators share, all from a seeded `Rng` so a seed fixes every workload.
import type { Rng } from '../../engine/rng.ts';

/** An exponential draw with the given mean (gaps of a Poisson arrival process). */
export function exponential(rng: Rng, mean: number): number {
  // 1 - next() lies in (0, 1], so the logarithm is finite.
  return -mean * Math.log(1 - rng.next());
}

/** A standard normal draw (Box-Muller, one of the pair). */
export function standardNormal(rng: Rng): number {
  const u1 = 1 - rng.next();
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A log-normal draw with the given median and sigma (of the underlying normal). */
export function logNormal(rng: Rng, median: number, sigma: number): number {
  return median * Math.exp(sigma * standardNormal(rng));
}

/** A uniform integer in [lo, hi], both included. */
export function uniformInt(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

/** `mean_ms` times a uniform factor in [1 - jitter, 1 + jitter], rounded to a whole ms of at least 1. */
export function jittered(rng: Rng, mean_ms: number, jitter: number): number {
  return Math.max(1, Math.round(mean_ms * (1 + jitter * (2 * rng.next() - 1))));
}

/** Clamps x to [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/**
 * The mean of clamp(round(median * e^(sigma Z)), lo, hi) for a standard normal Z, by the midpoint rule
 * over Z in [-8, 8]: the offered load of a mix follows from it without drawing a sample.
 */
export function clampedLogNormalMean(median: number, sigma: number, lo: number, hi: number): number {
  const steps = 4000;
  const width = 16 / steps;
  let mean = 0;
  for (let i = 0; i < steps; i++) {
    const z = -8 + (i + 0.5) * width;
    const density = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    mean += clamp(Math.round(median * Math.exp(sigma * z)), lo, hi) * density * width;
  }
  return mean;
}

/** A job id `${name}/${i}`, zero-padded to the width of `count - 1` so ids sort in job order. */
export function jobId(name: string, i: number, count: number): string {
  const width = String(Math.max(0, count - 1)).length;
  return `${name}/${String(i).padStart(width, '0')}`;
}

/** Throws unless `x` is in [0, 1): a jitter of 1 or more could make run times zero or negative. */
export function requireJitter(x: number, what: string): void {
  if (!(x >= 0 && x < 1)) throw new Error(`${what}: duration_jitter must be in [0, 1), got ${x}`);
}
