// Credentials as Mesos keeps them: a master's `--credentials` file holds many
// (`{"credentials": [{"principal": ..., "secret": ...}]}`, or lines of `principal secret`), an
// agent's or framework's `--credential` file holds one (`{"principal": ..., "secret": ...}`, or one
// such line). They travel as HTTP Basic authorization, as Mesos's default HTTP authenticator reads
// them. A secret never appears in an error message: only principals and line numbers do.
import { timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/** One principal and its secret. */
export interface Credential {
  readonly principal: string;
  readonly secret: string;
}

/** The realm named in `WWW-Authenticate` challenges (Mesos's default HTTP authenticator's). */
export const basic_realm = 'mesos';

function checkCredential(value: unknown, where: string): Credential {
  const c = value as Partial<Credential> | null;
  if (c === null || typeof c !== 'object') throw new Error(`${where}: expected {"principal", "secret"}`);
  if (typeof c.principal !== 'string' || c.principal === '' || c.principal.includes(':')) {
    throw new Error(`${where}: 'principal' must be a non-empty string without ':'`);
  }
  if (typeof c.secret !== 'string' || c.secret === '')
    throw new Error(`${where}: 'secret' must be a non-empty string`);
  return { principal: c.principal, secret: c.secret };
}

/** The `principal secret` lines of a text file (blank lines and `#` comments skipped). */
function textCredentials(text: string, what: string): Credential[] {
  const list: Credential[] = [];
  text.split('\n').forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const [principal, secret, ...rest] = trimmed.split(/\s+/);
    if (secret === undefined || rest.length > 0) {
      throw new Error(`${what}, line ${i + 1}: expected 'principal secret'`);
    }
    list.push(checkCredential({ principal, secret }, `${what}, line ${i + 1}`));
  });
  return list;
}

/** Parses a master's credentials (JSON or text); throws naming what is wrong, never a secret. */
export function parseCredentials(text: string, what = 'credentials'): Credential[] {
  let list: Credential[];
  if (text.trimStart().startsWith('{')) {
    let json: { credentials?: unknown };
    try {
      json = JSON.parse(text) as { credentials?: unknown };
    } catch {
      throw new Error(`${what}: not valid JSON`);
    }
    if (!Array.isArray(json.credentials)) throw new Error(`${what}: expected {"credentials": [...]}`);
    list = json.credentials.map((c, i) => checkCredential(c, `${what}, credentials[${i}]`));
  } else {
    list = textCredentials(text, what);
  }
  const seen = new Set<string>();
  for (const c of list) {
    if (seen.has(c.principal)) throw new Error(`${what}: principal '${c.principal}' appears twice`);
    seen.add(c.principal);
  }
  return list;
}

/** Parses one credential (JSON or a `principal secret` line). */
export function parseCredential(text: string, what = 'credential'): Credential {
  if (text.trimStart().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${what}: not valid JSON`);
    }
    return checkCredential(json, what);
  }
  const list = textCredentials(text, what);
  if (list.length !== 1) throw new Error(`${what}: expected exactly one 'principal secret' line`);
  return list[0]!;
}

/** Reads a file of secrets; refuses one that others than its owner may read (as ssh does keys). */
function readSecretFile(path: string, flag: string): string {
  let text: string;
  try {
    if ((statSync(path).mode & 0o077) !== 0) {
      throw new Error(`--${flag} file ${path} may be read by others than its owner; chmod 600 it`);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`--${flag} file ${path} does not exist`);
    throw err;
  }
  return text;
}

/** Reads a master's `--credentials` file. */
export function readCredentialsFile(path: string, flag = 'credentials'): Credential[] {
  return parseCredentials(readSecretFile(path, flag), `--${flag} ${path}`);
}

/** Reads an agent's or framework's `--credential` file. */
export function readCredentialFile(path: string, flag = 'credential'): Credential {
  return parseCredential(readSecretFile(path, flag), `--${flag} ${path}`);
}

/** The `Authorization` header value of a credential. */
export function basicAuthorization(c: Credential): string {
  return `Basic ${Buffer.from(`${c.principal}:${c.secret}`, 'utf8').toString('base64')}`;
}

/** The principal and secret of a Basic `Authorization` header, or undefined if it is not one. */
export function parseBasicAuthorization(value: string | undefined): Credential | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { principal: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** Checks offered credentials against the known ones, in time independent of the secret. */
export function credentialMatches(known: ReadonlyMap<string, string>, offered: Credential): boolean {
  const secret = known.get(offered.principal);
  if (secret === undefined) return false;
  const a = Buffer.from(secret, 'utf8');
  const b = Buffer.from(offered.secret, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
