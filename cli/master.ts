// `meso master`: runs a live master until SIGINT or SIGTERM. Suggested flags (commander turns them
// into the camelCase fields of MasterCommandOptions): --ip, --port, --hostname, --policy,
// --allocation-interval-ms, --heartbeat-interval-seconds, --seed, --journal <file>, --log-level.
import { type PolicyName, policyNames } from '../engine/allocator/policies.ts';
import { type LogLevel, log_levels } from '../runtime/master/log.ts';
import { type StartMasterOptions, startMaster } from '../runtime/master/server.ts';

/** The command's options, as text from the command line (numbers are accepted too). */
export interface MasterCommandOptions {
  readonly ip?: string;
  readonly port?: string | number;
  readonly hostname?: string;
  readonly policy?: string;
  readonly allocationIntervalMs?: string | number;
  readonly heartbeatIntervalSeconds?: string | number;
  readonly seed?: string;
  readonly journal?: string;
  readonly logLevel?: string;
}

/** A positive number from a flag, or an error naming the flag. */
function positive(value: string | number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new Error(`--${flag} must be a positive number, got '${value}'`);
  return n;
}

/** The startMaster options of the command's flags; throws naming a bad flag. */
export function masterOptionsOf(opts: MasterCommandOptions): StartMasterOptions {
  const port = opts.port === undefined ? undefined : Number(opts.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new Error(`--port must be an integer in [0, 65535], got '${opts.port}'`);
  }
  if (opts.policy !== undefined && !policyNames.includes(opts.policy as PolicyName)) {
    throw new Error(`--policy must be one of ${policyNames.join(', ')}, got '${opts.policy}'`);
  }
  if (opts.logLevel !== undefined && !log_levels.includes(opts.logLevel as LogLevel)) {
    throw new Error(`--log-level must be one of ${log_levels.join(', ')}, got '${opts.logLevel}'`);
  }
  const allocation = positive(opts.allocationIntervalMs, 'allocation-interval-ms');
  const heartbeat = positive(opts.heartbeatIntervalSeconds, 'heartbeat-interval-seconds');
  return {
    ...(opts.ip === undefined ? {} : { ip: opts.ip }),
    ...(port === undefined ? {} : { port }),
    ...(opts.hostname === undefined ? {} : { hostname: opts.hostname }),
    ...(opts.policy === undefined ? {} : { policy: opts.policy as PolicyName }),
    ...(allocation === undefined ? {} : { allocation_interval_ms: allocation }),
    ...(heartbeat === undefined ? {} : { heartbeat_interval_seconds: heartbeat }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.journal === undefined ? {} : { journal: opts.journal }),
    ...(opts.logLevel === undefined ? {} : { log_level: opts.logLevel as LogLevel }),
  };
}

/** Runs a master until SIGINT or SIGTERM; resolves with the exit code once it has stopped. */
export async function runMasterCommand(opts: MasterCommandOptions): Promise<number> {
  const master = await startMaster(masterOptionsOf(opts));
  await new Promise<void>((resolve) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await master.stop();
  return 0;
}
