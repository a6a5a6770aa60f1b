// A master in a `zk://` group. It serves as a standby (redirecting to the leader, its state page
// showing the leader's info) until its candidacy leads; then it reads the registry from ZooKeeper,
// builds a fresh engine master that recovers from it, and acts. Every registry change is written
// back with compare-and-set. Once it stops leading (the session expired, its node vanished, its
// lease lapsed, or another master wrote the registry) it stops acting at once and for good, and
// `lost` says why: the command exits then, as a Mesos master does.
import type { Server } from 'node:http';
import { createZkContender, type ZkContender } from '../zk/contender.ts';
import { createZkRegistryStore, type ZkRegistryStore } from '../zk/registry-store.ts';
import type { MasterHistory } from './history.ts';
import type { LeaderDetector } from './leader.ts';
import { type Persistence, writeBehind } from './persistence.ts';
import type { HostRegistrySnapshot } from './registry.ts';
import type { MasterRoutes } from './routes.ts';
import type { RunningMaster, Settings } from './server.ts';

/** The server's parts an election uses. */
export interface ElectionParts {
  assemble(
    s: Settings,
    leader: LeaderDetector,
    recovered: HostRegistrySnapshot | undefined,
    persistence?: Persistence,
  ): MasterRoutes;
  begin(routes: MasterRoutes, s: Settings, recovered: HostRegistrySnapshot | undefined): void;
  serve(server: Server, current: () => MasterRoutes): void;
  quiesce(routes: MasterRoutes): void;
}

/** Where the group is and how long sessions last. */
export interface ZkGroup {
  readonly servers: readonly string[];
  readonly path: string;
  readonly session_timeout_ms: number;
}

/** Joins the group and serves as a standby until elected; rejects when ZooKeeper is unreachable. */
export async function contend(
  server: Server,
  s: Settings,
  zk: ZkGroup,
  parts: ElectionParts,
  url: string,
): Promise<RunningMaster> {
  const log = s.log;
  let contender: ZkContender | undefined;
  let acting = false;
  let fenced: string | undefined;
  let endLost: (reason: string) => void = () => undefined;
  const lost = new Promise<string>((resolve) => {
    endLost = resolve;
  });
  const leader: LeaderDetector = {
    isLeader() {
      const leads = contender?.isLeader() ?? false;
      if (!leads && acting) queueMicrotask(() => fence('this master no longer holds the lead'));
      return leads;
    },
    leader: () => contender?.leader(),
    leaderInfo: () => contender?.leaderInfo(),
    onChange: (listener) => contender?.onChange(listener) ?? (() => undefined),
    stop: async () => contender?.stop(),
  };
  // The standby's engine master is never started and writes no journal: it only answers reads. It
  // never acts, and while this master has won the lead but is still recovering it names no leader,
  // so agents and frameworks are told 503 (retry) rather than sent to a master that will drop them.
  const standing_by: LeaderDetector = {
    ...leader,
    isLeader: () => false,
    leader: () => (contender?.isLeader() ? undefined : contender?.leader()),
  };
  let current = parts.assemble({ ...s, journal: undefined }, standing_by, undefined);
  // Served at once: until the candidacy is known every call gets 503 (no leader known).
  parts.serve(server, () => current);
  contender = await createZkContender({ ...zk, info: current.host.master.info, log });
  const candidacy = contender;
  const store = createZkRegistryStore(candidacy.session, zk.path, (reason) => fence(reason));
  const persistence = zkPersistence(store, zk, lost);

  function fence(reason: string): void {
    if (fenced !== undefined) return;
    fenced = reason;
    const was = acting;
    acting = false;
    parts.quiesce(current);
    log.error('master stops acting as leader', { reason, was_leading: was });
    void candidacy.stop().then(() => endLost(reason));
  }

  let electing = false;
  async function elect(): Promise<void> {
    if (electing || acting || fenced !== undefined || !candidacy.isLeader()) return;
    electing = true;
    try {
      const recovered = await store.load();
      if (fenced !== undefined || !candidacy.isLeader()) return;
      const standby = current;
      current = parts.assemble(s, leader, recovered, persistence);
      acting = true;
      parts.quiesce(standby);
      parts.begin(current, s, recovered);
      log.info('elected leading master', {
        url,
        node: candidacy.node,
        frameworks: recovered?.frameworks?.length ?? 0,
        agents: recovered?.agents?.length ?? 0,
      });
    } catch (err) {
      fence(`taking the lead failed: ${(err as Error).message}`);
    } finally {
      electing = false;
    }
  }
  candidacy.onChange(() => void elect());
  void candidacy.lost.then((reason) => fence(reason));
  log.info('master started as a candidate', { url, master_id: s.master_id, node: candidacy.node });
  void elect();

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    acting = false;
    fenced ??= 'stopped';
    parts.quiesce(current);
    await persistence.flush();
    // Deleting the node (in stop) lets a standby lead without waiting for the session to end.
    await candidacy.stop();
    server.closeAllConnections();
    await closed;
    log.info('master stopped', { url, master_id: s.master_id });
  };
  return {
    url,
    port: s.port,
    master_id: s.master_id,
    get feed() {
      return current.host.feed;
    },
    leader,
    lost,
    acting: () => acting && candidacy.isLeader(),
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}

/** The leader's registry and history in ZooKeeper; a lost compare-and-set fences it (through the store). */
function zkPersistence(store: ZkRegistryStore, zk: ZkGroup, lost: Promise<string>): Persistence {
  let latest: MasterHistory | undefined;
  const behind = writeBehind(() => {
    if (latest !== undefined) store.saveHistory(latest.snapshot());
  });
  return {
    where: `zk ${zk.path}/registry`,
    persist: (registry) => store.save(() => registry.snapshot()),
    historyChanged(history) {
      latest = history;
      behind.schedule();
    },
    async flush() {
      await behind.flush();
      await store.flushed();
    },
    failed: lost,
  };
}
