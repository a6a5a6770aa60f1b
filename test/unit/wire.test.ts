// The wire code shared by master, agent and SDK: master address parsing (host:port and zk://),
// depth-safe null-dropping, and the import boundaries that keep it shared rather than borrowed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropNulls } from '../../runtime/wire/json.ts';
import { parseMasterAddress, parseMasterSpec, parseZkUrl } from '../../runtime/wire/master-address.ts';

const runtime = join(import.meta.dirname, '..', '..', 'runtime');

describe('master address parsing', () => {
  it('reads zk:// URLs with one or more servers and a path', () => {
    expect(parseZkUrl('zk://127.0.0.1:2181/mesos')).toEqual({ servers: ['127.0.0.1:2181'], path: '/mesos' });
    expect(parseMasterSpec('zk://h1:1,h2:2,h3:3/a/b/')).toEqual({
      kind: 'zk',
      servers: ['h1:1', 'h2:2', 'h3:3'],
      path: '/a/b',
    });
  });

  it('reads host:port lists', () => {
    expect(parseMasterSpec('m1:5050, http://m2:5051/')).toEqual({
      kind: 'direct',
      addresses: ['m1:5050', 'm2:5051'],
    });
  });

  it('names what is wrong in a malformed zk:// URL', () => {
    expect(() => parseZkUrl('zk://h1:2181')).toThrow(/znode path/);
    expect(() => parseZkUrl('zk:///mesos')).toThrow(/host:port/);
    expect(() => parseZkUrl('zk://h1:99999/mesos')).toThrow(/host:port/);
    expect(() => parseZkUrl('zk://u:p@h1:2181/mesos')).toThrow(/credentials/);
    expect(() => parseZkUrl('http://h1:2181/mesos')).toThrow(/zk:\/\//);
    expect(() => parseMasterSpec(',')).toThrow(/host:port/);
    expect(() => parseMasterAddress('zk://h1:2181/mesos')).toThrow(/ZooKeeper ensemble/);
  });
});

describe('null-dropping', () => {
  it('drops null fields at every depth and keeps null array items', () => {
    expect(dropNulls({ a: null, b: { c: null, d: [null, { e: null, f: 1 }] }, g: 'x' })).toEqual({
      b: { d: [null, { f: 1 }] },
      g: 'x',
    });
    expect(dropNulls(null)).toBe(null);
    expect(dropNulls(3)).toBe(3);
  });

  it('survives nesting far deeper than the call stack', () => {
    const depth = 50_000;
    let value: unknown = { leaf: true, gone: null };
    for (let i = 0; i < depth; i++) value = { x: value, n: null };
    let out = dropNulls(value) as Record<string, unknown>;
    let extra = 0;
    for (let i = 0; i < depth; i++) {
      extra += Object.keys(out).length - 1;
      out = out.x as Record<string, unknown>;
    }
    expect(extra).toBe(0);
    expect(out).toEqual({ leaf: true });
  });
});

function importsOf(folder: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(join(runtime, folder))) {
    if (!name.endsWith('.ts')) continue;
    const text = readFileSync(join(runtime, folder, name), 'utf8');
    for (const m of text.matchAll(/\bfrom\s+['"]([^'"]+)['"]/g)) found.push(`${folder}/${name}: ${m[1]}`);
  }
  return found;
}

describe('wire boundaries', () => {
  it('keeps the SDK off the agent, and the servers off the SDK', () => {
    expect(importsOf('sdk').filter((i) => /\.\.\/agent\//.test(i))).toEqual([]);
    for (const server of ['master', 'agent']) {
      expect(importsOf(server).length).toBeGreaterThan(10);
      expect(importsOf(server).filter((i) => /\.\.\/sdk\//.test(i))).toEqual([]);
    }
  });
});
