// Scenario output speaks in the scenario's own names: agents and frameworks as the file named them
// (`a1`, `A`), offers as `O1`, `O2` ... in the order they were made. The master's ids (`M-S0`,
// `M-0000`, `M-O0`) are mapped here, learned from the trace as agents and frameworks join.

/** Maps master ids to scenario names. */
export class ScenarioNames {
  private readonly agents = new Map<string, string>();
  private readonly frameworks = new Map<string, string>();
  private readonly offers = new Map<string, string>();

  /** Records that master agent id `id` is the agent the scenario calls `name`. */
  learnAgent(id: string, name: string): void {
    this.agents.set(id, name);
  }

  /** Records that master framework id `id` is the framework the scenario calls `name`. */
  learnFramework(id: string, name: string): void {
    this.frameworks.set(id, name);
  }

  /** The scenario name of an agent id (the id itself if unknown). */
  agent(id: string): string {
    return this.agents.get(id) ?? id;
  }

  /** The scenario name of a framework id (the id itself if unknown). */
  framework(id: string): string {
    return this.frameworks.get(id) ?? id;
  }

  /** The master id of a framework the scenario names, if it subscribed. */
  frameworkId(name: string): string | undefined {
    for (const [id, n] of this.frameworks) if (n === name) return id;
    return undefined;
  }

  /** The scenario name of an offer: `O<n>`, numbered from 1 in the order offers are first seen. */
  offer(id: string): string {
    let name = this.offers.get(id);
    if (name === undefined) {
      name = `O${this.offers.size + 1}`;
      this.offers.set(id, name);
    }
    return name;
  }

  /** Number of an offer's scenario name, for sorting (offers never seen sort last). */
  offerNumber(id: string): number {
    const name = this.offers.get(id);
    return name === undefined ? Number.POSITIVE_INFINITY : Number(name.slice(1));
  }
}

/** Compares task ids naturally, so `A-2` comes before `A-10`. */
export function compareTaskIds(a: string, b: string): number {
  const ma = /^(.*?)(\d+)$/.exec(a);
  const mb = /^(.*?)(\d+)$/.exec(b);
  if (ma && mb && ma[1] === mb[1]) return Number(ma[2]) - Number(mb[2]) || (a < b ? -1 : a > b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}
