// A master's candidacy in a `zk://` group: it writes its MasterInfo JSON as an EPHEMERAL_SEQUENTIAL
// `json.info_` child, leads while its node is the lowest, and follows whoever else leads. Fencing:
// it holds a lease renewed by probing its own node every tenth of the session timeout (and at once
// when the session reconnects through another server), and leads only while the last successful
// probe was sent less than 0.8 of the timeout ago. ZooKeeper heard from the session when it
// answered that probe, so it cannot end the session, and let another master lead, before the
// lease has lapsed. A master frozen (SIGSTOP) or cut off past that stops leading first. An expired session or a vanished node ends the candidacy
// for good (`lost`), and the master exits as Mesos's does.
import type { Log } from '../log.ts';
import type { LeaderDetector } from '../master/leader.ts';
import { type MasterAddress, masterAddressOf } from '../wire/master-info.ts';
import { member_prefix } from './group.ts';
import { ephemeral_sequential, openSession, type ZkSession } from './session.ts';
import { watchGroup } from './watch.ts';

/** A master's candidacy; `lost` resolves with the reason it ended, unless stopped first. */
export interface ZkContender extends LeaderDetector {
  readonly lost: Promise<string>;
  leaderInfo(): unknown;
  /** This master's node, e.g. `/mesos/json.info_0000000003`. */
  readonly node: string;
  readonly session_timeout_ms: number;
  /** The candidacy's session (the registry is written on it). */
  readonly session: ZkSession;
}

/** Options of a candidacy. */
export interface ZkContenderOptions {
  readonly servers: readonly string[];
  readonly path: string;
  readonly session_timeout_ms: number;
  /** This master's MasterInfo, written as its node's data. */
  readonly info: {
    readonly address: { readonly ip: string; readonly port: number; readonly hostname: string };
  };
  readonly log: Log;
}

/** Joins the group; rejects with a message naming the ensemble when it cannot be reached. */
export async function createZkContender(options: ZkContenderOptions): Promise<ZkContender> {
  const servers = options.servers.join(',');
  const session = await openSession(servers, options.session_timeout_ms);
  const timeout_ms = session.session_timeout_ms;
  const lease_ms = timeout_ms * 0.8;
  const log = options.log;
  try {
    await session.mkdirp(options.path);
  } catch (err) {
    session.close();
    throw new Error(`cannot create the ZooKeeper path '${options.path}': ${(err as Error).message}`);
  }
  const node = await session.create(
    `${options.path}/${member_prefix}`,
    Buffer.from(JSON.stringify(options.info)),
    ephemeral_sequential,
  );
  const own = node.slice(options.path.length + 1);
  const listeners = new Set<() => void>();
  let leading: { name: string; info: unknown; address: MasterAddress } | undefined;
  let confirmed_ms = Date.now();
  let ended: string | undefined;
  let endLost: (reason: string) => void = () => undefined;
  const lost = new Promise<string>((resolve) => {
    endLost = resolve;
  });
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  const leaseHeld = (): boolean => ended === undefined && Date.now() - confirmed_ms < lease_ms;

  const end = (reason: string): void => {
    if (ended !== undefined) return;
    ended = reason;
    clearInterval(probe);
    session.client.removeListener('connected', renew);
    unwatch();
    session.close();
    log.error('leadership candidacy ended', { node, reason });
    notify();
    endLost(reason);
  };

  // One attempt per probe (no retry after a lost connection): the lease counts from its sending.
  const renew = (): void => {
    const sent_ms = Date.now();
    session.client.exists(node, (err, stat) => {
      if (err || ended !== undefined) return;
      if (!stat) return end("this master's ZooKeeper node vanished");
      const was = leaseHeld();
      confirmed_ms = Math.max(confirmed_ms, sent_ms);
      if (!was) notify();
    });
  };
  const probe = setInterval(renew, Math.max(20, Math.floor(timeout_ms / 10)));
  session.client.on('connected', renew);
  session.client.once('expired', () => end('the ZooKeeper session expired'));

  const unwatch = watchGroup(
    session,
    options.path,
    (view) => {
      if (!view.children.includes(own)) return end("this master's ZooKeeper node vanished");
      const next = view.leader;
      if (next?.name === leading?.name) return;
      try {
        const info = next === undefined ? undefined : (JSON.parse(next.data.toString('utf8')) as unknown);
        leading = next === undefined ? undefined : { name: next.name, info, address: masterAddressOf(info) };
      } catch (err) {
        log.warn('leading master node is unreadable', { node: next?.name, error: (err as Error).message });
        leading = undefined;
      }
      log.info('leading master', { leader: leading?.name, self: own, address: leading?.address });
      notify();
    },
    (err) => log.warn('ZooKeeper read failed', { error: err.message }),
  );

  const isLeader = (): boolean => leading?.name === own && leaseHeld();
  return {
    node,
    lost,
    session,
    session_timeout_ms: timeout_ms,
    isLeader,
    // Without the lease this master cannot say who leads: not itself, and no one else yet.
    leader: () => (leading?.name === own && !isLeader() ? undefined : leading?.address),
    leaderInfo: () => (leading?.name === own && !isLeader() ? undefined : leading?.info),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      if (ended === undefined) {
        ended = 'stopped';
        clearInterval(probe);
        session.client.removeListener('connected', renew);
        unwatch();
        // Deleting the node lets a standby lead at once rather than after the session timeout.
        await session.remove(node).catch(() => undefined);
        session.close();
      }
      listeners.clear();
    },
  };
}
