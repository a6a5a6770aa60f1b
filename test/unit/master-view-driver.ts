// A driver of random master runs for the view tests: agents (some with attributes and reserved
// resources) come and go, frameworks launch tasks with labels, agents update them with and
// without uuids, frameworks acknowledge, disconnect and tear down.
import fc from 'fast-check';
import { commandTask, cpusMem, Harness, messagesOf, offersOf, uuid } from './master-harness.ts';

/** One abstract action; indices pick among what exists when the action runs. */
export type Action =
  | { kind: 'agent' }
  | { kind: 'subscribe' }
  | { kind: 'allocate' }
  | { kind: 'launch'; fw: number; tasks: number }
  | { kind: 'update'; task: number; state: number; withUuid: boolean }
  | { kind: 'ack'; task: number }
  | { kind: 'agentDown'; agent: number }
  | { kind: 'frameworkDown'; fw: number }
  | { kind: 'teardown'; fw: number };

/** The states agents report. */
export const states = ['TASK_RUNNING', 'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED'] as const;
const pick = fc.nat({ max: 9 });
/** A random action. */
export const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Action>({ kind: 'agent' }) },
  { weight: 2, arbitrary: fc.constant<Action>({ kind: 'subscribe' }) },
  { weight: 3, arbitrary: fc.constant<Action>({ kind: 'allocate' }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('launch' as const),
      fw: pick,
      tasks: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('update' as const),
      task: pick,
      state: fc.nat({ max: states.length - 1 }),
      withUuid: fc.boolean(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('ack' as const), task: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('agentDown' as const), agent: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('frameworkDown' as const), fw: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('teardown' as const), fw: pick }) },
);

/** Drives a harness master through actions, keeping what it needs to name things. */
export class Driver {
  readonly h = new Harness({ completedTasksPerFrameworkMax: 3, completedFrameworksMax: 2 });
  readonly agents: string[] = [];
  readonly frameworks: Array<{ id: string; stream: string }> = [];
  readonly offers = new Map<string, ReturnType<typeof offersOf>>();
  /** Every task launched: its framework, agent, and the uuid of its latest update. */
  readonly tasks: Array<{ id: string; fw: string; stream: string; agent: string; uuid: string | undefined }> =
    [];
  private uuids = 0;

  constructor() {
    this.h.step({ type: 'start' });
  }

  run(a: Action): void {
    const h = this.h;
    h.now += 10;
    switch (a.kind) {
      case 'agent': {
        // Every third agent has attributes and resources reserved for a role.
        const n = this.agents.length;
        const special = n % 3 === 2;
        const out = h.step({
          type: 'agent_register',
          connection: `conn-a${n}`,
          agent_info: {
            hostname: `a${n}`,
            port: 5051,
            resources: special
              ? 'cpus:2;cpus(prod):2;mem:4096;disk:100;zones:{x,y}'
              : 'cpus:4;mem:4096;disk:100',
            ...(special
              ? {
                  attributes: [
                    { name: 'rack', type: 'TEXT' as const, text: { value: `r"${n}` } },
                    { name: 'level', type: 'SCALAR' as const, scalar: { value: n } },
                  ],
                }
              : {}),
          },
        });
        const registered = messagesOf(out, 'registered')[0];
        if (registered === undefined) throw new Error(`agent a${n} was not registered`);
        this.agents.push(registered.agent_id.value);
        return;
      }
      case 'subscribe': {
        const s = h.subscribe({ name: `fw${this.frameworks.length}` });
        this.frameworks.push({ id: s.frameworkId, stream: s.streamId });
        return;
      }
      case 'allocate': {
        const out = h.allocate();
        for (const f of this.frameworks) {
          const made = offersOf(out, f.id);
          if (made.length > 0) this.offers.set(f.id, [...(this.offers.get(f.id) ?? []), ...made]);
        }
        return;
      }
      case 'launch': {
        const f = this.frameworks[a.fw % Math.max(1, this.frameworks.length)];
        const offer = f === undefined ? undefined : this.offers.get(f.id)?.shift();
        if (f === undefined || offer === undefined) return;
        const infos = [];
        for (let i = 0; i < a.tasks; i++) {
          const id = `t${this.tasks.length}`;
          const info = {
            ...commandTask(id, offer, cpusMem(0.5, 64)),
            ...(i % 2 === 0 ? { labels: { labels: [{ key: 'n', value: `${i} \u00e9` }] } } : {}),
            ...(i === 1
              ? {
                  container: {
                    type: 'MESOS',
                    mesos: { image: { type: 'DOCKER', docker: { name: 'busybox' } } },
                  },
                }
              : {}),
          };
          infos.push(info);
          this.tasks.push({ id, fw: f.id, stream: f.stream, agent: offer.agent_id.value, uuid: undefined });
        }
        h.call(f.id, f.stream, {
          type: 'ACCEPT',
          accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: infos } }] },
        });
        return;
      }
      case 'update': {
        const t = this.tasks[a.task % Math.max(1, this.tasks.length)];
        if (t === undefined) return;
        t.uuid = a.withUuid ? uuid(this.uuids++) : undefined;
        h.update(t.agent, t.fw, {
          task_id: { value: t.id },
          state: states[a.state]!,
          message: `update ${this.uuids}`,
          source: 'SOURCE_EXECUTOR',
          ...(t.uuid === undefined ? {} : { uuid: t.uuid }),
        });
        return;
      }
      case 'ack': {
        const t = this.tasks[a.task % Math.max(1, this.tasks.length)];
        if (t?.uuid === undefined) return;
        h.call(t.fw, t.stream, {
          type: 'ACKNOWLEDGE',
          acknowledge: { agent_id: { value: t.agent }, task_id: { value: t.id }, uuid: t.uuid },
        });
        return;
      }
      case 'agentDown': {
        const id = this.agents[a.agent % Math.max(1, this.agents.length)];
        if (id !== undefined) h.step({ type: 'agent_disconnected', agent_id: id });
        return;
      }
      case 'frameworkDown': {
        const f = this.frameworks[a.fw % Math.max(1, this.frameworks.length)];
        if (f !== undefined)
          h.step({ type: 'framework_disconnected', framework_id: f.id, stream_id: f.stream });
        return;
      }
      case 'teardown': {
        const f = this.frameworks[a.fw % Math.max(1, this.frameworks.length)];
        if (f !== undefined) h.call(f.id, f.stream, { type: 'TEARDOWN' });
        return;
      }
    }
  }
}
