import { execFileSync } from 'node:child_process';
import {
  chmod,
  link,
  mkdir,
  mkdtemp,
  readlink,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  browseSandbox,
  createSandbox,
  fileModeString,
  parseFilesInteger,
  readSandboxFile,
  type SandboxAccessErrorKind,
  sandboxDirectory,
  validateSandboxId,
} from '../../runtime/agent/sandbox.ts';
import { files_read_bytes_max } from '../../runtime/constants.ts';

const ids = { agent_id: 'a1-S0', framework_id: 'f-0001', executor_id: 'task-7', container_id: 'c-42' };

let top: string; // holds the work_dir and, beside it, files a sandbox must not reach
let work_dir: string;
let box: string; // one sandbox, the only root of the access tests

beforeEach(async () => {
  top = await realpath(await mkdtemp(join(tmpdir(), 'meso-sandbox-')));
  work_dir = join(top, 'work');
  box = await createSandbox(work_dir, ids);
  await writeFile(join(top, 'secret.txt'), 'outside the sandbox\n');
  await mkdir(join(top, 'secret-dir'));
  await writeFile(join(top, 'secret-dir', 'key'), 'key\n');
});

afterEach(async () => {
  await rm(top, { recursive: true, force: true });
});

/** Runs `action` and returns the kind of the SandboxAccessError it rejects with. */
async function refusal(action: Promise<unknown>): Promise<SandboxAccessErrorKind | 'resolved'> {
  try {
    await action;
    return 'resolved';
  } catch (error) {
    if (error instanceof Error && 'kind' in error) return (error as { kind: SandboxAccessErrorKind }).kind;
    throw error;
  }
}

describe('sandbox layout', () => {
  it('lays out runs as Mesos does', () => {
    expect(sandboxDirectory('/var/lib/meso', ids)).toBe(
      '/var/lib/meso/slaves/a1-S0/frameworks/f-0001/executors/task-7/runs/c-42',
    );
  });

  it('creates the run directory and points runs/latest at the newest run', async () => {
    expect(box).toBe(sandboxDirectory(work_dir, ids));
    expect((await stat(box)).isDirectory()).toBe(true);
    const latest = join(box, '..', 'latest');
    expect(await readlink(latest)).toBe('c-42');
    const second = await createSandbox(work_dir, { ...ids, container_id: 'c-43' });
    expect(await readlink(latest)).toBe('c-43');
    expect(await realpath(latest)).toBe(second);
  });

  it('refuses ids that are not one path component', () => {
    for (const bad of ['', '.', '..', 'a/b', '../x', 'nul\0']) {
      expect(() => validateSandboxId('executor id', bad), bad).toThrow(/cannot name a sandbox directory/);
      expect(() => sandboxDirectory('/w', { ...ids, executor_id: bad }), bad).toThrow(/executor id/);
    }
    expect(() => validateSandboxId('executor id', 'ok.id-1_2')).not.toThrow();
  });
});

describe('readSandboxFile', () => {
  beforeEach(async () => {
    await writeFile(join(box, 'stdout'), 'hello sandbox\n');
  });

  it('reads a whole file from offset 0', async () => {
    expect(await readSandboxFile([box], join(box, 'stdout'), 0)).toEqual({
      data: 'hello sandbox\n',
      offset: 0,
    });
  });

  it('reads a slice at an offset with a length', async () => {
    expect(await readSandboxFile([box], join(box, 'stdout'), 6, 4)).toEqual({ data: 'sand', offset: 6 });
    expect(await readSandboxFile([box], join(box, 'stdout'), 6, 100)).toEqual({
      data: 'sandbox\n',
      offset: 6,
    });
  });

  it('answers the size for offset -1 (the default) and beyond the end', async () => {
    expect(await readSandboxFile([box], join(box, 'stdout'))).toEqual({ data: '', offset: 14 });
    expect(await readSandboxFile([box], join(box, 'stdout'), -1, 5)).toEqual({ data: '', offset: 14 });
    expect(await readSandboxFile([box], join(box, 'stdout'), 99)).toEqual({ data: '', offset: 14 });
  });

  it('caps a read at the length limit', async () => {
    await writeFile(join(box, 'big'), 'x'.repeat(files_read_bytes_max * 2 + 10));
    const read = await readSandboxFile([box], join(box, 'big'), 5, -1);
    expect(read.data.length).toBe(files_read_bytes_max);
    expect(read.offset).toBe(5);
  });

  it('stops before a multi-byte character split by the read', async () => {
    await writeFile(join(box, 'utf8'), 'ab€cd'); // '€' is 3 bytes, at byte offsets 2-4
    expect(await readSandboxFile([box], join(box, 'utf8'), 0, 4)).toEqual({ data: 'ab', offset: 0 });
    expect(await readSandboxFile([box], join(box, 'utf8'), 0, 5)).toEqual({ data: 'ab€', offset: 0 });
    expect(await readSandboxFile([box], join(box, 'utf8'), 2, 3)).toEqual({ data: '€', offset: 2 });
  });

  it('refuses bad offsets and lengths, directories and FIFOs', async () => {
    expect(await refusal(readSandboxFile([box], join(box, 'stdout'), -2))).toBe('bad_request');
    expect(await refusal(readSandboxFile([box], join(box, 'stdout'), 0, -5))).toBe('bad_request');
    expect(await refusal(readSandboxFile([box], join(box, 'stdout'), 1.5))).toBe('bad_request');
    expect(await refusal(readSandboxFile([box], box, 0))).toBe('bad_request');
    execFileSync('mkfifo', [join(box, 'fifo')]);
    // Must answer at once rather than wait for a writer.
    expect(await refusal(readSandboxFile([box], join(box, 'fifo'), 0))).toBe('bad_request');
  });

  it('answers not found for a missing file inside a sandbox', async () => {
    expect(await refusal(readSandboxFile([box], join(box, 'nope'), 0))).toBe('not_found');
    expect(await refusal(readSandboxFile([box], join(box, 'stdout', 'below'), 0))).toBe('not_found');
  });
});

describe('sandbox escapes are refused', () => {
  it('refuses a hard link to a file outside, which no path check can see', async () => {
    await link(join(top, 'secret.txt'), join(box, 'passwd'));
    expect(await refusal(readSandboxFile([box], join(box, 'passwd'), 0))).toBe('forbidden');
    await expect(readSandboxFile([box], join(box, 'passwd'), 0)).rejects.toThrow(/2 hard links/);
    // The sandbox's own files (one name each) are served.
    await writeFile(join(box, 'own'), 'mine\n');
    expect((await readSandboxFile([box], join(box, 'own'), 0)).data).toBe('mine\n');
  });

  it('refuses `..` that climbs out of the sandbox', async () => {
    // The sandbox is nine levels below `top`: work/slaves/<a>/frameworks/<f>/executors/<e>/runs/<c>.
    const climb = `${box}/${'../'.repeat(9)}secret.txt`;
    expect(await realpath(climb)).toBe(join(top, 'secret.txt'));
    expect(await refusal(readSandboxFile([box], climb, 0))).toBe('forbidden');
    expect(await refusal(readSandboxFile([box], `${box}/../c-42/../../../../x`, 0))).toBe('forbidden');
    expect(await refusal(browseSandbox([box], `${box}/..`))).toBe('forbidden');
    // A `..` that stays inside is fine.
    await writeFile(join(box, 'f'), 'ok\n');
    expect((await readSandboxFile([box], `${box}/sub/../f`, 0)).data).toBe('ok\n');
  });

  it('refuses absolute paths outside every sandbox, existing or not, and relative paths', async () => {
    expect(await refusal(readSandboxFile([box], join(top, 'secret.txt'), 0))).toBe('forbidden');
    expect(await refusal(readSandboxFile([box], '/etc/passwd', 0))).toBe('forbidden');
    expect(await refusal(readSandboxFile([box], '/no/such/file', 0))).toBe('forbidden');
    expect(await refusal(browseSandbox([box], '/'))).toBe('forbidden');
    expect(await refusal(readSandboxFile([box], 'stdout', 0))).toBe('bad_request');
    expect(await refusal(readSandboxFile([box], '', 0))).toBe('bad_request');
  });

  it('refuses a sibling directory whose name extends the sandbox name', async () => {
    await mkdir(`${box}-other`);
    await writeFile(`${box}-other/file`, 'sibling\n');
    expect(await refusal(readSandboxFile([box], `${box}-other/file`, 0))).toBe('forbidden');
  });

  it('refuses symlinks that point out, to a file or through a directory', async () => {
    await symlink(join(top, 'secret.txt'), join(box, 'to-file'));
    await symlink(`${'../'.repeat(9)}secret-dir`, join(box, 'to-dir'));
    await symlink('/etc', join(box, 'to-etc'));
    expect(await refusal(readSandboxFile([box], join(box, 'to-file'), 0))).toBe('forbidden');
    expect(await refusal(readSandboxFile([box], join(box, 'to-dir', 'key'), 0))).toBe('forbidden');
    expect(await refusal(readSandboxFile([box], join(box, 'to-etc', 'passwd'), 0))).toBe('forbidden');
    expect(await refusal(browseSandbox([box], join(box, 'to-dir')))).toBe('forbidden');
    // `..` after a symlinked directory is taken by name, as URL paths are: it never climbs out.
    const climb = `${box}/to-dir/../../../../../../../../../../secret.txt`;
    expect(await refusal(readSandboxFile([box], climb, 0))).toBe('forbidden');
    const back = `${box}/to-dir/../secret.txt`;
    expect(await refusal(readSandboxFile([box], back, 0))).toBe('not_found');
    await writeFile(join(box, 'secret.txt'), 'the sandbox copy\n');
    expect((await readSandboxFile([box], back, 0)).data).toBe('the sandbox copy\n');
  });

  it('follows symlinks that stay inside the sandbox', async () => {
    await mkdir(join(box, 'logs'));
    await writeFile(join(box, 'logs', 'app.log'), 'inside\n');
    await symlink('logs/app.log', join(box, 'current.log'));
    expect(await readSandboxFile([box], join(box, 'current.log'), 0)).toEqual({
      data: 'inside\n',
      offset: 0,
    });
  });

  it('accepts a root named through a symlink, by either name', async () => {
    const alias = join(top, 'alias');
    await symlink(box, alias);
    await writeFile(join(box, 'f'), 'via alias\n');
    expect(await readSandboxFile([alias], join(alias, 'f'), 0)).toEqual({ data: 'via alias\n', offset: 0 });
    expect(await readSandboxFile([alias], join(box, 'f'), 0)).toEqual({ data: 'via alias\n', offset: 0 });
  });

  it('serves a path under any of several roots', async () => {
    const other = await createSandbox(work_dir, { ...ids, executor_id: 'task-8' });
    await writeFile(join(other, 'stdout'), 'second\n');
    const roots = [box, other];
    expect((await readSandboxFile(roots, join(other, 'stdout'), 0)).data).toBe('second\n');
    expect(await refusal(readSandboxFile([box], join(other, 'stdout'), 0))).toBe('forbidden');
  });
});

describe('browseSandbox', () => {
  it('lists entries sorted by path, with sizes, modes and owners', async () => {
    await writeFile(join(box, 'stdout'), 'out\n');
    await writeFile(join(box, 'b-script'), '#!/bin/sh\n');
    await chmod(join(box, 'stdout'), 0o644);
    await chmod(join(box, 'b-script'), 0o750);
    await mkdir(join(box, 'a-dir'), { mode: 0o755 });
    await chmod(join(box, 'a-dir'), 0o755);
    const entries = await browseSandbox([box], `${box}/`);
    expect(entries.map((e) => e.path)).toEqual([`${box}/a-dir`, `${box}/b-script`, `${box}/stdout`]);
    const [dir, script, out] = entries;
    expect(dir?.mode).toBe('drwxr-xr-x');
    expect(script?.mode).toBe('-rwxr-x---');
    expect(out).toMatchObject({ mode: '-rw-r--r--', size: 4, nlink: 1, uid: userInfo().username });
    expect(Math.abs((out?.mtime ?? 0) - Date.now() / 1000)).toBeLessThan(60);
    expect(Number.isInteger(out?.mtime)).toBe(true);
  });

  it('shows a symlink pointing out as a link, and one pointing in as its target', async () => {
    await mkdir(join(box, 'logs'));
    await symlink(join(top, 'secret-dir'), join(box, 'out-link'));
    await symlink('logs', join(box, 'in-link'));
    const entries = await browseSandbox([box], box);
    const byName = new Map(entries.map((e) => [e.path.slice(box.length + 1), e]));
    expect(byName.get('out-link')?.mode.startsWith('l')).toBe(true);
    expect(byName.get('in-link')?.mode.startsWith('d')).toBe(true);
  });

  it('refuses to browse a file, or a missing directory', async () => {
    await writeFile(join(box, 'stdout'), 'x');
    expect(await refusal(browseSandbox([box], join(box, 'stdout')))).toBe('bad_request');
    expect(await refusal(browseSandbox([box], join(box, 'none')))).toBe('not_found');
  });
});

describe('helpers', () => {
  it('formats modes as ls -l does, with special bits', () => {
    expect(fileModeString(0o100644)).toBe('-rw-r--r--');
    expect(fileModeString(0o040755)).toBe('drwxr-xr-x');
    expect(fileModeString(0o104755)).toBe('-rwsr-xr-x');
    expect(fileModeString(0o102644)).toBe('-rw-r-Sr--');
    expect(fileModeString(0o041777)).toBe('drwxrwxrwt');
    expect(fileModeString(0o120777)).toBe('lrwxrwxrwx');
    expect(fileModeString(0o010600)).toBe('prw-------');
  });

  it('parses integer query parameters and refuses others', () => {
    expect(parseFilesInteger('offset', undefined)).toBeUndefined();
    expect(parseFilesInteger('offset', null)).toBeUndefined();
    expect(parseFilesInteger('offset', '-1')).toBe(-1);
    expect(parseFilesInteger('length', '4096')).toBe(4096);
    for (const bad of ['1.5', 'abc', '1e3', '99999999999999999999', ' 1']) {
      expect(() => parseFilesInteger('offset', bad), bad).toThrow(/Failed to parse offset/);
    }
  });
});
