import { UsageError } from '../errors/errors.js';

// the example names no credentials: every output passes through redactSecrets, which would hide a user:password@ example's password too
export const NOT_A_URL_HINT =
  'Pass a SQLAlchemy-style URL such as postgresql://HOST:5432/DBNAME (with USER:PASSWORD and an at sign before HOST) or sqlite:///path/to.db.';

/** A URL's parts after the scheme, as SQLAlchemy's make_url splits them, each %-decoded. */
export interface UrlParts {
  readonly user?: string;
  readonly password?: string;
  readonly host: string;
  readonly portText?: string;
  /** The path after the host (the database name), still %-encoded. */
  readonly pathPart: string;
  readonly params: Map<string, string>;
}

export function urlParts(rest: string): UrlParts {
  const q = rest.indexOf('?');
  const main = q >= 0 ? rest.slice(0, q) : rest;
  const query = q >= 0 ? rest.slice(q + 1) : '';
  // as SQLAlchemy's make_url reads it (Alembic connects through it): a user name up to the first ':' or
  // '/', a password up to the first '@' after it, then the host. A password holding an unencoded '@' thus
  // leaves the rest of it in the host, and Alembic cannot connect where a last-'@' split would.
  const creds = /^([^:/]*)(?::([^@]*))?@/u.exec(main);
  const userinfo = creds ? creds[0].slice(0, -1) : undefined;
  const afterCreds = creds ? main.slice(creds[0].length) : main;
  const slash = afterCreds.indexOf('/');
  const hostport = slash < 0 ? afterCreds : afterCreds.slice(0, slash);
  const pathPart = slash < 0 ? '' : afterCreds.slice(slash + 1);
  if (creds && hostport.includes('@')) {
    throw new UsageError(
      "The database URL's password holds an unencoded '@': SQLAlchemy (and so Alembic) ends the password at its first '@' and takes the rest for the host name, so `alembic upgrade` cannot connect.",
      {
        hint: 'Percent-encode the password in the URL (@ as %40, : as %3A, / as %2F, % as %25); on Heroku the URL in DATABASE_URL is already encoded.',
      },
    );
  }
  let user: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const c = userinfo.indexOf(':');
    user = decode(c >= 0 ? userinfo.slice(0, c) : userinfo, 'user name');
    password = c >= 0 ? decode(userinfo.slice(c + 1), 'password') : undefined;
    if (user === '') user = undefined;
  }
  const params = new Map<string, string>();
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decode(eq >= 0 ? part.slice(0, eq) : part, 'query parameter');
    params.set(k, decode(eq >= 0 ? part.slice(eq + 1) : '', `query parameter '${k}'`));
  }
  let host: string;
  let portText: string | undefined;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0)
      throw new UsageError('The database URL is malformed: an IPv6 host is missing its closing bracket.', {
        hint: NOT_A_URL_HINT,
      });
    host = hostport.slice(1, close);
    const after = hostport.slice(close + 1);
    if (after && !after.startsWith(':'))
      throw new UsageError('The database URL is malformed after the IPv6 host.', { hint: NOT_A_URL_HINT });
    portText = after ? after.slice(1) : undefined;
  } else {
    if (hostport.includes(',')) {
      throw new UsageError(
        'The database URL names several hosts; alembic-preflight connects to exactly one.',
        { hint: 'Pass the primary host only.' },
      );
    }
    const c = hostport.lastIndexOf(':');
    host = decode(c >= 0 ? hostport.slice(0, c) : hostport, 'host');
    portText = c >= 0 ? hostport.slice(c + 1) : undefined;
  }
  return { user, password, host, portText, pathPart, params };
}

/** A port's text as a number from 1 to 65535, or the default when there is none. */
export function portOf(portText: string | undefined, fallback: number): number {
  if (portText === undefined || portText === '') return fallback;
  if (!/^\d+$/u.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw new UsageError('The database URL has an invalid port (expected a number from 1 to 65535).', {
      hint: NOT_A_URL_HINT,
    });
  }
  return Number(portText);
}

export function decode(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new UsageError(`The database URL is malformed: the ${what} has an invalid %-escape.`, {
      hint: 'Percent-encode special characters in the URL (for example @ as %40).',
    });
  }
}
