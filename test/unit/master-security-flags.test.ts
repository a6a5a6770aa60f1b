// The security flags of `meso master`: Mesos's authentication flags, --acls and the connection
// limits become startMaster options, and a bad value is an error naming its flag.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { masterOptionsOf } from '../../cli/master.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('meso master security flags', () => {
  it('reads credentials, ACLs, authentication switches and connection limits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meso-flags-'));
    dirs.push(dir);
    const credentials = join(dir, 'credentials');
    writeFileSync(credentials, 'ops s3cret\n', { mode: 0o600 });
    const acls = join(dir, 'acls.json');
    writeFileSync(acls, '{"permissive": false}');
    const options = masterOptionsOf({
      credentials,
      acls,
      authenticate_agents: 'true',
      authenticate_http_readonly: 'false',
      max_connections: '100',
      max_connections_per_client: '10',
      http_header_timeout_ms: '2000',
    });
    expect(options.credentials).toEqual([{ principal: 'ops', secret: 's3cret' }]);
    expect(options.acls?.permissive).toBe(false);
    expect([options.authenticate_agents, options.authenticate_http_readonly]).toEqual([true, false]);
    expect([options.connections_max, options.connections_per_client_max, options.header_timeout_ms]).toEqual([
      100, 10, 2000,
    ]);
  });

  it('names the flag of a bad value', () => {
    expect(() => masterOptionsOf({ authenticate_agents: 'maybe' })).toThrow(/--authenticate_agents/);
    expect(() => masterOptionsOf({ max_connections_per_client: '-1' })).toThrow(
      /--max_connections_per_client/,
    );
    expect(() => masterOptionsOf({ credentials: '/nonexistent/credentials' })).toThrow(
      /--credentials file .* does not exist/,
    );
  });
});
