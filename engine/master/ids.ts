// Deterministic ids under the master's prefix, as Mesos formats them: frameworks `<master>-0000`,
// agents `<master>-S0`, offers `<master>-O0`.

/** Counters behind the master's ids. */
export interface IdCounters {
  framework: number;
  agent: number;
  offer: number;
  /** Operation status uuids. */
  operationStatus: number;
}

/** Fresh counters, all at zero. */
export function createIdCounters(): IdCounters {
  return { framework: 0, agent: 0, offer: 0, operationStatus: 0 };
}

/** The next framework id: `<master>-NNNN` (four digits at least). */
export function nextFrameworkId(masterId: string, counters: IdCounters): string {
  const n = counters.framework++;
  return `${masterId}-${String(n).padStart(4, '0')}`;
}

/** The next agent id: `<master>-S<n>`. */
export function nextAgentId(masterId: string, counters: IdCounters): string {
  return `${masterId}-S${counters.agent++}`;
}

/** The next offer id: `<master>-O<n>`. */
export function nextOfferId(masterId: string, counters: IdCounters): string {
  return `${masterId}-O${counters.offer++}`;
}
