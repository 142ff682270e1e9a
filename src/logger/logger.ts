import type { Logger } from 'pino';

let instance: Logger | undefined;

/**
 * pino on stderr, created on first use so a plain `check` pays nothing for it.
 * Messages never contain database URLs or passwords: callers pass redacted values.
 */
export async function getLogger(level = process.env.ALEMBIC_PREFLIGHT_LOG_LEVEL ?? 'warn'): Promise<Logger> {
  if (!instance) {
    const { pino, destination } = await import('pino');
    instance = pino({ level, base: undefined, redact: ['password', 'url', 'databaseUrl'] }, destination(2));
  }
  return instance;
}
