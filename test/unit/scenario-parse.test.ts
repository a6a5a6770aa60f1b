// The scenario parser: each command's arguments, and errors that name the line and the problem.
import { describe, expect, it } from 'vitest';
import { parseScenario, type ScenarioCommand } from '../../sim/scenario/parse.ts';
import { formatDuration, parseDuration_ms } from '../../sim/scenario/values.ts';

/** Parses one line and returns its command. */
function one(text: string): ScenarioCommand {
  const [line] = parseScenario(text);
  if (line?.kind !== 'command') throw new Error(`not a command: ${text}`);
  return line.command;
}

describe('scenario parser', () => {
  it('parses an agent with reserved resources and attributes', () => {
    expect(
      one('agent a1 cpus=9 mem=18432 cpus(prod)=2 ports=[31000-32000] attr rack=r1 zone=z'),
    ).toMatchObject({
      kind: 'agent',
      name: 'a1',
      resources: 'cpus:9;mem:18432;cpus(prod):2;ports:[31000-32000]',
      attributes: { rack: 'r1', zone: 'z' },
    });
  });

  it('parses a framework with defaults filled in', () => {
    const c = one('framework A role=prod/hadoop task=cpus:1;mem:4096 tasks=3 per_offer=1 refuse=0s');
    expect(c).toMatchObject({
      kind: 'framework',
      spec: {
        name: 'A',
        roles: ['prod/hadoop'],
        task: { cpus: 1, mem: 4096 },
        tasks: 3,
        per_offer: 1,
        refuse_seconds: 0,
        duration_ms: Number.POSITIVE_INFINITY,
        failover_timeout_seconds: 0,
        suppress_when_done: false,
      },
    });
    const d = one('framework B roles=a,b task=cpus:2 duration=10s failover_timeout=1m when_done=suppress');
    expect(d).toMatchObject({
      spec: {
        roles: ['a', 'b'],
        tasks: Number.POSITIVE_INFINITY,
        duration_ms: 10_000,
        failover_timeout_seconds: 60,
      },
    });
  });

  it('parses roles, policies and the control commands', () => {
    expect(one('role prod/hadoop weight=3 quota=cpus:4;mem:8192 limit=cpus:8')).toMatchObject({
      role: 'prod/hadoop',
      weight: 3,
      quota: { cpus: 4, mem: 8192 },
      limit: { cpus: 8 },
    });
    expect(one('policy random seed=7')).toMatchObject({ policy: 'random', seed: '7' });
    expect(one('run max=4')).toMatchObject({ kind: 'run', rounds_max: 4 });
    expect(one('tick 1.5s')).toMatchObject({ kind: 'tick', duration_ms: 1500 });
    expect(one('decline A refuse=2m')).toMatchObject({ framework: 'A', refuse_seconds: 120 });
    expect(one('suppress A prod')).toMatchObject({ kind: 'suppress', framework: 'A', role: 'prod' });
    expect(one('finish A 2')).toMatchObject({ kind: 'finish', count: 2 });
    expect(one('print shares')).toMatchObject({ kind: 'print', subject: 'shares' });
  });

  it('keeps comments and normalises spacing in the echoed text', () => {
    const lines = parseScenario('# top\n\nallocate   # now\n  tick   5s\n');
    expect(lines.map((l) => (l.kind === 'comment' ? l.text : `> ${l.command.text}`))).toEqual([
      '# top',
      '',
      '> allocate',
      '> tick 5s',
    ]);
  });

  it('names the line and the problem', () => {
    expect(() => parseScenario('allocate\nfrobnicate x')).toThrow("line 2: unknown command 'frobnicate'");
    expect(() => parseScenario('tick 5')).toThrow(/line 1: tick: bad duration '5'/);
    expect(() => parseScenario('framework A role=x')).toThrow(/line 1: framework A: missing task=/);
    expect(() => parseScenario('framework A task=cpus:1 color=red')).toThrow(/unknown option 'color'/);
    expect(() => parseScenario('agent a1')).toThrow(/no resources given/);
    expect(() => parseScenario('print everything')).toThrow(/print: expected one of/);
    expect(() => parseScenario('policy best')).toThrow(/policy: expected one of/);
    expect(() => parseScenario('run max=0')).toThrow(/must be at least 1/);
    expect(() => parseScenario('allocate now')).toThrow(/too many arguments/);
  });
});

describe('durations', () => {
  it('round-trips the forms scenarios use', () => {
    for (const text of ['0s', '200ms', '5s', '1.5s', '2m', 'forever']) {
      expect(formatDuration(parseDuration_ms(text, 'x', true))).toBe(text);
    }
    expect(parseDuration_ms('1h', 'x')).toBe(3_600_000);
    expect(() => parseDuration_ms('forever', 'x')).toThrow(/bad duration/);
  });
});
