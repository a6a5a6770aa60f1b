// Emulated frameworks for the runtime benchmark, over the real v1 scheduler API (node:http and
// RecordIO for the event stream; calls pipelined on one persistent connection, as libprocess-based
// Mesos frameworks send them). Each subscribes, launches small command tasks on
// the offers it gets, acknowledges every status update, and records when each task was accepted
// and when its TASK_RUNNING arrived (the launch latency), and when each TASK_FINISHED
// acknowledgement was answered (a task done end to end).
//
// Modes: `greedy` fills every offer with as many tasks as fit, as long as it has fewer than
// `inflight_max` tasks launched and not yet done (a closed loop: the master is kept saturated
// while its queues stay bounded); offers it cannot use yet are held and used as tasks finish.
// `paced` holds its offers for a pacer that launches a given number of tasks per second. `quiet`
// declines every offer it holds or gets and suppresses offers. A launch budget bounds both.
import { request } from 'node:http';
import { CallPipeline } from '../runtime/sdk/call-pipeline.ts';
import { RecordIoDecoder } from '../runtime/wire/recordio.ts';

/** How a framework uses its offers. */
export type FrameworkMode = 'greedy' | 'paced' | 'quiet';

/** The size of each task. */
export interface TaskShape {
  readonly cpus: number;
  readonly mem_mb: number;
}

/** Latency samples kept at most per framework (a bound on memory). */
const latency_samples_max = 2_000_000;

/** An offer as the OFFERS event carries it (the fields used here). */
interface OfferJson {
  readonly id: { readonly value: string };
  readonly agent_id: { readonly value: string };
  readonly resources: ReadonlyArray<{ readonly name: string; readonly scalar?: { readonly value: number } }>;
}

/** How many tasks of `shape` fit in an offer. */
function tasksFitting(offer: OfferJson, shape: TaskShape): number {
  let cpus = 0;
  let mem = 0;
  for (const r of offer.resources) {
    if (r.name === 'cpus') cpus += r.scalar?.value ?? 0;
    if (r.name === 'mem') mem += r.scalar?.value ?? 0;
  }
  return Math.max(0, Math.min(Math.floor(cpus / shape.cpus + 1e-9), Math.floor(mem / shape.mem_mb + 1e-9)));
}

/** One emulated framework. */
export class BenchFramework {
  readonly name: string;
  mode: FrameworkMode = 'greedy';
  /** Tasks launched and not yet done, at most (greedy mode). */
  inflight_max = Number.POSITIVE_INFINITY;
  /** Tasks this framework may still launch (greedy and paced modes). */
  #budget = Number.POSITIVE_INFINITY;
  /** Tasks launched, running (TASK_RUNNING seen, not ended), and done end to end. */
  launched = 0;
  running = 0;
  finished = 0;
  /** Calls answered with something other than 202, and transport errors. */
  failures = 0;
  /** Tasks that ended other than TASK_FINISHED. */
  lost = 0;
  /** Accept to TASK_RUNNING, ms, for tasks launched while `recording`. */
  readonly latencies_ms: number[] = [];
  recording = false;
  /** Times (ms, performance clock) at which each finished task's acknowledgement was answered. */
  readonly finished_at_ms: number[] = [];
  frameworkId = '';

  readonly #port: number;
  readonly #shape: TaskShape;
  readonly #calls: CallPipeline;
  #streamId = '';
  #stream: ReturnType<typeof request> | undefined;
  readonly #offers = new Map<string, OfferJson>();
  readonly #acceptedAt = new Map<string, number>();
  readonly #runningIds = new Set<string>();
  #seq = 0;
  #closed = false;

  constructor(port: number, name: string, shape: TaskShape) {
    this.#port = port;
    this.name = name;
    this.#shape = shape;
    this.#calls = new CallPipeline({ target: { host: '127.0.0.1', port }, path: '/api/v1/scheduler' });
  }

  /** Offers held for the pacer. */
  get offersHeld(): number {
    return this.#offers.size;
  }

  /** Subscribes; resolves once SUBSCRIBED has arrived. */
  subscribe(timeout_ms = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: not subscribed in time`)), timeout_ms);
      const body = JSON.stringify({
        type: 'SUBSCRIBE',
        subscribe: { framework_info: { user: 'root', name: this.name, roles: ['*'] } },
      });
      const req = request(
        {
          host: '127.0.0.1',
          port: this.#port,
          method: 'POST',
          path: '/api/v1/scheduler',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          agent: false,
        },
        (res) => {
          if (res.statusCode !== 200) {
            clearTimeout(timer);
            reject(new Error(`${this.name}: SUBSCRIBE answered ${res.statusCode}`));
            res.resume();
            return;
          }
          this.#streamId = String(res.headers['mesos-stream-id']);
          const decoder = new RecordIoDecoder();
          res.on('data', (chunk: Buffer) => {
            for (const event of decoder.push(chunk)) {
              // biome-ignore lint/suspicious/noExplicitAny: events are read field by field, as JSON.
              const e = event as any;
              if (e.type === 'SUBSCRIBED') {
                this.frameworkId = e.subscribed.framework_id.value;
                clearTimeout(timer);
                resolve();
              } else {
                this.#onEvent(e);
              }
            }
          });
          res.on('error', () => undefined);
        },
      );
      req.on('error', (err) => {
        clearTimeout(timer);
        if (!this.#closed) reject(err);
      });
      req.end(body);
      this.#stream = req;
    });
  }

  // biome-ignore lint/suspicious/noExplicitAny: events are read field by field, as JSON.
  #onEvent(e: any): void {
    switch (e.type) {
      case 'OFFERS':
        for (const offer of e.offers.offers as OfferJson[]) this.#onOffer(offer);
        return;
      case 'RESCIND':
        this.#offers.delete(e.rescind.offer_id.value);
        return;
      case 'UPDATE':
        this.#onUpdate(e.update.status);
        return;
      default:
        return;
    }
  }

  /** Tasks that run on (agents that hold them) count as done once running, for `inflight`. */
  holding = false;

  /** Tasks launched and not yet done. */
  get inflight(): number {
    return this.launched - this.finished - this.lost - (this.holding ? this.running : 0);
  }

  /** Tasks this framework may still launch. */
  get budget(): number {
    return this.#budget;
  }

  /** Sets how many tasks it may still launch; with none left, it gives back the offers it holds. */
  setBudget(tasks: number): void {
    this.#budget = tasks;
    if (tasks <= 0) this.#release();
    else this.refill();
  }

  /** Declines every held offer for a second, so that other frameworks get them. */
  #release(): void {
    this.#decline([...this.#offers.values()], 1);
    this.#offers.clear();
  }

  #onOffer(offer: OfferJson): void {
    if (this.mode === 'quiet') {
      this.#decline([offer], 3600);
      return;
    }
    if (this.#budget <= 0) {
      this.#decline([offer], 1);
      return;
    }
    this.#offers.set(offer.id.value, offer);
    if (this.mode === 'greedy') this.refill();
  }

  /**
   * Greedy mode: launches on held offers up to the in-flight bound and the budget, once a quarter
   * of the bound is free (so that each accept carries a batch of tasks, not one).
   */
  refill(): void {
    if (this.mode !== 'greedy' || this.inflight > this.inflight_max * 0.75) return;
    while (this.#offers.size > 0 && this.#budget > 0 && this.inflight < this.inflight_max) {
      this.launchHeld(this.inflight_max - this.inflight);
    }
  }

  /** Launches up to `max` tasks on one held offer; returns how many. */
  launchHeld(max: number): number {
    if (max <= 0 || this.#budget <= 0) return 0;
    for (const [id, offer] of this.#offers) {
      this.#offers.delete(id);
      const count = Math.min(tasksFitting(offer, this.#shape), max, this.#budget);
      if (count > 0) {
        this.#accept(offer, count);
        return count;
      }
      // No room for a task (its cpus are taken): not worth offering again for a while.
      this.#decline([offer], 5);
    }
    return 0;
  }

  #accept(offer: OfferJson, count: number): void {
    const now = performance.now();
    const tasks = [];
    for (let i = 0; i < count; i++) {
      const id = `${this.name}-t${this.#seq++}`;
      if (this.recording) this.#acceptedAt.set(id, now);
      tasks.push({
        name: id,
        task_id: { value: id },
        agent_id: offer.agent_id,
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: this.#shape.cpus } },
          { name: 'mem', type: 'SCALAR', scalar: { value: this.#shape.mem_mb } },
        ],
        command: { value: 'true', shell: true },
      });
    }
    this.launched += count;
    this.#budget -= count;
    if (this.#budget <= 0) this.#release();
    this.#call({
      type: 'ACCEPT',
      framework_id: { value: this.frameworkId },
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
        filters: { refuse_seconds: 0 },
      },
    });
  }

  #decline(offers: readonly OfferJson[], refuse_seconds: number): void {
    if (offers.length === 0) return;
    this.#call({
      type: 'DECLINE',
      framework_id: { value: this.frameworkId },
      decline: { offer_ids: offers.map((o) => o.id), filters: { refuse_seconds } },
    });
  }

  // biome-ignore lint/suspicious/noExplicitAny: a TaskStatus as JSON.
  #onUpdate(status: any): void {
    const taskId: string = status.task_id.value;
    const state: string = status.state;
    if (state === 'TASK_RUNNING') {
      if (!this.#runningIds.has(taskId)) this.running++;
      this.#runningIds.add(taskId);
      if (this.holding) this.refill();
      const at = this.#acceptedAt.get(taskId);
      if (at !== undefined) {
        this.#acceptedAt.delete(taskId);
        if (this.latencies_ms.length < latency_samples_max) this.latencies_ms.push(performance.now() - at);
      }
    } else if (state !== 'TASK_STARTING') {
      // Every other state a task gets here ends it.
      if (this.#runningIds.delete(taskId)) this.running--;
      if (state !== 'TASK_FINISHED') {
        this.lost++;
        this.refill();
      }
    }
    if (status.uuid === undefined || status.uuid === null) return;
    this.#call(
      {
        type: 'ACKNOWLEDGE',
        framework_id: { value: this.frameworkId },
        acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
      },
      state === 'TASK_FINISHED'
        ? () => {
            this.finished++;
            this.finished_at_ms.push(performance.now());
            this.refill();
          }
        : undefined,
    );
  }

  /** Stops offers (quiet mode): declines what it holds and suppresses. */
  quiet(): void {
    this.mode = 'quiet';
    this.#decline([...this.#offers.values()], 3600);
    this.#offers.clear();
    this.#call({ type: 'SUPPRESS', framework_id: { value: this.frameworkId }, suppress: { roles: [] } });
  }

  /** Tears the framework down (TEARDOWN); resolves once answered, with the stream and calls closed. */
  teardown(): Promise<void> {
    return new Promise((resolve) => {
      const call = JSON.stringify({ type: 'TEARDOWN', framework_id: { value: this.frameworkId } });
      this.#calls.post(call, { 'Mesos-Stream-Id': this.#streamId }, (err, answer) => {
        if (err !== undefined || answer!.status !== 202) this.failures++;
        this.close();
        resolve();
      });
    });
  }

  /** Posts one call; `answered` runs when it was answered 202. */
  #call(call: unknown, answered?: () => void): void {
    if (this.#closed) return;
    this.#calls.post(JSON.stringify(call), { 'Mesos-Stream-Id': this.#streamId }, (err, answer) => {
      if (err === undefined && answer!.status === 202) answered?.();
      else if (!this.#closed) this.failures++;
    });
  }

  /** Closes the event stream and every call connection. */
  close(): void {
    this.#closed = true;
    this.#stream?.destroy();
    this.#calls.close();
  }
}
