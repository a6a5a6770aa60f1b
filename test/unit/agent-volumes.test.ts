// Pure parts of the agent's offer operations: reading apply_operation, the checkpointed total and its
// compatibility with the flags, the persistent volume layout and container paths, the symlink that
// makes a volume appear in a sandbox, and the --executor_reregistration_timeout_ms flag.
import { lstatSync, mkdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentOptionsOf } from '../../cli/agent.ts';
import { formatResources, parseResources, type Resource } from '../../engine/resources.ts';
import { parseApplyOperation } from '../../runtime/agent/operations.ts';
import {
  checkpointResources,
  incompatibility,
  readCheckpointedResources,
  resourcesCheckpointPath,
  startingTotal,
} from '../../runtime/agent/resource-checkpoint.ts';
import { containerPathError, linkVolumes, volumeDirectory } from '../../runtime/agent/volumes.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'meso-volumes-')));
  dirs.push(dir);
  return dir;
}

/** A persistent volume of role prod in wire form, as the master sends it. */
function volume(id: string, container_path: string, mb = 512): Resource {
  return {
    name: 'disk',
    type: 'SCALAR',
    scalar: { value: mb },
    role: 'prod',
    reservations: [{ type: 'DYNAMIC', role: 'prod' }],
    allocation_info: { role: 'prod' },
    disk: { persistence: { id }, volume: { container_path, mode: 'RW' } },
  };
}

const flags = parseResources('cpus:2;mem:1024;disk:1024;ports:[31000-32000]');
const reserved = [...parseResources('cpus:2;mem:1024;disk:512;disk(dynamic:prod):512;ports:[31000-32000]')];
const with_volume = [
  ...parseResources('cpus:2;mem:1024;disk:512;ports:[31000-32000]'),
  volume('data1', 'data'),
];

describe('apply_operation', () => {
  const message = (operation: unknown, resources: unknown = reserved): unknown => ({
    type: 'apply_operation',
    framework_id: { value: 'F1' },
    operation,
    resources,
  });

  it('reads a RESERVE, a CREATE, an UNRESERVE and a DESTROY with the new totals', () => {
    const reserve = parseApplyOperation(
      message({
        type: 'RESERVE',
        id: { value: 'op1' },
        reserve: { resources: parseResources('disk(dynamic:prod):512') },
      }),
    );
    expect(reserve).toMatchObject({ framework_id: 'F1', type: 'RESERVE', id: 'op1', volumes: [] });
    if ('error' in reserve) throw new Error(reserve.error);
    expect(formatResources(reserve.total)).toBe(
      'cpus:2;disk:512;disk(dynamic:prod):512;mem:1024;ports:[31000-32000]',
    );

    const create = parseApplyOperation(
      message({ type: 'CREATE', create: { volumes: [volume('data1', 'data')] } }, with_volume),
    );
    expect(create).toMatchObject({
      type: 'CREATE',
      volumes: [{ role: 'prod', persistence_id: 'data1', container_path: 'data' }],
    });
    const destroy = parseApplyOperation(
      message({ type: 'DESTROY', destroy: { volumes: [volume('data1', 'data')] } }),
    );
    expect(destroy).toMatchObject({ type: 'DESTROY', volumes: [{ persistence_id: 'data1' }] });
    const unreserve = parseApplyOperation(
      message(
        { type: 'UNRESERVE', unreserve: { resources: parseResources('disk(dynamic:prod):512') } },
        flags,
      ),
    );
    expect(unreserve).toMatchObject({ type: 'UNRESERVE' });
  });

  it('names what is wrong with a malformed message', () => {
    const error = (m: unknown): string => {
      const parsed = parseApplyOperation(m);
      return 'error' in parsed ? parsed.error : 'accepted';
    };
    const reserve = { type: 'RESERVE', reserve: { resources: parseResources('disk(dynamic:prod):512') } };
    expect(error(null)).toMatch(/must be an object/);
    expect(error({ ...(message(reserve) as object), framework_id: 'F1' })).toMatch(/'framework_id'/);
    expect(error(message({ type: 'LAUNCH', launch: {} }))).toMatch(
      /RESERVE, UNRESERVE, CREATE, DESTROY, GROW_VOLUME, SHRINK_VOLUME/,
    );
    expect(error(message({ type: 'RESERVE' }))).toMatch(/'operation.reserve.resources' must be a list/);
    expect(error(message({ type: 'RESERVE', reserve: { resources: [] } }))).toMatch(/names no resources/);
    expect(error(message({ type: 'RESERVE', reserve: { resources: [{ name: 'cpus' }] } }))).toMatch(
      /'operation.reserve.resources' is invalid/,
    );
    expect(error(message(reserve, 'cpus:2'))).toMatch(/'resources' must be a list/);
    // A CREATE of plain disk, of a volume named '..', and one the new total lacks.
    expect(
      error(message({ type: 'CREATE', create: { volumes: parseResources('disk(dynamic:prod):512') } })),
    ).toMatch(/persistent volumes only/);
    expect(
      error(message({ type: 'CREATE', create: { volumes: [volume('..', 'data')] } }, with_volume)),
    ).toMatch(/persistence id '\.\.'/);
    expect(
      error(message({ type: 'CREATE', create: { volumes: [volume('data1', 'data')] } }, reserved)),
    ).toMatch(/does not hold/);
  });
});

describe('the checkpointed total', () => {
  it('is written atomically and read back in normal form', async () => {
    const work_dir = await tempDir();
    expect(await readCheckpointedResources(work_dir)).toBeUndefined();
    checkpointResources(work_dir, parseResources('disk(dynamic:prod):512;cpus:2'));
    expect(resourcesCheckpointPath(work_dir)).toBe(join(work_dir, 'meta', 'resources', 'resources.json'));
    expect(formatResources((await readCheckpointedResources(work_dir))!)).toBe(
      'cpus:2;disk(dynamic:prod):512',
    );
    writeFileSync(resourcesCheckpointPath(work_dir), '{"resources": 3');
    await expect(readCheckpointedResources(work_dir)).rejects.toThrow(/corrupt.*remove the file/);
  });

  it('must match the flags once its reservations and volumes are taken off', () => {
    expect(incompatibility(flags, reserved)).toBeUndefined();
    expect(incompatibility(flags, parseResources(formatResources([...with_volume])))).toBeUndefined();
    const bigger = parseResources('cpus:2;mem:1024;disk:2048;ports:[31000-32000]');
    expect(incompatibility(bigger, reserved)).toMatch(
      /they are cpus:2;disk:1024;mem:1024;ports:\[31000-32000\], not cpus:2;disk:2048/,
    );
    expect(startingTotal('/w', flags, undefined)).toBe(flags);
    expect(formatResources(startingTotal('/w', flags, parseResources(formatResources(reserved))))).toBe(
      'cpus:2;disk:512;disk(dynamic:prod):512;mem:1024;ports:[31000-32000]',
    );
    expect(() => startingTotal('/w', bigger, parseResources(formatResources(reserved)))).toThrow(
      /incompatible with the agent's resources.*remove \/w\/meta\/resources\/resources\.json/,
    );
  });
});

describe('persistent volumes', () => {
  it("are laid out as Mesos lays them out, a hierarchical role's '/' as a space", () => {
    expect(volumeDirectory('/w', 'prod', 'data1')).toBe('/w/volumes/roles/prod/data1');
    expect(volumeDirectory('/w', 'eng/web', 'v')).toBe('/w/volumes/roles/eng web/v');
    expect(() => volumeDirectory('/w', 'prod', '..')).toThrow(/persistence id/);
    expect(() => volumeDirectory('/w', '*', 'v')).toThrow(/reserved role/);
  });

  it('take relative container paths inside the sandbox only', () => {
    expect(containerPathError('data')).toBeUndefined();
    expect(containerPathError('a/b/')).toBeUndefined();
    expect(containerPathError('./data')).toBeUndefined();
    expect(containerPathError('/mnt/data')).toMatch(/absolute container path/);
    expect(containerPathError('../data')).toMatch(/does not lie inside the sandbox/);
    expect(containerPathError('a/../../data')).toMatch(/does not lie inside the sandbox/);
    expect(containerPathError('.')).toMatch(/does not lie inside the sandbox/);
    expect(containerPathError('')).toMatch(/needs disk.volume.container_path/);
    expect(containerPathError(undefined)).toMatch(/needs disk.volume.container_path/);
  });

  it('appear in a sandbox as a symlink, made through real directories only', async () => {
    const work_dir = await tempDir();
    const sandbox = join(work_dir, 'sandbox');
    mkdirSync(sandbox);
    const target = join(work_dir, 'volumes', 'roles', 'prod', 'data1');
    linkVolumes(work_dir, sandbox, [volume('data1', 'mnt/data')]);
    expect(readlinkSync(join(sandbox, 'mnt', 'data'))).toBe(target);
    expect(lstatSync(target).isDirectory()).toBe(true);
    // Linking the same volume again (another task of the executor) is fine; another one there is not.
    linkVolumes(work_dir, sandbox, [volume('data1', 'mnt/data')]);
    expect(() => linkVolumes(work_dir, sandbox, [volume('data2', 'mnt/data')])).toThrow(/already there/);
    // A directory the task replaced by a symlink (to reach outside the sandbox) is refused.
    symlinkSync('/tmp', join(sandbox, 'escape'));
    expect(() => linkVolumes(work_dir, sandbox, [volume('data3', 'escape/data')])).toThrow(/not a directory/);
    expect(() => linkVolumes(work_dir, sandbox, [volume('data4', '/abs')])).toThrow(/absolute/);
    // Plain disk is no volume: nothing to link.
    linkVolumes(work_dir, sandbox, [...parseResources('disk:10;cpus:1')]);
  });
});

describe('meso agent --executor_reregistration_timeout_ms', () => {
  it('is a whole number of ms, and a bad value names the flag', () => {
    const base = { master: 'm1:5050', work_dir: '/w' };
    expect(agentOptionsOf({ ...base, executor_reregistration_timeout_ms: '2000' })).toMatchObject({
      executor_reregistration_timeout_ms: 2000,
    });
    expect(agentOptionsOf(base)).not.toHaveProperty('executor_reregistration_timeout_ms');
    for (const bad of ['soon', '-1', '0', '1.5', '', '9999999999']) {
      expect(() => agentOptionsOf({ ...base, executor_reregistration_timeout_ms: bad })).toThrow(
        /--executor_reregistration_timeout_ms/,
      );
    }
  });
});
