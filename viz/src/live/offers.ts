// The live offer flow (#/offers): the master's own offer events from GET /master/events
// (docs/protocol.md; the operator SUBSCRIBE stream carries none), counted per framework in one-second
// buckets, drawn as the trace viewer draws a trace's flow (charts/flow.ts) over a sliding window,
// with the rates per framework beside it. Pause holds the picture still while the counts go on;
// step moves a held picture on by a second; play runs a held picture on through the counted seconds
// at the chosen speed until it is back with the stream, resume goes back at once; the window is chosen. The stream follows the page's
// live link: it is read from the master the link found leading (a standby answers 307 to the
// leader, which fetch follows), read again from the new leader when the link finds another, and
// retried while the master is away.
import { schemeTableau10 } from 'd3';
import { el } from '../app/dom.ts';
import type { View } from '../app/router.ts';
import { flowDiagram, outcomes } from '../charts/flow.ts';
import { formatCount, formatRate } from '../charts/format.ts';
import { type LiveLink, liveLink } from './connection.ts';
import {
  bucket_ms,
  history_buckets,
  OfferCounts,
  type StreamEvent,
  type WindowFlow,
} from './offer-counts.ts';
import { RecordReader } from './recordio.ts';

/** The event types the view asks for. */
const stream_types = ['offer_made', 'offer_accepted', 'offer_declined', 'offer_rescinded', 'task_launched'];
/** Windows offered, in seconds. */
const windows_s = [5, 10, 30, 60, 300];
/** Speeds a held picture is played at, in seconds of the master's clock per second. */
const speeds = [1, 2, 4, 8];
/** How often the picture is redrawn (a held one only changes in its totals). */
const redraw_ms = 500;
const retry_ms_min = 500;
const retry_ms_max = 5000;

/** The stream's condition. */
type StreamStatus =
  | { readonly kind: 'connecting'; readonly url: string }
  | { readonly kind: 'connected'; readonly url: string }
  | {
      readonly kind: 'disconnected';
      readonly url: string;
      readonly reason: string;
      readonly retry_ms: number;
    };

/** The master's offer events, read into `counts` until stopped. */
class OfferStream {
  readonly counts = new OfferCounts();
  status: StreamStatus;
  /** The master's clock at the last record, and the page's clock then: the master's now, estimated. */
  private master_ms = Number.NaN;
  private local_ms = 0;
  private running = true;
  private abort: AbortController | undefined;
  private wake: (() => void) | undefined;
  private readonly offStatus: () => void;

  private readonly link: LiveLink;
  private readonly onStatus: (s: StreamStatus) => void;

  constructor(link: LiveLink, onStatus: (s: StreamStatus) => void) {
    this.link = link;
    this.onStatus = onStatus;
    this.status = { kind: 'connecting', url: this.base() };
    // A new leader found by the link: read its stream instead.
    this.offStatus = link.onStatus((s) => {
      if (s.kind !== 'connected') return;
      if (this.status.kind === 'connected' && this.status.url === s.leader.url) return;
      this.abort?.abort();
      this.wake?.();
    });
    void this.loop();
  }

  /** The master's clock now, as far as the page can tell. */
  now(): number {
    return Number.isFinite(this.master_ms)
      ? this.master_ms + (performance.now() - this.local_ms)
      : Number.NaN;
  }

  stop(): void {
    this.running = false;
    this.offStatus();
    this.abort?.abort();
    this.wake?.();
  }

  private base(): string {
    return this.link.leader?.url ?? this.link.home;
  }

  private set(status: StreamStatus): void {
    this.status = status;
    this.onStatus(status);
  }

  private async loop(): Promise<void> {
    let wait_ms = retry_ms_min;
    while (this.running) {
      const url = this.base();
      this.set({ kind: 'connecting', url });
      const reason = await this.read(url).catch((error: unknown) =>
        error instanceof Error ? error.message : String(error),
      );
      if (!this.running) return;
      if (this.status.kind === 'connected') wait_ms = retry_ms_min;
      this.set({ kind: 'disconnected', url, reason, retry_ms: wait_ms });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait_ms);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      wait_ms = Math.min(retry_ms_max, wait_ms * 2);
    }
  }

  /** One subscription: reads records until the stream ends; why it ended. */
  private async read(url: string): Promise<string> {
    this.abort = new AbortController();
    const response = await fetch(`${url}/master/events?types=${stream_types.join(',')}`, {
      signal: this.abort.signal,
      cache: 'no-store',
    });
    if (!response.ok || response.body === null) {
      return `GET /master/events answered ${response.status}: ${(await response.text()).slice(0, 200)}`;
    }
    const reader = response.body.getReader();
    const records = new RecordReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return 'the master closed the event stream';
      for (const record of records.push(value))
        this.take(new URL(response.url).origin, record as StreamRecord);
    }
  }

  private take(origin: string, record: StreamRecord): void {
    const time_ms =
      record.type === 'SUBSCRIBED'
        ? record.subscribed?.time_ms
        : record.type === 'HEARTBEAT'
          ? record.heartbeat?.time_ms
          : record.time_ms;
    if (typeof time_ms === 'number' && Number.isFinite(time_ms)) {
      // A master whose clock is well behind what was seen (another machine's): start afresh.
      if (this.counts.latest_ms - time_ms > history_buckets * bucket_ms) this.counts.clear();
      this.master_ms = Math.max(Number.isFinite(this.master_ms) ? this.master_ms : time_ms, time_ms);
      this.local_ms = performance.now();
    }
    if (record.type === 'SUBSCRIBED') {
      if (typeof time_ms === 'number') this.counts.tick(time_ms);
      this.set({ kind: 'connected', url: origin });
    } else if (record.type === 'HEARTBEAT') {
      if (typeof time_ms === 'number') this.counts.tick(time_ms);
    } else this.counts.add(record);
  }
}

interface StreamRecord extends StreamEvent {
  readonly subscribed?: { readonly time_ms?: number };
  readonly heartbeat?: { readonly time_ms?: number };
}

const colors = (i: number): string => schemeTableau10[i % schemeTableau10.length]!;

/** The status line's text. */
function streamText(s: StreamStatus): string {
  switch (s.kind) {
    case 'connecting':
      return `Subscribing to the offer events of ${s.url}...`;
    case 'connected':
      return `Following the offer events of ${s.url}`;
    case 'disconnected':
      return `Disconnected from ${s.url}: ${s.reason}. Retrying in ${Math.round(s.retry_ms / 100) / 10} s`;
  }
}

/** The rates table: per framework, each flow per second over the window. */
function ratesTable(
  flows: readonly WindowFlow[],
  names: (id: string) => string,
  seconds: number,
): HTMLTableElement {
  const head = ['framework', 'offers', 'accepted', 'declined', 'rescinded', 'launches', 'mean refuse (s)'];
  const rows = flows.map((f) => {
    const declined = f.outcomes[1] + f.outcomes[2];
    const cells = [f.made, f.outcomes[0], declined, f.outcomes[3], f.launched].map((v) =>
      el('td', { class: 'num' }, formatRate(v / seconds)),
    );
    return el(
      'tr',
      { 'data-framework': f.framework_id },
      el('td', {}, names(f.framework_id)),
      ...cells,
      el('td', { class: 'num' }, declined > 0 ? formatRate(f.refuse_seconds / declined) : '-'),
    );
  });
  return el(
    'table',
    { class: 'rates' },
    el('caption', {}, `Rates per framework, per second over the last ${seconds} s`),
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows),
  );
}

/** The offer flow view. */
export const offers_view: View = {
  path: 'offers',
  title: 'Offers',
  nav: true,
  show({ root }) {
    const link = liveLink();
    const status = el('p', { class: 'muted', role: 'status', 'data-offer-stream': 'connecting' });
    const pause = el('button', { type: 'button', 'aria-pressed': 'false' }, 'Pause');
    const play = el('button', { type: 'button', 'aria-pressed': 'false', disabled: '' }, 'Play');
    const step = el('button', { type: 'button', disabled: '' }, 'Step 1 s');
    const speed_select = el('select', { id: 'offers-speed' });
    for (const v of speeds) speed_select.append(new Option(`${v}×`, String(v), v === 1, v === 1));
    const window_select = el('select', { id: 'offers-window' });
    for (const s of windows_s) window_select.append(new Option(`${s} s`, String(s), s === 10, s === 10));
    const held = el('span', { class: 'muted', 'data-held': '' });
    const totals = el('p', { class: 'muted', 'data-totals': '' });
    const flow = flowDiagram(
      'Offer flow: offers per framework and what became of them, over the window',
      900,
      260,
    );
    const rates = el('div', { class: 'rates-box' });
    root.append(
      el('h1', {}, 'Offers'),
      status,
      el(
        'div',
        { class: 'toolbar', role: 'group', 'aria-label': 'Offer flow controls' },
        pause,
        play,
        step,
        el('label', { for: 'offers-speed' }, 'Speed'),
        speed_select,
        el('label', { for: 'offers-window' }, 'Window'),
        window_select,
        held,
      ),
      flow.node,
      rates,
      totals,
    );
    const stream = new OfferStream(link, (s) => {
      status.textContent = streamText(s);
      status.dataset.offerStream = s.kind;
    });
    /** The end of the window while held or playing; undefined while following the stream. */
    let paused_at: number | undefined;
    /** Whether a held picture is playing on toward the stream, and the page's clock when it last moved. */
    let playing = false;
    let moved_ms = 0;
    let speed = 1;
    const names = (id: string): string => link.store.frameworks.get(id)?.framework_info.name ?? id;
    const draw = (): void => {
      advance();
      const now = stream.now();
      const to = paused_at ?? now;
      const seconds = Number(window_select.value);
      const counts = stream.counts;
      const t = counts.totals;
      totals.textContent =
        `Since the page opened: ${formatCount(t.made)} offers made, ${formatCount(t.accepted)} accepted, ` +
        `${formatCount(t.declined)} declined, ${formatCount(t.rescinded)} rescinded; ${formatCount(t.launched)} tasks launched.`;
      totals.dataset.made = String(t.made);
      totals.dataset.accepted = String(t.accepted);
      totals.dataset.declined = String(t.declined);
      totals.dataset.launched = String(t.launched);
      if (!Number.isFinite(to)) {
        flow.update([], 'No offer events yet.');
        rates.replaceChildren();
        return;
      }
      const flows = counts.window(to, seconds);
      const made = flows.reduce((s, f) => s + f.made, 0);
      flow.update(
        flows.map((f, i) => ({ name: names(f.framework_id), color: colors(i), outcomes: f.outcomes })),
        `${formatCount(made)} offers made in the last ${seconds} s; ${outcomes.join(', ')} on the right`,
      );
      rates.replaceChildren(ratesTable(flows, names, seconds));
      const behind = paused_at === undefined ? 0 : Math.max(0, Math.round((now - paused_at) / 1000));
      held.textContent =
        paused_at === undefined
          ? ''
          : playing
            ? `Playing at ${speed}×, ${behind} s behind the master`
            : `Held ${behind} s behind the master`;
    };
    // A held picture ends with the newest whole second: the second still being written would go on
    // filling while paused (the stream is in the master's time order, so earlier ones are complete).
    const lastWhole = (): number => Math.floor(stream.now() / bucket_ms) * bucket_ms - 1;
    /** The buttons as the picture is: following the stream, held, or playing on toward it. */
    const settle = (): void => {
      const is_held = paused_at !== undefined && !playing;
      pause.textContent = is_held ? 'Resume' : 'Pause';
      pause.setAttribute('aria-pressed', String(is_held));
      play.setAttribute('aria-pressed', String(playing));
      for (const button of [play, step]) {
        if (paused_at === undefined) button.setAttribute('disabled', '');
        else button.removeAttribute('disabled');
      }
    };
    const follow = (): void => {
      paused_at = undefined;
      playing = false;
      settle();
    };
    /** A playing picture moved on by the time gone since it last moved, at the speed; back with the
     * stream once it reaches the newest whole second. */
    const advance = (): void => {
      if (!playing || paused_at === undefined) return;
      const t = performance.now();
      paused_at += (t - moved_ms) * speed;
      moved_ms = t;
      if (!(paused_at < lastWhole())) follow();
    };
    pause.addEventListener('click', () => {
      if (paused_at === undefined || playing) {
        advance();
        if (paused_at === undefined) paused_at = lastWhole();
        playing = false;
      } else follow();
      settle();
      draw();
    });
    play.addEventListener('click', () => {
      if (paused_at === undefined) return;
      if (playing) {
        advance();
        playing = false;
      } else {
        playing = true;
        moved_ms = performance.now();
      }
      settle();
      draw();
    });
    step.addEventListener('click', () => {
      if (paused_at === undefined) return;
      advance();
      if (paused_at === undefined) return draw();
      paused_at = Math.min(lastWhole(), paused_at + bucket_ms);
      draw();
    });
    // A new speed counts from now: the time gone so far is played at the old one.
    speed_select.addEventListener('change', () => {
      advance();
      speed = Number(speed_select.value);
      draw();
    });
    window_select.addEventListener('change', draw);
    draw();
    const timer = setInterval(draw, redraw_ms);
    return () => {
      clearInterval(timer);
      stream.stop();
    };
  },
};
