// The masters of `meso local`: one, or with --zk a ZooKeeper group of several (--masters, 3 by
// default) contending for the lead, as an HA cluster runs them; with a bare --zk the command starts
// its own ZooKeeper (runtime/zk/ensemble.ts, standalone) and stops it on exit. Agents and the demo
// framework then follow the group's zk:// URL, so stopping the leader shows a failover.
import type { LogLevel } from '../runtime/log.ts';
import { type RunningMaster, type StartMasterOptions, startMaster } from '../runtime/master/server.ts';
import { parseZkUrl } from '../runtime/wire/master-address.ts';
import { startEnsemble, type ZooKeeperEnsemble } from '../runtime/zk/ensemble.ts';
import { countOf, durationMsOf } from './flags.ts';

/** The group path of a local cluster's own ZooKeeper. */
const local_zk_path = '/meso-local';
/** Most masters one local cluster runs. */
const local_masters_max = 5;
/** How long the local masters have to elect a leader. */
const local_election_ms_max = 30_000;

/** The HA flags of `meso local`. */
export interface LocalHaOptions {
  /** true (a bare --zk: start ZooKeeper here) or a zk:// URL. */
  readonly zk?: string | boolean;
  readonly masters?: string | number;
  readonly zk_session_timeout?: string;
}

/** The masters of a local cluster and what agents and frameworks take as `--master`. */
export interface LocalMasters {
  readonly masters: readonly RunningMaster[];
  /** host:port of the one master, or the group's zk:// URL. */
  readonly address: string;
  readonly ensemble: ZooKeeperEnsemble | undefined;
  /** The master leading now (the first, standalone). */
  leading(): RunningMaster | undefined;
  stop(): Promise<void>;
}

/** Checks the HA flags; throws naming a bad one. */
function checked(opts: LocalHaOptions) {
  const zk = opts.zk === undefined || opts.zk === false ? undefined : opts.zk;
  const masters = countOf(opts.masters ?? (zk === undefined ? 1 : 3), 'masters') ?? 1;
  if (masters < 1 || masters > local_masters_max)
    throw new Error(`--masters must be 1 to ${local_masters_max}, got '${opts.masters}'`);
  if (masters > 1 && zk === undefined)
    throw new Error('--masters above 1 needs --zk (the masters elect a leader in ZooKeeper)');
  const session_ms = durationMsOf(opts.zk_session_timeout, 'zk_session_timeout');
  if (session_ms !== undefined && zk === undefined) throw new Error('--zk_session_timeout needs --zk');
  if (typeof zk === 'string') parseZkUrl(zk);
  return { zk, masters, session_ms };
}

/** Waits until one of `masters` leads; throws after local_election_ms_max. */
async function elected(masters: readonly RunningMaster[]): Promise<void> {
  const deadline = Date.now() + local_election_ms_max;
  while (!masters.some((m) => m.acting())) {
    if (Date.now() > deadline) throw new Error(`no master was elected within ${local_election_ms_max} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts the masters (port, port+1, ... or free ports for port 0), and ZooKeeper for a bare --zk. */
export async function startLocalMasters(
  opts: LocalHaOptions,
  base: StartMasterOptions & { readonly ip: string; readonly port: number; readonly log_level: LogLevel },
): Promise<LocalMasters> {
  const { zk, masters: count, session_ms } = checked(opts);
  const ensemble = zk === true ? await startEnsemble({ servers: 1 }) : undefined;
  const url = ensemble?.url(local_zk_path) ?? (typeof zk === 'string' ? zk : undefined);
  const masters: RunningMaster[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(masters.map((m) => m.stop()));
    await ensemble?.stop();
  };
  try {
    for (let i = 0; i < count; i++) {
      const port = base.port === 0 ? 0 : base.port + i;
      const ha =
        url === undefined
          ? {}
          : {
              zk: parseZkUrl(url),
              ...(session_ms === undefined ? {} : { zk_session_timeout_ms: session_ms }),
            };
      masters.push(await startMaster({ ...base, port, ...ha }));
    }
    await elected(masters);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    masters,
    address: url ?? `${base.ip}:${masters[0]!.port}`,
    ensemble,
    leading: () => masters.find((m) => m.acting()),
    stop,
  };
}
