// The live offer flow's counts: each offer event of the master's GET /master/events stream added to
// its framework's one-second bucket of the master's clock (`time_ms`), the last few minutes kept in
// a ring, so a window of any length up to that is a sum of a few buckets per framework however many
// offers a second go by. Outcomes follow the trace viewer's: accepted, declined with the default
// filter or a longer one, rescinded.
import { refuse_seconds_default } from '../trace/aggregate.ts';

/** Slots of a bucket. */
const made = 0;
const accepted = 1;
const declined = 2;
const declined_long = 3;
const rescinded = 4;
const launched = 5;
const refuse_sum = 6;
const slots = 7;

/** The bucket width. */
export const bucket_ms = 1000;
/** Buckets kept: the longest window that can be shown, in seconds. */
export const history_buckets = 300;

/** One framework's offers over a window. */
export interface WindowFlow {
  readonly framework_id: string;
  readonly made: number;
  /** Accepted, declined (default filter), declined (longer filter), rescinded. */
  readonly outcomes: readonly [number, number, number, number];
  readonly launched: number;
  /** The sum of the refuse_seconds of its declines. */
  readonly refuse_seconds: number;
}

/** An event of the stream, as far as the counts read it. */
export interface StreamEvent {
  readonly type: string;
  readonly time_ms?: number;
  readonly framework_id?: string;
  readonly refuse_seconds?: number;
}

/** Offer events counted per framework in one-second buckets. */
export class OfferCounts {
  private readonly frameworks = new Map<string, Float64Array>();
  /** The newest bucket number (time_ms / bucket_ms) written, -1 before any. */
  private head = -1;
  /** The master's clock as the newest event or heartbeat gave it. */
  latest_ms = Number.NaN;
  /** Offers made since the counts began, and what became of them. */
  readonly totals = { made: 0, accepted: 0, declined: 0, rescinded: 0, launched: 0 };

  /** Forgets everything (a master whose clock is behind what was seen). */
  clear(): void {
    this.frameworks.clear();
    this.head = -1;
    this.latest_ms = Number.NaN;
    for (const k of Object.keys(this.totals) as (keyof OfferCounts['totals'])[]) this.totals[k] = 0;
  }

  /** Moves the clock to `time_ms` (a heartbeat, or the time of an event). */
  tick(time_ms: number): void {
    if (!Number.isFinite(time_ms)) return;
    if (!(this.latest_ms >= time_ms)) this.latest_ms = time_ms;
    const b = Math.floor(time_ms / bucket_ms);
    if (b <= this.head) return;
    // Buckets entered afresh start empty; a jump past the whole ring empties it all.
    const from = Math.max(this.head + 1, b - history_buckets + 1);
    for (const counts of this.frameworks.values()) {
      for (let k = from; k <= b; k++)
        counts.fill(0, (k % history_buckets) * slots, ((k % history_buckets) + 1) * slots);
    }
    this.head = b;
  }

  /** Counts one event of the stream; others than the offer events and launches are ignored. */
  add(e: StreamEvent): void {
    const slot = slotOf(e);
    if (slot < 0 || typeof e.time_ms !== 'number' || typeof e.framework_id !== 'string') return;
    this.tick(e.time_ms);
    const b = Math.floor(e.time_ms / bucket_ms);
    // Older than the ring holds.
    if (b <= this.head - history_buckets) return;
    let counts = this.frameworks.get(e.framework_id);
    if (counts === undefined) {
      counts = new Float64Array(history_buckets * slots);
      this.frameworks.set(e.framework_id, counts);
    }
    const at = (b % history_buckets) * slots;
    counts[at + slot]! += 1;
    if (slot === declined || slot === declined_long) counts[at + refuse_sum]! += refuseOf(e);
    const t = this.totals;
    if (slot === made) t.made++;
    else if (slot === accepted) t.accepted++;
    else if (slot === rescinded) t.rescinded++;
    else if (slot === launched) t.launched++;
    else t.declined++;
  }

  /**
   * Each framework's counts over the `seconds` whole buckets that end with the one holding
   * `to_ms`, frameworks with nothing in the window left out.
   */
  window(to_ms: number, seconds: number): WindowFlow[] {
    const last = Math.min(this.head, Math.floor(to_ms / bucket_ms));
    const n = Math.min(history_buckets, Math.max(1, Math.round(seconds)));
    const flows: WindowFlow[] = [];
    if (last < 0) return flows;
    for (const [framework_id, counts] of this.frameworks) {
      const sum = new Float64Array(slots);
      for (let b = last - n + 1; b <= last; b++) {
        if (b < 0 || b <= this.head - history_buckets) continue;
        const at = (b % history_buckets) * slots;
        for (let s = 0; s < slots; s++) sum[s]! += counts[at + s]!;
      }
      if (sum[made] === 0 && sum[accepted] === 0 && sum[declined] === 0 && sum[launched] === 0) {
        if (sum[declined_long] === 0 && sum[rescinded] === 0) continue;
      }
      flows.push({
        framework_id,
        made: sum[made]!,
        outcomes: [sum[accepted]!, sum[declined]!, sum[declined_long]!, sum[rescinded]!],
        launched: sum[launched]!,
        refuse_seconds: sum[refuse_sum]!,
      });
    }
    return flows;
  }
}

function refuseOf(e: StreamEvent): number {
  return typeof e.refuse_seconds === 'number' && Number.isFinite(e.refuse_seconds)
    ? e.refuse_seconds
    : refuse_seconds_default;
}

function slotOf(e: StreamEvent): number {
  switch (e.type) {
    case 'offer_made':
      return made;
    case 'offer_accepted':
      return accepted;
    case 'offer_declined':
      return refuseOf(e) > refuse_seconds_default ? declined_long : declined;
    case 'offer_rescinded':
      return rescinded;
    case 'task_launched':
      return launched;
    default:
      return -1;
  }
}
