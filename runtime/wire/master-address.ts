// How a master is named on a command line: `host:port` (also `http://host:port` or
// `//host:port/path`, the forms a 307's Location takes), a comma-separated list of those, or
// `zk://host1:port1,host2:port2/path` for the ZooKeeper ensemble whose leading master is followed.

import type { MasterAddress } from './master-info.ts';

/** Something that knows who leads (a ZooKeeper detector); clients follow its changes. */
export interface MasterDetector {
  leader(): MasterAddress | undefined;
  onChange(listener: () => void): () => void;
}

/** The `host:port` to reach a detected master at (its hostname when it has one). */
export function hostPortOfMaster(address: MasterAddress): string {
  return `${address.hostname !== '' ? address.hostname : address.ip}:${address.port}`;
}

/** A master named directly, or through ZooKeeper. */
export type MasterSpec =
  | { readonly kind: 'direct'; readonly addresses: readonly string[] }
  | { readonly kind: 'zk'; readonly servers: readonly string[]; readonly path: string };

const host_port_pattern = /^(\[[^\]]+\]|[^:/@,]+):(\d+)$/;

function hostPortOrUndefined(text: string): string | undefined {
  const match = host_port_pattern.exec(text);
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return `${match[1]}:${port}`;
}

/** Parses `host:port` (also `http://host:port` or `//host:port/path`) into the `host:port` part. */
export function parseMasterAddress(text: string): string {
  if (/^zk:\/\//i.test(text.trim())) {
    throw new Error(
      `a zk:// URL names a ZooKeeper ensemble, not a master: '${text}' needs a leader detector`,
    );
  }
  const stripped = text
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/^\/\//, '');
  const hostPort = hostPortOrUndefined(stripped.split('/')[0] ?? '');
  if (hostPort === undefined) {
    throw new Error(`master address must be host:port (e.g. 127.0.0.1:5050), got '${text}'`);
  }
  return hostPort;
}

/**
 * Parses `zk://h1:p1,h2:p2/path` (ZooKeeper servers and the znode path under which masters
 * contend). Credentials (`zk://user:pass@...`) are refused rather than silently ignored.
 */
export function parseZkUrl(text: string): { readonly servers: readonly string[]; readonly path: string } {
  const trimmed = text.trim();
  const example = 'zk://127.0.0.1:2181/mesos';
  if (!/^zk:\/\//i.test(trimmed))
    throw new Error(`ZooKeeper URL must start with zk:// (e.g. ${example}), got '${text}'`);
  const rest = trimmed.slice('zk://'.length);
  const slash = rest.indexOf('/');
  const hosts = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash).replace(/\/+$/, '');
  if (hosts.includes('@')) throw new Error(`ZooKeeper URL credentials are not supported, got '${text}'`);
  const servers = hosts.split(',').map((h) => hostPortOrUndefined(h.trim()));
  if (hosts === '' || servers.some((s) => s === undefined)) {
    throw new Error(`ZooKeeper URL must list servers as host:port (e.g. ${example}), got '${text}'`);
  }
  if (path === '' || !/^(\/[^/\0]+)+$/.test(path)) {
    throw new Error(
      `ZooKeeper URL must end with a znode path such as /mesos (e.g. ${example}), got '${text}'`,
    );
  }
  return { servers: servers as string[], path };
}

/** Parses a `--master` value: `zk://...`, or one or more comma-separated `host:port`. */
export function parseMasterSpec(text: string): MasterSpec {
  if (/^zk:\/\//i.test(text.trim())) return { kind: 'zk', ...parseZkUrl(text) };
  const addresses = text
    .split(',')
    .filter((part) => part.trim() !== '')
    .map(parseMasterAddress);
  if (addresses.length === 0) throw new Error(`master address must be host:port or zk://..., got '${text}'`);
  return { kind: 'direct', addresses };
}
