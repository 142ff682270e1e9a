import type { Client as PgClient } from 'pg';
import { DatabaseError, PreflightError } from '../errors/errors.js';
import type { PostgresTarget } from './database-url.js';
import { connectWithRetries } from './connect-retries.js';
import { classify, type Classified } from './pg-errors.js';
import { planSsl, type SslAttempt, type SslPlan } from './pg-ssl.js';

export interface PostgresOptions {
  readonly ssl?: string;
  readonly sslCa?: string;
  readonly connectTimeoutMs: number;
  readonly retries: number;
  readonly statementTimeoutMs: number;
  readonly lockTimeoutMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Called before each retry (for the log); never given secrets. */
  readonly onRetry?: (info: { attempt: number; delayMs: number; kind: string; message: string }) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Connects once (with retries on transient failures and libpq's sslmode
 * fallbacks), runs `work`, and always closes the connection. Driver errors
 * become DatabaseErrors without secrets.
 */
export async function withPostgresClient<T>(
  t: PostgresTarget,
  opts: PostgresOptions,
  work: (client: PgClient, plan: SslPlan, ssl: SslAttempt) => Promise<T>,
): Promise<T> {
  const plan = planSsl(t, { flag: opts.ssl, caFile: opts.sslCa }, opts.env);
  const pg = await loadPg();
  const { client, ssl } = await connectWithRetries(opts, async () => {
    const r = await connectOnce(pg, t, plan, opts);
    return 'client' in r ? { connected: r } : r;
  });
  try {
    return await work(client, plan, ssl);
  } catch (e) {
    if (e instanceof PreflightError) throw e;
    const c = classify(e, t, plan);
    throw new DatabaseError(c.message, { hint: c.hint });
  } finally {
    // not awaited: the goodbye (Terminate, then the server's close) needs no answer, and from a
    // laptop it is one more round trip; the open socket keeps the process alive until it is done
    void client.end().catch(() => undefined);
  }
}

type PgModule = { Client: typeof PgClient };

/**
 * Loads the driver on first use. pg 8 asks whether it runs in a Cloudflare
 * Worker, and where Node has no global navigator (Node 20) it answers by
 * constructing a fetch Response, which loads Node's whole fetch implementation:
 * half of pg's load time, about 35 ms of every verify. A navigator present only
 * while pg loads answers first. A plain import(), so that the bundles (the
 * bin's, the Action's, the wheel's) resolve pg as they resolve every package.
 */
async function loadPg(): Promise<PgModule> {
  const g = globalThis as { navigator?: unknown };
  const load = async (): Promise<PgModule> => {
    const m = (await import('pg')) as PgModule & { default?: PgModule };
    return m.default ?? m;
  };
  if (g.navigator !== undefined) return load();
  Object.defineProperty(globalThis, 'navigator', {
    value: { userAgent: 'Node.js' },
    configurable: true,
    writable: true,
  });
  try {
    return await load();
  } finally {
    delete g.navigator;
  }
}

/**
 * How long a query may wait for its answer on our side: the server's own limit plus one connect timeout for
 * the network, or ten minutes when --statement-timeout 0 lifts the server's limit.
 */
export function queryDeadlineMs(
  opts: Pick<PostgresOptions, 'statementTimeoutMs' | 'connectTimeoutMs'>,
): number {
  return opts.statementTimeoutMs > 0 ? opts.statementTimeoutMs + opts.connectTimeoutMs : 600_000;
}

/** Our limits for the transaction just begun: the statement and lock timeouts, as SET LOCAL statements. */
export function localLimits(opts: Pick<PostgresOptions, 'statementTimeoutMs' | 'lockTimeoutMs'>): string {
  return `SET LOCAL statement_timeout = ${statementTimeoutSetting(opts.statementTimeoutMs)}; SET LOCAL lock_timeout = ${Math.max(1, Math.floor(opts.lockTimeoutMs))}`;
}

/** The statement_timeout to set: 0 means none, as in PostgreSQL. */
export function statementTimeoutSetting(ms: number): number {
  return Math.max(0, Math.floor(ms));
}

/**
 * The connect attempt, ended by us at its deadline whatever phase it is in: the driver's own timer does
 * not end a peer that answered the TLS request and then went silent.
 */
function withinDeadline<T>(work: Promise<T>, ms: number, abandon: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abandon();
      reject(Object.assign(new Error(`timeout expired after ${ms / 1000} s`), { code: 'ETIMEDOUT' }));
    }, ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function socketOf(client: PgClient): { destroy(): void } | undefined {
  return (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
}

async function connectOnce(
  pg: PgModule,
  t: PostgresTarget,
  plan: SslPlan,
  opts: PostgresOptions,
): Promise<{ client: PgClient; ssl: SslAttempt } | { error: Classified }> {
  let error: Classified | undefined;
  for (const [i, ssl] of plan.attempts.entries()) {
    const client = new pg.Client({
      host: t.host,
      port: t.port,
      user: t.user,
      password: t.password,
      database: t.database,
      // libpq's `options` (`-csearch_path=tenant`) decides which alembic_version an unqualified name finds, for Alembic as for us
      ...(t.params.has('options') ? { options: t.params.get('options') } : {}),
      ssl,
      application_name: 'alembic-preflight',
      connectionTimeoutMillis: opts.connectTimeoutMs,
      // client-side: a server that stops answering mid-query would otherwise hold the run forever
      query_timeout: queryDeadlineMs(opts),
    });
    client.on('error', () => undefined);
    try {
      await withinDeadline(client.connect(), opts.connectTimeoutMs, () => socketOf(client)?.destroy());
      return { client, ssl };
    } catch (e) {
      await client.end().catch(() => undefined);
      error = classify(e, t, plan);
      const more = i + 1 < plan.attempts.length;
      if (!more) break;
      if (plan.fallback === 'none') break;
      // the other mode reaches the same host: no point where the host itself cannot be reached
      if (error.kind === 'dns' || error.kind === 'refused') break;
    }
  }
  return { error: error! };
}
