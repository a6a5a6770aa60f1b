// `meso replay`: a live master's journal, replayed through the engine, makes the live master's
// decisions again trace event for trace event (offers, launches, status updates, an agent failure
// and a framework failover), and with --policy writes a side-by-side report of another policy.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runReplayCommand, traceText } from '../../cli/replay.ts';
import type { TraceEvent } from '../../engine/events.ts';
import { LiveMaster } from './live-master.ts';
import {
  acceptLaunchCall,
  commandTaskInfo,
  openStream,
  type SubscribedFramework,
  sendStatusUpdate,
  subscribeCall,
} from './master-client.ts';

const live = new LiveMaster(13);
const dirs: string[] = [];

afterEach(async () => {
  await live.cleanup();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Launches `taskId` on the framework's first offer; resolves with the offer's agent id. */
async function launch(framework: SubscribedFramework, taskId: string): Promise<string> {
  const { item } = await framework.stream.events.next((e) => e.type === 'OFFERS');
  const offer = item.offers.offers[0];
  const agentId = offer.agent_id.value as string;
  const res = await framework.call(acceptLaunchCall(offer.id, [commandTaskInfo(taskId, agentId)]));
  expect(res.status).toBe(202);
  return agentId;
}

describe('meso replay', () => {
  it('replays a live run with several frameworks, an agent failure and a failover, byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meso-replay-'));
    dirs.push(dir);
    const journal = join(dir, 'master.ndjson');
    const m = await live.start({ journal, policy: 'drf' });
    const liveTrace: TraceEvent[] = [];
    m.feed.on('trace', (event) => liveTrace.push(event));

    const a = await live.agent('agent-a', 'cpus:4;mem:4096');
    const b = await live.agent('agent-b', 'cpus:4;mem:4096');
    const web = await live.framework('web', { failover_timeout: 3600 });
    const batch = await live.framework('batch');
    const agents = new Map([a, b].map((x) => [x.agentId, x.agent]));
    const running = async (framework: SubscribedFramework, taskId: string) => {
      const agent = agents.get(await launch(framework, taskId))!;
      await agent.messages.next((msg) => msg.type === 'run_task');
      sendStatusUpdate(agent, framework.frameworkId, taskId, 'TASK_RUNNING');
      await framework.stream.events.next((e) => e.type === 'UPDATE');
      return agent;
    };
    await running(web, 'web-1');
    const batchAgent = await running(batch, 'batch-1');

    // batch's agent fails: its connection breaks, and batch (which does not checkpoint) hears its task lost.
    await batchAgent.close();
    await batch.stream.events.next((e) => e.type === 'UPDATE' && e.update.status.state === 'TASK_LOST');

    // web fails over to a new stream.
    const again = await openStream(
      m.port,
      '/api/v1/scheduler',
      subscribeCall('web', { failover_timeout: 3600, id: { value: web.frameworkId } }),
    );
    live.streams.push(again);
    await again.events.next((e) => e.type === 'SUBSCRIBED');
    await live.stop();

    const out = join(dir, 'replay');
    let printed = '';
    expect(runReplayCommand(journal, { out, policy: 'fifo', stdout: (t) => (printed += t) })).toBe(0);
    const types = new Set(liveTrace.map((e) => e.type));
    for (const type of ['offer_made', 'offer_accepted', 'task_launched', 'task_status', 'framework_added']) {
      expect(types, type).toContain(type);
    }
    expect(liveTrace.some((e) => e.type === 'framework_added' && e.how === 'resubscribed')).toBe(true);
    expect(readFileSync(join(out, 'trace.ndjson'), 'utf8')).toBe(traceText(liveTrace));

    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.runs.map((r: { policy: string }) => r.policy)).toEqual(['drf', 'fifo (replayed)']);
    expect(report.runs[0].tasks_launched).toBe(2);
    expect(report.runs[0].frameworks.map((f: { name: string }) => f.name)).toEqual(['web', 'batch']);
    expect(readFileSync(join(out, 'trace-fifo.ndjson'), 'utf8')).toContain('"offer_made"');
    expect(printed).toMatch(/offers\s+\d+\s+\d+/);
    expect(printed).toContain('web: share (mean)');
  });

  it('replays a master run with its own timings: an offer held past --offer_timeout is rescinded again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meso-replay-'));
    dirs.push(dir);
    const journal = join(dir, 'master.ndjson');
    const m = await live.start({ journal, offer_timeout_ms: 200, agent_ping_timeout_ms: 60_000 });
    const liveTrace: TraceEvent[] = [];
    m.feed.on('trace', (event) => liveTrace.push(event));
    await live.agent('agent-a', 'cpus:4;mem:4096');
    const holder = await live.framework('holder');
    await holder.stream.events.next((e) => e.type === 'OFFERS');
    await holder.stream.events.next((e) => e.type === 'RESCIND');
    await live.stop();
    expect(JSON.parse(readFileSync(journal, 'utf8').split('\n')[0]!).master.timing).toEqual({
      offer_timeout_ms: 200,
      agent_ping_timeout_ms: 60_000,
    });
    const out = join(dir, 'replay');
    expect(runReplayCommand(journal, { out, stdout: () => undefined })).toBe(0);
    expect(liveTrace.some((e) => e.type === 'offer_rescinded')).toBe(true);
    expect(readFileSync(join(out, 'trace.ndjson'), 'utf8')).toBe(traceText(liveTrace));
  });

  it('refuses an unknown policy and a journal that is not one, naming what was wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meso-replay-'));
    dirs.push(dir);
    expect(() => runReplayCommand(join(dir, 'none.ndjson'))).toThrow(/cannot read the journal/);
    expect(() => runReplayCommand(join(dir, 'none.ndjson'), { policy: 'best' })).toThrow(
      /--policy must be one of drf/,
    );
  });
});
