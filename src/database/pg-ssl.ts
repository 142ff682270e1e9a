import { readMachineText } from '../project/machine-files.js';
import type { ConnectionOptions } from 'node:tls';
import { UsageError } from '../errors/errors.js';
import type { PostgresTarget } from './database-url.js';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** One way to open the connection; libpq's allow/prefer try two in turn. */
export type SslAttempt = false | ConnectionOptions;

export interface SslPlan {
  readonly mode: SslMode;
  /** Where the mode came from, for the diagnosis. */
  readonly source: 'flag' | 'url' | 'PGSSLMODE' | 'default';
  readonly attempts: readonly SslAttempt[];
  /** Plain text after a failure over TLS (prefer), or TLS after a failure in plain text (allow); never for a host that cannot be reached. */
  readonly fallback: 'none' | 'on-any-failure';
  readonly caFile?: string;
}

export function isLocalHost(host: string): boolean {
  return host.startsWith('/') || host === 'localhost' || host === '::1' || /^127\./u.test(host);
}

/**
 * libpq's `sslmode` semantics, implemented explicitly rather than through
 * pg-connection-string (whose `require` means verify-full, reference heroku.md
 * §4.2). The default is `require` (encrypted, not verified: what Heroku
 * Postgres needs) for remote hosts and libpq's `prefer` for local ones.
 */
export function planSsl(
  t: PostgresTarget,
  opts: { flag?: string; caFile?: string },
  env: Readonly<Record<string, string | undefined>>,
): SslPlan {
  let raw: string | undefined;
  let source: SslPlan['source'] = 'default';
  if (opts.flag) {
    raw = opts.flag;
    source = 'flag';
  } else if (t.params.has('sslmode')) {
    raw = t.params.get('sslmode');
    source = 'url';
  } else if (t.params.has('ssl')) {
    raw = ['true', '1', 'on', 'yes'].includes(t.params.get('ssl')!.toLowerCase()) ? 'require' : 'disable';
    source = 'url';
  } else if (env.PGSSLMODE) {
    raw = env.PGSSLMODE;
    source = 'PGSSLMODE';
  }
  if (raw === 'no-verify') {
    throw new UsageError(
      `sslmode=no-verify (from ${source === 'flag' ? '--ssl' : source === 'url' ? 'the database URL' : source}) is a node-postgres invention that libpq, and so Alembic's psycopg2, rejects.`,
      {
        hint: 'Use sslmode=require: it encrypts without verifying the certificate, which is what Heroku Postgres needs.',
      },
    );
  }
  const mode = (raw ?? (isLocalHost(t.host) ? 'prefer' : 'require')) as SslMode;
  if (!SSL_MODES.includes(mode)) {
    throw new UsageError(`'${raw}' is not an sslmode.`, { hint: `Use one of ${SSL_MODES.join(', ')}.` });
  }
  const caFile = opts.caFile ?? t.params.get('sslrootcert') ?? env.PGSSLROOTCERT;
  let ca: string | undefined;
  if (caFile && caFile !== 'system' && mode !== 'disable') {
    try {
      ca = readMachineText(caFile);
    } catch (e) {
      throw new UsageError(
        `Cannot read the CA certificate file ${caFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
        {
          hint: 'Pass the PEM file that signed the server certificate with --ssl-ca FILE.',
        },
      );
    }
  }
  const servername = /^[\d.]+$|:/u.test(t.host) ? undefined : t.host;
  const noVerify: ConnectionOptions = { rejectUnauthorized: false, servername };
  // verify-ca: the chain must verify, the host name need not match
  const verifyCa: ConnectionOptions = {
    rejectUnauthorized: true,
    ca,
    servername,
    checkServerIdentity: () => undefined,
  };
  const verifyFull: ConnectionOptions = { rejectUnauthorized: true, ca, servername };
  if (t.host.startsWith('/')) return { mode, source, attempts: [false], fallback: 'none', caFile }; // unix socket: libpq never uses TLS
  switch (mode) {
    case 'disable':
      return { mode, source, attempts: [false], fallback: 'none' };
    case 'allow':
      return { mode, source, attempts: [false, noVerify], fallback: 'on-any-failure' };
    case 'prefer':
      // libpq (and so psycopg2) retries without TLS when the server has none, when the handshake fails,
      // and when the server refuses the TLS connection during startup
      return { mode, source, attempts: [noVerify, false], fallback: 'on-any-failure' };
    case 'require':
      // libpq: require with a root certificate behaves as verify-ca
      return { mode, source, attempts: [ca ? verifyCa : noVerify], fallback: 'none', caFile };
    case 'verify-ca':
      return { mode, source, attempts: [verifyCa], fallback: 'none', caFile };
    case 'verify-full':
      return { mode, source, attempts: [verifyFull], fallback: 'none', caFile };
  }
}
