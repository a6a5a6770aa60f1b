// Remote reads: a task that reads an input block (a Hadoop map) runs longer when no replica of the
// block is on its host. A rack-local map reads the block through its rack's switch, an off-rack
// one through the rack uplinks and the core, which clusters share and oversubscribe. The model is a
// factor on the task's run time by where it ran, fixed when it is launched: deterministic, and
// nothing the allocator or the master sees beyond a longer task. Why the defaults are what they
// are: workloads/README.md, "Remote reads".
import type { Locality } from './job-events.ts';

/** How much longer a task runs when it reads its input from another host. */
export interface RemoteReadParams {
  /** Multiplies the run time of a task whose block has a replica on its rack but not on its host. */
  readonly rack_local_factor: number;
  /** Multiplies the run time of a task whose block has no replica on its rack (off-rack). */
  readonly remote_factor: number;
}

/** Largest factor accepted: a read a hundred times slower than local is a broken network. */
const remote_read_factor_max = 100;

/** Throws unless both factors are at least 1 (a remote read is never faster than a local one). */
export function checkRemoteReadParams(params: RemoteReadParams, what: string): void {
  for (const key of ['rack_local_factor', 'remote_factor'] as const) {
    const value = params[key];
    if (!(value >= 1 && value <= remote_read_factor_max)) {
      throw new Error(`${what}: ${key} must be a number from 1 to ${remote_read_factor_max}, got ${value}`);
    }
  }
}

/** The run time, in whole ms, of a task of `duration_ms` launched at `locality` (none: no input). */
export function remoteReadDuration_ms(
  duration_ms: number,
  locality: Locality | undefined,
  params: RemoteReadParams,
): number {
  const factor =
    locality === 'rack-local' ? params.rack_local_factor : locality === 'remote' ? params.remote_factor : 1;
  return factor === 1 ? duration_ms : Math.round(duration_ms * factor);
}
