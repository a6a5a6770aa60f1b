// A clone of the project alone runs everything the README names: no file cites a wire document
// outside the repository or reads data from a folder beside it, and the documents and traces the
// files do name are inside it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** Every tracked text file of the project, relative to its root. */
function trackedFiles(): string[] {
  const out = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' });
  return out.split('\n').filter((f) => /\.(ts|mjs|js|json|md|txt|py|sh)$/.test(f));
}

// Spelled in pieces so that this file does not match itself.
const outside: ReadonlyArray<{ what: string; pattern: RegExp }> = [
  { what: 'the old wire page', pattern: new RegExp(['PROTOCOL', 'md'].join('\\.')) },
  { what: 'a folder beside the project', pattern: new RegExp(['\\.\\./', 'shared'].join('')) },
];

describe('the project stands on its own', () => {
  const files = trackedFiles();

  it('cites no document and reads no data outside the repository', () => {
    const found: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const { what, pattern } of outside) if (pattern.test(text)) found.push(`${file}: ${what}`);
    }
    expect(found).toEqual([]);
  });

  it('has the wire contract and the traces it names', () => {
    expect(existsSync(join(root, 'docs', 'protocol.md'))).toBe(true);
    const cited = new Set<string>();
    for (const file of files) {
      for (const m of readFileSync(join(root, file), 'utf8').matchAll(/workloads\/traces\/[\w./-]+\.\w+/g)) {
        cited.add(m[0].replace(/[.,)]+$/, ''));
      }
    }
    const missing = [...cited].filter((p) => !existsSync(join(root, p)));
    expect(missing).toEqual([]);
  });
});
