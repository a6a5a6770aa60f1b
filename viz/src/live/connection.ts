// The page's link to the leading master: GET_MASTER (which master leads, since when), then the
// operator SUBSCRIBE stream, whose SUBSCRIBED carries the whole state once (a GET_STATE) and whose
// events keep it current; the page never re-reads the state on a timer. A standby answers 307 to the
// leader, which fetch follows (the master allows any origin), so the page follows a change of leader
// without a reload. When the stream ends the page shows the master as disconnected and tries again,
// first the master that served it (which redirects to whoever leads now), then the last leader.
import { RecordReader } from './recordio.ts';
import { LiveStore, type OperatorEvent } from './store.ts';

/** What the page knows of the leading master. */
export interface LeaderInfo {
  /** The leader's origin, `http://host:port` (`https://` when the page came over TLS). */
  readonly url: string;
  readonly hostname: string;
  readonly version: string;
  /** When it was elected, ms since the epoch. */
  readonly elected_ms: number;
  readonly start_ms: number;
}

/** The link's condition, shown in the page's status bar. */
export type LinkStatus =
  | { readonly kind: 'connecting'; readonly url: string }
  | { readonly kind: 'connected'; readonly leader: LeaderInfo }
  | {
      readonly kind: 'disconnected';
      readonly url: string;
      readonly reason: string;
      readonly retry_ms: number;
    };

/** How long to wait before trying again, growing to a bound. */
const retry_ms_min = 500;
const retry_ms_max = 5000;

/** The live link: a store kept current and the link's status. */
export class LiveLink {
  readonly store = new LiveStore();
  status: LinkStatus;
  leader: LeaderInfo | undefined;
  private readonly listeners = new Set<(s: LinkStatus) => void>();
  private started = false;
  private abort: AbortController | undefined;

  /** The master the page came from (its own origin unless `?master=` names another). */
  readonly home: string;

  constructor(home: string) {
    this.home = home;
    this.status = { kind: 'connecting', url: home };
  }

  /** Calls `fn` with every status change; returns the unsubscribe. */
  onStatus(fn: (s: LinkStatus) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private setStatus(status: LinkStatus): void {
    this.status = status;
    for (const fn of [...this.listeners]) fn(status);
  }

  /** Starts connecting (once); it keeps reconnecting until `stop`. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.loop();
  }

  stop(): void {
    this.started = false;
    this.abort?.abort();
  }

  /** POSTs an operator call to the leader (or home), following redirects; the answer's JSON or text. */
  async call(body: unknown): Promise<Response> {
    const base = this.leader?.url ?? this.home;
    return fetch(`${base}/api/v1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
  }

  private async loop(): Promise<void> {
    let wait_ms = retry_ms_min;
    let attempt = 0;
    while (this.started) {
      // Home first: it redirects to whoever leads now. Every other attempt the last leader itself.
      const url = attempt % 2 === 1 && this.leader !== undefined ? this.leader.url : this.home;
      attempt += 1;
      this.setStatus({ kind: 'connecting', url });
      const reason = await this.session(url).catch((error: unknown) =>
        error instanceof Error ? error.message : String(error),
      );
      if (!this.started) return;
      if (this.status.kind === 'connected') wait_ms = retry_ms_min;
      this.setStatus({ kind: 'disconnected', url, reason, retry_ms: wait_ms });
      await new Promise((resolve) => setTimeout(resolve, wait_ms));
      wait_ms = Math.min(retry_ms_max, wait_ms * 2);
    }
  }

  /** One connection: finds the leader, subscribes, applies events until the stream ends. */
  private async session(url: string): Promise<string> {
    this.abort = new AbortController();
    const signal = this.abort.signal;
    const post = (base: string, body: unknown) =>
      fetch(`${base}/api/v1`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
    const master = await post(url, { type: 'GET_MASTER' });
    if (!master.ok) return `GET_MASTER answered ${master.status}: ${(await master.text()).slice(0, 200)}`;
    const leader = leaderOf(master.url, await master.json());
    const stream = await post(leader.url, { type: 'SUBSCRIBE' });
    if (!stream.ok || stream.body === null) {
      return `SUBSCRIBE answered ${stream.status}: ${(await stream.text()).slice(0, 200)}`;
    }
    this.leader = leader;
    this.setStatus({ kind: 'connected', leader });
    const reader = stream.body.getReader();
    const records = new RecordReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return 'the master closed the event stream';
      for (const record of records.push(value)) this.store.apply(record as OperatorEvent);
    }
  }
}

/** The leader from a GET_MASTER answer and the URL that answered it (after any redirect). */
function leaderOf(answered_url: string, body: GetMasterBody): LeaderInfo {
  const info = body.get_master?.master_info;
  return {
    url: new URL(answered_url).origin,
    hostname: info?.hostname ?? info?.address?.hostname ?? new URL(answered_url).hostname,
    version: info?.version ?? '',
    elected_ms: (body.get_master?.elected_time ?? 0) * 1000,
    start_ms: (body.get_master?.start_time ?? 0) * 1000,
  };
}

interface GetMasterBody {
  readonly get_master?: {
    readonly master_info?: { hostname?: string; version?: string; address?: { hostname?: string } };
    readonly elected_time?: number;
    readonly start_time?: number;
  };
}

/**
 * The master the page talks to: `?master=host:port` in its URL (reached with the page's own
 * scheme, so a page served over TLS talks TLS), else the origin it came from.
 */
export function homeMaster(loc: Pick<Location, 'search' | 'origin' | 'protocol'>): string {
  const named = new URLSearchParams(loc.search).get('master');
  if (named === null || named === '') return loc.origin;
  return /^https?:\/\//.test(named) ? named.replace(/\/+$/, '') : `${loc.protocol}//${named}`;
}

let shared: LiveLink | undefined;

/** The page's one live link, made on first use. */
export function liveLink(): LiveLink {
  shared ??= new LiveLink(homeMaster(location));
  shared.start();
  return shared;
}
