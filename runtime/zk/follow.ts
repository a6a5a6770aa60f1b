// What a `--master` value follows: a master at `host:port`, or the leader of a `zk://` group
// found by a detector. Agents, the test framework and `meso local` take either.
import type { Log } from '../log.ts';
import { parseMasterSpec } from '../wire/master-address.ts';
import { createZkMasterDetector, type ZkMasterDetector } from './detector.ts';

/** `host:port` of one master, or a detector of the leading master (stop it when done). */
export function followMaster(text: string, log?: Pick<Log, 'info' | 'warn'>): string | ZkMasterDetector {
  const spec = parseMasterSpec(text);
  if (spec.kind === 'zk')
    return createZkMasterDetector({ servers: spec.servers, path: spec.path, ...(log ? { log } : {}) });
  if (spec.addresses.length > 1) {
    throw new Error(
      `--master takes one host:port or a zk:// URL, got ${spec.addresses.length} addresses: '${text}'`,
    );
  }
  return spec.addresses[0]!;
}
