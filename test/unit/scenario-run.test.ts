// The scenario runner, interpreter, scenario host and CLI command: transcripts, errors that name
// their line, determinism, invariant checks, and the agent twin's status update protocol.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenarioCommand } from '../../cli/scenario.ts';
import { allocate, parseResources } from '../../engine/resources.ts';
import { SimAgent } from '../../sim/agent.ts';
import { runScenario } from '../../sim/scenario/run.ts';

const drf = [
  'agent a1 cpus=9 mem=18432',
  'framework A task=cpus:1;mem:4096 per_offer=1 refuse=0s',
  'framework B task=cpus:3;mem:1024 per_offer=1 refuse=0s',
  'run',
  'print tasks',
  'print shares',
].join('\n');

describe('scenario runner', () => {
  it('gives the DRF allocation: A 3 tasks, B 2, dominant shares 2/3', () => {
    const { output, error } = runScenario(drf);
    expect(error).toBeUndefined();
    expect(output).toContain('A: 3 tasks\n');
    expect(output).toContain('B: 2 tasks\n');
    expect(output).toContain('framework A: 0.667\nframework B: 0.667\n');
    expect(output.startsWith('> agent a1 cpus=9 mem=18432\n')).toBe(true);
  });

  it('is deterministic, also under the random policy', () => {
    const random = `policy random seed=7\n${drf}`;
    expect(runScenario(random).output).toBe(runScenario(random).output);
    expect(runScenario(drf).output).toBe(runScenario(drf).output);
  });

  it('stops at the first runtime error, naming its line', () => {
    const result = runScenario('agent a1 cpus=1 mem=1024\npolicy fifo\nallocate');
    expect(result.error).toBe('line 2: policy must come before agents, roles and frameworks');
    expect(result.output).toBe(
      '> agent a1 cpus=1 mem=1024\nagent a1 registered: cpus:1;mem:1024;ports:[31000-32000]\n> policy fifo\n',
    );
  });

  it('reports an unknown framework or agent before running anything', () => {
    const framework = runScenario('agent a1 cpus=1 mem=1024\nrun\ndecline Z\nallocate');
    expect(framework.output).toBe('');
    expect(framework.error).toBe("line 3: unknown framework 'Z' (no earlier 'framework Z' line)");
    const agent = runScenario('agent a1 cpus=1 mem=1024\nagent-fail a2');
    expect(agent.output).toBe('');
    expect(agent.error).toBe("line 2: unknown agent 'a2' (no earlier 'agent a2' line)");
  });

  it('reports a resource that is not a number before running anything', () => {
    const result = runScenario('agent a1 cpus=4 mem=1024\nrun\nagent a2 cpus=nine mem=1024');
    expect(result.output).toBe('');
    expect(result.error).toBe("line 3: agent a2: bad resource 'cpus:nine': bad scalar 'nine'");
  });

  it('reports a parse error before running anything', () => {
    const result = runScenario('agent a1 cpus=1 mem=1024\ntick soon');
    expect(result.output).toBe('');
    expect(result.error).toMatch(/^line 2: tick: bad duration 'soon'/);
  });

  it('refuses a policy after the cluster exists', () => {
    expect(runScenario('agent a1 cpus=1 mem=1024\npolicy fifo').error).toBe(
      'line 2: policy must come before agents, roles and frameworks',
    );
  });

  it('stops a run at max rounds', () => {
    const { output } = runScenario(
      'agent a1 cpus=4 mem=4096\nframework A task=cpus:1;mem:1024 per_offer=1 refuse=0s\nrun max=2',
    );
    expect(output).toContain('stopped after 2 rounds (max)');
    expect(output).not.toContain('round 3');
  });
});

describe('scenario command', () => {
  it('prints the transcript and exits 0, or names the file and line and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meso-scenario-'));
    try {
      const good = join(dir, 'good.txt');
      const bad = join(dir, 'bad.txt');
      writeFileSync(good, 'agent a1 cpus=1 mem=1024\nprint agents\n');
      writeFileSync(bad, 'agent a1 cpus=1 mem=1024\nfrobnicate\n');
      let out = '';
      let err = '';
      const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (err += t) };
      expect(runScenarioCommand(good, io)).toBe(0);
      expect(out).toContain('a1: active: cpus:1;mem:1024;ports:[31000-32000]');
      expect(err).toBe('');
      out = '';
      expect(runScenarioCommand(bad, io)).toBe(1);
      expect(err).toBe(`meso scenario: ${bad}: line 2: unknown command 'frobnicate'\n`);
      err = '';
      expect(runScenarioCommand(join(dir, 'missing.txt'), io)).toBe(1);
      expect(err).toMatch(/cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sim agent', () => {
  it('sends one status update at a time, the next after an acknowledgement', () => {
    const agent = new SimAgent('a1', 'cpus:2;mem:2048', {});
    agent.receive({ type: 'registered', agent_id: { value: 'S0' } }, 0);
    const task = {
      name: 't',
      task_id: { value: 'T1' },
      agent_id: { value: 'S0' },
      resources: allocate(parseResources('cpus:1'), '*'),
      labels: { labels: [{ key: 'meso.sim.duration_ms', value: '3000' }] },
    };
    const actions = agent.receive(
      { type: 'run_task', framework_info: { user: 'u', name: 'F', id: { value: 'F' } }, task },
      100,
    );
    const updates = actions.flatMap((a) =>
      a.type === 'input' && a.input.type === 'agent_status_update' ? [a.input.status] : [],
    );
    expect(updates.map((s) => s.state)).toEqual(['TASK_STARTING']);
    expect(actions).toContainEqual({ type: 'task_timer', at_ms: 3100, framework_id: 'F', task_id: 'T1' });
    const next = agent.receive(
      {
        type: 'acknowledge',
        framework_id: { value: 'F' },
        task_id: { value: 'T1' },
        uuid: updates[0]!.uuid!,
      },
      100,
    );
    expect(next).toMatchObject([{ type: 'input', input: { status: { state: 'TASK_RUNNING' } } }]);
    expect(agent.receive({ type: 'ping', connected: true }, 100)).toEqual([
      { type: 'input', input: { type: 'agent_pong', agent_id: 'S0' } },
    ]);
    agent.condition = 'failed';
    expect(agent.receive({ type: 'ping', connected: true }, 100)).toEqual([]);
  });
});
