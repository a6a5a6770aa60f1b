// TLS as Mesos configures it: every process (master, agent, scheduler, executor, tool) reads the
// libprocess environment variables, LIBPROCESS_SSL_ENABLED, _CERT_FILE, _KEY_FILE, _VERIFY_CERT,
// _REQUIRE_CERT, _CA_FILE, _CA_DIR and _SUPPORT_DOWNGRADE (each also read under the older SSL_
// prefix when the LIBPROCESS_SSL_ one is unset). With TLS on, a process serves TLS and dials TLS;
// one certificate and key serve both directions. VERIFY_CERT verifies a certificate the peer
// presents (a server's, for a client; a client's, if it sends one, for a server); REQUIRE_CERT
// makes a server demand one and implies VERIFY_CERT. SUPPORT_DOWNGRADE lets a TLS server take
// plain-text connections too. Without a CA file or directory the usual public roots are trusted.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';

/** TLS settings as read from the environment (file names, not yet read). */
export interface TlsSettings {
  readonly enabled: boolean;
  readonly cert_file?: string;
  readonly key_file?: string;
  readonly ca_file?: string;
  readonly ca_dir?: string;
  readonly verify_cert: boolean;
  readonly require_cert: boolean;
  readonly support_downgrade: boolean;
}

/** TLS with its files read: what servers and clients are built from. */
export interface Tls {
  /** What it was read from (for the environment of a process started to reach this one). */
  readonly settings: TlsSettings;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** The trusted authorities; undefined trusts the usual public roots. */
  readonly ca?: readonly Buffer[];
  /** Verify what the peer presents (REQUIRE_CERT implies it). */
  readonly verify_cert: boolean;
  /** A server demands a certificate from every client. */
  readonly require_cert: boolean;
  /** A server also takes plain-text connections. */
  readonly support_downgrade: boolean;
}

/** The variables read, without their prefix. */
const names = [
  'ENABLED',
  'CERT_FILE',
  'KEY_FILE',
  'CA_FILE',
  'CA_DIR',
  'VERIFY_CERT',
  'REQUIRE_CERT',
  'SUPPORT_DOWNGRADE',
] as const;

type Environment = Readonly<Record<string, string | undefined>>;

/** The value of a variable: LIBPROCESS_SSL_<name>, else the older SSL_<name>. */
function variable(env: Environment, name: (typeof names)[number]): { name: string; value?: string } {
  const current = `LIBPROCESS_SSL_${name}`;
  if (env[current] !== undefined) return { name: current, value: env[current] };
  const older = `SSL_${name}`;
  return env[older] !== undefined ? { name: older, value: env[older] } : { name: current };
}

/** A boolean variable as libprocess reads one: true|1 or false|0 (unset: false). */
function flag(env: Environment, name: (typeof names)[number]): boolean {
  const { name: shown, value } = variable(env, name);
  if (value === undefined || value === '') return false;
  const lower = value.trim().toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw new Error(`${shown} must be true, false, 1 or 0, got '${value}'`);
}

/** The TLS settings of an environment (default: this process's); throws on a malformed boolean. */
export function tlsSettingsOf(env: Environment = process.env): TlsSettings {
  const file = (name: (typeof names)[number]): string | undefined => {
    const value = variable(env, name).value;
    return value === undefined || value === '' ? undefined : value;
  };
  const cert_file = file('CERT_FILE');
  const key_file = file('KEY_FILE');
  const ca_file = file('CA_FILE');
  const ca_dir = file('CA_DIR');
  return {
    enabled: flag(env, 'ENABLED'),
    ...(cert_file === undefined ? {} : { cert_file }),
    ...(key_file === undefined ? {} : { key_file }),
    ...(ca_file === undefined ? {} : { ca_file }),
    ...(ca_dir === undefined ? {} : { ca_dir }),
    verify_cert: flag(env, 'VERIFY_CERT'),
    require_cert: flag(env, 'REQUIRE_CERT'),
    support_downgrade: flag(env, 'SUPPORT_DOWNGRADE'),
  };
}

function readNamed(path: string, variable_name: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(
      `${variable_name} '${path}' cannot be read: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
}

const pem_certificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a CA directory: every PEM certificate in its regular files. */
function caDirCertificates(dir: string): Buffer[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (err) {
    throw new Error(
      `LIBPROCESS_SSL_CA_DIR '${dir}' cannot be read: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
  const found: Buffer[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) continue;
    const text = readFileSync(path, 'utf8');
    for (const pem of text.match(pem_certificate) ?? []) found.push(Buffer.from(pem));
  }
  if (found.length === 0) throw new Error(`LIBPROCESS_SSL_CA_DIR '${dir}' holds no PEM certificate`);
  return found;
}

/**
 * The TLS of settings, files read, or undefined when TLS is off. A server (`role` 'server') needs
 * a certificate and key, as libprocess does; a client without them presents none.
 */
export function loadTls(settings: TlsSettings, role: 'server' | 'client'): Tls | undefined {
  if (!settings.enabled) return undefined;
  if ((settings.cert_file === undefined) !== (settings.key_file === undefined)) {
    throw new Error('LIBPROCESS_SSL_CERT_FILE and LIBPROCESS_SSL_KEY_FILE go together: set both or neither');
  }
  if (role === 'server' && settings.cert_file === undefined) {
    throw new Error(
      'LIBPROCESS_SSL_ENABLED needs LIBPROCESS_SSL_CERT_FILE and LIBPROCESS_SSL_KEY_FILE (the certificate and key this server presents)',
    );
  }
  const ca: Buffer[] = [];
  if (settings.ca_file !== undefined) ca.push(readNamed(settings.ca_file, 'LIBPROCESS_SSL_CA_FILE'));
  if (settings.ca_dir !== undefined) ca.push(...caDirCertificates(settings.ca_dir));
  return {
    settings,
    ...(settings.cert_file === undefined
      ? {}
      : { cert: readNamed(settings.cert_file, 'LIBPROCESS_SSL_CERT_FILE') }),
    ...(settings.key_file === undefined
      ? {}
      : { key: readNamed(settings.key_file, 'LIBPROCESS_SSL_KEY_FILE') }),
    ...(ca.length === 0 ? {} : { ca }),
    verify_cert: settings.verify_cert || settings.require_cert,
    require_cert: settings.require_cert,
    support_downgrade: settings.support_downgrade,
  };
}

/** The LIBPROCESS_SSL_* variables that give a process started by this one the same settings. */
export function tlsEnvironment(settings: TlsSettings): Record<string, string> {
  const out: Record<string, string> = {
    LIBPROCESS_SSL_ENABLED: String(settings.enabled),
    LIBPROCESS_SSL_VERIFY_CERT: String(settings.verify_cert),
    LIBPROCESS_SSL_REQUIRE_CERT: String(settings.require_cert),
    LIBPROCESS_SSL_SUPPORT_DOWNGRADE: String(settings.support_downgrade),
  };
  if (settings.cert_file !== undefined) out.LIBPROCESS_SSL_CERT_FILE = settings.cert_file;
  if (settings.key_file !== undefined) out.LIBPROCESS_SSL_KEY_FILE = settings.key_file;
  if (settings.ca_file !== undefined) out.LIBPROCESS_SSL_CA_FILE = settings.ca_file;
  if (settings.ca_dir !== undefined) out.LIBPROCESS_SSL_CA_DIR = settings.ca_dir;
  return out;
}

/** The TLS of this process's environment for a client, or undefined when TLS is off. */
export function clientTlsFromEnvironment(env: Environment = process.env): Tls | undefined {
  return loadTls(tlsSettingsOf(env), 'client');
}

/** The options of a TLS connection a client opens with `tls`. */
export function clientConnectionOptions(tls: Tls): ConnectionOptions {
  return {
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.ca === undefined ? {} : { ca: [...tls.ca] }),
    rejectUnauthorized: tls.verify_cert,
  };
}

/** `https`/`wss` or `http`/`ws`: the scheme a client speaks. */
export function schemeOf(tls: Tls | undefined, kind: 'http' | 'ws'): string {
  return tls === undefined ? kind : `${kind}s`;
}
