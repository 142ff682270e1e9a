import { redactSecrets } from '../errors/redact.js';
import { describeTarget, type PostgresTarget } from './database-url.js';
import type { SslPlan } from './pg-ssl.js';

export type Kind =
  | 'dns'
  | 'refused'
  | 'timeout'
  | 'auth'
  | 'tls'
  | 'permission'
  | 'missing-database'
  | 'too-many-connections'
  | 'starting-up'
  | 'other';

export interface Classified {
  readonly kind: Kind;
  readonly transient: boolean;
  readonly message: string;
  readonly hint: string;
}

/** Names the class of failure (DNS, refused, timeout, auth, TLS, permission, missing database) and what to try. */
export function classify(e: unknown, t: PostgresTarget, plan: SslPlan): Classified {
  const err = e as { code?: string; message?: string };
  const code = err.code ?? '';
  // the driver's own text is redacted by structure (a URL's userinfo, password=…), never by the
  // password's spelling: `data` or `1` would otherwise star out parts of every message
  const raw = redactSecrets(String(err.message ?? e));
  const facts: Failure = {
    code,
    raw,
    t,
    plan,
    host: describeTarget(t).host,
    where: `${describeTarget(t).host}/${t.database}`,
    user: t.user ? ` as user '${t.user}'` : '',
  };
  return (
    networkFailure(facts) ??
    serverFailure(facts) ??
    tlsFailure(facts) ??
    mk(
      'other',
      false,
      `Database error on ${facts.where}${code ? ` (${code})` : ''}: ${raw}.`,
      'Check the URL and that the server is reachable; run with --log-level debug for details.',
    )
  );
}

/** What a failure's classification reads: the driver's code, its redacted text, and where it happened. */
interface Failure {
  readonly code: string;
  readonly raw: string;
  readonly t: PostgresTarget;
  readonly plan: SslPlan;
  readonly host: string | null;
  readonly where: string;
  readonly user: string;
}

function mk(kind: Kind, transient: boolean, message: string, hint: string): Classified {
  return { kind, transient, message: redactSecrets(message), hint: redactSecrets(hint) };
}

/** DNS, a refused connection, a timeout: the host could not be reached or stopped answering. */
function networkFailure({ code, raw, t, host }: Failure): Classified | undefined {
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return mk(
      'dns',
      code === 'EAI_AGAIN',
      `DNS: cannot resolve the database host '${t.host}' (${code}).`,
      'Check the host name in the URL; on Heroku, fetch the current one with `heroku config:get DATABASE_URL -a APP` (credentials rotate).',
    );
  }
  if (code === 'ECONNREFUSED') {
    return mk(
      'refused',
      true,
      `Connection refused by ${host}: nothing is listening there.`,
      'Check the host and port, and that the server is running and accepts TCP connections.',
    );
  }
  if (/Query read timeout/iu.test(raw)) {
    return mk(
      'timeout',
      false,
      `The database stopped answering: a query on ${host} had no reply within the statement timeout plus the connect timeout.`,
      'Check the server and the network path to it; a server that stalls under load answers again once the load passes. --statement-timeout sets the limit (0 lifts the server-side one; our wait then ends after 10 minutes).',
    );
  }
  if (
    code === 'ETIMEDOUT' ||
    code === 'ECONNRESET' ||
    (/timeout|timed out/iu.test(raw) && !/statement timeout|lock timeout/iu.test(raw))
  ) {
    return mk(
      'timeout',
      true,
      `Timed out connecting to ${host} (${raw}).`,
      'Check network access to the database (firewall, VPN, trusted sources), or raise --connect-timeout.',
    );
  }
  return undefined;
}

/** The server's own SQLSTATE: authentication, a missing database, permissions, limits, start-up, timeouts. */
function serverFailure({ code, raw, t, plan, host, where, user }: Failure): Classified | undefined {
  if (code === '28P01')
    return mk(
      'auth',
      false,
      `Authentication failed${user} on ${where}.`,
      'The password is wrong or was rotated; fetch the current URL (`heroku config:get DATABASE_URL -a APP`).',
    );
  if (code === '28000') {
    if (/SSL|encryption/iu.test(raw)) {
      return mk(
        'tls',
        false,
        `The server refused the connection${user} with sslmode=${plan.mode}: ${raw}.`,
        'The server requires TLS: use --ssl require (or remove sslmode=disable from the URL).',
      );
    }
    return mk(
      'auth',
      false,
      `The server does not allow${user} to connect to ${where}: ${raw}.`,
      "Check the user name and the server's pg_hba.conf rules.",
    );
  }
  if (code === '3D000')
    return mk(
      'missing-database',
      false,
      `The database '${t.database}' does not exist on ${host}.`,
      'Check the database name at the end of the URL.',
    );
  if (code === '42501')
    return mk(
      'permission',
      false,
      `Permission denied${user} while reading the version table: ${raw}.`,
      "Grant SELECT on the version table (and USAGE on its schema) to this user, or use the app's main credential.",
    );
  if (code === '53300')
    return mk(
      'too-many-connections',
      true,
      `The server has no connection slots left (${raw}).`,
      "Every dyno shares the plan's connection limit; check `heroku pg:info` and close idle connections.",
    );
  if (code === '57P03')
    return mk(
      'starting-up',
      true,
      `The server is not accepting connections yet (${raw}).`,
      'Wait for the server to finish starting or recovering, then retry.',
    );
  if (code === '57014' || code === '55P03')
    return mk(
      'timeout',
      false,
      `Reading the version table timed out (${raw}).`,
      'Something holds a lock on the version table (a migration in progress?). Check `heroku pg:locks`, or raise --statement-timeout.',
    );
  return undefined;
}

const TLS_CODES = [
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
];

/** A certificate that does not verify, or a server with TLS switched off. */
function tlsFailure({ code, raw, plan }: Failure): Classified | undefined {
  if (!TLS_CODES.includes(code) && !/certificate|SSL|TLS/iu.test(raw)) return undefined;
  const verifying = plan.mode === 'verify-ca' || plan.mode === 'verify-full' || plan.caFile !== undefined;
  return mk(
    'tls',
    false,
    `TLS failed with sslmode=${plan.mode}${code ? ` (${code})` : ''}: ${raw}.`,
    /does not support SSL/iu.test(raw)
      ? 'The server has TLS switched off: use --ssl prefer or --ssl disable for a trusted local network only.'
      : verifying
        ? `The server certificate does not verify against ${plan.caFile ? `the CA in ${plan.caFile}` : "Node's default CA store"}. Pass the CA that signed it with --ssl-ca FILE, or use --ssl require to encrypt without verifying (what Heroku Postgres standard certificates need).`
        : "Check the server's TLS setup, or pass --ssl with another mode.",
  );
}
