// Sealed files (the registry under --work_dir): written whole with mode 0600 and no temp file left
// behind, read back as written, and any damage reported by the file's path.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readSealed, writeSealed } from '../../runtime/master/sealed-file.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function fresh(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meso-sealed-'));
  dirs.push(dir);
  return dir;
}

describe('sealed files', () => {
  it('reads back what was written, replaces it whole, and leaves no temp file', () => {
    const path = join(fresh(), 'registry');
    expect(readSealed(path, 'f/1')).toBeUndefined();
    writeSealed(path, 'f/1', '{"a":1}');
    writeSealed(path, 'f/1', '{"a":2}\nwith a newline');
    expect(readSealed(path, 'f/1')).toBe('{"a":2}\nwith a newline');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(path, '..'))).toEqual(['registry']);
  });

  it('names the file and what is wrong with it', () => {
    const path = join(fresh(), 'registry');
    writeFileSync(path, 'no header');
    expect(() => readSealed(path, 'f/1')).toThrow(`${path} is corrupt (no header line)`);
    writeSealed(path, 'other/1', '{}');
    expect(() => readSealed(path, 'f/1')).toThrow(/does not name f\/1/);
    writeSealed(path, 'f/1', '{"a":1,"b":2}');
    // A torn write: the file cut short.
    writeFileSync(path, readFileSync(path, 'utf8').slice(0, -4));
    expect(() => readSealed(path, 'f/1')).toThrow(`${path} is corrupt (its checksum does not match)`);
  });
});
