// End to end with a real process: `meso local` serves /master/state with its agents within 3 s of
// being started, its demo framework gets tasks running, and SIGTERM stops everything: the process
// exits 0 and no task process is left in its work_dir.
import { readdirSync, readlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, freePort, getJson, type Json, Processes } from './e2e-harness.ts';

const procs = new Processes();
afterEach(() => procs.cleanup());

/** Pids of processes whose working directory is under `dir`. */
function pidsUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(`${dir}/`)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

describe('meso local', () => {
  it('serves its agents within 3 s, runs the demo framework, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const work_dir = await procs.dir('meso-local-');
    const started_ms = Date.now();
    const local = procs.meso(['local', `--port=${port}`, '--agents=2', `--work_dir=${work_dir}`]);
    let state: Json = {};
    await eventually(
      async () => {
        state = await getJson(port, '/master/state');
        return state.slaves.filter((s: Json) => s.active).length === 2;
      },
      10_000,
      'two active agents in /master/state',
    );
    await eventually(
      () => local.stdout().includes(`master http://127.0.0.1:${port} with 2 agents`),
      10_000,
      'the master URL printed',
    );
    const ready_ms = Date.now() - started_ms;
    expect(ready_ms, `ready after ${ready_ms} ms`).toBeLessThan(3000);
    expect(new Set(state.slaves.map((s: Json) => s.id)).size).toBe(2);

    // The demo framework keeps short tasks running.
    await eventually(
      async () => {
        const s = await getJson(port, '/master/state');
        const demo = s.frameworks.find((f: Json) => f.name === 'meso demo');
        return demo?.tasks.some((t: Json) => t.state === 'TASK_RUNNING') === true;
      },
      10_000,
      'a running demo task',
    );
    expect(pidsUnder(work_dir).length).toBeGreaterThan(0);

    process.kill(local.pid, 'SIGTERM');
    const ended = await local.exited;
    expect(ended.code, local.stderr()).toBe(0);
    expect(local.stdout()).toMatch(/meso local: stopped/);
    expect(pidsUnder(work_dir)).toEqual([]);
  });

  it('runs no framework with --no-demo', async () => {
    const port = await freePort();
    const local = procs.meso(['local', `--port=${port}`, '--agents=1', '--no-demo']);
    await eventually(
      async () => (await getJson(port, '/master/state')).slaves.length === 1,
      10_000,
      'one agent in /master/state',
    );
    // Once it says it has started everything, it has started no demo.
    await eventually(
      async () => local.stdout().includes('Ctrl-C stops everything'),
      10_000,
      'the start lines',
    );
    expect(local.stdout()).not.toMatch(/demo framework/);
    const state = await getJson(port, '/master/state');
    expect(state.frameworks).toEqual([]);
    // Its temp work_dir is its own and goes with it.
    const work_dir = /work_dir (\S+)/.exec(local.stdout())?.[1];
    expect(work_dir).toBeDefined();
    process.kill(local.pid, 'SIGINT');
    expect((await local.exited).code).toBe(0);
    expect(() => readdirSync(work_dir!)).toThrow();
  });
});
