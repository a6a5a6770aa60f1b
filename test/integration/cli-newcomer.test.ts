// What a newcomer meets first, with real `meso` processes and a closed port for a mistyped master:
// every tool says at once which address it cannot reach and why, and the ones with a timeout give
// up after it; a bad value from the environment is named by its variable; the agent's help gives
// its real hostname default.
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, freePort, Processes, repo_root } from './e2e-harness.ts';

const procs = new Processes();
afterEach(() => procs.cleanup());

describe('meso for a newcomer', () => {
  it('test-framework names the master it cannot reach and the reason, then gives up after --timeout_seconds', async () => {
    const port = await freePort();
    const run = procs.meso(['test-framework', '--master', `127.0.0.1:${port}`, '--timeout_seconds', '2']);
    await eventually(
      () => run.stdout().includes(`Cannot subscribe at 127.0.0.1:${port}`),
      5000,
      'the first report',
    );
    expect(run.stdout()).toMatch(/ECONNREFUSED[^\n]*; retrying in \d+\.\d s; giving up in \d+ s/);
    expect((await run.exited).code).toBe(1);
    expect(run.stdout()).toContain('timed out after 2 s');
  });

  it('an agent that never reached its master says it cannot reach it, and why', async () => {
    const port = await freePort();
    const work_dir = await procs.dir();
    const agent = procs.meso([
      'agent',
      '--master',
      `127.0.0.1:${port}`,
      '--port',
      '0',
      '--work_dir',
      work_dir,
    ]);
    await eventually(() => agent.stderr().includes('cannot reach the master'), 5000, 'the report');
    const line = agent
      .stderr()
      .split('\n')
      .find((l) => l.includes('cannot reach the master'))!;
    expect(JSON.parse(line)).toMatchObject({
      master: `127.0.0.1:${port}`,
      reason: expect.stringContaining('ECONNREFUSED'),
    });
    expect(agent.stderr()).not.toContain('lost the connection');
  });

  it('the Python example keeps to --timeout while it connects', async () => {
    const port = await freePort();
    const run = procs.spawn('python3', [
      `${repo_root}/examples/python/framework.py`,
      '--master',
      `127.0.0.1:${port}`,
      '--timeout',
      '2',
    ]);
    const { code } = await run.exited;
    expect(code).toBe(1);
    const said = run.stdout() + run.stderr();
    expect(said).toMatch(
      /Cannot reach 127\.0\.0\.1:\d+: .*refused.*; retrying in \d+\.\d s \(giving up in \d+ s\)/,
    );
    expect(said).toContain('before --timeout');
  });

  it('names MESO_PORT, not --port, for a bad port from the environment', async () => {
    const master = procs.spawn(process.execPath, [`${repo_root}/bin/meso.js`, 'master'], {
      MESO_PORT: 'abc',
    });
    expect((await master.exited).code).toBe(1);
    expect(master.stderr()).toContain(
      "MESO_PORT (--port, from the environment) must be an integer in [0, 65535], got 'abc'",
    );
    const flagged = procs.meso(['master', '--port', 'abc']);
    expect((await flagged.exited).code).toBe(1);
    expect(flagged.stderr()).toContain('meso master: --port must be an integer');
  });

  it("gives the agent's hostname default as this machine's hostname", async () => {
    const help = procs.meso(['agent', '--help']);
    await help.exited;
    expect(help.stdout()).toMatch(
      /--hostname <value>\s+hostname the agent announces \(default: this machine's hostname\)/,
    );
  });
});
