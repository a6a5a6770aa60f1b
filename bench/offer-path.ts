// The engine's work per offer, as a simulated day spends it: a master (the engine's, with the
// hierarchical DRF allocator) over idle agents, frameworks that each revive, are offered every free
// agent by the next allocation cycle, and decline them all with the default 5 s filter, as the
// workload models do when a job arrives and needs nothing more. One round is the REVIVE calls, the
// allocation timer and the DECLINE calls; the time of a round over the offers it made is the cost
// of making an offer, its trace event, its decline and the allocator taking it back with its filter.
//
//   npx tsx bench/allocator.ts --offers   (after the allocation cycles)

import { createAllocator } from '../engine/allocator/policies.ts';
import type { MasterEffect } from '../engine/master/effects.ts';
import type { MasterInput } from '../engine/master/inputs.ts';
import { createMaster, type Master } from '../engine/master/master.ts';
import { createRng } from '../engine/rng.ts';

/** One size of the offer-path case. */
export interface OfferPathSize {
  readonly agents: number;
  readonly frameworks: number;
}

/** What one measurement of the offer path gives. */
export interface OfferPathFigure {
  readonly agents: number;
  readonly frameworks: number;
  readonly rounds: number;
  readonly offers: number;
  readonly us_per_offer: number;
}

interface Framework {
  readonly id: string;
  readonly stream: string;
}

/** Builds the master, its agents and frameworks; every agent idle, every framework subscribed. */
function build(size: OfferPathSize): { master: Master; frameworks: Framework[] } {
  const master = createMaster({
    masterId: 'bench',
    createAllocator: () => createAllocator({ policy: 'drf', rng: createRng('bench-offers') }),
  });
  const step = (input: MasterInput): MasterEffect[] => master.step(input, 0);
  step({ type: 'start' });
  for (let i = 0; i < size.agents; i++) {
    step({
      type: 'agent_register',
      connection: `c${i}`,
      agent_info: {
        hostname: `a${i}`,
        port: 5051,
        resources: 'cpus:8;mem:16384;disk:4096;ports:[31000-32000]',
      },
    });
  }
  const frameworks: Framework[] = [];
  for (let i = 0; i < size.frameworks; i++) {
    const stream = `s${i}`;
    const out = step({
      type: 'scheduler_call',
      stream_id: stream,
      call: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: `f${i}` } } },
    });
    for (const e of out) {
      if (e.type === 'framework_event' && e.event.type === 'SUBSCRIBED')
        frameworks.push({ id: e.event.subscribed.framework_id.value, stream });
    }
  }
  return { master, frameworks };
}

/** Offer ids per framework in a round's effects. */
function offersByFramework(effects: readonly MasterEffect[]): Map<string, Array<{ value: string }>> {
  const out = new Map<string, Array<{ value: string }>>();
  for (const e of effects) {
    if (e.type !== 'framework_event' || e.event.type !== 'OFFERS') continue;
    for (const offer of e.event.offers.offers) {
      const list = out.get(offer.framework_id.value) ?? [];
      list.push(offer.id);
      out.set(offer.framework_id.value, list);
    }
  }
  return out;
}

/** Runs `rounds` rounds after `warmup` untimed ones; returns the time per offer. */
export function measureOfferPath(
  size: OfferPathSize,
  rounds: number,
  warmup: number,
  clock: () => number,
): OfferPathFigure {
  const { master, frameworks } = build(size);
  let now = 0;
  let offers = 0;
  let elapsed_ms = 0;
  for (let round = 0; round < warmup + rounds; round++) {
    now += 1000;
    const started = clock();
    for (const f of frameworks) {
      master.step(
        {
          type: 'scheduler_call',
          stream_id: f.stream,
          call: { type: 'REVIVE', framework_id: { value: f.id } },
        },
        now,
      );
    }
    const effects = master.step({ type: 'timer', key: 'allocation' }, now);
    const paused = clock();
    const made = offersByFramework(effects);
    const resumed = clock();
    for (const f of frameworks) {
      const ids = made.get(f.id);
      if (ids === undefined) continue;
      master.step(
        {
          type: 'scheduler_call',
          stream_id: f.stream,
          call: { type: 'DECLINE', framework_id: { value: f.id }, decline: { offer_ids: ids } },
        },
        now,
      );
    }
    if (round < warmup) continue;
    // Reading the offers out of the effects is the benchmark's work, not the engine's.
    elapsed_ms += clock() - started - (resumed - paused);
    for (const ids of made.values()) offers += ids.length;
  }
  return { ...size, rounds, offers, us_per_offer: (elapsed_ms * 1000) / offers };
}
