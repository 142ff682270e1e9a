import { Tok, lex } from '../../python/python-tokenizer.js';
import { mysqlLockWaits } from '../../database/mysql-lock-wait.js';

/** A lock_timeout that a statement the migrations run sets: its value, and how long it lasts. */
export interface TimeoutSet {
  readonly ms: number;
  /** SET LOCAL (or set_config(…, true)): until the end of the transaction, not the session. */
  readonly local: boolean;
}

const UNITS: Readonly<Record<string, number>> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** PostgreSQL's spelling of a time setting ('5s', 5000, '1min'): milliseconds, or undefined when it is not one. */
export function timeoutMs(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?$/iu.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNITS[(m[2] ?? 'ms').toLowerCase()]!;
}

// SET [SESSION|LOCAL] lock_timeout {=|TO} value, and set_config('lock_timeout', 'value', is_local)
const SET_STATEMENT = /\bSET\s+(?:(SESSION|LOCAL)\s+)?lock_timeout\s*(?:=|\bTO\b)\s*'?([\w.]+)'?/giu;
const SET_CONFIG = /\bset_config\s*\(\s*'lock_timeout'\s*,\s*'([\w.]+)'\s*,\s*(true|false)\s*\)/giu;

/**
 * The lock_timeout settings in SQL a step runs, in order. A value of 0 is a setting too: it turns the
 * timeout off for what follows.
 */
export function sqlTimeouts(sql: string): TimeoutSet[] {
  const found: { at: number; set: TimeoutSet }[] = [];
  for (const m of sql.matchAll(SET_STATEMENT)) {
    const ms = timeoutMs(m[2]!);
    if (ms !== undefined) found.push({ at: m.index, set: { ms, local: m[1]?.toUpperCase() === 'LOCAL' } });
  }
  for (const m of sql.matchAll(SET_CONFIG)) {
    const ms = timeoutMs(m[1]!);
    if (ms !== undefined) found.push({ at: m.index, set: { ms, local: m[2]!.toLowerCase() === 'true' } });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.set);
}

// in a connection option or a URL: `-c lock_timeout=5000`, `lock_timeout=5s`
const OPTION = /\block_timeout\s*(?:=|%3D)\s*'?([\w.]+)'?/giu;

/**
 * The lock_timeout env.py sets on the path that migrates (every function but run_migrations_offline,
 * which connects to nothing): in the strings of its statements (a SET it executes, a connect option, a
 * URL), never in a comment or a docstring. The last value wins; undefined when none is set.
 */
export function envPyTimeout(
  text: string,
  dialect: 'postgresql' | 'mysql' = 'postgresql',
): { ms: number; line: number } | undefined {
  const named = dialect === 'mysql' ? /lock_wait_timeout/iu : /lock_timeout/iu;
  const { lines, error } = lex(text);
  if (error) return undefined;
  let skipIndent: number | undefined;
  let last: { ms: number; line: number } | undefined;
  for (const l of lines) {
    if (skipIndent !== undefined && l.indent > skipIndent) continue;
    skipIndent = undefined;
    const t = l.tokens;
    if (t[0]?.text === 'def' && t[1]?.text === 'run_migrations_offline') {
      skipIndent = l.indent;
      continue;
    }
    // a docstring, or any string standing alone as a statement, runs nothing
    if (t.length === 1 && t[0]!.type === Tok.String) continue;
    for (const s of t) {
      if (s.type !== Tok.String || !named.test(s.text)) continue;
      const values =
        dialect === 'mysql'
          ? mysqlLockWaits(s.text).map((x) => x.ms)
          : [...sqlTimeouts(s.text).map((x) => x.ms), ...optionTimeouts(s.text)];
      if (values.length > 0) last = { ms: values[values.length - 1]!, line: s.line };
    }
  }
  return last;
}

function optionTimeouts(text: string): number[] {
  if (/\bSET\b/iu.test(text)) return [];
  return [...text.matchAll(OPTION)].flatMap((m) => {
    const ms = timeoutMs(m[1]!);
    return ms === undefined ? [] : [ms];
  });
}
