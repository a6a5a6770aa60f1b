// A value kept in ZooKeeper whatever its size: ZooKeeper refuses a node above 1 MB (jute.maxbuffer),
// and a registry with its completed history can outgrow that. The value is gzipped JSON cut into
// parts of at most part_bytes_max, each a node `<node>-parts/<generation>-<i>`; `<node>` itself
// holds a small manifest naming the parts and the sha256 of the whole. Parts are written first and
// the manifest last with a compare-and-set on the version last read or written, so a master that
// lost the lead cannot replace its successor's value (its parts are left behind as orphans, and the
// next successful write removes every part its manifest does not name). A reader checks the
// sha256, so a value cut short or mixed from two writes is reported, never recovered. A write the
// session made again after a lost connection may find its own first attempt applied: a part that
// exists already is its own (parts are named by a fresh uuid), and a manifest whose compare-and-set
// fails is its own when the node holds exactly the manifest written (it names those fresh parts).
import { createHash, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import { bad_version, no_node, node_exists, persistent, type ZkSession, zkCode } from './session.ts';

const gzipAsync = promisify(gzip);

/** The largest part written: well below ZooKeeper's 1 MB node limit. */
export const part_bytes_max = 512 * 1024;
const manifest_format = 'meso-chunked/1';

interface Manifest {
  readonly format: string;
  readonly sha256: string;
  readonly parts: readonly string[];
}

/** A write that lost its compare-and-set: another master wrote the value. */
export class ConflictError extends Error {}

/** One value under `node`, read and written with compare-and-set. */
export interface ChunkedNode {
  /** The value (undefined when none was written) and the version later writes check. */
  read(): Promise<unknown>;
  /** Writes `value`; rejects with ConflictError when another master wrote since. */
  write(value: unknown): Promise<void>;
}

/** A chunked value at `node` on `session`. */
export function chunkedNode(session: ZkSession, node: string): ChunkedNode {
  const parts_dir = `${node}-parts`;
  let version = -1;

  async function read(): Promise<unknown> {
    const head = await session.read(node);
    if (head === undefined) {
      version = -1;
      return undefined;
    }
    version = head.version;
    let manifest: Manifest;
    try {
      manifest = JSON.parse(head.data.toString('utf8')) as Manifest;
    } catch {
      throw new Error(`${node} in ZooKeeper is not a ${manifest_format} manifest`);
    }
    if (manifest?.format !== manifest_format || !Array.isArray(manifest.parts))
      throw new Error(`${node} in ZooKeeper is not a ${manifest_format} manifest`);
    const parts: Buffer[] = [];
    for (const part of manifest.parts) {
      const got = await session.read(`${parts_dir}/${part}`);
      if (got === undefined) throw new Error(`${node} in ZooKeeper is corrupt: its part ${part} is missing`);
      parts.push(got.data);
    }
    const data = Buffer.concat(parts);
    if (createHash('sha256').update(data).digest('hex') !== manifest.sha256)
      throw new Error(`${node} in ZooKeeper is corrupt: its checksum does not match`);
    return JSON.parse(gunzipSync(data).toString('utf8'));
  }

  async function write(value: unknown): Promise<void> {
    // Compressed off the event loop: the master goes on serving while a large registry is written.
    const data = await gzipAsync(JSON.stringify(value));
    const generation = randomUUID();
    const parts: string[] = [];
    await session.mkdirp(parts_dir);
    for (let at = 0, i = 0; at < data.length || i === 0; at += part_bytes_max, i++) {
      const name = `${generation}-${i}`;
      await session
        .create(`${parts_dir}/${name}`, data.subarray(at, at + part_bytes_max), persistent)
        .catch((err: unknown) => {
          if (zkCode(err) !== node_exists) throw err;
        });
      parts.push(name);
    }
    const sha256 = createHash('sha256').update(data).digest('hex');
    const manifest = Buffer.from(JSON.stringify({ format: manifest_format, sha256, parts }));
    try {
      if (version < 0) {
        await session.create(node, manifest, persistent);
        version = 0;
      } else {
        version = await session.setData(node, manifest, version);
      }
    } catch (err) {
      const code = zkCode(err);
      if (code !== bad_version && code !== node_exists && code !== no_node) throw err;
      const now = await session.read(node);
      if (now === undefined || !now.data.equals(manifest))
        throw new ConflictError('another master wrote the registry (compare-and-set failed)');
      version = now.version;
    }
    // Parts the manifest no longer names: the previous write's, and any a fenced master left.
    const keep = new Set(parts);
    for (const child of await session.children(parts_dir)) {
      if (!keep.has(child)) await session.remove(`${parts_dir}/${child}`).catch(() => undefined);
    }
  }

  return { read, write };
}
