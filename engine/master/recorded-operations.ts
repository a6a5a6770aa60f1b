// Dynamic reservations and persistent volumes outlive a master failover: the master records each
// agent's total in the registry after an offer operation changes it, and an agent checkpoints the
// total the master sends it. When an agent re-registers, what it reports stands if it reports any
// reservation or volume of its own; an agent that reports none (it does not checkpoint them, or lost
// them) gets back those recorded for it, provided its resources still hold what they were made of.
import {
  add,
  contains,
  isPersistentVolume,
  normalize,
  type Resource,
  type Resources,
  subtract,
} from '../resources.ts';

/** True for what only an offer operation makes: a dynamic reservation or a persistent volume. */
export function isOperationMade(res: Resource): boolean {
  if (isPersistentVolume(res)) return true;
  for (const r of res.reservations ?? []) if (r.type === 'DYNAMIC') return true;
  return false;
}

/** `res` as it was before any operation: static reservations only, no volume (its disk source kept). */
export function beforeOperations(res: Resource): Resource {
  const stack = (res.reservations ?? []).filter((r) => r.type === 'STATIC');
  const source = res.disk?.source;
  return {
    ...res,
    reservations: stack.length === 0 ? undefined : stack,
    disk: source === undefined ? undefined : { source },
  };
}

/**
 * A re-registering agent's total: `reported` (normal, unallocated), with the operations recorded in
 * `recorded` (the total last recorded for it, wire or normal form) applied when it reports none.
 * `lost` names what could not be applied because the agent's resources no longer hold it.
 */
export function withRecordedOperations(
  reported: Resources,
  recorded: readonly Resource[] | undefined,
): { readonly resources: Resources; readonly lost?: string } {
  if (recorded === undefined || recorded.length === 0 || reported.some(isOperationMade)) {
    return { resources: reported };
  }
  let made: Resources;
  try {
    made = normalize(recorded).filter(isOperationMade);
  } catch {
    return { resources: reported, lost: 'the recorded resources are invalid' };
  }
  if (made.length === 0) return { resources: reported };
  const base = normalize(made.map(beforeOperations));
  if (!contains(reported, base)) {
    return { resources: reported, lost: 'the agent no longer has the resources they were made of' };
  }
  return { resources: add(subtract(reported, base), made) };
}
