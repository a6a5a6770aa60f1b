// Who is calling: HTTP Basic authentication as Mesos's default HTTP authenticator does it, over the
// master's `--credentials`. Each route belongs to a realm (frameworks, agents, read-only or
// read-write endpoints) whose `--authenticate_*` flag says whether a caller must prove itself; a
// caller who offers credentials is checked whether or not the realm requires it. A refusal is 401
// with a `WWW-Authenticate` challenge and names the principal at most, never a secret.
import type { IncomingMessage } from 'node:http';
import {
  basic_realm,
  type Credential,
  credentialMatches,
  parseBasicAuthorization,
} from '../wire/credentials.ts';

/** The realms of the master's routes; 'open' routes (health, redirect) take anyone. */
export type Realm = 'frameworks' | 'agents' | 'readonly' | 'readwrite' | 'open';

/** The authentication flags of a master, as Mesos names them. */
export interface AuthenticationOptions {
  /** Known principals and secrets (`--credentials`). */
  readonly credentials?: readonly Credential[];
  readonly authenticate_frameworks?: boolean;
  readonly authenticate_agents?: boolean;
  readonly authenticate_http_readonly?: boolean;
  readonly authenticate_http_readwrite?: boolean;
  /** The flag that gives the credentials, for errors (default `credentials`). */
  readonly credentials_flag?: string;
}

/** The caller's principal (undefined: anonymous, allowed here), or the 401 refusing it. */
export type Authenticated =
  | { readonly principal: string | undefined }
  | { readonly status: 401; readonly message: string; readonly headers: Record<string, string> };

/** A master's authenticator. */
export interface Authenticator {
  /** Whether the realm requires credentials. */
  requires(realm: Realm): boolean;
  /** Authenticates the request for `realm`. */
  authenticate(req: IncomingMessage, realm: Realm): Authenticated;
}

const challenge = { 'WWW-Authenticate': `Basic realm="${basic_realm}"` };

/** Checks the flags (each required realm needs credentials) and builds the authenticator. */
export function createAuthenticator(o: AuthenticationOptions): Authenticator {
  const known = new Map((o.credentials ?? []).map((c) => [c.principal, c.secret]));
  const required: Record<Realm, boolean> = {
    frameworks: o.authenticate_frameworks ?? false,
    agents: o.authenticate_agents ?? false,
    readonly: o.authenticate_http_readonly ?? false,
    readwrite: o.authenticate_http_readwrite ?? false,
    open: false,
  };
  for (const [realm, on] of Object.entries(required)) {
    const flag = realm === 'frameworks' || realm === 'agents' ? realm : `http_${realm}`;
    if (on && known.size === 0)
      throw new Error(
        `--authenticate_${flag} needs --${o.credentials_flag ?? 'credentials'} with at least one credential`,
      );
  }
  return {
    requires: (realm) => required[realm],
    authenticate(req, realm) {
      const header = req.headers.authorization;
      if (header === undefined || realm === 'open') {
        if (!required[realm]) return { principal: undefined };
        return {
          status: 401,
          message: 'Authentication required: send HTTP Basic credentials',
          headers: challenge,
        };
      }
      const offered = parseBasicAuthorization(header);
      if (offered === undefined) {
        return {
          status: 401,
          message: "Malformed 'Authorization' header: expected Basic credentials",
          headers: challenge,
        };
      }
      if (!credentialMatches(known, offered)) {
        return {
          status: 401,
          message: `Authentication failed for principal '${offered.principal}'`,
          headers: challenge,
        };
      }
      return { principal: offered.principal };
    },
  };
}

/** The principal each authenticated request came with, for the handlers that bind or check it. */
const principals = new WeakMap<IncomingMessage, string>();

/** Records the principal of a request. */
export function setRequestPrincipal(req: IncomingMessage, principal: string | undefined): void {
  if (principal !== undefined) principals.set(req, principal);
}

/** The principal a request authenticated as, if any. */
export function requestPrincipal(req: IncomingMessage): string | undefined {
  return principals.get(req);
}
