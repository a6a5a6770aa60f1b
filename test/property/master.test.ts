// Random input sequences against the master: invariants hold after every step, and the same
// sequence gives byte-identical effects twice.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MasterEffect } from '../../engine/master/effects.ts';
import type { MasterInput } from '../../engine/master/inputs.ts';
import { masterInvariantViolations } from '../../engine/master/invariants.ts';
import { terminal_task_states } from '../../engine/master/v1.ts';
import type { MasterStateView } from '../../engine/master/view.ts';
import { commandTask, cpusMem, Harness, messagesOf, offersOf, uuid } from '../unit/master-harness.ts';

/** One abstract action; indices pick among what exists when the action runs. */
type Action =
  | { kind: 'agent'; cpus: number; mem: number }
  | { kind: 'subscribe'; aware: boolean; failover: number }
  | { kind: 'resubscribe'; fw: number }
  | { kind: 'disconnect'; fw: number }
  | { kind: 'advance'; ms: number }
  | {
      kind: 'accept';
      fw: number;
      offers: number;
      tasks: number;
      cpus: number;
      mem: number;
      dup: boolean;
      stale: boolean;
    }
  | { kind: 'decline'; fw: number; refuse: number }
  | { kind: 'update'; task: number; state: number; wrongAgent: boolean; withUuid: boolean }
  | { kind: 'ack'; task: number }
  | { kind: 'kill'; task: number }
  | { kind: 'pong'; agent: number }
  | { kind: 'agentDisconnect'; agent: number }
  | { kind: 'reregister'; agent: number; dropTask: boolean }
  | { kind: 'unregister'; agent: number }
  | { kind: 'teardown'; fw: number }
  | { kind: 'reconcile'; fw: number; explicit: boolean }
  | { kind: 'schedule'; agents: number; start_s: number }
  | { kind: 'machineDown' | 'machineUp'; machine: number }
  | { kind: 'inverseAnswer'; offer: number; accept: boolean; filter: boolean };

const agentStates = [
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
] as const;

const small = fc.nat({ max: 7 });
/** An arbitrary with its weight among the actions. */
function weighted(
  weight: number,
  arbitrary: fc.Arbitrary<Action>,
): { weight: number; arbitrary: fc.Arbitrary<Action> } {
  return { weight, arbitrary };
}

/** Actions, with disruptions (agents and frameworks leaving) weighted by `disruption`. */
function actions(disruption: number): fc.Arbitrary<Action> {
  const entries = [
    weighted(
      1,
      fc.record({
        kind: fc.constant('agent' as const),
        cpus: fc.integer({ min: 1, max: 8 }),
        mem: fc.integer({ min: 256, max: 8192 }),
      }),
    ),
    weighted(
      1,
      fc.record({
        kind: fc.constant('subscribe' as const),
        aware: fc.boolean(),
        failover: fc.constantFrom(0, 5, 60),
      }),
    ),
    weighted(disruption, fc.record({ kind: fc.constant('resubscribe' as const), fw: small })),
    weighted(disruption, fc.record({ kind: fc.constant('disconnect' as const), fw: small })),
    weighted(
      8,
      fc.record({
        kind: fc.constant('advance' as const),
        ms: fc.constantFrom(100, 1000, 1000, 5000, 16_000),
      }),
    ),
    weighted(
      6,
      fc.record({
        kind: fc.constant('accept' as const),
        fw: small,
        offers: fc.constantFrom(1, 1, 1, 2),
        tasks: fc.constantFrom(0, 1, 2, 2, 3),
        cpus: fc.constantFrom(0.5, 1, 1, 2, 16),
        mem: fc.constantFrom(64, 64, 512, 100_000),
        dup: fc.constantFrom(false, false, false, true),
        stale: fc.constantFrom(false, false, false, false, false, true),
      }),
    ),
    weighted(
      2,
      fc.record({ kind: fc.constant('decline' as const), fw: small, refuse: fc.constantFrom(0, 1, 5, 100) }),
    ),
    weighted(
      6,
      fc.record({
        kind: fc.constant('update' as const),
        task: small,
        state: fc.nat({ max: agentStates.length - 1 }),
        wrongAgent: fc.constantFrom(false, false, false, true),
        withUuid: fc.constantFrom(true, true, false),
      }),
    ),
    weighted(4, fc.record({ kind: fc.constant('ack' as const), task: small })),
    weighted(1, fc.record({ kind: fc.constant('kill' as const), task: small })),
    weighted(3, fc.record({ kind: fc.constant('pong' as const), agent: small })),
    weighted(disruption, fc.record({ kind: fc.constant('agentDisconnect' as const), agent: small })),
    weighted(
      disruption,
      fc.record({ kind: fc.constant('reregister' as const), agent: small, dropTask: fc.boolean() }),
    ),
    weighted(disruption, fc.record({ kind: fc.constant('unregister' as const), agent: small })),
    weighted(disruption, fc.record({ kind: fc.constant('teardown' as const), fw: small })),
    weighted(1, fc.record({ kind: fc.constant('reconcile' as const), fw: small, explicit: fc.boolean() })),
    weighted(
      1,
      fc.record({
        kind: fc.constant('schedule' as const),
        agents: fc.nat({ max: 15 }),
        start_s: fc.constantFrom(0, 10, 3600),
      }),
    ),
    weighted(disruption, fc.record({ kind: fc.constant('machineDown' as const), machine: small })),
    weighted(1, fc.record({ kind: fc.constant('machineUp' as const), machine: small })),
    weighted(
      2,
      fc.record({
        kind: fc.constant('inverseAnswer' as const),
        offer: small,
        accept: fc.boolean(),
        filter: fc.boolean(),
      }),
    ),
  ];
  return fc.oneof(...entries.filter((e) => e.weight > 0));
}

/** A cluster to start from: two agents and two frameworks (one partition-aware). */
const prelude: readonly Action[] = [
  { kind: 'agent', cpus: 4, mem: 4096 },
  { kind: 'agent', cpus: 2, mem: 8192 },
  { kind: 'subscribe', aware: false, failover: 60 },
  { kind: 'subscribe', aware: true, failover: 5 },
];

/** A malformed input: random JSON where a body should be. */
type Malformed =
  | { kind: 'call'; type: string; body: unknown }
  | { kind: 'raw' | 'register' | 'reregister' | 'operator' | 'schedule' | 'machines'; body: unknown }
  | { kind: 'status'; body: unknown; state: string }
  | { kind: 'timer'; body: string }
  | { kind: 'task'; group: boolean; fields: Record<string, unknown> };

/** Maintenance seen across runs, so a test can tell the random inputs reached it. */
const seen = { inverse_offers: 0, down: 0 };

/** Picks the i-th element (modulo), or undefined from an empty list. */
function pick<T>(list: readonly T[], i: number): T | undefined {
  return list.length === 0 ? undefined : list[i % list.length];
}

/** Runs actions against a fresh master, checking invariants after each; returns every effect. */
class Run {
  readonly h = new Harness({ completedTasksPerFrameworkMax: 100_000, agentFailure: 'unreachable' });
  readonly streams = new Map<string, string>();
  readonly launched = new Set<string>();
  readonly madeOffers = new Set<string>();
  readonly pendingUuids = new Map<string, string>();
  private n = 0;
  private hosts = 0;

  apply(a: Action): void {
    const view = this.h.master.state();
    const out = this.perform(a, view);
    this.record(out);
    this.check(this.h.master.state());
  }

  /** Feeds the master a malformed input (random JSON where a body should be). */
  applyMalformed(m: Malformed): void {
    const view = this.h.master.state();
    const f = view.frameworks.find((x) => x.connected);
    const agentId = view.agents[0]?.id ?? 'm1-S0';
    const junk: unknown = 'body' in m ? m.body : undefined;
    const input = ((): unknown => {
      switch (m.kind) {
        case 'call': {
          const call = { type: m.type, framework_id: { value: f?.id ?? 'x' }, [m.type.toLowerCase()]: junk };
          return { type: 'scheduler_call', stream_id: f === undefined ? 's' : this.streams.get(f.id), call };
        }
        case 'raw':
          return { type: 'scheduler_call', stream_id: 's', call: junk };
        case 'status':
          return {
            type: 'agent_status_update',
            agent_id: agentId,
            framework_id: f?.id ?? 'x',
            status: { task_id: junk, state: m.state },
          };
        case 'register':
          return { type: 'agent_register', connection: 'junk', agent_info: junk };
        case 'reregister':
          return { type: 'agent_reregister', connection: 'junk', agent_info: junk, tasks: [junk] };
        case 'operator':
          return { type: 'operator_update_quota', role: 'r', quota: junk };
        case 'schedule':
          return { type: 'operator_update_maintenance_schedule', schedule: junk };
        case 'machines':
          return { type: 'operator_start_maintenance', machines: junk };
        case 'timer':
          return { type: 'timer', key: m.body };
        case 'task': {
          const offer = view.frameworks.flatMap((x) => x.offers)[0];
          const owner = view.frameworks.find((x) => x.id === offer?.framework_id) ?? f;
          const base = {
            name: 't',
            task_id: { value: `junk-${this.hosts}` },
            agent_id: { value: offer?.agent_id ?? agentId },
            resources: cpusMem(0.1, 1),
            command: { value: 'x' },
          };
          const task = { ...base, ...m.fields };
          const { type: executorType, ...rest } = m.fields;
          const operation = m.group
            ? {
                type: 'LAUNCH_GROUP',
                launch_group: {
                  executor: {
                    executor_id: { value: 'e' },
                    type: executorType ?? 'DEFAULT',
                    ...(rest.executor as object),
                  },
                  task_group: { tasks: [task] },
                },
              }
            : { type: 'LAUNCH', launch: { task_infos: [task] } };
          const call = {
            type: 'ACCEPT',
            framework_id: { value: owner?.id ?? 'x' },
            accept: { offer_ids: offer === undefined ? [] : [{ value: offer.id }], operations: [operation] },
          };
          return {
            type: 'scheduler_call',
            stream_id: owner === undefined ? 's' : this.streams.get(owner.id),
            call,
          };
        }
      }
    })();
    const out = this.h.step(input as MasterInput);
    this.record(out);
    this.check(this.h.master.state());
  }

  private perform(a: Action, view: MasterStateView): MasterEffect[] {
    const h = this.h;
    const fws = view.frameworks.filter((f) => f.connected);
    const tasks = view.frameworks.flatMap((f) => f.tasks);
    switch (a.kind) {
      case 'agent': {
        const before = h.log.length;
        h.registerAgent(`h${this.hosts++}`, `cpus:${a.cpus};mem:${a.mem}`);
        return h.log.slice(before);
      }
      case 'subscribe': {
        const caps = a.aware ? [{ type: 'PARTITION_AWARE' }] : [];
        const r = h.subscribe({ failover_timeout: a.failover, capabilities: caps });
        this.streams.set(r.frameworkId, r.streamId);
        return r.effects;
      }
      case 'resubscribe': {
        const f = pick(view.frameworks, a.fw);
        if (f === undefined) return [];
        const streamId = `re-${this.n++}`;
        const out = h.step({
          type: 'scheduler_call',
          stream_id: streamId,
          call: { type: 'SUBSCRIBE', subscribe: { framework_info: { ...f.info } } },
        });
        this.streams.set(f.id, streamId);
        return out;
      }
      case 'disconnect': {
        const f = pick(fws, a.fw);
        return f === undefined
          ? []
          : h.step({
              type: 'framework_disconnected',
              framework_id: f.id,
              stream_id: this.streams.get(f.id)!,
            });
      }
      case 'advance':
        return h.advance(a.ms);
      case 'accept':
        return this.accept(a, fws);
      case 'decline': {
        const f = pick(fws, a.fw);
        if (f === undefined) return [];
        return h.call(f.id, this.streams.get(f.id)!, {
          type: 'DECLINE',
          decline: {
            offer_ids: f.offers.map((o) => ({ value: o.id })),
            filters: { refuse_seconds: a.refuse },
          },
        });
      }
      case 'update': {
        const t = pick(tasks, a.task);
        if (t === undefined) return [];
        const other = view.agents.find((x) => x.id !== t.agent_id);
        const agentId = a.wrongAgent && other !== undefined ? other.id : t.agent_id;
        const u = a.withUuid ? uuid(this.n++) : undefined;
        if (u !== undefined && agentId === t.agent_id)
          this.pendingUuids.set(`${t.framework_id}/${t.task_id}`, u);
        return h.update(agentId, t.framework_id, {
          task_id: { value: t.task_id },
          state: agentStates[a.state]!,
          ...(u === undefined ? {} : { uuid: u }),
        });
      }
      case 'ack': {
        const t = pick(tasks, a.task);
        const u = t === undefined ? undefined : this.pendingUuids.get(`${t.framework_id}/${t.task_id}`);
        const stream = t === undefined ? undefined : this.streams.get(t.framework_id);
        if (t === undefined || u === undefined || stream === undefined) return [];
        return h.call(t.framework_id, stream, {
          type: 'ACKNOWLEDGE',
          acknowledge: { agent_id: { value: t.agent_id }, task_id: { value: t.task_id }, uuid: u },
        });
      }
      case 'kill': {
        const t = pick(tasks, a.task);
        const stream = t === undefined ? undefined : this.streams.get(t.framework_id);
        if (t === undefined || stream === undefined) return [];
        return h.call(t.framework_id, stream, { type: 'KILL', kill: { task_id: { value: t.task_id } } });
      }
      case 'pong': {
        const ag = pick(view.agents, a.agent);
        return ag === undefined ? [] : h.step({ type: 'agent_pong', agent_id: ag.id });
      }
      case 'agentDisconnect': {
        const ag = pick(view.agents, a.agent);
        return ag === undefined ? [] : h.step({ type: 'agent_disconnected', agent_id: ag.id });
      }
      case 'reregister':
        return this.reregister(a, view);
      case 'schedule':
      case 'machineDown':
      case 'machineUp':
      case 'inverseAnswer':
        return this.maintenance(a, view);
      case 'unregister': {
        const ag = pick(view.agents, a.agent);
        return ag === undefined ? [] : h.step({ type: 'agent_unregister', agent_id: ag.id });
      }
      case 'teardown': {
        const f = pick(fws, a.fw);
        return f === undefined ? [] : h.call(f.id, this.streams.get(f.id)!, { type: 'TEARDOWN' });
      }
      case 'reconcile': {
        const f = pick(fws, a.fw);
        if (f === undefined) return [];
        const list = a.explicit
          ? [{ task_id: { value: 'ghost' } }, ...f.tasks.map((t) => ({ task_id: { value: t.task_id } }))]
          : [];
        return h.call(f.id, this.streams.get(f.id)!, { type: 'RECONCILE', reconcile: { tasks: list } });
      }
    }
  }

  private accept(a: Extract<Action, { kind: 'accept' }>, fws: MasterStateView['frameworks']): MasterEffect[] {
    const f = pick(a.stale ? fws : fws.filter((x) => x.offers.length > 0), a.fw);
    if (f === undefined) return [];
    const offers = a.stale ? [{ id: `m1-O${this.n++ % 5}`, agent_id: 'm1-S0' }] : f.offers.slice(0, a.offers);
    if (offers.length === 0) return [];
    const first = offers[0]!;
    const tasks = [];
    for (let i = 0; i < a.tasks; i++) {
      const id = a.dup && i > 0 ? `task-${this.n - 1}` : `task-${this.n++}`;
      const offerLike = { agent_id: { value: first.agent_id } } as Parameters<typeof commandTask>[1];
      tasks.push(commandTask(id, offerLike, cpusMem(a.cpus, a.mem)));
    }
    return this.h.call(f.id, this.streams.get(f.id)!, {
      type: 'ACCEPT',
      accept: {
        offer_ids: offers.map((o) => ({ value: o.id })),
        operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
      },
    });
  }

  /** Maintenance: a schedule of some agents' machines (DOWN ones kept), modes, answers to inverse offers. */
  private maintenance(
    a: Extract<Action, { kind: 'schedule' | 'machineDown' | 'machineUp' | 'inverseAnswer' }>,
    view: MasterStateView,
  ): MasterEffect[] {
    const machines = view.maintenance.machines;
    switch (a.kind) {
      case 'schedule': {
        const ids = view.agents
          .filter((_, i) => (a.agents >> (i % 4)) & 1)
          .map((ag) => ({ hostname: ag.hostname, ip: ag.ip }));
        for (const m of machines) if (m.mode === 'DOWN') ids.push({ hostname: m.id.hostname!, ip: m.id.ip! });
        const windows =
          ids.length === 0
            ? []
            : [{ machine_ids: ids, unavailability: { start: { nanoseconds: a.start_s * 1e9 } } }];
        return this.h.step({ type: 'operator_update_maintenance_schedule', schedule: { windows } });
      }
      case 'machineDown':
      case 'machineUp': {
        const m = pick(machines, a.machine);
        if (m === undefined) return [];
        const type = a.kind === 'machineDown' ? 'operator_start_maintenance' : 'operator_stop_maintenance';
        return this.h.step({ type, machines: [m.id] });
      }
      case 'inverseAnswer': {
        const o = pick(view.maintenance.inverse_offers, a.offer);
        const stream = o === undefined ? undefined : this.streams.get(o.framework_id);
        if (o === undefined || stream === undefined) return [];
        const body = {
          inverse_offer_ids: [{ value: o.id }],
          ...(a.filter ? { filters: { refuse_seconds: 10 } } : {}),
        };
        return this.h.call(
          o.framework_id,
          stream,
          a.accept
            ? { type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: body }
            : { type: 'DECLINE_INVERSE_OFFERS', decline_inverse_offers: body },
        );
      }
    }
  }

  private reregister(a: Extract<Action, { kind: 'reregister' }>, view: MasterStateView): MasterEffect[] {
    const ag = pick(view.agents, a.agent) ?? (view.unreachable_agents.length > 0 ? undefined : undefined);
    const unreachable = pick(view.unreachable_agents, a.agent);
    const id = ag?.id ?? unreachable?.id;
    if (id === undefined) return [];
    const host = ag?.hostname ?? `u${id}`;
    let reported = [...view.frameworks, ...view.completed_frameworks]
      .flatMap((f) => [...f.tasks, ...f.unreachable_tasks])
      .filter((t) => t.agent_id === id);
    if (a.dropTask) reported = reported.slice(1);
    return this.h.step({
      type: 'agent_reregister',
      connection: `rc-${this.n++}`,
      agent_info: {
        hostname: host,
        port: 5051,
        resources: ag?.resources ?? cpusMem(8, 8192),
        id: { value: id },
      },
      tasks: reported.map((t) => ({
        name: t.name,
        task_id: { value: t.task_id },
        framework_id: { value: t.framework_id },
        agent_id: { value: id },
        state: t.state === 'TASK_UNREACHABLE' ? 'TASK_RUNNING' : t.state,
        resources: t.resources,
      })),
      frameworks: view.frameworks.map((f) => f.info),
    });
  }

  private record(out: readonly MasterEffect[]): void {
    for (const e of out) {
      if (e.type === 'framework_event' && e.event.type === 'INVERSE_OFFERS') seen.inverse_offers++;
      if (e.type === 'registry' && e.op === 'maintenance_updated' && e.down_machines.length > 0) seen.down++;
    }
    for (const m of messagesOf(out, 'run_task'))
      this.launched.add(`${m.framework_info.id?.value}/${m.task.task_id.value}`);
    for (const e of out) {
      if (e.type !== 'framework_event' || e.event.type !== 'OFFERS') continue;
      for (const o of offersOf([e], e.framework_id)) {
        // Offer ids are never reused.
        expect(this.madeOffers.has(o.id.value)).toBe(false);
        this.madeOffers.add(o.id.value);
      }
    }
  }

  private check(view: MasterStateView): void {
    expect(masterInvariantViolations(view)).toEqual([]);
    // Every launched task is still known, or ended in a terminal state.
    const where = new Map<string, string>();
    for (const f of [...view.frameworks, ...view.completed_frameworks]) {
      for (const t of [...f.tasks, ...f.unreachable_tasks]) where.set(`${f.id}/${t.task_id}`, 'active');
      for (const t of f.completed_tasks) {
        expect(terminal_task_states.has(t.state)).toBe(true);
        if (!where.has(`${f.id}/${t.task_id}`)) where.set(`${f.id}/${t.task_id}`, 'completed');
      }
    }
    for (const key of this.launched) expect(where.has(key), key).toBe(true);
  }
}

/** Runs a sequence and returns all effects as JSON. */
function runAll(actions: readonly Action[]): string {
  const run = new Run();
  for (const a of [...prelude, ...actions]) run.apply(a);
  return JSON.stringify(run.h.log);
}

describe('master properties', () => {
  it('keeps its invariants under random inputs, with agents and frameworks coming and going', () => {
    fc.assert(
      fc.property(fc.array(actions(1), { minLength: 20, maxLength: 80 }), (list) => {
        const run = new Run();
        for (const a of [...prelude, ...list]) run.apply(a);
      }),
      { numRuns: 150 },
    );
    // The random inputs reached maintenance: inverse offers were sent and machines went DOWN.
    expect(seen.inverse_offers).toBeGreaterThan(0);
    expect(seen.down).toBeGreaterThan(0);
  });

  it('keeps its invariants under random inputs in a stable cluster (tasks run their course)', () => {
    fc.assert(
      fc.property(fc.array(actions(0), { minLength: 20, maxLength: 80 }), (list) => {
        const run = new Run();
        for (const a of [...prelude, ...list]) run.apply(a);
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on malformed calls and agent messages, and keeps its invariants', () => {
    const callTypes = [
      'ACCEPT',
      'DECLINE',
      'REVIVE',
      'SUPPRESS',
      'KILL',
      'SHUTDOWN',
      'ACKNOWLEDGE',
      'RECONCILE',
      'MESSAGE',
      'REQUEST',
      'UPDATE_FRAMEWORK',
      'TEARDOWN',
      'SUBSCRIBE',
      'ACCEPT_INVERSE_OFFERS',
      'DECLINE_INVERSE_OFFERS',
      'BOGUS',
    ];
    const junk = fc.jsonValue({ maxDepth: 4 });
    const malformed = fc.oneof(
      fc.record({ kind: fc.constant('call' as const), type: fc.constantFrom(...callTypes), body: junk }),
      fc.record({ kind: fc.constant('raw' as const), body: junk }),
      fc.record({
        kind: fc.constant('status' as const),
        body: junk,
        state: fc.constantFrom('TASK_RUNNING', 'TASK_STAGING', 'NOPE'),
      }),
      fc.record({ kind: fc.constant('register' as const), body: junk }),
      fc.record({ kind: fc.constant('reregister' as const), body: junk }),
      fc.record({ kind: fc.constant('operator' as const), body: junk }),
      fc.record({ kind: fc.constant('schedule' as const), body: junk }),
      fc.record({ kind: fc.constant('machines' as const), body: junk }),
      fc.record({ kind: fc.constant('timer' as const), body: fc.string() }),
      fc.record({
        kind: fc.constant('task' as const),
        group: fc.boolean(),
        fields: fc.dictionary(
          fc.constantFrom(
            'name',
            'task_id',
            'agent_id',
            'resources',
            'command',
            'executor',
            'kill_policy',
            'type',
          ),
          junk,
        ),
      }),
    );
    const step = fc.oneof(
      { weight: 3, arbitrary: actions(1).map((a) => ({ good: a })) },
      { weight: 2, arbitrary: malformed.map((m) => ({ bad: m })) },
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 10, maxLength: 50 }), (list) => {
        const run = new Run();
        for (const a of prelude) run.apply(a);
        for (const item of list) {
          if ('good' in item) run.apply(item.good);
          else run.applyMalformed(item.bad);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('gives byte-identical effects for the same inputs', () => {
    fc.assert(
      fc.property(fc.array(actions(1), { minLength: 20, maxLength: 60 }), (list) => {
        expect(runAll(list)).toBe(runAll(list));
      }),
      { numRuns: 60 },
    );
  });

  it('sees launches and offers in a typical run (the checks have something to check)', () => {
    const run = new Run();
    run.apply({ kind: 'agent', cpus: 4, mem: 4096 });
    run.apply({ kind: 'subscribe', aware: false, failover: 0 });
    run.apply({ kind: 'advance', ms: 1000 });
    run.apply({ kind: 'accept', fw: 0, offers: 1, tasks: 2, cpus: 1, mem: 64, dup: false, stale: false });
    expect(run.launched.size).toBe(2);
    expect(run.madeOffers.size).toBe(1);
  });
});
