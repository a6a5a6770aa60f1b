// Mesos's caps on completed history in the live master: started with small caps, /master/state keeps
// only the newest completed tasks per framework and the newest completed frameworks and shows both
// flags; the journal's header records the caps and its replay keeps the same history (an older
// header without them replays with Mesos's defaults); `meso master` and `meso local` refuse a bad
// cap, naming the flag, and pass a good one through to /master/state.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJournal } from '../../engine/master/journal-format.ts';
import { replayJournal } from '../../sim/replay/journal-replay.ts';
import { eventually, freePort, getJson, Processes, repo_root } from './e2e-harness.ts';
import { LiveMaster } from './live-master.ts';
import {
  acceptLaunchCall,
  commandTaskInfo,
  type Json,
  masterState,
  type SubscribedFramework,
  sendStatusUpdate,
} from './master-client.ts';

const live = new LiveMaster(3);
const procs = new Processes();

afterEach(async () => {
  await live.cleanup();
  await procs.cleanup();
});

/** Makes a call of `framework` that the master must accept (202). */
async function accepted(framework: SubscribedFramework, body: Json): Promise<void> {
  const res = await framework.call(body);
  expect(res.status, res.body).toBe(202);
}

/**
 * Runs a cluster through a history longer than the caps: framework `keep` launches `task_ids` on
 * one offer and each finishes (acknowledged, in order); then `gone` more frameworks subscribe and
 * tear down, one after another. Returns the kept framework's id and the torn-down ones' in order.
 */
async function history(
  port: number,
  task_ids: readonly string[],
  gone: number,
): Promise<{ keep: string; torn: string[] }> {
  const keep = await live.framework('keep');
  const { agent, agentId } = await live.agent('agent-caps', 'cpus:8;mem:8192');
  const offers = await keep.stream.events.next((e) => e.type === 'OFFERS');
  const task_infos = task_ids.map((id) => commandTaskInfo(id, agentId));
  await accepted(
    keep,
    acceptLaunchCall(offers.item.offers.offers[0].id, task_infos, { filters: { refuse_seconds: 0 } }),
  );
  for (const id of task_ids) {
    const uuid = sendStatusUpdate(agent, keep.frameworkId, id, 'TASK_FINISHED');
    await keep.stream.events.next((e) => e.type === 'UPDATE' && e.update.status.uuid === uuid);
    await accepted(keep, {
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: { value: agentId }, task_id: { value: id }, uuid },
    });
  }
  const torn: string[] = [];
  for (let i = 0; i < gone; i++) {
    const fw = await live.framework(`gone-${i}`);
    await accepted(fw, { type: 'TEARDOWN' });
    await fw.stream.ended;
    torn.push(fw.frameworkId);
  }
  // An acknowledgement is answered before it is stepped: wait until the last task has completed.
  const last = task_ids[task_ids.length - 1];
  await eventually(
    async () => {
      const state = await masterState(port);
      return state.frameworks[0]?.completed_tasks.some((t: Json) => t.id === last) === true;
    },
    5000,
    'the last task completed',
  );
  return { keep: keep.frameworkId, torn };
}

describe('a live master with small caps on completed history', () => {
  it('keeps the newest completed tasks and frameworks, shows both flags, and journals the caps', async () => {
    const dir = await procs.dir('meso-caps-');
    const journal = join(dir, 'master.ndjson');
    const m = await live.start({
      completed_tasks_per_framework_max: 2,
      completed_frameworks_max: 2,
      journal,
    });
    const { keep, torn } = await history(m.port, ['t-1', 't-2', 't-3', 't-4'], 3);
    const state = await masterState(m.port);
    expect(state.flags.max_completed_tasks_per_framework).toBe('2');
    expect(state.flags.max_completed_frameworks).toBe('2');
    expect(state.frameworks.map((f: Json) => f.id)).toEqual([keep]);
    expect(state.frameworks[0].completed_tasks.map((t: Json) => t.id)).toEqual(['t-3', 't-4']);
    // Oldest dropped first: the first framework torn down is forgotten.
    expect(state.completed_frameworks.map((f: Json) => f.id)).toEqual(torn.slice(1));
    await live.stop();

    const text = readFileSync(journal, 'utf8');
    const { header } = parseJournal(text);
    expect(header.master.completed_tasks_per_framework_max).toBe(2);
    expect(header.master.completed_frameworks_max).toBe(2);
    const replayed = replayJournal(text).master.state();
    expect(replayed.frameworks.map((f) => f.id)).toEqual([keep]);
    expect(replayed.frameworks[0]!.completed_tasks.map((t) => t.task_id)).toEqual(['t-3', 't-4']);
    expect(replayed.completed_frameworks.map((f) => f.id)).toEqual(torn.slice(1));

    // A journal written before the caps were recorded replays with Mesos's defaults (1000 and 50).
    const lines = text.split('\n');
    const old = JSON.parse(lines[0]!);
    delete old.master.completed_tasks_per_framework_max;
    delete old.master.completed_frameworks_max;
    const older = [JSON.stringify(old), ...lines.slice(1)].join('\n');
    const defaults = replayJournal(older).master.state();
    expect(defaults.frameworks[0]!.completed_tasks.map((t) => t.task_id)).toEqual([
      't-1',
      't-2',
      't-3',
      't-4',
    ]);
    expect(defaults.completed_frameworks.map((f) => f.id)).toEqual(torn);

    // A header with a bad cap is refused, naming the field.
    old.master.completed_frameworks_max = -1;
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(bad, [JSON.stringify(old), ...lines.slice(1)].join('\n'));
    expect(() => replayJournal(readFileSync(bad, 'utf8'))).toThrow(/master\.completed_frameworks_max/);
  });

  it('shows both flags with their defaults when none is given', async () => {
    const m = await live.start();
    const state = await masterState(m.port);
    expect(state.flags.max_completed_tasks_per_framework).toBe('1000');
    expect(state.flags.max_completed_frameworks).toBe('50');
  });

  it('refuses a cap that is not a whole number >= 0, naming it', async () => {
    await expect(live.start({ completed_frameworks_max: -1 })).rejects.toThrow(/completed_frameworks_max/);
    await expect(live.start({ completed_tasks_per_framework_max: 1.5 })).rejects.toThrow(
      /completed_tasks_per_framework_max/,
    );
  });
});

/** Runs `meso <args>` and resolves with how it ended, or fails if it still runs after 20 s. */
async function mesoExit(args: readonly string[], env: Record<string, string> = {}) {
  const p = procs.spawn(process.execPath, [join(repo_root, 'bin', 'meso.js'), ...args], env);
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`meso ${args.join(' ')} still runs: ${p.stderr()}`)), 20_000).unref(),
  );
  const { code } = await Promise.race([p.exited, timeout]);
  return { code, stderr: p.stderr() };
}

describe('meso master and meso local with the caps', () => {
  it('exit non-zero naming the flag on a bad cap, from the command line or the environment', async () => {
    const port = String(await freePort());
    const [word, negative, fromEnv, local] = await Promise.all([
      mesoExit(['master', `--port=${port}`, '--max_completed_tasks_per_framework', 'abc']),
      mesoExit(['master', `--port=${port}`, '--max_completed_frameworks=-1']),
      mesoExit(['master', `--port=${port}`], { MESO_MAX_COMPLETED_FRAMEWORKS: '2.5' }),
      mesoExit(['local', `--port=${port}`, '--max_completed_tasks_per_framework=-3', '--no-demo']),
    ]);
    expect(word.code).toBe(1);
    expect(word.stderr).toContain(
      "meso master: --max_completed_tasks_per_framework must be a whole number >= 0, got 'abc'",
    );
    expect(negative.code).toBe(1);
    expect(negative.stderr).toContain("--max_completed_frameworks must be a whole number >= 0, got '-1'");
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toContain(
      "MESO_MAX_COMPLETED_FRAMEWORKS (--max_completed_frameworks, from the environment) must be a whole number >= 0, got '2.5'",
    );
    expect(local.code).toBe(1);
    expect(local.stderr).toContain(
      "meso local: --max_completed_tasks_per_framework must be a whole number >= 0, got '-3'",
    );
  });

  it('pass good caps through to the master', async () => {
    const port = await freePort();
    procs.meso([
      'master',
      `--port=${port}`,
      '--log_level=warn',
      '--max_completed_tasks_per_framework=7',
      '--max_completed_frameworks=0',
    ]);
    const localPort = await freePort();
    procs.meso(['local', `--port=${localPort}`, '--agents=0', '--no-demo', '--max_completed_frameworks=3']);
    let flags: Json = {};
    let localFlags: Json = {};
    await eventually(
      async () => {
        flags = (await getJson(port, '/master/state')).flags;
        localFlags = (await getJson(localPort, '/master/state')).flags;
        return true;
      },
      20_000,
      'both masters serving /master/state',
    );
    expect(flags.max_completed_tasks_per_framework).toBe('7');
    expect(flags.max_completed_frameworks).toBe('0');
    expect(localFlags.max_completed_tasks_per_framework).toBe('1000');
    expect(localFlags.max_completed_frameworks).toBe('3');
  });
});
