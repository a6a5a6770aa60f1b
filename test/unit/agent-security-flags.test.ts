// The endpoint security flags of `meso agent` (Mesos's names): --http_credentials, the
// --authenticate_http_* switches and --acls become startAgent options; a bad one is named.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentOptionsOf } from '../../cli/agent.ts';
import { createAgentHttpSecurity } from '../../runtime/agent/http-security.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const base = { master: '127.0.0.1:5050', work_dir: '/tmp/meso-agent-flags' };

describe('meso agent security flags', () => {
  it('reads the credentials, the switches and the ACLs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meso-agent-flags-'));
    dirs.push(dir);
    const http_credentials = join(dir, 'http-credentials');
    writeFileSync(http_credentials, '{"credentials":[{"principal":"ops","secret":"s3cret"}]}', {
      mode: 0o600,
    });
    const acls = join(dir, 'acls.json');
    writeFileSync(acls, '{"permissive": false}');
    const options = agentOptionsOf({
      ...base,
      http_credentials,
      acls,
      authenticate_http_readonly: 'true',
      authenticate_http_readwrite: 'false',
    });
    expect(options.http_security?.http_credentials).toEqual([{ principal: 'ops', secret: 's3cret' }]);
    expect(options.http_security?.acls?.permissive).toBe(false);
    expect(options.http_security?.authenticate_http_readonly).toBe(true);
    expect(options.http_security?.authenticate_http_readwrite).toBe(false);
    expect(agentOptionsOf(base).http_security).toBeUndefined();
  });

  it('names the flag of a bad value', () => {
    expect(() => agentOptionsOf({ ...base, authenticate_http_readonly: 'maybe' })).toThrow(
      /--authenticate_http_readonly/,
    );
    expect(() => agentOptionsOf({ ...base, http_credentials: '/nonexistent/creds' })).toThrow(
      /--http_credentials file \/nonexistent\/creds does not exist/,
    );
    expect(() => createAgentHttpSecurity({ authenticate_http_readwrite: true })).toThrow(
      '--authenticate_http_readwrite needs --http_credentials with at least one credential',
    );
  });
});
