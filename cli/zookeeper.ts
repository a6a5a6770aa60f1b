// `meso zookeeper [--servers N] [--dir DIR] [--path P]`: runs Debian's ZooKeeper on this machine for
// an HA cluster, standalone or as an N-server quorum on 127.0.0.1 (runtime/zk/ensemble.ts: free
// ports, short ticks), prints the zk:// URL masters, agents and frameworks take, and runs until
// SIGINT or SIGTERM. With --dir the servers' data outlive the command (a second run on the same
// dir finds the registry again, on new ports); without it the data are removed on exit.
import { startEnsemble } from '../runtime/zk/ensemble.ts';
import { countOf, untilStopSignal } from './flags.ts';

/** The command's options, as text from the command line. */
export interface ZooKeeperCommandOptions {
  readonly servers?: string | number;
  readonly dir?: string;
  readonly path?: string;
}

/** Runs the ensemble until SIGINT or SIGTERM; resolves with the exit code once it has stopped. */
export async function runZooKeeperCommand(opts: ZooKeeperCommandOptions): Promise<number> {
  const servers = countOf(opts.servers ?? 1, 'servers') ?? 1;
  if (servers < 1 || servers > 9) throw new Error(`--servers must be 1 to 9, got '${opts.servers}'`);
  const path = opts.path ?? '/mesos';
  if (!/^(\/[A-Za-z0-9._-]+)+$/.test(path))
    throw new Error(`--path must be a ZooKeeper path like /mesos, got '${path}'`);
  const ensemble = await startEnsemble({ servers, ...(opts.dir === undefined ? {} : { dir: opts.dir }) });
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out(ensemble.url(path));
  process.stderr.write(
    `meso zookeeper: ${servers === 1 ? 'one server' : `${servers} servers`} on ${ensemble.connect}; ` +
      `pass --zk=${ensemble.url(path)} to masters and --master=${ensemble.url(path)} to agents; Ctrl-C stops\n`,
  );
  await untilStopSignal();
  await ensemble.stop();
  return 0;
}
