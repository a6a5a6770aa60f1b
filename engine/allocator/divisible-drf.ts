// DRF in the paper's own setting: divisible demands, filled progressively and continuously. Every
// user not yet blocked raises its dominant share at the same (weighted) rate; when a resource runs
// out, every user that needs it stops. This is the reference the discrete allocator approximates,
// and the setting in which the paper proves sharing incentive, envy-freeness, Pareto efficiency and
// strategy-proofness exactly.

/** One user's demand: per-task amounts by resource index, and its weight (default 1). */
export interface DivisibleUser {
  readonly demand: readonly number[];
  readonly weight?: number;
}

/** Bound on filling steps: each step saturates at least one resource, so k resources need k steps. */
const filling_steps_max = 64;

/** Returns the (fractional) number of tasks each user gets under divisible DRF on `capacity`. */
export function divisibleDrf(capacity: readonly number[], users: readonly DivisibleUser[]): number[] {
  for (const c of capacity) if (!(c > 0)) throw new Error(`divisible DRF: capacity ${c} is not positive`);
  // Tasks per unit of (weighted) dominant-share "time": a user's dominant share grows as weight x t.
  const rate = users.map((u) => {
    if (u.demand.length !== capacity.length) throw new Error('divisible DRF: demand and capacity differ');
    const dominant = Math.max(...u.demand.map((d, r) => d / capacity[r]!));
    if (!(dominant > 0)) throw new Error('divisible DRF: a demand must be positive somewhere');
    return (u.weight ?? 1) / dominant;
  });
  const tasks = users.map(() => 0);
  const used = capacity.map(() => 0);
  const active = users.map(() => true);
  for (let step = 0; step < filling_steps_max && active.some((a) => a); step++) {
    // How long until each resource runs out at the current rates; the first to run out ends the step.
    let dt = Number.POSITIVE_INFINITY;
    capacity.forEach((c, r) => {
      const speed = users.reduce((s, u, i) => s + (active[i] ? rate[i]! * u.demand[r]! : 0), 0);
      if (speed > 0) dt = Math.min(dt, (c - used[r]!) / speed);
    });
    users.forEach((u, i) => {
      if (!active[i]) return;
      tasks[i] = tasks[i]! + rate[i]! * dt;
      u.demand.forEach((d, r) => {
        used[r] = used[r]! + rate[i]! * dt * d;
      });
    });
    // Users that need a resource now full stop; a relative slack absorbs float rounding.
    const full = capacity.map((c, r) => used[r]! >= c * (1 - 1e-12));
    users.forEach((u, i) => {
      if (u.demand.some((d, r) => d > 0 && full[r])) active[i] = false;
    });
  }
  return tasks;
}
