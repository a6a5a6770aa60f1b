import { describe, expect, it } from 'vitest';
import { parseVars } from '../../cli/experiment.ts';
import { evaluate } from '../../experiments/expression.ts';
import { planExperiment, replicateSeed } from '../../experiments/points.ts';
import { parseExperiment } from '../../experiments/spec.ts';
import { applySets, resolveVars, substitute } from '../../experiments/template.ts';

const tiny = {
  name: 'tiny',
  seed: 'abc',
  replicates: 2,
  vars: { agents: 4, per: '= agents * 2' },
  base: {
    cluster: { agents: '$agents', resources: 'cpus:2;mem:2048' },
    frameworks: [{ repeat: 2, name: 'f{i}', kind: 'launcher', params: { tasks: '$per' } }],
  },
  axes: [
    { name: 'policy', path: 'policy', values: ['drf', 'fifo'] },
    { name: 'agents', var: 'agents', values: [4, 8] },
  ],
  tables: [{ title: 't', metrics: [{ metric: 'end_s' }] }],
  quick: { replicates: 1, vars: { per: 1 }, axes: { agents: [2] } },
};

describe('experiment expressions', () => {
  it('evaluates arithmetic over variables with precedence, parentheses and functions', () => {
    expect(evaluate('1 + 2 * 3', {})).toBe(7);
    expect(evaluate('(1 + 2) * 3', {})).toBe(9);
    expect(evaluate('-x + 10 % 4', { x: 3 })).toBe(-1);
    expect(evaluate('ceil(agents / 40)', { agents: 93 })).toBe(3);
    expect(evaluate('max(1, 5, 2) - min(4, 3)', {})).toBe(2);
  });

  it('splits a total into nearly equal whole parts that add up', () => {
    const parts = Array.from({ length: 16 }, (_, i) => evaluate(`part(93, 16, ${i})`, {}));
    expect(parts.reduce((a, b) => a + b, 0)).toBe(93);
    expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
  });

  it('names what is wrong', () => {
    expect(() => evaluate('1 +', {})).toThrow(/ends too early/);
    expect(() => evaluate('y * 2', {})).toThrow(/variable 'y' is not set/);
    expect(() => evaluate('exp(1)', {})).toThrow(/unknown function 'exp'/);
    expect(() => evaluate('1 / 0', {})).toThrow(/Infinity/);
  });
});

describe('experiment templates', () => {
  it('substitutes variables, expressions, interpolations and repeats', () => {
    const out = substitute(
      { a: '$n', b: '= n * 2', c: 'host-{n}', list: [{ repeat: '$n', id: 'x{i}', size: '= i + 1' }, 'tail'] },
      { n: 3 },
    );
    expect(out).toEqual({
      a: 3,
      b: 6,
      c: 'host-3',
      list: [{ id: 'x0', size: 1 }, { id: 'x1', size: 2 }, { id: 'x2', size: 3 }, 'tail'],
    });
  });

  it('resolves variables that refer to others in any order', () => {
    expect(resolveVars({ c: '= b + 1', b: '= a * 2', a: 5 })).toEqual({ c: 11, b: 10, a: 5 });
    expect(() => resolveVars({ a: '= b', b: '= a' })).toThrow(/not set/);
  });

  it('sets dotted paths, naming list elements by their name', () => {
    const base = { frameworks: [{ name: 'hadoop', params: { delay_ms: 1 } }], policy: 'drf' };
    const out = applySets(base, [
      { 'frameworks.hadoop.params.delay_ms': 5, policy: 'fifo', 'new.deep': true },
    ]);
    expect(out).toEqual({
      frameworks: [{ name: 'hadoop', params: { delay_ms: 5 } }],
      policy: 'fifo',
      new: { deep: true },
    });
    expect(base.frameworks[0]!.params.delay_ms).toBe(1);
    expect(() => applySets(base, [{ 'frameworks.spark.params': {} }])).toThrow(
      /no list element named 'spark'/,
    );
  });
});

describe('experiment files', () => {
  it('plans the product of the axes, first axis slowest, with one seed per replicate', () => {
    const plan = planExperiment(parseExperiment(tiny));
    expect(plan.points.map((p) => p.label)).toEqual(['drf / 4', 'drf / 8', 'fifo / 4', 'fifo / 8']);
    expect(plan.seeds).toEqual(['abc', 'abc.1']);
    const last = plan.points[3]!;
    expect(last.config.policy).toBe('fifo');
    expect(last.config.cluster).toEqual({ agents: 8, resources: 'cpus:2;mem:2048' });
    expect(last.config.frameworks).toEqual([
      { name: 'f0', kind: 'launcher', params: { tasks: 16 } },
      { name: 'f1', kind: 'launcher', params: { tasks: 16 } },
    ]);
    expect(last.id).toBe('p3-fifo-8');
  });

  it('applies the quick variant: its replicates, variables and axis values', () => {
    const plan = planExperiment(parseExperiment(tiny), { quick: true });
    expect(plan.points.map((p) => p.label)).toEqual(['drf / 2', 'fifo / 2']);
    expect(plan.seeds).toEqual(['abc']);
    expect(plan.points[0]!.config.frameworks).toEqual([
      { name: 'f0', kind: 'launcher', params: { tasks: 1 } },
      { name: 'f1', kind: 'launcher', params: { tasks: 1 } },
    ]);
    expect(planExperiment(parseExperiment(tiny), { replicates: 3, seed: 'z' }).seeds).toEqual([
      'z',
      'z.1',
      'z.2',
    ]);
    expect(replicateSeed('s', 0)).toBe('s');
  });

  it('takes variables from the command line over the file, but not over the axes', () => {
    const plan = planExperiment(parseExperiment(tiny), { vars: parseVars('per=7,agents=100') });
    expect(plan.points[0]!.config.frameworks).toEqual([
      { name: 'f0', kind: 'launcher', params: { tasks: 7 } },
      { name: 'f1', kind: 'launcher', params: { tasks: 7 } },
    ]);
    expect(plan.points[0]!.vars.agents).toBe(4);
    expect(parseVars('a=1.5,b=text,c=true')).toEqual({ a: 1.5, b: 'text', c: true });
    expect(() => parseVars('nonsense')).toThrow(/name=value/);
  });

  it('refuses files with mistakes, naming the field', () => {
    expect(() => parseExperiment({ ...tiny, bogus: 1 })).toThrow(/unknown field 'bogus'/);
    expect(() => parseExperiment({ ...tiny, name: 'Bad Name' })).toThrow(/^name:/);
    expect(() => parseExperiment({ ...tiny, measures: ['nope'] })).toThrow(/measures: 'nope'/);
    expect(() => parseExperiment({ ...tiny, base: undefined })).toThrow(/base/);
    expect(() =>
      parseExperiment({
        ...tiny,
        tables: [{ title: 't', where: { nope: 'x' }, metrics: [{ metric: 'm' }] }],
      }),
    ).toThrow(/no axis named 'nope'/);
    expect(() => parseExperiment({ ...tiny, axes: [{ name: 'a', values: [1] }] })).toThrow(
      /'var' or a 'path'/,
    );
    expect(
      () =>
        parseExperiment({ ...tiny, quick: undefined }) &&
        planExperiment(parseExperiment({ ...tiny, quick: undefined }), { quick: true }),
    ).toThrow(/no quick variant/);
  });
});
