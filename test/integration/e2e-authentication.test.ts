// Authentication end to end with real processes: `meso master --credentials FILE` with frameworks
// and agents required to authenticate, `meso agent --credential FILE` and `meso test-framework
// --credential FILE`. The credentialed agent and framework get in and run their tasks; an agent or
// framework without credentials does not; a credentials file others may read is refused.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentArgs, eventually, freePort, getJson, type Json, Processes } from './e2e-harness.ts';

const procs = new Processes();
afterEach(() => procs.cleanup());

/** Writes `value` as JSON into a file of mode 0600. */
function secretFile(path: string, value: unknown): string {
  writeFileSync(path, JSON.stringify(value), { mode: 0o600 });
  return path;
}

describe('meso master, agent and test-framework with credentials', () => {
  it('admits the credentialed agent and framework, and no one else', async () => {
    const dir = await procs.dir();
    const credentials = secretFile(join(dir, 'credentials.json'), {
      credentials: [
        { principal: 'agent', secret: 'agent-secret' },
        { principal: 'framework', secret: 'framework-secret' },
      ],
    });
    const agentCredential = secretFile(join(dir, 'agent.json'), {
      principal: 'agent',
      secret: 'agent-secret',
    });
    const frameworkCredential = secretFile(join(dir, 'framework.json'), {
      principal: 'framework',
      secret: 'framework-secret',
    });
    const master_port = await freePort();
    procs.meso([
      'master',
      `--port=${master_port}`,
      '--allocation_interval_ms=100',
      '--log_level=warn',
      `--credentials=${credentials}`,
      '--authenticate_agents=true',
      '--authenticate_frameworks=true',
    ]);
    await eventually(
      async () => (await getJson(master_port, '/master/state')).id !== undefined,
      15_000,
      'the master',
    );
    const resources = 'cpus:3;mem:1024;disk:1024';
    procs.meso([
      ...agentArgs(master_port, await freePort(), join(dir, 'a1'), resources),
      `--credential=${agentCredential}`,
    ]);
    const stranger = procs.meso(agentArgs(master_port, await freePort(), join(dir, 'a2'), resources));
    await eventually(
      async () => (await getJson(master_port, '/master/state')).slaves.length === 1,
      15_000,
      'the credentialed agent registering',
    );

    const refused = procs.meso([
      'test-framework',
      `--master=127.0.0.1:${master_port}`,
      '--timeout_seconds=30',
    ]);
    const { code: refusedCode } = await refused.exited;
    expect(refusedCode).not.toBe(0);
    expect(`${refused.stdout()}${refused.stderr()}`).toMatch(/401/);

    const framework = procs.meso([
      'test-framework',
      `--master=127.0.0.1:${master_port}`,
      '--tasks=2',
      '--timeout_seconds=60',
      `--credential=${frameworkCredential}`,
    ]);
    const { code } = await framework.exited;
    expect(code, `${framework.stdout()}\n${framework.stderr()}`).toBe(0);
    const state = await getJson(master_port, '/master/state');
    expect(state.slaves.map((s: Json) => s.hostname)).toHaveLength(1);
    const done = state.completed_frameworks.find((f: Json) => f.name === 'meso test framework');
    expect(done.principal).toBe('framework');
    expect(JSON.stringify(state)).not.toMatch(/secret/);
    expect(stranger.stderr()).toMatch(/401/);
  });

  it('refuses a credentials file that others may read, naming the flag', async () => {
    const dir = await procs.dir();
    const path = join(dir, 'credentials.json');
    writeFileSync(path, JSON.stringify({ credentials: [{ principal: 'p', secret: 's' }] }));
    chmodSync(path, 0o644);
    const master = procs.meso(['master', '--port=0', `--credentials=${path}`]);
    const { code } = await master.exited;
    expect(code).not.toBe(0);
    expect(master.stderr()).toMatch(/--credentials file .* may be read by others than its owner/);
    expect(master.stderr()).not.toMatch(/"s"/);
  });
});
