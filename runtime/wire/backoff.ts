// Retry backoff shared by every client of a master (agents, scheduler and executor clients): the
// cap doubles per attempt up to a maximum and each wait is drawn uniformly below it (jitter, as
// Mesos's registration backoff), so clients that lost one master do not all retry in one instant.

/** The wait before attempt `attempt` (0-based): uniform in [0, min(min * 2^attempt, max)]. */
export function backoffDelayMs(
  attempt: number,
  min_ms: number,
  max_ms: number,
  random = Math.random,
): number {
  const cap = Math.min(min_ms * 2 ** Math.min(attempt, 30), max_ms);
  return Math.floor(random() * cap);
}
