// `meso local --zk` as a new user runs it: its own ZooKeeper, three masters in one group (one
// leads, the others redirect to it), an agent and the demo framework following the group's zk://
// URL; SIGTERM stops it all, ZooKeeper included.
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, freePort, getJson, type Json, Processes } from './e2e-harness.ts';

const procs = new Processes();
afterEach(() => procs.cleanup());

describe('meso local --zk', () => {
  it('runs three masters in a ZooKeeper group that its agent and demo framework follow', async () => {
    const port = await freePort();
    const local = procs.meso(['local', '--zk', `--port=${port}`, '--agents=1', '--zk_session_timeout=2secs']);
    let leader = 0;
    await eventually(
      () => {
        const m = /meso local: http:\/\/127\.0\.0\.1:(\d+) leads/.exec(local.stdout());
        leader = Number(m?.[1] ?? 0);
        return leader > 0;
      },
      30_000,
      'a leader',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${local.stdout()}\n${local.stderr()}`);
    });
    expect(local.stdout()).toMatch(/in zk:\/\/127\.0\.0\.1:\d+\/meso-local/);
    const standby = [port, port + 1, port + 2].find((p) => p !== leader)!;
    const redirect = await fetch(`http://127.0.0.1:${standby}/master/redirect`, { redirect: 'manual' });
    expect(redirect.headers.get('location')).toBe(`//127.0.0.1:${leader}`);
    await eventually(
      async () => {
        const state = await getJson(leader, '/master/state');
        const demo = state.frameworks.find((f: Json) => f.name === 'meso demo');
        return state.slaves.length === 1 && (demo?.tasks.length ?? 0) > 0;
      },
      20_000,
      'the agent registered and demo tasks running',
    );
    process.kill(local.pid, 'SIGTERM');
    const ended = await local.exited;
    expect(ended.code, local.stderr()).toBe(0);
    expect(local.stdout()).toMatch(/meso local: stopped/);
  }, 60_000);
});
