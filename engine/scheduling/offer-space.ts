// An offer while a framework carves tasks out of it: what is left of it, the host and rack it is on,
// and the tasks launched from it so far. The ACCEPT that answers the offer carries those tasks.

import type { Offer, TaskInfo } from '../master/v1.ts';
import { containsQuantities, type Quantities } from '../quantities.ts';
import { type Resources, shrink, subtract, toQuantities } from '../resources.ts';
import type { TaskSpec } from './job.ts';

/** The rack of a host whose agent has no `rack` attribute (HDFS's name for it). */
export const default_rack = '/default-rack';

/** The agent attribute naming a host's rack. */
const rack_attribute = 'rack';

/** The rack of an offer's agent, from its `rack` attribute (text or scalar). */
export function rackOfOffer(offer: Offer): string {
  const attribute = offer.attributes.find((a) => a.name === rack_attribute);
  if (attribute?.text !== undefined) return attribute.text.value;
  if (attribute?.scalar !== undefined) return String(attribute.scalar.value);
  return default_rack;
}

/** The size of a task: what it holds while it runs. */
export type TaskSize = Pick<TaskSpec, 'cpus' | 'mem_mb'>;

/** The scalar resources one task of a job holds while it runs. */
export function taskNeeds(spec: TaskSize): Quantities {
  return { cpus: spec.cpus, mem: spec.mem_mb };
}

/** An offer being filled with tasks. */
export class OfferSpace {
  readonly offer: Offer;
  readonly hostname: string;
  readonly rack: string;
  /** Tasks launched from this offer, in launch order. */
  readonly tasks: TaskInfo[] = [];
  /** True when some job passed this offer over to wait for a better placement (delay scheduling). */
  waited = false;
  /**
   * When the earliest job that passed this offer over may use it (its locality wait moves on a
   * level), in ms; undefined when unknown. The framework filters a passed-over offer until then.
   */
  waitEnds_ms: number | undefined;
  private left: Resources;
  /** The scalars of `left`, computed when first asked (most offers of a busy day are only declined). */
  private leftQuantities: Quantities | undefined;

  constructor(offer: Offer) {
    this.offer = offer;
    this.hostname = offer.hostname;
    this.rack = rackOfOffer(offer);
    this.left = offer.resources;
  }

  /** The offer's id. */
  get id(): string {
    return this.offer.id.value;
  }

  /** Scalars not yet carved out. */
  available(): Quantities {
    if (this.leftQuantities === undefined) this.leftQuantities = toQuantities(this.left);
    return this.leftQuantities;
  }

  /** True when one task of this size still fits. */
  fits(spec: TaskSize): boolean {
    const left = this.available();
    return (left.cpus ?? 0) >= spec.cpus && (left.mem ?? 0) >= spec.mem_mb;
  }

  /** Takes one task's resources out of what is left, and returns them (allocation role kept). */
  carve(spec: TaskSize): Resources {
    const needs = taskNeeds(spec);
    const taken = shrink(this.left, needs, false);
    if (!containsQuantities(toQuantities(taken), needs)) {
      throw new Error(`offer ${this.id}: a task of cpus ${spec.cpus} mem ${spec.mem_mb} does not fit`);
    }
    this.left = subtract(this.left, taken);
    this.leftQuantities = undefined;
    return taken;
  }
}
