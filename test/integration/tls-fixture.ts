// A test certificate authority made with `openssl` in a temp dir at test time: a CA, a server
// certificate for localhost and 127.0.0.1 signed by it, a client certificate signed by it, and a
// second CA with a client certificate of its own (one the first CA never signed). EC P-256 keys
// keep the making quick. Each certificate is valid for a day.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The files of a test CA and what it signed. */
export interface TestCa {
  readonly dir: string;
  readonly ca: string;
  readonly server_cert: string;
  readonly server_key: string;
  readonly client_cert: string;
  readonly client_key: string;
  /** Another CA's certificate, and a client certificate it signed. */
  readonly rogue_ca: string;
  readonly rogue_cert: string;
  readonly rogue_key: string;
  /** Removes the dir. */
  remove(): void;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function key(dir: string, name: string): string {
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name]);
  return join(dir, name);
}

function authority(dir: string, name: string): { cert: string; key: string } {
  const k = key(dir, `${name}.key`);
  openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    k,
    '-out',
    `${name}.pem`,
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
  ]);
  return { cert: join(dir, `${name}.pem`), key: k };
}

function signed(dir: string, name: string, ca: { cert: string; key: string }, extensions: string): string {
  const k = key(dir, `${name}.key`);
  openssl(dir, ['req', '-new', '-key', k, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '1',
    '-extfile',
    `${name}.ext`,
  ]);
  return join(dir, `${name}.pem`);
}

/** Makes a test CA and its certificates in a new temp dir. */
export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'meso-tls-'));
  try {
    const ca = authority(dir, 'ca');
    const server_cert = signed(
      dir,
      'server',
      ca,
      'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
    );
    const client_cert = signed(dir, 'client', ca, 'extendedKeyUsage=clientAuth\n');
    const rogue = authority(dir, 'rogue-ca');
    const rogue_cert = signed(dir, 'rogue', rogue, 'extendedKeyUsage=clientAuth\n');
    return {
      dir,
      ca: ca.cert,
      server_cert,
      server_key: join(dir, 'server.key'),
      client_cert,
      client_key: join(dir, 'client.key'),
      rogue_ca: rogue.cert,
      rogue_cert,
      rogue_key: join(dir, 'rogue.key'),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
