// Delay scheduling (Zaharia et al., "Delay Scheduling", EuroSys 2010, Algorithm 3): a job that has no
// task whose data is on an offered host passes the offer over, and only after waiting W1 may it
// launch rack-local tasks, and after W1 + W2 any task. Each job keeps a locality level (0 node, 1
// rack, 2 any) and how long it has waited: a launch at a level resets the wait and sets the level,
// so a job that had to go remote keeps launching remote tasks until a node-local one turns up. The
// wait counts from the first offer the job passed over since its last locality launch; each phase
// starts over at the node level.
//
// Tasks are found by host and by rack through lists built when a phase starts (as Hadoop's
// JobInProgress caches non-running maps by node and rack); launched tasks are dropped from the lists
// lazily, and a task launched again is pushed back.
import type { Locality } from './job-events.ts';
import { chooseFirstPending, type TaskChoice } from './job-model.ts';
import type { JobRun } from './job-run.ts';
import type { OfferSpace } from './offer-space.ts';

/** How long a job waits for locality. */
export interface DelayParams {
  /** Wait for a node-local offer before rack-local tasks are allowed (W1), in ms; 0 turns delay scheduling off. */
  readonly delay_ms: number;
  /** Further wait before any host is allowed (W2), in ms. */
  readonly rack_delay_ms: number;
}

/** Where the data of each task is. */
export interface TaskHosts {
  /** Hosts holding what task `index` of `run`'s current phase reads; empty when it has no preference. */
  hostsOf(run: JobRun, index: number): readonly string[];
  /** The rack of a host, if known from elsewhere than offers. */
  rackOf?(hostname: string): string | undefined;
}

/** Pending tasks of one phase by the hosts and racks they prefer. */
interface PhaseIndex {
  readonly epoch: number;
  readonly byHost: Map<string, number[]>;
  readonly byRack: Map<string, number[]>;
  /** Tasks without a preference: they run anywhere at once. */
  readonly anywhere: number[];
  /** Number of tasks of the phase with a preference. */
  readonly preferring: number;
}

/** A job's delay scheduling state. */
interface DelayState {
  level: 0 | 1 | 2;
  waitingSince_ms: number | undefined;
  index: PhaseIndex | undefined;
}

/** Throws unless the waits are usable. */
export function checkDelayParams(params: DelayParams, what: string): void {
  for (const key of ['delay_ms', 'rack_delay_ms'] as const) {
    if (!(params[key] >= 0) || !Number.isFinite(params[key])) throw new Error(`${what}: ${key} must be >= 0`);
  }
}

/** Picks tasks for offers with delay scheduling over the preferences `hosts` gives. */
export class DelayScheduler {
  private readonly hosts: TaskHosts;
  private readonly node_wait_ms: number;
  private readonly rack_wait_ms: number;
  private readonly states = new WeakMap<JobRun, DelayState>();
  /** Racks of the hosts seen in offers. */
  private readonly racks = new Map<string, string>();

  constructor(hosts: TaskHosts, params: DelayParams) {
    this.hosts = hosts;
    this.node_wait_ms = params.delay_ms;
    // `delay_ms: 0` means no delay scheduling at all, so the rack wait goes too.
    this.rack_wait_ms = params.delay_ms === 0 ? 0 : params.rack_delay_ms;
  }

  /** The task of `run` to launch on `space`, 'wait' to pass the offer over, or 'none'. */
  choose(run: JobRun, space: OfferSpace, now: number): TaskChoice {
    this.racks.set(space.hostname, space.rack);
    const state = this.stateOf(run);
    const index = this.indexOf(run, state);
    if (index.preferring === 0) return chooseFirstPending(run, space);
    const local = peekPending(index.byHost.get(space.hostname), run);
    if (local !== undefined) return this.pick(state, 0, run, local, space, 'node-local');
    const free = peekPending(index.anywhere, run);
    if (free !== undefined) return space.fits(run.tasks()[free]!) ? { index: free } : 'none';
    const allowed = this.allowedLevel(state, now);
    if (allowed >= 1) {
      const near = peekPending(index.byRack.get(space.rack), run);
      if (near !== undefined) return this.pick(state, 1, run, near, space, 'rack-local');
    }
    if (allowed >= 2) {
      const any = run.nextPending();
      if (any !== undefined) return this.pick(state, 2, run, any, space, this.localityOf(run, any, space));
    }
    if (state.waitingSince_ms === undefined) state.waitingSince_ms = now;
    const ends = this.levelChange_ms(state, allowed);
    if (space.waitEnds_ms === undefined || ends < space.waitEnds_ms) space.waitEnds_ms = ends;
    return 'wait';
  }

  /** A task of `run` waits again: it goes back into the lists of its hosts and racks. */
  taskRequeued(run: JobRun, i: number): void {
    const state = this.states.get(run);
    if (state?.index === undefined || state.index.epoch !== run.epoch) return;
    this.file(run, state.index, i);
  }

  /** The level a job may launch at now: 0 node-local only, 1 rack-local too, 2 anywhere. */
  private allowedLevel(state: DelayState, now: number): 0 | 1 | 2 {
    const waited = state.waitingSince_ms === undefined ? 0 : now - state.waitingSince_ms;
    if (state.level === 2) return 2;
    if (state.level === 1) return waited >= this.rack_wait_ms ? 2 : 1;
    if (waited >= this.node_wait_ms + this.rack_wait_ms) return 2;
    return waited >= this.node_wait_ms ? 1 : 0;
  }

  /** When a waiting job's allowed level (`allowed` now, below 2) next rises, in ms. */
  private levelChange_ms(state: DelayState, allowed: 0 | 1 | 2): number {
    const since = state.waitingSince_ms ?? 0;
    if (state.level === 1) return since + this.rack_wait_ms;
    // At the node level: the rack level comes after W1, any host after W1 + W2.
    return allowed === 0 ? since + this.node_wait_ms : since + this.node_wait_ms + this.rack_wait_ms;
  }

  private pick(
    state: DelayState,
    level: 0 | 1 | 2,
    run: JobRun,
    i: number,
    space: OfferSpace,
    locality: Locality | undefined,
  ): TaskChoice {
    if (!space.fits(run.tasks()[i]!)) return 'none';
    state.level = level;
    state.waitingSince_ms = undefined;
    return locality === undefined ? { index: i } : { index: i, locality };
  }

  /** Where `space` is for task `i`, when the task has a preference. */
  private localityOf(run: JobRun, i: number, space: OfferSpace): Locality | undefined {
    const hosts = this.hosts.hostsOf(run, i);
    if (hosts.length === 0) return undefined;
    if (hosts.includes(space.hostname)) return 'node-local';
    return hosts.some((h) => this.rackOf(h) === space.rack) ? 'rack-local' : 'remote';
  }

  private rackOf(hostname: string): string | undefined {
    return this.hosts.rackOf?.(hostname) ?? this.racks.get(hostname);
  }

  private stateOf(run: JobRun): DelayState {
    let state = this.states.get(run);
    if (state === undefined) {
      state = { level: 0, waitingSince_ms: undefined, index: undefined };
      this.states.set(run, state);
    }
    return state;
  }

  /** The phase's lists, built when the job is first asked in a phase. */
  private indexOf(run: JobRun, state: DelayState): PhaseIndex {
    if (state.index !== undefined && state.index.epoch === run.epoch) return state.index;
    // Each phase waits for its own locality (as Spark's task sets do): the level and wait start over.
    state.level = 0;
    state.waitingSince_ms = undefined;
    const n = run.tasks().length;
    let preferring = 0;
    const index = { epoch: run.epoch, byHost: new Map(), byRack: new Map(), anywhere: [], preferring: 0 };
    // Filed from the last task to the first, so that the lists (used as stacks) give tasks in order.
    for (let i = n - 1; i >= 0; i--) {
      if (!run.isPending(i)) continue;
      if (this.file(run, index, i)) preferring++;
    }
    state.index = { ...index, preferring };
    return state.index;
  }

  /** Puts task `i` into the lists of its hosts and racks; returns false when it has no preference. */
  private file(run: JobRun, index: PhaseIndex, i: number): boolean {
    const hosts = this.hosts.hostsOf(run, i);
    if (hosts.length === 0) {
      index.anywhere.push(i);
      return false;
    }
    const racks = new Set<string>();
    for (const host of hosts) {
      push(index.byHost, host, i);
      const rack = this.rackOf(host);
      if (rack !== undefined && !racks.has(rack)) {
        racks.add(rack);
        push(index.byRack, rack, i);
      }
    }
    return true;
  }
}

/** Appends `i` to the list under `key`. */
function push(map: Map<string, number[]>, key: string, i: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [i]);
  else list.push(i);
}

/** The last still-pending task of a list, dropping launched ones from its end. */
function peekPending(list: number[] | undefined, run: JobRun): number | undefined {
  if (list === undefined) return undefined;
  while (list.length > 0) {
    const i = list[list.length - 1]!;
    if (run.isPending(i)) return i;
    list.pop();
  }
  return undefined;
}
