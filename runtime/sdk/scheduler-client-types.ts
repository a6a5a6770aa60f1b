// The scheduler client's public shapes: its options, what a subscription gives, what it emits,
// and the error of a refused call (its defaults are in runtime/constants.ts).
import type { SchedulerEvent } from '../../engine/master/scheduler-api.ts';
import type { FrameworkInfo, MasterInfo } from '../../engine/master/v1.ts';
import type { Log } from '../log.ts';
import type { Credential } from '../wire/credentials.ts';
import type { MasterDetector } from '../wire/master-address.ts';
import type { Tls } from '../wire/tls.ts';

/** The scheduler endpoint of a master. */
export const scheduler_path = '/api/v1/scheduler';

/** A call the master refused (or could not be sent: status 0). */
export class SchedulerCallError extends Error {
  readonly status: number;
  readonly call_type: string;
  readonly body: string;
  constructor(call_type: string, status: number, body: string) {
    super(`${call_type} ${status === 0 ? 'failed' : `answered ${status}`}: ${body}`);
    this.name = 'SchedulerCallError';
    this.status = status;
    this.call_type = call_type;
    this.body = body;
  }
}

/** Options of a scheduler client. */
export interface SchedulerClientOptions {
  /**
   * `host:port` of a master (or several: each is tried in turn when one cannot be reached), a
   * `zk://h1:p1,h2:p2/path` URL of the group whose leader is followed, or a detector of the leader.
   */
  readonly master: string | readonly string[] | MasterDetector;
  /** FrameworkInfo to subscribe with; a function is asked again on every (re-)subscription. */
  readonly framework_info: FrameworkInfo | (() => FrameworkInfo);
  /** The scheduler endpoint's path (default /api/v1/scheduler). */
  readonly path?: string;
  readonly backoff_ms_min?: number;
  readonly backoff_ms_max?: number;
  readonly heartbeat_misses_max?: number;
  readonly redirects_max?: number;
  readonly log?: Log;
  /** Sent as HTTP Basic authorization on every request, for a master that authenticates frameworks. */
  readonly credential?: Credential;
  /**
   * TLS to reach the masters with: `false` for plain HTTP; by default, what this process's
   * LIBPROCESS_SSL_* variables say (plain when LIBPROCESS_SSL_ENABLED is unset), as libprocess does.
   */
  readonly tls?: Tls | false;
}

/** What a subscription gave. */
export interface Subscription {
  readonly framework_id: string;
  readonly stream_id: string;
  /** `host:port` of the master the stream is open to. */
  readonly master: string;
  readonly heartbeat_interval_seconds: number;
  readonly master_info: MasterInfo | undefined;
}

/** The client's emissions. */
export type SchedulerClientEventMap = {
  /** Every event of the stream, in order (HEARTBEAT included). */
  event: [SchedulerEvent];
  subscribed: [Subscription];
  /** A subscribed stream ended; the client subscribes again unless it is closing. */
  disconnected: [string];
  /** An attempt to subscribe failed or its stream ended: the master tried, why, and the wait before the next. */
  retrying: [{ readonly master: string; readonly reason: string; readonly delay_ms: number }];
  /** The client stopped for good (closed, torn down, refused, or an ERROR event). */
  closed: [string];
};
