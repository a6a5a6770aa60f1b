// Follows the leading member of a master group: lists the children with a watch, reads the lowest
// `json.info_` with a watch, and does both again on every change. Each pass re-arms the watches
// before reading, so no change between two reads is missed. A pass that fails (the session could
// not reconnect within its timeout) is made again when the session next connects.
import type { Event } from 'node-zookeeper-client';
import { leadingMember } from './group.ts';
import type { ZkSession } from './session.ts';

/** What the group says: the leading node's name and its data, or none. */
export interface GroupView {
  readonly children: readonly string[];
  readonly leader: { readonly name: string; readonly data: Buffer } | undefined;
}

/** Watches `path` on `session` until the returned function is called; errors go to `onError`. */
export function watchGroup(
  session: ZkSession,
  path: string,
  onView: (view: GroupView) => void,
  onError: (err: Error) => void,
): () => void {
  let stopped = false;
  let pass = 0;
  const again = (_event?: Event): void => {
    if (!stopped) void refresh();
  };
  async function refresh(): Promise<void> {
    const mine = ++pass;
    try {
      const children = await session.children(path, again);
      const name = leadingMember(children);
      const read = name === undefined ? undefined : await session.read(`${path}/${name}`, again);
      // A newer pass started meanwhile: its view wins.
      if (stopped || mine !== pass) return;
      if (name !== undefined && read === undefined) {
        again();
        return;
      }
      onView({
        children,
        leader: name === undefined || read === undefined ? undefined : { name, data: read.data },
      });
    } catch (err) {
      if (stopped) return;
      onError(err as Error);
      session.client.once('connected', () => again());
    }
  }
  void session.mkdirp(path).then(
    () => refresh(),
    (err: Error) => onError(err),
  );
  return () => {
    stopped = true;
  };
}
