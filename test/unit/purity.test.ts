// engine/ is the pure core: no I/O, no clock, no timers, no process, no global randomness.
// This test reads every engine source file and fails on any forbidden import or call.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

const forbidden: ReadonlyArray<{ what: string; pattern: RegExp }> = [
  { what: 'a node: import', pattern: /\bfrom\s+['"]node:|\bimport\s*\(\s*['"]node:|\brequire\s*\(/ },
  {
    what: 'an import of a Node built-in or I/O package',
    pattern:
      /\bfrom\s+['"](fs|net|http|https|os|path|child_process|worker_threads|ws|node-zookeeper-client)['"/]/,
  },
  { what: 'an import from a host folder', pattern: /\bfrom\s+['"](\.\.\/)+(runtime|sim|viz|cli|bench)\// },
  { what: 'the clock', pattern: /\bDate\b|\bperformance\s*\.|\bprocess\.hrtime/ },
  { what: 'a timer', pattern: /\b(setTimeout|setInterval|setImmediate|queueMicrotask)\s*\(/ },
  { what: 'process', pattern: /\bprocess\s*\./ },
  { what: 'global randomness', pattern: /\bMath\.random\b|\bcrypto\.(getRandomValues|randomUUID)/ },
];

/** Lists .ts files under dir, recursively, sorted. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Returns the forbidden uses in one file's text, ignoring comments. */
function findViolations(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const found: string[] = [];
  for (const { what, pattern } of forbidden) {
    const match = pattern.exec(code);
    if (match) found.push(`${what}: '${match[0]}'`);
  }
  return found;
}

describe('engine purity', () => {
  it('finds engine sources to check', () => {
    expect(sourceFiles(join(root, 'engine')).length).toBeGreaterThan(3);
  });

  it('uses no I/O, clock, timer, process or global randomness', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(join(root, 'engine'))) {
      for (const v of findViolations(readFileSync(file, 'utf8')))
        violations.push(`${relative(root, file)}: ${v}`);
    }
    expect(violations).toEqual([]);
  });

  it('catches each forbidden use when it appears', () => {
    const bad = [
      'const t = Date.now();',
      "import { readFileSync } from 'node:fs';",
      "import http from 'http';",
      "import { x } from '../../runtime/master.ts';",
      "import { y } from '../sim/clock.ts';",
      'setTimeout(() => 1, 5);',
      'const r = Math.random();',
      'const e = process.env.X;',
      'const p = performance.now();',
    ];
    for (const line of bad) expect(findViolations(line), line).not.toEqual([]);
    expect(findViolations('// Date.now() is not called here\nconst a = 1;')).toEqual([]);
  });
});
