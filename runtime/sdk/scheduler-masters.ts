// The masters a scheduler client subscribes to, from its `master` option: a list of `host:port`
// tried in turn, a detector given by the caller, or a `zk://` URL, for which the client makes (and
// owns, so stops) a detector of the group's leader.
import { type MasterDetector, parseMasterAddress, parseZkUrl } from '../wire/master-address.ts';
import { createZkMasterDetector, type ZkMasterDetector } from '../zk/detector.ts';
import type { SchedulerClientOptions } from './scheduler-client-types.ts';

/** Addresses to try in turn, or the detector to follow. */
export interface SchedulerMasters {
  readonly masters: readonly string[];
  readonly detector: MasterDetector | undefined;
  /** The detector made here, which the client stops when it closes. */
  readonly owned: ZkMasterDetector | undefined;
}

/** The masters of a `master` option; throws on an empty list or a malformed address. */
export function mastersOf(master: SchedulerClientOptions['master']): SchedulerMasters {
  if (typeof master === 'object' && !Array.isArray(master)) {
    return { masters: [], detector: master as MasterDetector, owned: undefined };
  }
  if (typeof master === 'string' && /^zk:\/\//i.test(master.trim())) {
    const { servers, path } = parseZkUrl(master);
    const owned = createZkMasterDetector({ servers, path });
    return { masters: [], detector: owned, owned };
  }
  const list = typeof master === 'string' ? master.split(',') : (master as readonly string[]);
  if (list.length === 0) throw new Error('scheduler client: at least one master address is needed');
  return { masters: list.map((m) => parseMasterAddress(m)), detector: undefined, owned: undefined };
}
