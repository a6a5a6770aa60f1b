// MasterInfo's address fields on the wire. Mesos carries the master's IPv4 address twice: as the
// dotted string `address.ip`, and as the uint32 `ip` read little-endian from the four address bytes
// (a + b*2^8 + c*2^16 + d*2^24), a quirk of storing a network-order in_addr in a host-order field.
// Detectors read the leader's address from the compact MasterInfo JSON a master leaves in ZooKeeper.

const dotted_quad_pattern =
  /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;

const uint32_max = 2 ** 32 - 1;

/** The four bytes of a dotted-quad IPv4 address, or undefined if `ip` is not one. */
function quadBytes(ip: string): [number, number, number, number] | undefined {
  const match = dotted_quad_pattern.exec(ip);
  if (!match) return undefined;
  const bytes = [Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4])] as const;
  if (bytes.some((byte) => byte > 255)) return undefined;
  return [bytes[0], bytes[1], bytes[2], bytes[3]];
}

/**
 * Whether `ip` is a dotted-quad IPv4 address: four decimal bytes 0-255. Leading zeros are refused
 * because inet_aton reads them as octal, so '010.0.0.1' would mean different hosts to different readers.
 */
export function isDottedQuad(ip: string): boolean {
  return quadBytes(ip) !== undefined;
}

/** MasterInfo.ip from a dotted quad: the address bytes read little-endian ('127.0.1.1' -> 16842879). */
export function ipToUint32(ip: string): number {
  const bytes = quadBytes(ip);
  if (!bytes) {
    throw new Error(`'${ip}' is not a dotted-quad IPv4 address (four numbers 0-255 without leading zeros)`);
  }
  const [a, b, c, d] = bytes;
  return a + b * 2 ** 8 + c * 2 ** 16 + d * 2 ** 24;
}

/** The dotted quad of a MasterInfo.ip value (the inverse of ipToUint32). */
export function uint32ToIp(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > uint32_max) {
    throw new Error(`MasterInfo ip must be an integer in [0, ${uint32_max}], got ${value}`);
  }
  const a = value % 256;
  const b = Math.floor(value / 2 ** 8) % 256;
  const c = Math.floor(value / 2 ** 16) % 256;
  const d = Math.floor(value / 2 ** 24);
  return `${a}.${b}.${c}.${d}`;
}

/** Where to reach a master, as a detector reads it from MasterInfo. */
export interface MasterAddress {
  /** The dotted-quad IPv4 address. */
  readonly ip: string;
  /** The hostname the master announces (the ip when it announces none). */
  readonly hostname: string;
  readonly port: number;
}

/** Reads the leader's address from MasterInfo JSON: `address` first, then the legacy `ip`/`port`. */
export function masterAddressOf(info: unknown): MasterAddress {
  if (typeof info !== 'object' || info === null) throw new Error('MasterInfo must be a JSON object');
  const record = info as Record<string, unknown>;
  const address = (
    typeof record.address === 'object' && record.address !== null ? record.address : {}
  ) as Record<string, unknown>;
  const ip =
    typeof address.ip === 'string' ? address.ip : typeof record.ip === 'number' ? uint32ToIp(record.ip) : '';
  if (!isDottedQuad(ip)) {
    throw new Error(`MasterInfo has no usable IPv4 address (address.ip or ip), got '${ip}'`);
  }
  const port = typeof address.port === 'number' ? address.port : record.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`MasterInfo has no valid port (address.port or port), got ${JSON.stringify(port)}`);
  }
  const hostname =
    typeof address.hostname === 'string' && address.hostname !== ''
      ? address.hostname
      : typeof record.hostname === 'string' && record.hostname !== ''
        ? record.hostname
        : ip;
  return { ip, hostname, port };
}
