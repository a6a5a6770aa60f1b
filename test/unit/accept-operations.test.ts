// ACCEPT with RESERVE, UNRESERVE, CREATE and DESTROY: what changes in later offers, in the agent's
// total, in what the agent and the registry are told, and what is dropped with its reason.
import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../engine/allocator/policies.ts';
import type { MasterEffect } from '../../engine/master/effects.ts';
import type { Operation } from '../../engine/master/v1.ts';
import {
  formatResources,
  normalize,
  parseResources,
  type Resource,
  unallocate,
} from '../../engine/resources.ts';
import { createRng } from '../../engine/rng.ts';
import { createMemoryRegistry } from '../../runtime/master/registry.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import {
  agentMessages,
  callErrors,
  commandTask,
  Harness,
  messagesOf,
  offersOf,
  updatesOf,
} from './master-harness.ts';

/** Resources in the flag form as wire resources. */
function res(text: string): Resource[] {
  return [...parseResources(text)];
}

/** Offered (or any) wire resources in the flag form, without allocation roles. */
function show(resources: readonly Resource[]): string {
  return formatResources(unallocate(normalize(resources)));
}

/** The reasons of operations the master dropped. */
function dropped(out: readonly MasterEffect[]): string[] {
  return out.flatMap((e) =>
    e.type === 'trace' && e.event.type === 'input_ignored' && e.event.input === 'ACCEPT'
      ? [e.event.reason]
      : [],
  );
}

/** The hierarchical DRF allocator, for tests of what reserved resources are offered to. */
const drf = () => createAllocator({ policy: 'drf', rng: createRng(1) });

/** A master with one agent, framework P (role prod, with `principal` when given) and its first offer. */
function setup(principal?: string, resources = 'cpus:4;mem:8192;disk:4096') {
  const h = new Harness({ createAllocator: drf });
  const agentId = h.registerAgent('a1', resources);
  const { frameworkId, streamId } = h.subscribe({ roles: ['prod'], ...(principal ? { principal } : {}) });
  const offers = offersOf(h.allocate(), frameworkId);
  expect(offers).toHaveLength(1);
  const accept = (operations: Operation[], offer = offers[0]!) =>
    h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations, filters: { refuse_seconds: 0 } },
    });
  const next = () => {
    const got = offersOf(h.allocate(), frameworkId);
    expect(got).toHaveLength(1);
    return got[0]!;
  };
  return { h, agentId, frameworkId, streamId, offer: offers[0]!, accept, next };
}

const reserve = (text: string): Operation => ({ type: 'RESERVE', reserve: { resources: res(text) } });
const unreserve = (text: string): Operation => ({ type: 'UNRESERVE', unreserve: { resources: res(text) } });
const create = (text: string): Operation => ({ type: 'CREATE', create: { volumes: res(text) } });
const destroy = (text: string): Operation => ({ type: 'DESTROY', destroy: { volumes: res(text) } });

describe('RESERVE', () => {
  it('reserves for the role: the agent, the registry and later offers carry the reservation', () => {
    const { h, agentId, accept, next } = setup();
    const out = accept([reserve('cpus(dynamic:prod):2;mem(dynamic:prod):1024')]);
    expect(callErrors(out)).toEqual([]);
    expect(dropped(out)).toEqual([]);
    const applied = messagesOf(out, 'apply_operation');
    expect(applied).toHaveLength(1);
    expect(applied[0]!.operation.type).toBe('RESERVE');
    expect(show(applied[0]!.operation.reserve!.resources)).toBe(
      'cpus(dynamic:prod):2;mem(dynamic:prod):1024',
    );
    const total = 'cpus:2;cpus(dynamic:prod):2;disk:4096;mem:7168;mem(dynamic:prod):1024;ports:[31000-32000]';
    expect(show(applied[0]!.resources)).toBe(total);
    const registry = out.filter((e) => e.type === 'registry');
    expect(registry).toEqual([expect.objectContaining({ op: 'agent_admitted', agent_id: agentId })]);
    const admitted = registry[0];
    expect(admitted?.type === 'registry' && admitted.op === 'agent_admitted').toBe(true);
    if (admitted?.type === 'registry' && admitted.op === 'agent_admitted') {
      expect(show(admitted.agent_info.resources)).toBe(total);
    }
    expect(formatResources(h.master.state().agents[0]!.resources)).toBe(total);
    const offer = next();
    expect(show(offer.resources)).toBe(total);
    // On the wire a reserved resource names its role and its reservation stack.
    const cpus = offer.resources.find((r) => r.name === 'cpus' && r.role === 'prod');
    expect(cpus?.reservations).toEqual([{ type: 'DYNAMIC', role: 'prod' }]);
    expect(cpus?.allocation_info).toEqual({ role: 'prod' });
  });

  it('reads the pre-refinement form: role and reservation make a dynamic reservation', () => {
    const { accept, next } = setup('alice');
    const legacy: Resource = {
      name: 'cpus',
      type: 'SCALAR',
      scalar: { value: 1 },
      role: 'prod',
      reservation: { principal: 'alice', labels: { labels: [{ key: 'b', value: '2' }, { key: 'a' }] } },
    };
    const out = accept([{ type: 'RESERVE', reserve: { resources: [legacy] } }]);
    expect(dropped(out)).toEqual([]);
    const cpus = next().resources.find((r) => r.name === 'cpus' && r.role === 'prod');
    expect(cpus?.reservations).toEqual([
      {
        type: 'DYNAMIC',
        role: 'prod',
        principal: 'alice',
        labels: { labels: [{ key: 'a' }, { key: 'b', value: '2' }] },
      },
    ]);
  });

  it('lets a launch later in the same accept use what was just reserved', () => {
    const { h, frameworkId, offer, accept, next } = setup();
    const task = commandTask('t1', offer, res('cpus(dynamic:prod):2;mem(dynamic:prod):512'));
    const out = accept([
      reserve('cpus(dynamic:prod):2;mem(dynamic:prod):512'),
      { type: 'LAUNCH', launch: { task_infos: [task] } },
    ]);
    expect(dropped(out)).toEqual([]);
    expect(updatesOf(out, frameworkId)).toEqual([]);
    const run = messagesOf(out, 'run_task');
    expect(run).toHaveLength(1);
    expect(show(run[0]!.task.resources)).toBe('cpus(dynamic:prod):2;mem(dynamic:prod):512');
    expect(run[0]!.task.resources.every((r) => r.role === 'prod')).toBe(true);
    expect(show(next().resources)).toBe('cpus:2;disk:4096;mem:7680;ports:[31000-32000]');
    expect(formatResources(h.master.state().frameworks[0]!.used_resources)).toBe(
      'cpus(allocated:prod)(dynamic:prod):2;mem(allocated:prod)(dynamic:prod):512',
    );
  });

  it('drops a reservation for another role with its reason, and goes on with the next operation', () => {
    const { offer, frameworkId, accept } = setup();
    const task = commandTask('t1', offer, res('cpus:1;mem:128'));
    const out = accept([reserve('cpus(dynamic:dev):1'), { type: 'LAUNCH', launch: { task_infos: [task] } }]);
    expect(dropped(out)).toEqual([
      `RESERVE operation of framework ${frameworkId} dropped: cpus(dynamic:dev):1 is reserved for role 'dev', but the offer is for role 'prod': a framework reserves for the role it is offered resources as`,
    ]);
    expect(messagesOf(out, 'apply_operation')).toEqual([]);
    expect(out.some((e) => e.type === 'registry')).toBe(false);
    expect(messagesOf(out, 'run_task')).toHaveLength(1);
  });

  it('drops static reservations, volumes, and more than the offers hold', () => {
    const { accept } = setup();
    const out = accept([
      reserve('cpus(prod):1'),
      reserve('disk(dynamic:prod)[v1:data]:10'),
      reserve('cpus(dynamic:prod):5'),
      reserve('gpus(dynamic:prod):1'),
    ]);
    const reasons = dropped(out);
    expect(reasons).toHaveLength(4);
    expect(reasons[0]).toContain('cpus(prod):1 is not dynamically reserved');
    expect(reasons[1]).toContain('is a persistent volume');
    expect(reasons[2]).toContain('the offers do not hold cpus:5');
    expect(reasons[3]).toContain('the offers do not hold gpus:1');
    expect(messagesOf(out, 'apply_operation')).toEqual([]);
  });

  it('checks the principal when the framework has one', () => {
    const { accept } = setup('alice');
    const out = accept([
      reserve('cpus(dynamic:prod):1'),
      reserve('cpus(dynamic:prod@bob):1'),
      reserve('cpus(dynamic:prod@alice):1'),
    ]);
    expect(dropped(out)).toEqual([
      expect.stringContaining("names principal '', but the framework's principal is 'alice'"),
      expect.stringContaining("names principal 'bob', but the framework's principal is 'alice'"),
    ]);
    expect(messagesOf(out, 'apply_operation')).toHaveLength(1);
  });

  it('accepts any principal from a framework without one', () => {
    const { accept } = setup();
    expect(dropped(accept([reserve('cpus(dynamic:prod@anyone):1')]))).toEqual([]);
  });

  it('refines a reservation of a parent role for the sub-role the framework is offered it as', () => {
    const h = new Harness();
    h.registerAgent('a1', 'cpus(eng):4;mem(eng):1024');
    const { frameworkId, streamId } = h.subscribe({ roles: ['eng/backend'] });
    const offer = offersOf(h.allocate(), frameworkId)[0]!;
    expect(offer.allocation_info.role).toBe('eng/backend');
    const refined: Resource = {
      name: 'cpus',
      type: 'SCALAR',
      scalar: { value: 1 },
      reservations: [
        { type: 'STATIC', role: 'eng' },
        { type: 'DYNAMIC', role: 'eng/backend' },
      ],
    };
    const out = h.call(frameworkId, streamId, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'RESERVE', reserve: { resources: [refined] } }] },
    });
    expect(dropped(out)).toEqual([]);
    expect(formatResources(h.master.state().agents[0]!.resources)).toBe(
      'cpus(eng):3;cpus(eng,dynamic:eng/backend):1;mem(eng):1024;ports:[31000-32000]',
    );
  });

  it('offers reserved resources only to their role', () => {
    const { h, frameworkId, streamId, accept } = setup();
    accept([reserve('cpus(dynamic:prod):3')]);
    const dev = h.subscribe({ roles: ['dev'] });
    // Suppressing P leaves the agent to dev, which is offered all but the reservation.
    h.call(frameworkId, streamId, { type: 'SUPPRESS', suppress: { roles: [] } });
    const offers = offersOf(h.allocate(), dev.frameworkId);
    expect(offers.map((o) => show(o.resources))).toEqual(['cpus:1;disk:4096;mem:8192;ports:[31000-32000]']);
  });

  it('refuses a RESERVE without its body with a 400', () => {
    const { accept } = setup();
    const out = accept([{ type: 'RESERVE' }]);
    expect(callErrors(out).map((e) => e.message)).toEqual(["Expecting 'reserve.resources' to be present"]);
  });
});

describe('UNRESERVE', () => {
  it('gives dynamically reserved resources back to the unreserved pool', () => {
    const { h, accept, next } = setup();
    accept([reserve('cpus(dynamic:prod):2')]);
    const offer = next();
    const out = accept([unreserve('cpus(dynamic:prod):1')], offer);
    expect(dropped(out)).toEqual([]);
    expect(messagesOf(out, 'apply_operation').map((m) => show(m.operation.unreserve!.resources))).toEqual([
      'cpus(dynamic:prod):1',
    ]);
    expect(formatResources(h.master.state().agents[0]!.resources)).toBe(
      'cpus:3;cpus(dynamic:prod):1;disk:4096;mem:8192;ports:[31000-32000]',
    );
  });

  it('drops unreserving static reservations, unknown reservations and labels that do not match', () => {
    const h = new Harness();
    h.registerAgent('a1', 'cpus:2;cpus(prod):2;mem:1024');
    const { frameworkId, streamId } = h.subscribe({ roles: ['prod'] });
    const call = (operations: Operation[]) => {
      const offer = offersOf(h.allocate(), frameworkId)[0]!;
      return h.call(frameworkId, streamId, {
        type: 'ACCEPT',
        accept: { offer_ids: [offer.id], operations, filters: { refuse_seconds: 0 } },
      });
    };
    const labelled: Resource = {
      name: 'cpus',
      type: 'SCALAR',
      scalar: { value: 1 },
      reservations: [{ type: 'DYNAMIC', role: 'prod', labels: { labels: [{ key: 'k', value: 'v' }] } }],
    };
    expect(dropped(call([{ type: 'RESERVE', reserve: { resources: [labelled] } }]))).toEqual([]);
    const out = call([
      unreserve('cpus(prod):1'),
      unreserve('cpus(dynamic:prod):1'),
      { type: 'UNRESERVE', unreserve: { resources: [labelled] } },
    ]);
    const reasons = dropped(out);
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toContain('cpus(prod):1 is not dynamically reserved');
    expect(reasons[1]).toContain('the offers do not hold cpus(dynamic:prod):1');
    expect(messagesOf(out, 'apply_operation')).toHaveLength(1);
    expect(formatResources(h.master.state().agents[0]!.resources)).toBe(
      'cpus:2;cpus(prod):2;mem:1024;ports:[31000-32000]',
    );
  });
});

describe('CREATE and DESTROY', () => {
  it('makes a persistent volume of reserved disk, offers it whole, and destroys it back', () => {
    const { h, accept, next } = setup();
    const out = accept([reserve('disk(dynamic:prod):1024'), create('disk(dynamic:prod)[v1:data]:512')]);
    expect(dropped(out)).toEqual([]);
    const made = messagesOf(out, 'apply_operation').map((m) => m.operation);
    expect(made.map((op) => op.type)).toEqual(['RESERVE', 'CREATE']);
    const volume = made[1]!.create!.volumes[0]!;
    expect(volume.disk).toEqual({
      persistence: { id: 'v1' },
      volume: { container_path: 'data', mode: 'RW' },
    });
    // One registry record for the whole accept, with the final total.
    expect(out.filter((e) => e.type === 'registry')).toHaveLength(1);
    const offer = next();
    expect(show(offer.resources)).toBe(
      'cpus:4;disk:3072;disk(dynamic:prod):512;disk(dynamic:prod)[v1:data]:512;mem:8192;ports:[31000-32000]',
    );
    const gone = accept([destroy('disk(dynamic:prod)[v1:data]:512')], offer);
    expect(dropped(gone)).toEqual([]);
    expect(formatResources(h.master.state().agents[0]!.resources)).toBe(
      'cpus:4;disk:3072;disk(dynamic:prod):1024;mem:8192;ports:[31000-32000]',
    );
  });

  it('drops volumes of unreserved disk, repeated ids, wrong principals, read-only or bad volumes', () => {
    const { accept, next } = setup('alice');
    /** CREATE of one volume, its persistence naming `principal`. */
    const withPrincipal = (text: string, principal?: string, mode?: 'RO'): Operation => {
      const [volume] = res(text) as [Resource];
      const disk = {
        persistence: { id: volume.disk!.persistence!.id, ...(principal ? { principal } : {}) },
        volume: { container_path: 'p', ...(mode ? { mode } : {}) },
      };
      return { type: 'CREATE', create: { volumes: [{ ...volume, disk }] } };
    };
    const made = accept([
      reserve('disk(dynamic:prod@alice):2048'),
      withPrincipal('disk(dynamic:prod@alice)[v1:x]:512'),
      withPrincipal('disk(dynamic:prod@alice)[v1:x]:512', 'alice'),
    ]);
    expect(dropped(made)).toEqual([
      expect.stringContaining("names principal '', but the framework's principal is 'alice'"),
    ]);
    const offer = next();
    const out = accept(
      [
        withPrincipal('disk[u1:x]:10', 'alice'),
        withPrincipal('disk(dynamic:prod@alice)[v1:x]:10', 'alice'),
        withPrincipal('disk(dynamic:prod@alice)[v2:x]:10', 'bob'),
        withPrincipal('disk(dynamic:prod@alice)[v3:x]:10', 'alice', 'RO'),
        withPrincipal('disk(dynamic:prod@alice)[v4:x]:10', 'alice'),
        withPrincipal('disk(dynamic:prod@alice)[..:y]:10', 'alice'),
        { type: 'CREATE', create: { volumes: res('disk(dynamic:prod@alice):10') } },
      ],
      offer,
    );
    const reasons = dropped(out);
    expect(reasons).toHaveLength(6);
    expect(reasons[0]).toContain('must be made of reserved disk');
    expect(reasons[1]).toContain("persistence id 'v1' is already used by role 'prod'");
    expect(reasons[2]).toContain("names principal 'bob', but the framework's principal is 'alice'");
    expect(reasons[3]).toContain('read-only');
    expect(reasons[4]).toContain("persistence id '..' cannot be empty, '.' or '..'");
    expect(reasons[5]).toContain('is not a persistent volume');
    expect(messagesOf(out, 'apply_operation').map((m) => show(m.operation.create!.volumes))).toEqual([
      'disk(dynamic:prod@alice)[v4:p]:10',
    ]);
  });

  it('drops destroying a volume the agent lacks or a task uses, and unreserving a volume', () => {
    const { h, offer: first, accept, next } = setup();
    accept([reserve('disk(dynamic:prod):100'), create('disk(dynamic:prod)[v1:data]:100')], first);
    const offer = next();
    const task = commandTask('t1', offer, res('cpus:1;mem:64;disk(dynamic:prod)[v1:data]:100'));
    const out = accept(
      [
        unreserve('disk(dynamic:prod)[v1:data]:100'),
        destroy('disk(dynamic:prod)[v9:data]:100'),
        { type: 'LAUNCH', launch: { task_infos: [task] } },
        destroy('disk(dynamic:prod)[v1:data]:100'),
      ],
      offer,
    );
    const reasons = dropped(out);
    expect(reasons).toHaveLength(3);
    expect(reasons[0]).toContain('is a persistent volume: destroy it first');
    expect(reasons[1]).toContain('the agent has no persistent volume disk(dynamic:prod)[v9:data]:100');
    expect(reasons[2]).toContain('is in use');
    expect(messagesOf(out, 'run_task')).toHaveLength(1);
    expect(formatResources(h.master.state().agents[0]!.resources)).toContain(
      'disk(dynamic:prod)[v1:data]:100',
    );
  });

  it('launches only on a volume taken whole', () => {
    const { offer: first, frameworkId, accept, next } = setup();
    accept([reserve('disk(dynamic:prod):100'), create('disk(dynamic:prod)[v1:data]:100')], first);
    const offer = next();
    const task = commandTask('t1', offer, res('cpus:1;mem:64;disk(dynamic:prod)[v1:data]:50'));
    const out = accept([{ type: 'LAUNCH', launch: { task_infos: [task] } }], offer);
    expect(updatesOf(out, frameworkId).map((s) => s.state)).toEqual(['TASK_ERROR']);
  });
});

describe('reservations across a master failover', () => {
  /** A master whose agent a1 reserved cpus and made a volume, and the registry it wrote. */
  function recorded() {
    const { h, accept } = setup(undefined, 'cpus:4;mem:1024;disk:1000');
    accept([
      reserve('cpus(dynamic:prod):1;disk(dynamic:prod):300'),
      create('disk(dynamic:prod)[v1:data]:200'),
    ]);
    const registry = createMemoryRegistry();
    for (const e of h.log) if (e.type === 'registry') registry.apply(e);
    const agentId = h.master.state().agents[0]!.id;
    return { registry, agentId };
  }

  function reregister(h: Harness, agentId: string, resources: string) {
    return h.step({
      type: 'agent_reregister',
      connection: 'conn-a1',
      agent_info: { hostname: 'a1', port: 5051, id: { value: agentId }, resources },
    });
  }

  it('gives a re-registering agent the reservations and volumes recorded for it', () => {
    const { registry, agentId } = recorded();
    const h = new Harness({ masterId: 'm2', recovered: registry.snapshot(), createAllocator: drf });
    const out = reregister(h, agentId, 'cpus:4;mem:1024;disk:1000');
    expect(agentMessages(out).map((m) => m.message.type)).toContain('reregistered');
    const total =
      'cpus:3;cpus(dynamic:prod):1;disk:700;disk(dynamic:prod):100;disk(dynamic:prod)[v1:data]:200;mem:1024;ports:[31000-32000]';
    expect(formatResources(h.master.state().agents[0]!.resources)).toBe(total);
    // The new master records the total again, and offers the reservation to the role only.
    expect(out.filter((e) => e.type === 'registry')).toEqual([
      expect.objectContaining({ op: 'agent_admitted' }),
    ]);
    const dev = h.subscribe({ roles: ['dev'] });
    expect(offersOf(h.allocate(), dev.frameworkId).map((o) => show(o.resources))).toEqual([
      'cpus:3;disk:700;mem:1024;ports:[31000-32000]',
    ]);
  });

  it('keeps what an agent reports when it reports reservations of its own', () => {
    const { registry, agentId } = recorded();
    const h = new Harness({ masterId: 'm2', recovered: registry.snapshot(), createAllocator: drf });
    reregister(h, agentId, 'cpus:2;cpus(dynamic:prod):2;mem:1024;disk:1000');
    expect(formatResources(h.master.state().agents[0]!.resources)).toBe(
      'cpus:2;cpus(dynamic:prod):2;disk:1000;mem:1024;ports:[31000-32000]',
    );
  });

  it('drops recorded reservations an agent no longer has the resources for, and says so', () => {
    const { registry, agentId } = recorded();
    const h = new Harness({ masterId: 'm2', recovered: registry.snapshot(), createAllocator: drf });
    const out = reregister(h, agentId, 'cpus:4;mem:1024;disk:100');
    expect(formatResources(h.master.state().agents[0]!.resources)).toBe(
      'cpus:4;disk:100;mem:1024;ports:[31000-32000]',
    );
    const notes = out.flatMap((e) =>
      e.type === 'trace' && e.event.type === 'input_ignored' ? [e.event.reason] : [],
    );
    expect(notes).toEqual([expect.stringContaining('recorded reservations and volumes are dropped')]);
  });
});

describe('the scenario accept command', () => {
  it('keeps operations in the order written and checks their resources', () => {
    const [line] = parseScenario(
      'accept P offer=O2 reserve=cpus(dynamic:prod):1 launch=cpus(dynamic:prod):1 reserve=mem(dynamic:prod):8',
    );
    expect(line?.kind === 'command' ? line.command : undefined).toMatchObject({
      kind: 'accept',
      framework: 'P',
      offer: 'O2',
      operations: [
        { type: 'reserve', resources: 'cpus(dynamic:prod):1' },
        { type: 'launch', resources: 'cpus(dynamic:prod):1' },
        { type: 'reserve', resources: 'mem(dynamic:prod):8' },
      ],
    });
    expect(() => parseScenario('accept P')).toThrow(/at least one operation/);
    expect(() => parseScenario('accept P reserve=cpus(:1')).toThrow(/accept: reserve/);
    expect(() => parseScenario('accept P grow=disk:1')).toThrow(/expected offer=, refuse= or an operation/);
  });
});
