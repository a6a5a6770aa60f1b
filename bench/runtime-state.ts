// A large master built in-process: an engine master driven through the same inputs the live
// master's agent channel and scheduler API would give it (agent registrations, SUBSCRIBE, ACCEPT,
// status updates with uuids, ACKNOWLEDGE), until it holds the asked numbers of running and
// completed tasks. Used to time the state page without sockets, and to profile it.
import { createAllocator } from '../engine/allocator/policies.ts';
import type { MasterEffect } from '../engine/master/effects.ts';
import type { MasterInput } from '../engine/master/inputs.ts';
import { createMaster, type Master } from '../engine/master/master.ts';
import type { Offer, TaskInfo } from '../engine/master/v1.ts';
import { createRng } from '../engine/rng.ts';
import { sendStatePage } from '../runtime/master/state-json.ts';
import { median } from './runtime-measure.ts';

/** The cluster to build. */
export interface LargeMasterShape {
  readonly agents: number;
  readonly frameworks: number;
  readonly running: number;
  readonly completed: number;
  /** Agent resources, as the agent flag writes them. */
  readonly agent_resources: string;
  readonly task_cpus: number;
  readonly task_mem_mb: number;
}

/** A master holding the shape's tasks, and the clock it was built with. */
export interface LargeMaster {
  readonly master: Master;
  readonly now_ms: number;
}

/** A status uuid: 16 bytes in base64, distinct for each n. */
export function uuidOf(n: number): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32LE(n >>> 0, 0);
  bytes.writeUInt32LE(Math.floor(n / 2 ** 32), 4);
  bytes[15] = 0x5a;
  return bytes.toString('base64');
}

/** The TaskInfo of one small command task on an offer's agent. */
export function smallTask(id: string, offer: Offer, cpus: number, mem_mb: number): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
      { name: 'mem', type: 'SCALAR', scalar: { value: mem_mb } },
    ],
    command: { value: 'true', shell: true },
  };
}

/** How many tasks of the shape fit in an offer. */
export function tasksFitting(offer: Offer, cpus: number, mem_mb: number): number {
  let offeredCpus = 0;
  let offeredMem = 0;
  for (const r of offer.resources) {
    if (r.name === 'cpus') offeredCpus += r.scalar?.value ?? 0;
    if (r.name === 'mem') offeredMem += r.scalar?.value ?? 0;
  }
  return Math.max(0, Math.min(Math.floor(offeredCpus / cpus + 1e-9), Math.floor(offeredMem / mem_mb + 1e-9)));
}

/** Builds the master; throws if the shape cannot be reached in a bounded number of cycles. */
export function buildLargeMaster(shape: LargeMasterShape): LargeMaster {
  const perFramework = Math.ceil(shape.completed / Math.max(1, shape.frameworks));
  const master = createMaster({
    masterId: 'bench',
    createAllocator: () => createAllocator({ policy: 'drf', rng: createRng('bench-state') }),
    completedTasksPerFrameworkMax: Math.max(perFramework, 1),
  });
  let now = 1_764_000_000_000;
  const step = (input: MasterInput): MasterEffect[] => master.step(input, now);
  for (let i = 0; i < shape.agents; i++) {
    step({
      type: 'agent_register',
      connection: `c${i}`,
      ip: '127.0.0.1',
      agent_info: { hostname: `agent-${i}`, port: 5051, resources: shape.agent_resources },
    });
  }
  const streams = new Map<string, string>();
  for (let i = 0; i < shape.frameworks; i++) {
    const stream = `s${i}`;
    const out = step({
      type: 'scheduler_call',
      stream_id: stream,
      call: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: `fw-${i}` } } },
    });
    for (const e of out) {
      if (e.type === 'framework_event' && e.event.type === 'SUBSCRIBED') streams.set(e.framework_id, stream);
    }
  }
  // Each framework gets its share of both kinds, so no framework's completed list is trimmed.
  const frameworkCount = Math.max(1, streams.size);
  const progress = new Map<string, { completed: number; running: number }>();
  for (const id of streams.keys()) progress.set(id, { completed: 0, running: 0 });
  const completedShare = Math.ceil(shape.completed / frameworkCount);
  const runningShare = Math.ceil(shape.running / frameworkCount);
  let completed = 0;
  let running = 0;
  let uuid = 0;
  let taskSeq = 0;
  for (let cycle = 0; cycle < 1000 && (completed < shape.completed || running < shape.running); cycle++) {
    now += 1000;
    const out = step({ type: 'timer', key: 'allocation' });
    for (const e of out) {
      if (e.type !== 'framework_event' || e.event.type !== 'OFFERS') continue;
      const frameworkId = e.framework_id;
      const stream = streams.get(frameworkId)!;
      const mine = progress.get(frameworkId)!;
      for (const offer of e.event.offers.offers) {
        const finishing = completed < shape.completed && mine.completed < completedShare;
        const wanted = finishing
          ? Math.min(shape.completed - completed, completedShare - mine.completed)
          : Math.max(0, Math.min(shape.running - running, runningShare - mine.running));
        const count = Math.min(wanted, tasksFitting(offer, shape.task_cpus, shape.task_mem_mb));
        const tasks: TaskInfo[] = [];
        for (let t = 0; t < count; t++) {
          tasks.push(smallTask(`task-${taskSeq++}`, offer, shape.task_cpus, shape.task_mem_mb));
        }
        step({
          type: 'scheduler_call',
          stream_id: stream,
          call: {
            type: 'ACCEPT',
            framework_id: { value: frameworkId },
            accept: {
              offer_ids: [offer.id],
              operations: count === 0 ? [] : [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
              filters: { refuse_seconds: 0 },
            },
          },
        });
        const agentId = offer.agent_id.value;
        for (const task of tasks) {
          const states = finishing
            ? (['TASK_RUNNING', 'TASK_FINISHED'] as const)
            : (['TASK_RUNNING'] as const);
          for (const state of states) {
            const id = uuidOf(uuid++);
            step({
              type: 'agent_status_update',
              agent_id: agentId,
              framework_id: frameworkId,
              status: {
                task_id: task.task_id,
                state,
                source: 'SOURCE_EXECUTOR',
                uuid: id,
                timestamp: now / 1000,
              },
            });
            step({
              type: 'scheduler_call',
              stream_id: stream,
              call: {
                type: 'ACKNOWLEDGE',
                framework_id: { value: frameworkId },
                acknowledge: { agent_id: offer.agent_id, task_id: task.task_id, uuid: id },
              },
            });
          }
        }
        if (finishing) {
          completed += count;
          mine.completed += count;
        } else {
          running += count;
          mine.running += count;
        }
      }
    }
  }
  if (completed < shape.completed || running < shape.running) {
    throw new Error(`built only ${running} running and ${completed} completed tasks`);
  }
  return { master, now_ms: now };
}

/** What timing the in-process state page gave. */
export interface InProcessStateFigure {
  readonly built: string;
  readonly agents: number;
  readonly tasks_running: number;
  readonly tasks_completed: number;
  readonly bytes: number;
  readonly build_s: number;
  readonly first_ms: number;
  readonly median_ms: number;
}

/** Builds the master in-process and times `reads` state pages (the first, and the median after it). */
export function timeStatePageInProcess(shape: LargeMasterShape, reads: number): InProcessStateFigure {
  const built = performance.now();
  const { master } = buildLargeMaster(shape);
  const build_s = (performance.now() - built) / 1000;
  const ctx = { elected_time_ms: 0, leader_info: master.info, flags: {} };
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < reads; i++) {
    const start = performance.now();
    // A stand-in for the response: the page is written, handed over, and released.
    let release = (): void => {};
    const res = {
      writeHead() {},
      once(_event: string, f: () => void) {
        release = f;
      },
      end(body: Buffer) {
        bytes = body.length;
        release();
      },
    };
    sendStatePage(res as never, master.state(), ctx);
    times.push(performance.now() - start);
  }
  const later = times.slice(1);
  return {
    built: 'engine in-process, same inputs as the agent channel and scheduler API',
    agents: shape.agents,
    tasks_running: shape.running,
    tasks_completed: shape.completed,
    bytes,
    build_s: Number(build_s.toFixed(1)),
    first_ms: Math.round(times[0]!),
    median_ms: Math.round(median(later.length > 0 ? later : times)),
  };
}
