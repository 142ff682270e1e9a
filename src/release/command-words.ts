import path from 'node:path';
import type { DatabaseTarget } from '../database/database-url.js';
import { redactSecrets } from '../errors/redact.js';

/**
 * The checks on one command's words that the fence depends on: Python's options that keep it from
 * loading, a word that drops the environment it travels in, a database named on the command line.
 */
export interface ChildTarget {
  /** The target's URL as given (credentials included: for the child's environment only, never printed). */
  readonly url: string;
  readonly db: DatabaseTarget;
}

/** Database URLs as SQLAlchemy, the add-ons, JDBC and libpq write them. */
export const DATABASE_URL =
  /^(?:jdbc:)?(?:postgres(?:ql)?|mysql|mariadb|sqlite|oracle|mssql|cockroachdb)(?:\+[\w-]+)?:\/\//iu;
/** A libpq keyword connection string (`host=… dbname=…`). */
export const CONNINFO = /(?:^|\s)(?:host|hostaddr|dbname|port|service)\s*=/u;

/** Options of libpq's clients (psql, pg_dump, …) that name a server or database. */
const CONNECTION_OPTIONS = new Set(['-h', '--host', '-d', '--dbname', '-p', '--port', '--maintenance-db']);
const CONNECTION_PREFIX = /^(?:--host|--dbname|--port|--maintenance-db)=/u;

/**
 * Why a command's words name a database other than the target, if they do: a URL (also as a value:
 * `-x dburl=…`, `--url=…`), a connection string, a SQLite file, or, for a program whose own flags are
 * not known (`ownGrammar` false), `-h`, `-d`, `-p` and their long forms. Without the target (rehearse
 * checks before its scratch database exists, whose URL nobody can name), any database named is refused.
 */
export function namedDatabase(
  words: readonly string[],
  ownGrammar: boolean,
  target: ChildTarget | undefined,
): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const value = w.includes('=') ? w.slice(w.indexOf('=') + 1) : w;
    for (const u of new Set([w, value]))
      if (DATABASE_URL.test(u) && !(target !== undefined && u === target.url))
        return `it names a database itself (${redactSecrets(w)})`;
    if (!ownGrammar && (CONNECTION_OPTIONS.has(w) || CONNECTION_PREFIX.test(w)))
      return `it names a server or database itself (\`${w}${CONNECTION_PREFIX.test(w) ? '' : ` ${words[i + 1] ?? ''}`}\`)`;
    if (CONNINFO.test(w))
      return `it names a server or database itself (a connection string: ${redactSecrets(w)})`;
    if (
      /\.(?:db|sqlite3?)$/iu.test(w) &&
      !(target?.db.dialect === 'sqlite' && path.resolve(w) === target.db.file)
    )
      return `it names a SQLite file itself (${w})`;
  }
  return undefined;
}

/** A word of a command: its text, and whether the shell decides part of it when it runs. */
export interface CommandWord {
  readonly text: string;
  readonly raw: string;
  readonly dynamic: boolean;
}

/**
 * Why Python run with these options (the words after the interpreter) would not load the fence: -I,
 * -E or -S (alone or in a cluster such as -Es), or an option the shell decides when it runs. Read by
 * Python's own grammar: -W and -X take a value (attached or the next word), so does
 * --check-hash-based-pycs; -c, -m, `-` or the script end the options.
 */
export function pythonFlagsRefused(python: string, words: readonly CommandWord[]): string | undefined {
  for (let j = 0; j < words.length; j++) {
    const w = words[j]!;
    if (w.dynamic)
      return `\`${python} ${w.raw}\` leaves Python's options to the shell, so the tool cannot see whether the connection fence loads`;
    const t = w.text;
    if (t === '--check-hash-based-pycs') {
      j++;
      continue;
    }
    if (t.startsWith('--') && t !== '--') continue;
    if (!t.startsWith('-') || t === '-' || t === '--') return undefined;
    for (let k = 1; k < t.length; k++) {
      const c = t[k]!;
      if (c === 'I' || c === 'E' || c === 'S')
        return `\`${python} ${t}\` starts Python without its site module or environment, so the connection fence never loads in it`;
      if (c === 'c' || c === 'm') return undefined;
      if (c === 'W' || c === 'X') {
        if (k === t.length - 1) j++;
        break;
      }
    }
  }
  return undefined;
}

/** The variables the fence travels in: a command that empties or replaces them starts Python unfenced. */
export const FENCE_VARIABLES = /^(?:PYTHONPATH|ALEMBIC_PREFLIGHT_FENCE)$/u;

/**
 * Why an assignment (`NAME=value` as written) replaces a variable the fence travels in: PYTHONPATH set
 * anew (`PYTHONPATH=.`) rather than extended (`PYTHONPATH=$PYTHONPATH:.`).
 */
export function replacedFence(assignment: string): string | undefined {
  const set = /^(PYTHONPATH|ALEMBIC_PREFLIGHT_FENCE)=(.*)$/u.exec(assignment);
  // extended: the value starts from the variable's own ($PYTHONPATH or ${PYTHONPATH})
  if (!set || set[2]!.includes(`$${set[1]}`) || set[2]!.includes(`\${${set[1]}`)) return undefined;
  return `it sets ${set[1]} itself (\`${assignment}\`), replacing the one the connection fence loads by`;
}
