// The /master/state page written as bytes against a naive page built as objects and serialized
// with JSON.stringify: the same text, byte for byte, after every step of random runs (so the
// texts kept per task follow every change), and the writer's pieces against JSON.stringify.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  AgentView,
  FrameworkView,
  MasterStateView,
  OfferView,
  TaskView,
} from '../../engine/master/view.ts';
import {
  normalize,
  type Resource,
  type Resources,
  reservationRole,
  summary,
} from '../../engine/resources.ts';
import { JsonWriter } from '../../runtime/master/json-writer.ts';
import { summaryJson } from '../../runtime/master/resources-json.ts';
import { type StatePageContext, sendStatePage, stateJson } from '../../runtime/master/state-json.ts';
import { TaskTexts } from '../../runtime/master/task-texts.ts';
import { action, Driver } from './master-view-driver.ts';

/**
 * The attributes the driver gives an agent (every third one has a TEXT rack and a SCALAR level),
 * as /state shows them: written out from the driver's rule, not from the page's own mapping.
 */
function driverAttributes(agent: AgentView): Record<string, string | number> {
  const n = Number(agent.hostname.slice(1));
  return n % 3 === 2 ? { rack: `r"${n}`, level: n } : {};
}

function reservedByRole(resources: Resources): Record<string, unknown> {
  const out: Record<string, Resource[]> = {};
  for (const r of resources) {
    const role = reservationRole(r);
    if (role === '*') continue;
    const list = out[role] ?? [];
    list.push(r);
    out[role] = list;
  }
  return Object.fromEntries(Object.entries(out).map(([role, list]) => [role, summary(list)]));
}

/** A reserved resource in full, as Mesos's endpoints show it (legacy role and reservation beside the stack). */
function naiveFull(r: Resource): unknown {
  const stack = r.reservations ?? [];
  const dynamic = stack.length === 1 && stack[0]!.type === 'DYNAMIC' ? stack[0]! : undefined;
  return {
    name: r.name,
    type: r.type,
    ...(r.scalar === undefined ? {} : { scalar: r.scalar }),
    ...(r.ranges === undefined ? {} : { ranges: r.ranges }),
    ...(r.set === undefined ? {} : { set: r.set }),
    role: reservationRole(r),
    ...(r.disk === undefined ? {} : { disk: r.disk }),
    ...(dynamic === undefined
      ? {}
      : {
          reservation: {
            ...(dynamic.principal === undefined ? {} : { principal: dynamic.principal }),
            ...(dynamic.labels === undefined ? {} : { labels: dynamic.labels }),
          },
        }),
    ...(stack.length === 0 ? {} : { reservations: stack }),
  };
}

function reservedFullByRole(resources: Resources): Record<string, unknown> {
  const out: Record<string, unknown[]> = {};
  for (const r of resources) {
    const role = reservationRole(r);
    if (role === '*') continue;
    const list = out[role] ?? [];
    list.push(naiveFull(r));
    out[role] = list;
  }
  return out;
}

function naiveSlave(agent: AgentView, version: string): unknown {
  return {
    id: agent.id,
    hostname: agent.hostname,
    port: agent.port,
    pid: `slave(1)@${agent.ip}:${agent.port}`,
    attributes: driverAttributes(agent),
    registered_time: agent.registered_time_ms / 1000,
    ...(agent.reregistered_time_ms === undefined
      ? {}
      : { reregistered_time: agent.reregistered_time_ms / 1000 }),
    resources: summary(agent.resources),
    used_resources: summary(agent.used_resources),
    offered_resources: summary(agent.offered_resources),
    unreserved_resources: summary(agent.resources.filter((r) => reservationRole(r) === '*')),
    reserved_resources: reservedByRole(agent.resources),
    reserved_resources_full: reservedFullByRole(agent.resources),
    active: agent.active,
    version: agent.version ?? version,
    capabilities: [],
  };
}

function naiveTask(task: TaskView): unknown {
  const labels = task.info?.labels?.labels;
  return {
    id: task.task_id,
    name: task.name,
    framework_id: task.framework_id,
    executor_id: task.executor_id,
    slave_id: task.agent_id,
    state: task.state,
    resources: summary(task.resources),
    role: task.role,
    statuses: task.statuses.map((s) => ({ state: s.state, timestamp: s.timestamp })),
    ...(labels === undefined || labels.length === 0 ? {} : { labels }),
    ...(task.info?.container === undefined ? {} : { container: task.info.container }),
  };
}

function naiveOffer(offer: OfferView): unknown {
  return {
    id: offer.id,
    framework_id: offer.framework_id,
    slave_id: offer.agent_id,
    resources: summary(offer.resources),
    allocation_info: { role: offer.role },
  };
}

function naiveFramework(framework: FrameworkView): unknown {
  const info = framework.info;
  const seconds = (ms: number | undefined) => (ms === undefined ? 0 : ms / 1000);
  return {
    id: framework.id,
    name: info.name,
    user: info.user,
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    principal: info.principal,
    roles: framework.roles,
    role: framework.roles[0] ?? '*',
    capabilities: (info.capabilities ?? []).map((c) => c.type),
    active: framework.active,
    connected: framework.connected,
    recovered: framework.recovered,
    registered_time: framework.registered_time_ms / 1000,
    reregistered_time: seconds(framework.reregistered_time_ms),
    unregistered_time: seconds(framework.unregistered_time_ms),
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    used_resources: summary(framework.used_resources),
    offered_resources: summary(framework.offered_resources),
    resources: summary([...framework.used_resources, ...framework.offered_resources]),
    tasks: framework.tasks.map(naiveTask),
    unreachable_tasks: framework.unreachable_tasks.map(naiveTask),
    completed_tasks: framework.completed_tasks.map(naiveTask),
    offers: framework.offers.map(naiveOffer),
    executors: framework.executors.map((e) => ({
      executor_id: e.executor_id,
      framework_id: e.framework_id,
      slave_id: e.agent_id,
      resources: summary(e.resources),
    })),
  };
}

/** The page as objects, serialized: what the byte writer must reproduce exactly. */
function naivePage(view: MasterStateView, ctx: StatePageContext): string {
  const info = view.master_info;
  const activated = view.agents.filter((a) => a.active).length;
  return JSON.stringify({
    version: info.version,
    id: info.id,
    pid: info.pid,
    hostname: info.hostname,
    start_time: view.start_time_ms / 1000,
    elected_time: (ctx.elected_time_ms ?? 0) / 1000,
    leader: ctx.leader_info.pid,
    leader_info: ctx.leader_info,
    activated_slaves: activated,
    deactivated_slaves: view.agents.length - activated,
    unreachable_slaves: view.unreachable_agents.length,
    flags: ctx.flags,
    slaves: view.agents.map((a) => naiveSlave(a, info.version)),
    frameworks: view.frameworks.map(naiveFramework),
    completed_frameworks: view.completed_frameworks.map(naiveFramework),
    orphan_tasks: [],
    unregistered_frameworks: [],
  });
}

const stacks = [
  undefined,
  [{ type: 'STATIC' as const, role: 'prod' }],
  [{ type: 'DYNAMIC' as const, role: 'dev' }],
];

/** A resource entry of any kind, name and reservation, not yet normal. */
const entry: fc.Arbitrary<Resource> = fc
  .tuple(
    fc.oneof(
      fc
        .record({
          name: fc.constantFrom('cpus', 'mem', 'disk', 'gpus', 'fpgas'),
          milli: fc.integer({ min: 1, max: 100_000 }),
        })
        .map(({ name, milli }) => ({ name, type: 'SCALAR' as const, scalar: { value: milli / 1000 } })),
      fc
        .record({ name: fc.constantFrom('ports', 'ephemeral'), begin: fc.nat(500), length: fc.nat(20) })
        .map(({ name, begin, length }) => ({
          name,
          type: 'RANGES' as const,
          ranges: { range: [{ begin, end: begin + length }] },
        })),
      fc
        .subarray(['a', 'b', 'c'], { minLength: 1 })
        .map((item) => ({ name: 'zones', type: 'SET' as const, set: { item } })),
    ),
    fc.constantFrom(...stacks),
    fc.constantFrom(undefined, 'prod'),
  )
  .map(([value, reservations, role]) => ({
    ...value,
    ...(reservations === undefined ? {} : { reservations }),
    ...(role === undefined ? {} : { allocation_info: { role } }),
  }));

describe('the state page', () => {
  const ctx = (view: MasterStateView): StatePageContext => ({
    elected_time_ms: 1_700_000_000_123,
    leader_info: view.master_info,
    flags: { port: '5050', quote: 'say "hi"' },
  });

  it('is byte for byte the page built as objects, after every step of random runs', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 40 }), (actions) => {
        const d = new Driver();
        for (const a of actions) {
          d.run(a);
          const view = d.h.master.state();
          const expected = naivePage(view, ctx(view));
          expect(stateJson(view, ctx(view))).toBe(expected);
          // Read again: the texts kept per task give the same page.
          expect(stateJson(view, ctx(view))).toBe(expected);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('shows attributes of every kind flat, as Mesos does', () => {
    const d = new Driver();
    d.h.step({
      type: 'agent_register',
      connection: 'conn-attributes',
      agent_info: {
        hostname: 'x',
        port: 5051,
        resources: 'cpus:1;mem:64',
        attributes: [
          { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
          { name: 'level', type: 'SCALAR', scalar: { value: 2.5 } },
          {
            name: 'slots',
            type: 'RANGES',
            ranges: {
              range: [
                { begin: 1, end: 2 },
                { begin: 5, end: 9 },
              ],
            },
          },
          { name: 'zones', type: 'SET', set: { item: ['a', 'b'] } },
        ],
      },
    });
    const view = d.h.master.state();
    const page = JSON.parse(stateJson(view, ctx(view)));
    expect(page.slaves[0].attributes).toEqual({
      rack: 'r1',
      level: 2.5,
      slots: '[1-2, 5-9]',
      zones: '{a, b}',
    });
  });

  it('is sent whole even when two answers are in flight and the buffer is reused', () => {
    const d = new Driver();
    for (const a of ['agent', 'agent', 'subscribe', 'allocate'] as const) d.run({ kind: a });
    d.run({ kind: 'launch', fw: 0, tasks: 3 });
    const view = d.h.master.state();
    const expected = naivePage(view, ctx(view));
    /** A stand-in response: keeps its body, releases it only when told. */
    const response = () => {
      const r = {
        headers: {} as Record<string, string>,
        body: undefined as Buffer | undefined,
        close: () => {},
        writeHead(status: number, headers: Record<string, string>) {
          expect(status).toBe(200);
          r.headers = headers;
        },
        once(event: string, f: () => void) {
          expect(event).toBe('close');
          r.close = f;
        },
        end(body: Buffer) {
          r.body = body;
        },
      };
      return r;
    };
    const first = response();
    const second = response();
    sendStatePage(first as never, view, ctx(view));
    sendStatePage(second as never, view, ctx(view));
    expect(first.body?.toString('utf8')).toBe(expected);
    expect(second.body?.toString('utf8')).toBe(expected);
    expect(first.headers['Content-Length']).toBe(String(Buffer.byteLength(expected)));
    // Once both are sent, the next page reuses a buffer; the bodies sent before it were whole.
    first.close();
    second.close();
    d.run({ kind: 'update', task: 0, state: 1, withUuid: false });
    const third = response();
    const changed = d.h.master.state();
    sendStatePage(third as never, changed, ctx(changed));
    expect(third.body?.toString('utf8')).toBe(naivePage(changed, ctx(changed)));
    expect(third.body?.toString('utf8')).not.toBe(expected);
  });
});

/** A task as the view shows it, with only what the kept texts look at. */
function taskView(id: string, state: TaskView['state']): TaskView {
  return {
    task_id: id,
    framework_id: 'f',
    agent_id: 'a',
    executor_id: '',
    name: id,
    role: '*',
    resources: [],
    state,
    statuses: [{ state, timestamp: 1 }],
    status: undefined,
    info: undefined,
    unreachableSinceMs: undefined,
  };
}

describe('kept task texts', () => {
  /** Writes items through `texts`, counting the tasks written anew. */
  function items(texts: TaskTexts, tasks: readonly TaskView[], buffer?: Buffer) {
    const w = new JsonWriter(buffer);
    let written = 0;
    texts.writeItems(w, tasks, (writer, task) => {
      written++;
      writer.value({ id: task.task_id, state: task.state });
    });
    return { text: w.textSince(0), written, buffer: w.buffer() };
  }
  const expected = (tasks: readonly TaskView[]) =>
    tasks.map((t) => JSON.stringify({ id: t.task_id, state: t.state })).join(',');

  it('are copied while unchanged, and written anew when changed or written over', () => {
    const tasks = ['a', 'b', 'c', 'd'].map((id) => taskView(id, 'TASK_RUNNING'));
    const texts = new TaskTexts();
    const first = items(texts, tasks);
    expect(first).toMatchObject({ text: expected(tasks), written: 4 });
    // In another order, and with one task changed: only that one is written again.
    const changed = {
      ...tasks[2]!,
      state: 'TASK_FINISHED' as const,
      statuses: [...tasks[2]!.statuses, { state: 'TASK_FINISHED' as const, timestamp: 2 }],
    };
    const next = [tasks[3]!, tasks[0]!, tasks[1]!, changed];
    const second = items(texts, next);
    expect(second).toMatchObject({ text: expected(next), written: 1 });
    // The buffer the texts now lie in is written over: they are written anew, not copied.
    texts.retire(second.buffer);
    second.buffer.fill(0x78);
    const third = items(texts, next);
    expect(third).toMatchObject({ text: expected(next), written: 4 });
  });
});

describe('the page writer', () => {
  it('writes summaries as JSON.stringify(summary(r))', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
        const bag = normalize(entries);
        expect(summaryJson(bag)).toBe(JSON.stringify(summary(bag)));
      }),
      { numRuns: 300 },
    );
  });

  it('writes strings and numbers as JSON.stringify does', () => {
    const text = fc
      .array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0, max: 0xffff })), {
        maxLength: 40,
      })
      .map((codes) => String.fromCharCode(...codes));
    const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 1e21, 1e-7, 0.1 + 0.2));
    fc.assert(
      fc.property(fc.array(fc.tuple(text, number), { maxLength: 20 }), (pairs) => {
        const w = new JsonWriter(Buffer.alloc(8));
        const parts: string[] = [];
        for (const [s, n] of pairs) {
          w.string(s);
          w.raw(',');
          w.number(n);
          w.raw(';');
          parts.push(`${JSON.stringify(s)},${JSON.stringify(n)};`);
        }
        expect(w.bytes().equals(Buffer.from(parts.join(''), 'utf8'))).toBe(true);
        expect(w.textSince(0)).toBe(parts.join(''));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a position outside what it wrote', () => {
    const w = new JsonWriter();
    w.raw('{}');
    expect(() => w.textSince(3)).toThrow(/outside the 2 bytes written/);
  });
});
