// Who leads: the interface the master's HTTP endpoints ask before serving (a master that does not
// lead redirects to the one that does, and answers 503 while none is known). The standalone twin
// is what a master without ZooKeeper runs: it leads from the start, and tests may `appoint` another
// leader (or none) by hand, as Mesos's StandaloneMasterDetector allows.
import type { MasterAddress } from '../wire/master-info.ts';

/** Tells the master who leads and when that changes. */
export interface LeaderDetector {
  /** The leading master's address, or undefined when no leader is known. */
  leader(): MasterAddress | undefined;
  /** True when this master leads. */
  isLeader(): boolean;
  /** Calls `listener` on every change of leader; returns a function that stops the calls. */
  onChange(listener: () => void): () => void;
  /** Stops detecting. */
  stop(): Promise<void>;
  /** The leading master's MasterInfo as it announced it, when the detector knows it. */
  leaderInfo?(): unknown;
}

/** The standalone detector: this master leads unless a test appoints another (or none). */
export interface StandaloneLeaderDetector extends LeaderDetector {
  /** Makes `leader` the known leader (undefined: none known). */
  appoint(leader: MasterAddress | undefined): void;
}

/** Whether two addresses name the same master. */
function sameAddress(a: MasterAddress, b: MasterAddress): boolean {
  return a.ip === b.ip && a.port === b.port && a.hostname === b.hostname;
}

/** A standalone detector in which `self` leads. */
export function createStandaloneLeaderDetector(self: MasterAddress): StandaloneLeaderDetector {
  let current: MasterAddress | undefined = self;
  const listeners = new Set<() => void>();
  return {
    leader: () => current,
    isLeader: () => current !== undefined && sameAddress(current, self),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      listeners.clear();
    },
    appoint(leader) {
      current = leader;
      for (const listener of [...listeners]) listener();
    },
  };
}

/** The `//host:port` of a leader, for Location headers (the hostname when it has one). */
export function leaderLocation(leader: MasterAddress, path = ''): string {
  const host = leader.hostname !== '' ? leader.hostname : leader.ip;
  return `//${host}:${leader.port}${path}`;
}
