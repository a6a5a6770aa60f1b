// What an agent offers to the cluster: its resources, detected from the machine as Mesos detects
// them (all cpus, memory less 1 GiB, the work_dir's file system less 5 GiB, ports 31000-32000)
// unless the --resources flag names them, and its attributes from the --attributes flag.
import { statfs } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
// The port range an agent offers when --resources names no ports (Mesos's default), as the engine's.
import { agent_ports_default } from '../../engine/constants.ts';
import type { Attribute } from '../../engine/master/v1.ts';
import {
  add,
  parseResources,
  type Resource,
  type Resources,
  reservationRole,
  scalar,
} from '../../engine/resources.ts';

const mebibyte_bytes = 1024 * 1024;
const gibibyte_bytes = 1024 * mebibyte_bytes;

/** Memory Mesos offers from a machine's total: all but 1 GiB above 2 GiB, half below. */
export function offerableMemoryMb(total_bytes: number): number {
  const bytes = total_bytes > 2 * gibibyte_bytes ? total_bytes - gibibyte_bytes : total_bytes / 2;
  return Math.floor(bytes / mebibyte_bytes);
}

/** Disk Mesos offers from a file system's size: all but 5 GiB above 10 GiB, all of it below. */
export function offerableDiskMb(total_bytes: number): number {
  const bytes = total_bytes > 10 * gibibyte_bytes ? total_bytes - 5 * gibibyte_bytes : total_bytes;
  return Math.floor(bytes / mebibyte_bytes);
}

/** The size of the file system holding `dir`, in bytes (0 when it cannot be read). */
async function fileSystemBytes(dir: string): Promise<number> {
  try {
    const fs = await statfs(dir);
    return fs.blocks * fs.bsize;
  } catch {
    return 0;
  }
}

/**
 * The agent's total resources: those of the flag text (`cpus:4;mem:8192;ports:[31000-32000]`, or a
 * JSON list), with each of cpus, mem, disk and ports the flag does not name detected or defaulted.
 */
export async function agentResources(flag: string | undefined, work_dir: string): Promise<Resources> {
  let resources: Resources = [];
  if (flag !== undefined && flag.trim() !== '') {
    try {
      resources = parseResources(flag);
    } catch (error) {
      throw new Error(`--resources is invalid: ${(error as Error).message}`);
    }
  }
  const named = new Set(resources.map((r) => r.name));
  if (!named.has('cpus')) resources = add(resources, scalar('cpus', availableParallelism()));
  if (!named.has('mem')) resources = add(resources, scalar('mem', offerableMemoryMb(totalmem())));
  if (!named.has('disk')) {
    resources = add(resources, scalar('disk', offerableDiskMb(await fileSystemBytes(work_dir))));
  }
  if (!named.has('ports')) resources = add(resources, parseResources(`ports:${agent_ports_default}`));
  return resources;
}

/** Resources in their v1 wire form, each naming its (reservation) role as Mesos still does. */
export function wireResources(resources: Resources): Resource[] {
  return resources.map((r) => ({ ...r, role: reservationRole(r) }));
}

/**
 * Parses the --attributes flag, `rack:r1;zone:a;level:3;slots:[1-4];tags:{x,y}`, as Mesos does: a
 * number is SCALAR, `[..]` RANGES, `{..}` SET, anything else TEXT.
 */
export function parseAttributes(flag: string | undefined): Attribute[] {
  const out: Attribute[] = [];
  for (const part of (flag ?? '').split(';')) {
    const piece = part.trim();
    if (piece === '') continue;
    const colon = piece.indexOf(':');
    if (colon <= 0) throw new Error(`--attributes: '${piece}' is not NAME:VALUE (e.g. rack:r1)`);
    const name = piece.slice(0, colon).trim();
    const value = piece.slice(colon + 1).trim();
    out.push(parseAttributeValue(name, value));
  }
  return out;
}

/** One attribute from its name and value text. */
function parseAttributeValue(name: string, value: string): Attribute {
  if (/^-?(\d+\.?\d*|\.\d+)$/.test(value)) return { name, type: 'SCALAR', scalar: { value: Number(value) } };
  if (value.startsWith('[') || value.startsWith('{')) {
    // Reuse the resource parser for the range and set syntax, so both flags read alike.
    let parsed: Resources;
    try {
      parsed = parseResources(`${name}:${value}`);
    } catch (error) {
      throw new Error(`--attributes: bad value for '${name}': ${(error as Error).message}`);
    }
    const entry = parsed[0];
    if (entry?.type === 'RANGES') return { name, type: 'RANGES', ranges: { range: entry.ranges!.range } };
    if (entry?.type === 'SET') return { name, type: 'SET', set: { item: entry.set!.item } };
    throw new Error(`--attributes: '${name}' has an empty value`);
  }
  return { name, type: 'TEXT', text: { value } };
}
