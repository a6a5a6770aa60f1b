// The client ledger every sorter shares. Clients are role paths split on '/' (`prod/hadoop`) or flat
// framework ids. The ledger records what each client holds on each agent, the pool's total and
// weights by path; LedgerSorter is a sorter over it that leaves only the order to each policy. The
// hierarchy sorters build from the ledger's clients is in role-tree.ts.
import {
  addQuantities,
  isEmptyQuantities,
  type Quantities,
  roundScalar,
  subtractQuantities,
} from '../quantities.ts';
import type { ShareFunction } from './share.ts';
import type { Sorter } from './sorter.ts';

/** What a sorter knows of one client. */
export interface ClientRecord {
  readonly path: string;
  active: boolean;
  /** What the client holds over all agents; updated in place by the ledger. */
  readonly allocation: Record<string, number>;
  /** Number of `allocated` calls, the second key of the DRF order (never decreases). */
  count: number;
  /**
   * What the client holds on each agent, to check what it gives back (values, never mutated); empty
   * when the ledger does not track agents.
   */
  readonly agents: Map<string, Quantities>;
}

/** Throws unless `path` is a non-empty role path without empty segments. */
function checkPath(path: string): void {
  if (path.length === 0 || path.split('/').some((segment) => segment.length === 0)) {
    throw new Error(`sorter: bad client path '${path}': expected names joined by '/', e.g. prod/hadoop`);
  }
}

/** The path of the node above `path`, or '' for a top-level path. */
export function parentPath(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

/** Adds `amounts` into `target` in place, with the same fixed-point rounding as addQuantities. */
export function addInto(target: Record<string, number>, amounts: Quantities): void {
  for (const name in amounts) target[name] = roundScalar((target[name] ?? 0) + (amounts[name] ?? 0));
}

/** Subtracts `amounts` from `target` in place, dropping names that reach zero, as subtractQuantities. */
export function subtractFrom(target: Record<string, number>, amounts: Quantities): void {
  for (const name in amounts) {
    const left = roundScalar((target[name] ?? 0) - (amounts[name] ?? 0));
    if (left > 0) target[name] = left;
    else delete target[name];
  }
}

/**
 * Throws unless every amount is a finite number at least 0. The message names the client on the
 * agent, or the agent's total when `client` is undefined; it is built only on failure, since this runs
 * on every allocation.
 */
function checkAmounts(client: string | undefined, agentId: string, amounts: Quantities): void {
  for (const name in amounts) {
    const value = amounts[name];
    if (value === undefined || !Number.isFinite(value) || value < 0) {
      const what =
        client === undefined ? `total of agent '${agentId}'` : `client '${client}' on agent '${agentId}'`;
      throw new Error(`sorter: ${what} has a bad amount ${name}:${value}; amounts must be finite and >= 0`);
    }
  }
}

/** The first name of which `held` holds less than `amounts` (both fixed-point), if any. */
function shortfall(held: Quantities, amounts: Quantities): string | undefined {
  for (const name in amounts) if (roundScalar((held[name] ?? 0) - (amounts[name] ?? 0)) < 0) return name;
  return undefined;
}

/** Clients, their holdings per agent, the pool's total per agent, and weights by path. */
export class ClientLedger {
  /** Clients in registration order (a removed and re-added client goes last). */
  readonly clients = new Map<string, ClientRecord>();
  /**
   * Whether each client's holdings are recorded per agent, to check what it gives back. A caller
   * that keeps its own per-agent books and checks them (the hierarchical allocator) turns it off, so
   * an allocation does not also update a map keyed by agent id.
   */
  private readonly trackAgents: boolean;
  /**
   * The amounts last found good. Quantities are values, never mutated, and the allocation loop passes
   * the same object for every agent of a shape, so each is checked once rather than on every call.
   */
  private checked: Quantities | undefined;
  private totalAmounts: Quantities = {};
  private readonly agentTotals = new Map<string, Record<string, number>>();
  private readonly weights = new Map<string, number>();

  constructor(trackAgents = true) {
    this.trackAgents = trackAgents;
  }

  /** The pool shares are measured against; replaced, never mutated, when it changes. */
  get total(): Quantities {
    return this.totalAmounts;
  }

  /** Registers a new, active client; throws if the path is bad or already known. */
  add(client: string): ClientRecord {
    checkPath(client);
    if (this.clients.has(client)) throw new Error(`sorter: client '${client}' is already added`);
    const record: ClientRecord = { path: client, active: true, allocation: {}, count: 0, agents: new Map() };
    this.clients.set(client, record);
    return record;
  }

  /** Forgets a client and returns its record; throws if unknown. */
  remove(client: string): ClientRecord {
    const record = this.get(client);
    this.clients.delete(client);
    return record;
  }

  /** The record of a known client; throws if unknown. */
  get(client: string): ClientRecord {
    const record = this.clients.get(client);
    if (record === undefined) throw new Error(`sorter: unknown client '${client}'`);
    return record;
  }

  /** Sets the weight of a path (default 1); throws unless it is finite and above 0. */
  updateWeight(path: string, weight: number): void {
    checkPath(path);
    if (!Number.isFinite(weight) || weight <= 0) {
      throw new Error(`sorter: bad weight ${weight} for '${path}'; weights must be finite and > 0`);
    }
    this.weights.set(path, weight);
  }

  /** The weight of a path (1 unless set). */
  weight(path: string): number {
    return this.weights.get(path) ?? 1;
  }

  /** Records an allocation on an agent and returns the client's record. */
  allocated(client: string, agentId: string, amounts: Quantities): ClientRecord {
    return this.allocatedTo(this.get(client), agentId, amounts);
  }

  /** `allocated` for a client whose record the caller already holds (saves a lookup per allocation). */
  allocatedTo(record: ClientRecord, agentId: string, amounts: Quantities): ClientRecord {
    this.countAllocated(record, agentId, amounts);
    addInto(record.allocation, amounts);
    return record;
  }

  /**
   * `allocatedTo` except summing into `record.allocation`: for a sorter that keeps the sums itself
   * (the DRF sorter, in slot vectors). Checks the amounts, records them on the agent, counts the call.
   */
  countAllocated(record: ClientRecord, agentId: string, amounts: Quantities): void {
    this.check(record.path, agentId, amounts);
    if (this.trackAgents) {
      // Quantities are values: the first holding on an agent keeps the caller's object, uncopied,
      // which is the common case (one offer per agent and client) and allocates nothing.
      const held = record.agents.get(agentId);
      record.agents.set(agentId, held === undefined ? amounts : addQuantities(held, amounts));
    }
    record.count++;
  }

  /** Records resources given back on an agent; throws if the client holds less there. */
  unallocated(client: string, agentId: string, amounts: Quantities): ClientRecord {
    return this.unallocatedFrom(this.get(client), agentId, amounts);
  }

  /** `unallocated` for a client whose record the caller already holds. */
  unallocatedFrom(record: ClientRecord, agentId: string, amounts: Quantities): ClientRecord {
    this.countUnallocated(record, agentId, amounts);
    subtractFrom(record.allocation, amounts);
    return record;
  }

  /** `unallocatedFrom` except subtracting from `record.allocation` (see countAllocated). */
  countUnallocated(record: ClientRecord, agentId: string, amounts: Quantities): void {
    const client = record.path;
    if (!this.trackAgents) {
      this.check(client, agentId, amounts);
      return;
    }
    const exact = record.agents.get(agentId);
    if (exact === amounts) {
      // All the client holds there goes back, as the very object it came as (checked then).
      record.agents.delete(agentId);
      return;
    }
    checkAmounts(client, agentId, amounts);
    const held = exact ?? {};
    const short = shortfall(held, amounts);
    if (short !== undefined) {
      throw new Error(
        `sorter: client '${client}' on agent '${agentId}' gives back ${short}:${amounts[short]} but holds only ${held[short] ?? 0}`,
      );
    }
    const left = subtractQuantities(held, amounts);
    if (isEmptyQuantities(left)) record.agents.delete(agentId);
    else record.agents.set(agentId, left);
  }

  /** checkAmounts, once for the same amounts passed again. */
  private check(client: string, agentId: string, amounts: Quantities): void {
    if (amounts === this.checked) return;
    checkAmounts(client, agentId, amounts);
    this.checked = amounts;
  }

  /** Adds an agent's quantities to the pool. */
  addTotal(agentId: string, amounts: Quantities): void {
    checkAmounts(undefined, agentId, amounts);
    const held = this.agentTotals.get(agentId) ?? {};
    addInto(held, amounts);
    this.agentTotals.set(agentId, held);
    const total = { ...this.totalAmounts };
    addInto(total, amounts);
    this.totalAmounts = total;
  }

  /** Removes an agent's quantities from the pool; throws if the agent added less. */
  removeTotal(agentId: string, amounts: Quantities): void {
    checkAmounts(undefined, agentId, amounts);
    const held = this.agentTotals.get(agentId) ?? {};
    const short = shortfall(held, amounts);
    if (short !== undefined) {
      throw new Error(
        `sorter: agent '${agentId}' removes ${short}:${amounts[short]} from the total but added only ${held[short] ?? 0}`,
      );
    }
    subtractFrom(held, amounts);
    if (Object.keys(held).length === 0) this.agentTotals.delete(agentId);
    const total = { ...this.totalAmounts };
    subtractFrom(total, amounts);
    this.totalAmounts = total;
  }
}

/** A sorter over a ledger: everything but the order, which each policy supplies. */
export abstract class LedgerSorter implements Sorter {
  protected readonly ledger: ClientLedger;
  protected readonly shareOf: ShareFunction;

  /** `trackAgents` as ClientLedger's: false leaves checking what a client gives back to the caller. */
  constructor(shareOf: ShareFunction, trackAgents = true) {
    this.shareOf = shareOf;
    this.ledger = new ClientLedger(trackAgents);
  }

  add(client: string): void {
    this.ledger.add(client);
  }
  remove(client: string): void {
    this.ledger.remove(client);
  }
  activate(client: string): void {
    this.ledger.get(client).active = true;
  }
  deactivate(client: string): void {
    this.ledger.get(client).active = false;
  }
  updateWeight(path: string, weight: number): void {
    this.ledger.updateWeight(path, weight);
  }
  allocated(client: string, agentId: string, quantities: Quantities): void {
    this.ledger.allocated(client, agentId, quantities);
  }
  unallocated(client: string, agentId: string, quantities: Quantities): void {
    this.ledger.unallocated(client, agentId, quantities);
  }
  addTotal(agentId: string, quantities: Quantities): void {
    this.ledger.addTotal(agentId, quantities);
  }
  removeTotal(agentId: string, quantities: Quantities): void {
    this.ledger.removeTotal(agentId, quantities);
  }
  abstract sort(): readonly string[];
  share(client: string): number {
    const record = this.ledger.get(client);
    return this.shareOf(record.allocation, this.ledger.total) / this.ledger.weight(client);
  }
  allocation(client: string): Quantities {
    return { ...this.ledger.get(client).allocation };
  }
  contains(client: string): boolean {
    return this.ledger.clients.has(client);
  }
  count(): number {
    return this.ledger.clients.size;
  }
}
