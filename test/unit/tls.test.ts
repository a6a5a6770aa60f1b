// libprocess's TLS variables as meso reads them: booleans true|1|false|0, the older SSL_ prefix
// when the LIBPROCESS_SSL_ one is unset, REQUIRE_CERT implying VERIFY_CERT, a server needing a
// certificate and key, a CA directory's PEM files; the environment handed to a process started to
// reach this one; and redirects that keep the scheme a client speaks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveLocation } from '../../runtime/sdk/http.ts';
import { loadTls, tlsEnvironment, tlsSettingsOf } from '../../runtime/wire/tls.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'meso-tls-unit-'));
  dirs.push(d);
  return d;
}

const pem = (n: number): string => `-----BEGIN CERTIFICATE-----\nQUJD${n}\n-----END CERTIFICATE-----\n`;

describe('TLS settings from the environment', () => {
  it('is off without LIBPROCESS_SSL_ENABLED, and reads the booleans as libprocess does', () => {
    expect(loadTls(tlsSettingsOf({}), 'server')).toBeUndefined();
    const s = tlsSettingsOf({
      LIBPROCESS_SSL_ENABLED: 'TRUE',
      LIBPROCESS_SSL_VERIFY_CERT: '0',
      LIBPROCESS_SSL_REQUIRE_CERT: '1',
      LIBPROCESS_SSL_SUPPORT_DOWNGRADE: 'false',
    });
    expect(s).toMatchObject({
      enabled: true,
      verify_cert: false,
      require_cert: true,
      support_downgrade: false,
    });
    expect(() => tlsSettingsOf({ LIBPROCESS_SSL_VERIFY_CERT: 'yes' })).toThrow(
      "LIBPROCESS_SSL_VERIFY_CERT must be true, false, 1 or 0, got 'yes'",
    );
  });

  it('reads the older SSL_ names when the LIBPROCESS_SSL_ ones are unset', () => {
    expect(tlsSettingsOf({ SSL_ENABLED: '1', SSL_CERT_FILE: '/c' })).toMatchObject({
      enabled: true,
      cert_file: '/c',
    });
    expect(tlsSettingsOf({ SSL_ENABLED: '1', LIBPROCESS_SSL_ENABLED: '0' }).enabled).toBe(false);
  });

  it('needs a certificate and key for a server, and both or neither for a client', () => {
    expect(() => loadTls(tlsSettingsOf({ LIBPROCESS_SSL_ENABLED: '1' }), 'server')).toThrow(
      /needs LIBPROCESS_SSL_CERT_FILE and LIBPROCESS_SSL_KEY_FILE/,
    );
    expect(loadTls(tlsSettingsOf({ LIBPROCESS_SSL_ENABLED: '1' }), 'client')).toMatchObject({
      verify_cert: false,
    });
    expect(() =>
      loadTls(tlsSettingsOf({ LIBPROCESS_SSL_ENABLED: '1', LIBPROCESS_SSL_CERT_FILE: '/c' }), 'client'),
    ).toThrow(/go together/);
    const d = dir();
    expect(() =>
      loadTls(
        tlsSettingsOf({
          LIBPROCESS_SSL_ENABLED: '1',
          LIBPROCESS_SSL_CERT_FILE: join(d, 'none.pem'),
          LIBPROCESS_SSL_KEY_FILE: join(d, 'none.key'),
        }),
        'server',
      ),
    ).toThrow(/LIBPROCESS_SSL_CERT_FILE '.*none.pem' cannot be read: ENOENT/);
  });

  it('takes REQUIRE_CERT as VERIFY_CERT too, and every PEM certificate of a CA directory', () => {
    const d = dir();
    writeFileSync(join(d, 'a.pem'), pem(1) + pem(2));
    writeFileSync(join(d, 'b.crt'), pem(3));
    writeFileSync(join(d, 'notes.txt'), 'no certificate here');
    const tls = loadTls(
      tlsSettingsOf({
        LIBPROCESS_SSL_ENABLED: '1',
        LIBPROCESS_SSL_REQUIRE_CERT: '1',
        LIBPROCESS_SSL_CA_DIR: d,
      }),
      'client',
    )!;
    expect(tls.verify_cert).toBe(true);
    expect(tls.ca?.map((b) => b.toString())).toEqual([pem(1).trim(), pem(2).trim(), pem(3).trim()]);
    const empty = dir();
    expect(() =>
      loadTls(tlsSettingsOf({ LIBPROCESS_SSL_ENABLED: '1', LIBPROCESS_SSL_CA_DIR: empty }), 'client'),
    ).toThrow(/holds no PEM certificate/);
  });

  it('gives a started process the same settings under the LIBPROCESS_SSL_ names', () => {
    const settings = tlsSettingsOf({
      SSL_ENABLED: 'true',
      SSL_CERT_FILE: '/c.pem',
      SSL_KEY_FILE: '/k.pem',
      LIBPROCESS_SSL_CA_FILE: '/ca.pem',
      LIBPROCESS_SSL_SUPPORT_DOWNGRADE: '1',
    });
    expect(tlsSettingsOf(tlsEnvironment(settings))).toEqual(settings);
  });
});

describe('redirects and TLS', () => {
  const tls = loadTls(tlsSettingsOf({ LIBPROCESS_SSL_ENABLED: '1' }), 'client')!;
  it("keeps the client's scheme on Mesos's protocol-relative redirect", () => {
    const over = resolveLocation(
      '//10.0.0.2:5050',
      { host: '10.0.0.1', port: 5050, tls },
      '/api/v1/scheduler',
    );
    expect(over).toEqual({ target: { host: '10.0.0.2', port: 5050, tls }, path: '/api/v1/scheduler' });
    const plain = resolveLocation('//10.0.0.2:5050', { host: '10.0.0.1', port: 5050 }, '/api/v1/scheduler');
    expect(plain.target.tls).toBeUndefined();
  });

  it('follows https only with TLS', () => {
    expect(() => resolveLocation('https://10.0.0.2:5050/x', { host: 'h', port: 1 }, '/x')).toThrow(
      /TLS is off/,
    );
    expect(resolveLocation('https://10.0.0.2/x', { host: 'h', port: 1, tls }, '/x').target).toEqual({
      host: '10.0.0.2',
      port: 443,
      tls,
    });
    expect(
      resolveLocation('http://10.0.0.2:80/x', { host: 'h', port: 1, tls }, '/x').target.tls,
    ).toBeUndefined();
  });
});
