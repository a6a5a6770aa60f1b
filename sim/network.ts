// The simulated network between the master, the frameworks and the agents. Each direction of each
// connection is a link with a one-way latency (plus a uniform jitter when asked for), delivering
// in order, as a TCP connection does: a message never overtakes one sent before it on its link.
// A message may be lost with a probability. Between the master and an agent, messages are
// fire-and-forget (as Mesos's agent messages are), so a lost one is gone and the endpoints recover:
// status updates are resent until acknowledged, registrations are retried, frameworks kill launches
// that never report. A framework's calls and event stream are HTTP over TCP: a loss there costs a
// retransmission (`retransmit_ms`, once per loss drawn), and the messages behind it wait. Each link
// draws from its own stream, forked by the link's name, so adding an agent or a framework never
// changes another link's draws.
import type { Rng } from '../engine/rng.ts';

/** Parameters of the simulated network. */
export interface NetworkParams {
  /** One-way latency between the master and an agent, in ms. */
  readonly master_agent_ms: number;
  /** One-way latency between the master and a framework's scheduler, in ms. */
  readonly master_framework_ms: number;
  /** Each message takes up to this much more, uniformly drawn, in ms (order on a link is kept). */
  readonly jitter_ms: number;
  /** Probability that a message is lost, in [0, 1). */
  readonly loss_probability: number;
  /** Delay a retransmission adds on a reliable (framework) link, per loss, in ms (TCP's minimum RTO). */
  readonly retransmit_ms: number;
}

/** The defaults: one data centre, no jitter, no loss. */
export const network_defaults: NetworkParams = {
  master_agent_ms: 0.5,
  master_framework_ms: 1,
  jitter_ms: 0,
  loss_probability: 0,
  retransmit_ms: 200,
};

/** Most retransmissions drawn for one message; beyond, it goes through (a bound on the loop). */
const retransmissions_max = 64;

/** Throws naming the first parameter out of range. */
export function checkNetworkParams(params: NetworkParams): void {
  for (const name of ['master_agent_ms', 'master_framework_ms', 'jitter_ms', 'retransmit_ms'] as const) {
    const value = params[name];
    if (!(Number.isFinite(value) && value >= 0))
      throw new Error(`network: ${name} must be >= 0, got ${value}`);
  }
  const loss = params.loss_probability;
  if (!(loss >= 0 && loss < 1)) throw new Error(`network: loss_probability must be in [0, 1), got ${loss}`);
}

/** One direction of one connection. */
export class Link {
  readonly name: string;
  readonly latency_ms: number;
  /** A reliable link retransmits lost messages; an unreliable one drops them. */
  readonly reliable: boolean;
  /** Delivery time of the last message sent on the link. */
  last_ms = 0;
  /** The link's own draws, made only when jitter or loss need them. */
  rng: Rng | undefined;

  constructor(name: string, latency_ms: number, reliable: boolean) {
    this.name = name;
    this.latency_ms = latency_ms;
    this.reliable = reliable;
  }
}

/** Counts of what the network carried. */
export interface NetworkCounts {
  sent: number;
  /** Messages dropped on unreliable links. */
  lost: number;
  /** Retransmissions on reliable links. */
  retransmitted: number;
}

/** The network: links, and the delivery time of each message sent. */
export class SimNetwork {
  readonly params: NetworkParams;
  readonly counts: NetworkCounts = { sent: 0, lost: 0, retransmitted: 0 };
  private readonly rng: Rng;
  private readonly drawn: boolean;

  constructor(params: NetworkParams, rng: Rng) {
    checkNetworkParams(params);
    this.params = params;
    this.rng = rng;
    this.drawn = params.jitter_ms > 0 || params.loss_probability > 0;
  }

  /** A link between the master and an agent, in one direction. */
  agentLink(name: string): Link {
    return this.link(name, this.params.master_agent_ms, false);
  }

  /** A link between the master and a framework, in one direction. */
  frameworkLink(name: string): Link {
    return this.link(name, this.params.master_framework_ms, true);
  }

  /** When a message sent now on `link` arrives, or undefined when it is lost. */
  deliveryTime(link: Link, now: number): number | undefined {
    if (!this.drawn) {
      let at = now + link.latency_ms;
      if (at < link.last_ms) at = link.last_ms;
      link.last_ms = at;
      this.counts.sent++;
      return at;
    }
    const rng = link.rng!;
    const loss = this.params.loss_probability;
    this.counts.sent++;
    let delay_ms = 0;
    if (loss > 0) {
      if (!link.reliable) {
        if (rng.next() < loss) {
          this.counts.lost++;
          return undefined;
        }
      } else {
        for (let k = 0; k < retransmissions_max && rng.next() < loss; k++) {
          this.counts.retransmitted++;
          delay_ms += this.params.retransmit_ms;
        }
      }
    }
    let at =
      now + delay_ms + link.latency_ms + (this.params.jitter_ms > 0 ? rng.next() * this.params.jitter_ms : 0);
    if (at < link.last_ms) at = link.last_ms;
    link.last_ms = at;
    return at;
  }

  private link(name: string, latency_ms: number, reliable: boolean): Link {
    const link = new Link(name, latency_ms, reliable);
    if (this.drawn) link.rng = this.rng.fork(name);
    return link;
  }
}
