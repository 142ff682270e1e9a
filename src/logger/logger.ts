import type { Logger } from 'pino';
import { terminalSafe } from './terminal-safe.js';
import { redactDeep } from '../errors/redact.js';

export type LogFormat = 'text' | 'json' | 'logfmt';

let instance: Logger | undefined;
/** The environment is the CLI's to read: it hands over what the logger needs from it. */
type LoggerEnv = Readonly<Record<string, string | undefined>>;
let settings: { level?: string; format: LogFormat; env: LoggerEnv } = { format: 'text', env: {} };

/**
 * Set once by the CLI from --log-format / --log-level and its environment (ALEMBIC_PREFLIGHT_LOG_LEVEL,
 * NO_COLOR, FORCE_COLOR), before any command logs.
 */
export function configureLogger(next: { level?: string; format?: LogFormat; env?: LoggerEnv }): void {
  settings = {
    level: next.level ?? settings.level,
    format: next.format ?? settings.format,
    env: next.env ?? settings.env,
  };
  instance = undefined;
}

/** Whether debug lines are wanted: a caller can skip loading the logger when they are not. */
export function debugWanted(): boolean {
  const level = settings.level ?? settings.env.ALEMBIC_PREFLIGHT_LOG_LEVEL;
  return level === 'debug' || level === 'trace';
}

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const COLOURS: Record<string, string> = {
  info: '\x1b[36m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[31m',
  debug: '\x1b[90m',
  trace: '\x1b[90m',
};

/** Colour only for a terminal or FORCE_COLOR, and never under NO_COLOR. */
export function useColour(env: Readonly<Record<string, string | undefined>>, isTty: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return isTty;
}

/** One pino JSON line as text (`LEVEL event: message key=value`) or logfmt. */
export function formatLine(json: string, format: LogFormat, colour: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  // a field can quote argv or a file line, which can carry a credential
  const clean = redactDeep(rec);
  if (format === 'json') {
    const line = clean === rec ? json : JSON.stringify(clean);
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  rec = clean;
  const { level, time, msg, event, ...rest } = rec;
  const name = LEVELS[level as number] ?? String(level);
  // a value from the project or the database may hold control characters: quoted, then shown as text
  const value = (v: unknown): string => {
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    return terminalSafe(/^[^\s"=]+$/u.test(s) ? s : JSON.stringify(s));
  };
  if (format === 'logfmt') {
    const pairs: [string, unknown][] = [
      ['time', typeof time === 'number' ? new Date(time).toISOString() : time],
      ['level', name],
      ['event', event],
      ['msg', msg],
      ...Object.entries(rest),
    ];
    return (
      pairs
        .filter(([, v]) => v !== undefined && v !== null)
        .map(([k, v]) => `${k}=${value(v)}`)
        .join(' ') + '\n'
    );
  }
  const label = name.toUpperCase().padEnd(5);
  const lead = colour ? `${COLOURS[name] ?? ''}${label}\x1b[0m` : label;
  const fields = Object.entries(rest)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
  return `${lead} ${event ? `${String(event)}: ` : ''}${terminalSafe(String(msg ?? ''))}${fields ? ` ${fields}` : ''}\n`;
}

/**
 * pino on stderr, created on first use so a plain `check` pays nothing for it.
 * Messages never contain database URLs or passwords: callers pass redacted values.
 */
export async function getLogger(defaultLevel = 'warn'): Promise<Logger> {
  const level = settings.level ?? settings.env.ALEMBIC_PREFLIGHT_LOG_LEVEL ?? defaultLevel;
  const format = settings.format;
  if (!instance) {
    const { pino } = await import('pino');
    const colour = useColour(settings.env, process.stderr.isTTY === true);
    const stream = { write: (line: string) => void process.stderr.write(formatLine(line, format, colour)) };
    instance = pino({ level, base: undefined, redact: ['password', 'url', 'databaseUrl'] }, stream);
  }
  return instance;
}
