// The small print of the CLI: an error about a flag set only in the environment names the
// variable, and `meso local` splits the machine among its agents instead of offering it N times.
import { describe, expect, it } from 'vitest';
import { namingTheSource } from '../../cli/flags.ts';
import { machineShare } from '../../cli/local.ts';
import { parseResources } from '../../engine/resources.ts';

describe('namingTheSource', () => {
  const message = "--port must be an integer in [0, 65535], got 'abc'";
  it('names MESO_<FLAG> when only the environment set the flag', () => {
    expect(namingTheSource(message, ['node', 'meso', 'master'], { MESO_PORT: 'abc' })).toBe(
      "MESO_PORT (--port, from the environment) must be an integer in [0, 65535], got 'abc'",
    );
  });
  it('keeps --flag when the command line gave it (it wins over the environment)', () => {
    const env = { MESO_PORT: 'abc' };
    expect(namingTheSource(message, ['node', 'meso', 'master', '--port', 'abc'], env)).toBe(message);
    expect(namingTheSource(message, ['node', 'meso', 'master', '--port=abc'], env)).toBe(message);
    expect(namingTheSource(message, ['node', 'meso', 'master'], {})).toBe(message);
    expect(namingTheSource('no flag here', ['node'], env)).toBe('no flag here');
  });
});

describe('machineShare', () => {
  const machine = { cpus: 8, mem_mb: 15_000, disk_mb: 90_000 };
  it('gives each of N agents 1/N of the machine and ports of its own', () => {
    const shares = [0, 1, 2].map((i) => machineShare(machine, 3, i));
    for (const share of shares) expect(() => parseResources(share)).not.toThrow();
    const total = (name: string) =>
      shares.reduce((sum, share) => sum + Number(new RegExp(`${name}:([0-9.]+)`).exec(share)?.[1]), 0);
    expect(total('cpus')).toBeLessThanOrEqual(8);
    expect(total('cpus')).toBeGreaterThan(7.5);
    expect(total('mem')).toBe(15_000);
    expect(total('disk')).toBe(90_000);
    expect(machineShare(machine, 3, 0)).toContain('ports:[31000-31332]');
    expect(machineShare(machine, 3, 2)).toContain('ports:[31666-31998]');
  });
  it('gives a lone agent the whole machine', () => {
    expect(machineShare(machine, 1, 0)).toBe('cpus:8;mem:15000;disk:90000;ports:[31000-32000]');
  });
});
