// The trace viewer's reading: lines picked or parsed, bad input named by its line, events folded
// into buckets that stay bounded, checked against a simulation's real trace.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trace_header } from '../../../engine/events.ts';
import { resolveSimConfig } from '../../../sim/config.ts';
import { runSimulation } from '../../../sim/run.ts';
import { flow_slots } from '../../../viz/src/trace/aggregate.ts';
import { at, bucketAt, dominantShare, sumOver, type TraceData, width } from '../../../viz/src/trace/data.ts';
import { loadTrace } from '../../../viz/src/trace/load.ts';
import { eventFields, readLine } from '../../../viz/src/trace/read-line.ts';
import { buckets_max } from '../../../viz/src/trace/series.ts';

/** A stream of `text` cut into chunks of `size` bytes, so lines straddle chunks. */
function streamOf(text: string, size = 7): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, at + size));
      at += size;
    },
  });
}

const header = JSON.stringify(trace_header);
const agent = (id: string, t: number) =>
  JSON.stringify({
    type: 'agent_added',
    agent_id: id,
    hostname: id,
    resources: { cpus: 8, mem: 1024 },
    reregistered: false,
    time_ms: t,
    seq: 0,
  });
const framework = (id: string, role: string, t: number) =>
  JSON.stringify({
    type: 'framework_added',
    framework_id: id,
    name: `fw ${id}`,
    roles: [role],
    how: 'subscribed',
    time_ms: t,
    seq: 0,
  });
const offer = (id: string, fw: string, t: number) =>
  JSON.stringify({
    type: 'offer_made',
    offer_id: id,
    framework_id: fw,
    agent_id: 'a1',
    role: 'r',
    resources: { cpus: 8, mem: 1024, ports: '[31000-32000]' },
    time_ms: t,
    seq: 0,
  });
const resolved = (type: string, id: string, fw: string, t: number, extra: object = {}) =>
  JSON.stringify({ type, offer_id: id, framework_id: fw, agent_id: 'a1', ...extra, time_ms: t, seq: 0 });
const launch = (task: string, fw: string, cpus: number, t: number) =>
  JSON.stringify({
    type: 'task_launched',
    task_id: task,
    framework_id: fw,
    agent_id: 'a1',
    resources: { cpus, mem: 256 },
    time_ms: t,
    seq: 0,
  });
const status = (task: string, fw: string, state: string, t: number) =>
  JSON.stringify({
    type: 'task_status',
    task_id: task,
    framework_id: fw,
    agent_id: 'a1',
    state,
    source: 'SOURCE_EXECUTOR',
    time_ms: t,
    seq: 0,
  });

const small = [
  header,
  agent('a1', 0),
  framework('f1', 'prod', 1),
  offer('o1', 'f1', 1000),
  resolved('offer_accepted', 'o1', 'f1', 1100, { tasks_launched: 1 }),
  launch('t1', 'f1', 4, 1100),
  status('t1', 'f1', 'TASK_RUNNING', 1200),
  offer('o2', 'f1', 2000),
  resolved('offer_declined', 'o2', 'f1', 2100, { refuse_seconds: 60 }),
  offer('o3', 'f1', 3000),
  JSON.stringify({ type: 'something_new', time_ms: 3050, seq: 0, payload: [1, 2] }),
  resolved('offer_rescinded', 'o3', 'f1', 3100, { reason: 'agent removed' }),
  status('t1', 'f1', 'TASK_FINISHED', 9200),
].join('\n');

function flowSum(d: TraceData, slot: (typeof flow_slots)[number]): number {
  const i = flow_slots.indexOf(slot);
  return d.frameworks.reduce((s, f) => s + sumOver(f.flow, width.flow, 0, d.buckets - 1, i), 0);
}

describe('reading a trace', () => {
  it('folds offers, launches and statuses into buckets, across chunk boundaries', async () => {
    const { data, error } = await loadTrace(streamOf(`${small}\n`), 'small');
    expect(error).toBeUndefined();
    expect(data.events).toBe(12);
    expect(data.unknown).toEqual({ something_new: 1 });
    expect(data.frameworks.map((f) => [f.id, f.name, f.role])).toEqual([['f1', 'fw f1', 'prod']]);
    expect(flowSum(data, 'made')).toBe(3);
    expect(flowSum(data, 'accepted')).toBe(1);
    expect(flowSum(data, 'declined_long')).toBe(1);
    expect(flowSum(data, 'rescinded')).toBe(1);
    expect(flowSum(data, 'finished')).toBe(1);
    const f1 = data.frameworks[0]!;
    // While t1 runs, f1 holds 4 of 8 CPUs; after it finishes, nothing.
    expect(dominantShare(data, f1.alloc, bucketAt(data, 5000))).toBe(0.5);
    expect(dominantShare(data, f1.alloc, bucketAt(data, 9200))).toBe(0);
    expect(at(data.tasks, width.tasks, bucketAt(data, 5000), 1)).toBe(1);
    // t1 ran 8.1 s: the completion bin of [8, 16) s.
    expect(sumOver(data.completion, width.completion, 0, data.buckets - 1, 3 + 4)).toBe(1);
  });

  it('reads a trace without a header as the current version, and a trailing line without a newline', async () => {
    const { data, error } = await loadTrace(streamOf(small.split('\n').slice(1).join('\n')), 'no header');
    expect(error).toBeUndefined();
    expect(data.events).toBe(12);
  });

  it('names the line of input that is not NDJSON, and keeps what came before', async () => {
    const text = [header, agent('a1', 0), 'time,type', offer('o1', 'f1', 5)].join('\n');
    const { data, error } = await loadTrace(streamOf(text), 'csv');
    expect(error?.message).toBe(
      'line 3 is not a JSON object: a trace is NDJSON, one event a line (engine/events.ts)',
    );
    expect(data.events).toBe(1);
    const broken = await loadTrace(streamOf(`${header}\n{"type":"offer_made",,}\n`), 'broken');
    expect(broken.error?.line).toBe(2);
    expect(broken.error?.message).toMatch(/^line 2 is not valid JSON/);
    const typeless = await loadTrace(streamOf(`{"time_ms":5}\n`), 'typeless');
    expect(typeless.error?.message).toBe("line 1 has no event 'type'");
  });

  it('says a trace cut short in the middle of a line is truncated', async () => {
    const text = `${small}\n${offer('o9', 'f1', 9300).slice(0, 40)}`;
    const { data, error } = await loadTrace(streamOf(text), 'cut');
    expect(error?.message).toBe('line 14 is cut short: the file ends inside it (was the trace truncated?)');
    expect(data.events).toBe(12);
  });

  it('refuses a trace of another format version, naming both versions', async () => {
    const other = JSON.stringify({ format: 'meso-trace', version: trace_header.version + 1 });
    const { error } = await loadTrace(streamOf(`${other}\n${agent('a1', 0)}\n`), 'v2');
    expect(error?.message).toBe(
      `line 1 is the header of a 'meso-trace' trace of version ${trace_header.version + 1}; ` +
        `this viewer reads 'meso-trace' version ${trace_header.version}`,
    );
  });

  it('picks the same fields as JSON.parse, escapes included', () => {
    const line = resolved('offer_declined', 'o"1', 'f\\1', 7, { refuse_seconds: 2.5 });
    const out = eventFields();
    expect(readLine(line, 0, line.length, 1, out)).toBe('event');
    expect([out.offer_id, out.framework_id, out.refuse_seconds, out.time_ms]).toEqual([
      'o"1',
      'f\\1',
      2.5,
      7,
    ]);
    const plain = launch('t 7', 'f2', 1.5, 1e12);
    expect(readLine(`  ${plain}\r`, 0, plain.length + 3, 1, out)).toBe('event');
    expect([out.task_id, out.framework_id, out.time_ms, out.resources[0], out.resources[1]]).toEqual([
      't 7',
      'f2',
      1e12,
      1.5,
      256,
    ]);
    expect(out.whole).toBeUndefined();
  });

  it('picks what JSON.parse reads, whatever the order of the keys, the spacing, the escapes and the numbers', () => {
    const id = fc.oneof(fc.stringMatching(/^[A-Za-z0-9%-]{0,20}$/), fc.string({ maxLength: 12 }));
    const num = fc.oneof(
      fc.integer({ min: -1e6, max: 1e15 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(0.1, 2.5, 1e21, 123456789.12345679, 0.30000000000000004),
    );
    const resources = fc.record(
      { cpus: num, mem: num, disk: num, gpus: num, ports: fc.constant('[31000-32000]') },
      { requiredKeys: [] },
    );
    const event = fc.oneof(
      fc.record({
        type: fc.constantFrom('offer_made', 'offer_accepted', 'offer_declined', 'offer_rescinded'),
        offer_id: id,
        framework_id: id,
        agent_id: id,
        refuse_seconds: num,
        resources,
        time_ms: num,
        seq: fc.nat(),
      }),
      fc.record({
        type: fc.constantFrom('task_launched', 'task_status'),
        task_id: id,
        framework_id: id,
        agent_id: id,
        state: fc.constantFrom('TASK_RUNNING', 'TASK_FINISHED', 'TASK "odd"'),
        resources,
        time_ms: num,
        source: id,
      }),
      fc.record({ type: fc.constant('allocation_cycle'), time_ms: num, offers_made: fc.nat() }),
    );
    const fields = (o: ReturnType<typeof eventFields>) => {
      const offer = o.type.startsWith('offer');
      return {
        type: o.type,
        time_ms: o.time_ms,
        framework_id: o.type === 'allocation_cycle' ? '' : o.framework_id,
        agent_id: o.type === 'allocation_cycle' ? '' : o.agent_id,
        id: o.type === 'allocation_cycle' ? '' : offer ? o.offer_id : o.task_id,
        state: o.type === 'task_status' ? o.state : '',
        refuse_seconds: o.type === 'offer_declined' ? o.refuse_seconds : 0,
        resources: o.type === 'offer_made' || o.type === 'task_launched' ? [...o.resources] : [],
      };
    };
    fc.assert(
      fc.property(event, fc.boolean(), fc.nat(), (e, spaced, seed) => {
        const entries = Object.entries(e);
        // A different order of the keys for each seed (type included).
        for (let i = entries.length - 1; i > 0; i--) {
          const j = (seed + i * 7919) % (i + 1);
          [entries[i], entries[j]] = [entries[j]!, entries[i]!];
        }
        const sp = spaced ? ' ' : '';
        const line = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sp}${JSON.stringify(v)}`).join(`,${sp}`)}}`;
        const picked = eventFields();
        const parsed = eventFields();
        expect(readLine(line, 0, line.length, 2, picked)).toBe('event');
        // The same line through JSON.parse: a leading backslash-free key the picker cannot match.
        expect(readLine(line.replace(/^\{/, '{"\\u0061":0,'), 0, line.length + 11, 2, parsed)).toBe('event');
        expect(parsed.whole).toBeDefined();
        expect(fields(picked)).toEqual(fields(parsed));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a long trace in bounded buckets, counts summing to the events', async () => {
    const lines = [header, agent('a1', 0), framework('f1', 'r', 0)];
    // A simulated day, an offer every 10 s.
    for (let t = 0; t < 86_400_000; t += 10_000) {
      lines.push(
        offer(`o${t}`, 'f1', t),
        resolved('offer_declined', `o${t}`, 'f1', t + 1, { refuse_seconds: 5 }),
      );
    }
    const { data, error } = await loadTrace(streamOf(lines.join('\n'), 1 << 16), 'day');
    expect(error).toBeUndefined();
    expect(data.buckets).toBeLessThanOrEqual(buckets_max);
    expect(data.buckets * data.bucket_ms).toBeGreaterThanOrEqual(86_400_000 - data.bucket_ms);
    expect(flowSum(data, 'made')).toBe(8640);
    expect(flowSum(data, 'declined')).toBe(8640);
    expect(data.frameworks[0]!.refuse.reduce((s, x) => s + x, 0)).toBe(8640 * 5);
  });

  it("reads a simulation's trace: the flows match the run's own offer counts", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meso-viz-'));
    try {
      const mix = JSON.parse(readFileSync('sim/examples/mesos-paper-mix.json', 'utf8'));
      const config = resolveSimConfig({ ...mix, end_ms: 300_000 });
      const run = runSimulation({ config, baseDir: process.cwd(), outDir: dir, traceEvents: true });
      const text = readFileSync(join(dir, 'trace.ndjson'), 'utf8');
      const { data, error } = await loadTrace(streamOf(text, 1 << 16), 'sim');
      expect(error).toBeUndefined();
      expect(data.unknown).toEqual({});
      expect(data.events).toBe(text.trim().split('\n').length - 1);
      const offers = run.summary.offers as Record<string, number>;
      expect(offers.made).toBeGreaterThan(100);
      expect(flowSum(data, 'made')).toBe(offers.made);
      expect(flowSum(data, 'accepted')).toBe(offers.accepted);
      expect(flowSum(data, 'declined') + flowSum(data, 'declined_long')).toBe(offers.declined);
      expect(data.frameworks.map((f) => f.role).sort()).toEqual(
        mix.frameworks.map((f: { role: string }) => f.role).sort(),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
