// The detector agents, scheduler and executor clients and tools use: it follows the leading
// master of a `zk://` group and tells its listeners on every change. A lost connection keeps the
// last leader known (the servers may be back before the session ends); an expired session is
// replaced by a new one, so the detector keeps following for as long as it runs.
import type { Log } from '../log.ts';
import { type MasterAddress, masterAddressOf } from '../wire/master-info.ts';
import { openSession, type ZkSession } from './session.ts';
import { watchGroup } from './watch.ts';

/** A detector of the leading master. */
export interface ZkMasterDetector {
  leader(): MasterAddress | undefined;
  /** The leading master's MasterInfo as it wrote it. */
  leaderInfo(): unknown;
  onChange(listener: () => void): () => void;
  /** Resolves once the group has been read once (a leader known, or known to be none). */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

/** Options of a detector. */
export interface ZkDetectorOptions {
  readonly servers: readonly string[];
  readonly path: string;
  readonly session_timeout_ms?: number;
  readonly log?: Pick<Log, 'info' | 'warn'>;
}

const retry_ms = 500;

/** Starts detecting; connection errors are logged and retried, never thrown. */
export function createZkMasterDetector(options: ZkDetectorOptions): ZkMasterDetector {
  const listeners = new Set<() => void>();
  const servers = options.servers.join(',');
  const timeout_ms = options.session_timeout_ms ?? 10_000;
  let current: { address: MasterAddress; info: unknown; name: string } | undefined;
  let session: ZkSession | undefined;
  let unwatch: (() => void) | undefined;
  let stopped = false;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  const publish = (next: typeof current): void => {
    if (next?.name === current?.name) return;
    current = next;
    options.log?.info('leading master detected', { leader: next?.name, address: next?.address });
    for (const listener of [...listeners]) listener();
  };

  async function open(): Promise<void> {
    while (!stopped) {
      try {
        const s = await openSession(servers, timeout_ms);
        if (stopped) {
          s.close();
          return;
        }
        session = s;
        s.client.once('expired', () => {
          unwatch?.();
          s.close();
          if (!stopped) void open();
        });
        unwatch = watchGroup(
          s,
          options.path,
          (view) => {
            markReady();
            if (view.leader === undefined) return publish(undefined);
            try {
              const info = JSON.parse(view.leader.data.toString('utf8')) as unknown;
              publish({ address: masterAddressOf(info), info, name: view.leader.name });
            } catch (err) {
              options.log?.warn('leading master node is unreadable', {
                node: view.leader.name,
                error: (err as Error).message,
              });
              publish(undefined);
            }
          },
          (err) => options.log?.warn('ZooKeeper read failed', { error: err.message }),
        );
        return;
      } catch (err) {
        options.log?.warn('ZooKeeper unreachable; retrying', { servers, error: (err as Error).message });
        await new Promise((r) => setTimeout(r, retry_ms));
      }
    }
  }
  void open();

  return {
    leader: () => current?.address,
    leaderInfo: () => current?.info,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready,
    async stop() {
      stopped = true;
      unwatch?.();
      session?.close();
      listeners.clear();
    },
  };
}
