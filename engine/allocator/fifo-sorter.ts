// First in, first out: clients in the order they were added, whatever they hold (the greedy
// policy experiments compare fair sharing against). The hierarchy plays no part in the order.
import { LedgerSorter } from './client-ledger.ts';
import { dominantShare } from './share.ts';

/** Orders active clients by registration; shares are reported as weighted dominant shares. */
export class FifoSorter extends LedgerSorter {
  /** The last order computed, or undefined once a client came, went or changed activity. */
  private order: readonly string[] | undefined;

  /** `trackAgents` as in ClientLedger (default true). */
  constructor(trackAgents = true) {
    super(dominantShare, trackAgents);
  }

  override add(client: string): void {
    super.add(client);
    this.order = undefined;
  }
  override remove(client: string): void {
    super.remove(client);
    this.order = undefined;
  }
  override activate(client: string): void {
    super.activate(client);
    this.order = undefined;
  }
  override deactivate(client: string): void {
    super.deactivate(client);
    this.order = undefined;
  }

  sort(): readonly string[] {
    // The ledger's map keeps insertion order, and a re-added client is inserted anew, last.
    if (this.order === undefined) {
      const order: string[] = [];
      for (const record of this.ledger.clients.values()) if (record.active) order.push(record.path);
      this.order = order;
    }
    return this.order;
  }

  /** The first active client in order that `accept` takes, read from the cached order. */
  find(accept: (client: string) => boolean): string | undefined {
    return this.sort().find(accept);
  }
}
