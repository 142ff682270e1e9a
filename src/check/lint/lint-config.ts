import { isAppName } from '../../deploy/app-identity.js';
import path from 'node:path';
import type { ProjectFiles } from '../../project/project-files.js';
import { parseIni } from '../../alembic/config/ini-parser.js';
import { ConfigError } from '../../errors/errors.js';
import type { Severity } from '../finding.js';
import { timeoutMs } from '../schema/timeout-setting.js';

export type RuleSetting = Severity | 'off' | 'on';

export interface LintIgnore {
  readonly rule: string;
  /** Glob over paths relative to the working folder (`*` within a folder, `**` across folders). */
  readonly path?: string;
  readonly revision?: string;
  readonly reason: string;
  /** Where it was written, for messages. */
  readonly source: string;
}

export interface LintConfig {
  /** False: lints off unless --lint-only asks for them. */
  readonly lint: boolean;
  readonly rules: ReadonlyMap<string, RuleSetting>;
  readonly ignores: readonly LintIgnore[];
  /** uuid-not-portable: does the project also run on SQLite? `auto` looks at alembic.ini and env.py. */
  readonly targetsSqlite: boolean | 'auto';
  /** renamed-table-still-referenced: application sources to search for raw SQL. */
  readonly appSources: readonly string[];
  /** enum-add-value-unguarded: the server's major version, when known (ADD VALUE is refused in a transaction before 12). */
  readonly postgresVersion?: number;
  /** fix: the lock_timeout written before a step that still takes a lock stopping writes (default 5s). */
  readonly lockTimeout: string;
  /** Revisions at or below which lint findings are not reported (see lint-baseline), with where that was set. */
  readonly lintSince?: { readonly names: readonly string[]; readonly from: string };
  /** release: record what it applied in the ledger (default true). */
  readonly ledger: boolean;
  /** The ledger's table (default alembic_preflight_history). */
  readonly ledgerTable?: string;
  /** release, when the database is ahead of the code (a rollback): exit 0 without migrating, or stop. */
  readonly onAhead: OnAhead;
  /** release: the app this code is released as (else ALEMBIC_PREFLIGHT_APP or the platform's variables). */
  readonly app?: { readonly name: string; readonly from: string };
  /** release: other apps that may migrate a database this app owns, and this app theirs. */
  readonly sharedWith: readonly string[];
  /** release: a release that cannot name its app stops instead of warning, on a database an app owns. */
  readonly requireIdentity: boolean;
  /** Files the settings came from, for `--rules`. */
  readonly sources: readonly string[];
}

export type OnAhead = 'allow' | 'block';

export const DEFAULT_APP_SOURCES = ['**/*.py', '**/*.sql'];

const SETTINGS = new Set<RuleSetting>(['error', 'warning', 'info', 'off', 'on']);

/**
 * Reads `[tool.alembic-preflight]` from pyproject.toml and `[alembic-preflight]`
 * from alembic.ini. Both may be used; where both set the same key,
 * pyproject.toml wins. Unknown keys, unknown rule codes and ignores without a
 * reason are configuration errors (exit 2), never silently dropped.
 */
export async function loadLintConfig(
  files: ProjectFiles,
  cwd: string,
  iniPath: string | undefined,
  knownCodes: ReadonlySet<string>,
): Promise<LintConfig> {
  const fromIni = iniPath ? readIniSection(files.text(iniPath), iniPath, knownCodes) : undefined;
  const fromToml = await readPyproject(files.text(path.join(cwd, 'pyproject.toml')), knownCodes);
  const rules = new Map<string, RuleSetting>([...(fromIni?.rules ?? []), ...(fromToml?.rules ?? [])]);
  return {
    lint: fromToml?.lint ?? fromIni?.lint ?? true,
    rules,
    ignores: [...(fromIni?.ignores ?? []), ...(fromToml?.ignores ?? [])],
    targetsSqlite: fromToml?.targetsSqlite ?? fromIni?.targetsSqlite ?? 'auto',
    appSources: fromToml?.appSources ?? fromIni?.appSources ?? DEFAULT_APP_SOURCES,
    postgresVersion: fromToml?.postgresVersion ?? fromIni?.postgresVersion,
    lockTimeout: fromToml?.lockTimeout ?? fromIni?.lockTimeout ?? DEFAULT_LOCK_TIMEOUT,
    lintSince: fromToml?.lintSince ?? fromIni?.lintSince,
    ledger: fromToml?.ledger ?? fromIni?.ledger ?? true,
    ledgerTable: fromToml?.ledgerTable ?? fromIni?.ledgerTable,
    onAhead: fromToml?.onAhead ?? fromIni?.onAhead ?? 'allow',
    ...((fromToml?.app ?? fromIni?.app) ? { app: (fromToml?.app ?? fromIni?.app)! } : {}),
    sharedWith: fromToml?.sharedWith ?? fromIni?.sharedWith ?? [],
    requireIdentity: fromToml?.requireIdentity ?? fromIni?.requireIdentity ?? false,
    sources: [
      fromIni ? path.relative(cwd, iniPath!) || iniPath! : undefined,
      fromToml ? 'pyproject.toml' : undefined,
    ].filter((x): x is string => x !== undefined),
  };
}

interface Partial {
  lint?: boolean;
  rules: Map<string, RuleSetting>;
  ignores: LintIgnore[];
  targetsSqlite?: boolean | 'auto';
  appSources?: string[];
  postgresVersion?: number;
  lockTimeout?: string;
  lintSince?: { names: string[]; from: string };
  ledger?: boolean;
  ledgerTable?: string;
  onAhead?: OnAhead;
  app?: { name: string; from: string };
  sharedWith?: string[];
  requireIdentity?: boolean;
}

const KEYS = [
  'lint',
  'rules',
  'ignore',
  'targets-sqlite',
  'app-sources',
  'postgres-version',
  'lock-timeout',
  'lint-since',
  'ledger',
  'ledger-table',
  'on-ahead',
  'app',
  'shared-with',
  'require-identity',
];

/** `text`: pyproject.toml's, undefined when there is none to read. */
async function readPyproject(
  text: string | undefined,
  known: ReadonlySet<string>,
): Promise<Partial | undefined> {
  if (text === undefined || !text.includes('alembic-preflight')) return undefined;
  const { parse } = await import('smol-toml');
  let data: Record<string, unknown>;
  try {
    data = parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`pyproject.toml is not valid TOML: ${(e as Error).message.split('\n')[0]}`, {
      path: 'pyproject.toml',
      hint: 'Fix the TOML syntax; Alembic would fail to read it too.',
    });
  }
  const table = (data.tool as Record<string, unknown> | undefined)?.['alembic-preflight'];
  if (table === undefined) return undefined;
  const where = 'pyproject.toml [tool.alembic-preflight]';
  if (typeof table !== 'object' || table === null || Array.isArray(table))
    throw configError(where, 'must be a table');
  const t = table as Record<string, unknown>;
  for (const k of Object.keys(t))
    if (!KEYS.includes(k)) throw configError(where, `has an unknown key '${k}' (known: ${KEYS.join(', ')})`);
  const out: Partial = { rules: new Map(), ignores: [] };
  if (t.lint !== undefined) {
    if (typeof t.lint !== 'boolean') throw configError(where, 'lint must be true or false');
    out.lint = t.lint;
  }
  if (t.rules !== undefined) {
    if (typeof t.rules !== 'object' || t.rules === null || Array.isArray(t.rules))
      throw configError(where, 'rules must be a table of CODE = "error" | "warning" | "info" | "off"');
    for (const [code, v] of Object.entries(t.rules as Record<string, unknown>))
      out.rules.set(checkCode(code, known, where), checkSetting(v, code, where));
  }
  if (t.ignore !== undefined) {
    if (!Array.isArray(t.ignore))
      throw configError(
        where,
        'ignore must be an array of tables: [[tool.alembic-preflight.ignore]] rule = "…" path = "…" reason = "…"',
      );
    for (const [i, entry] of (t.ignore as unknown[]).entries()) {
      if (typeof entry !== 'object' || entry === null)
        throw configError(where, `ignore entry ${i + 1} must be a table`);
      const e = entry as Record<string, unknown>;
      for (const k of Object.keys(e))
        if (!['rule', 'path', 'revision', 'reason'].includes(k))
          throw configError(
            where,
            `ignore entry ${i + 1} has an unknown key '${k}' (known: rule, path, revision, reason)`,
          );
      out.ignores.push(
        makeIgnore(
          { rule: e.rule, path: e.path, revision: e.revision, reason: e.reason },
          known,
          `${where} ignore entry ${i + 1}`,
        ),
      );
    }
  }
  if (t['targets-sqlite'] !== undefined) {
    const v = t['targets-sqlite'];
    if (v !== true && v !== false && v !== 'auto')
      throw configError(where, 'targets-sqlite must be true, false or "auto"');
    out.targetsSqlite = v;
  }
  if (t['app-sources'] !== undefined) {
    const v = t['app-sources'];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      throw configError(where, 'app-sources must be an array of glob strings');
    out.appSources = v as string[];
  }
  if (t['postgres-version'] !== undefined) out.postgresVersion = checkVersion(t['postgres-version'], where);
  if (t['lock-timeout'] !== undefined) out.lockTimeout = checkLockTimeout(t['lock-timeout'], where);
  if (t['lint-since'] !== undefined) {
    const v = t['lint-since'];
    const names = typeof v === 'string' ? [v] : v;
    if (
      !Array.isArray(names) ||
      names.length === 0 ||
      !names.every((x) => typeof x === 'string' && x.trim() !== '')
    ) {
      throw configError(
        where,
        'lint-since must be a revision id or an array of them, such as "3f2a9c1d0b7e"',
      );
    }
    out.lintSince = { names: names.map((x: string) => x.trim()), from: `${where} lint-since` };
  }
  if (t.ledger !== undefined) {
    if (typeof t.ledger !== 'boolean') throw configError(where, 'ledger must be true or false');
    out.ledger = t.ledger;
  }
  if (t['ledger-table'] !== undefined) out.ledgerTable = checkTableName(t['ledger-table'], where);
  if (t['on-ahead'] !== undefined) out.onAhead = checkOnAhead(t['on-ahead'], where);
  if (t.app !== undefined) out.app = { name: checkAppName(t.app, where, 'app'), from: `app in ${where}` };
  if (t['shared-with'] !== undefined) {
    const list = t['shared-with'];
    if (!Array.isArray(list))
      throw configError(where, 'shared-with must be an array of app names, such as ["app-staging"]');
    out.sharedWith = list.map((x) => checkAppName(x, where, 'shared-with'));
  }
  if (t['require-identity'] !== undefined) {
    if (typeof t['require-identity'] !== 'boolean')
      throw configError(where, 'require-identity must be true or false');
    out.requireIdentity = t['require-identity'];
  }
  return out;
}

/** A table name for the ledger: a plain identifier, as Alembic's version_table usually is. */
export function checkTableName(v: unknown, where: string): string {
  if (typeof v !== 'string' || !/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/u.test(v))
    throw configError(
      where,
      'ledger-table must be a table name: letters, digits and underscores, at most 63 characters, not starting with a digit',
    );
  return v;
}

/** An app's name as platforms write them: letters, digits, `_`, `.` and `-`. */
function checkAppName(v: unknown, where: string, key: string): string {
  if (!isAppName(v))
    throw configError(
      where,
      `${key} must name apps as the platform does (letters, digits, _ . -), such as "my-app"`,
    );
  return v;
}

function checkOnAhead(v: unknown, where: string): OnAhead {
  if (v !== 'allow' && v !== 'block') throw configError(where, 'on-ahead must be "allow" or "block"');
  return v;
}

function readIniSection(
  text: string | undefined,
  iniPath: string,
  known: ReadonlySet<string>,
): Partial | undefined {
  if (text === undefined || !text.includes('[alembic-preflight]')) return undefined;
  const ini = parseIni(text, path.basename(iniPath), { here: path.dirname(iniPath) });
  const section = ini.sections.get('alembic-preflight');
  if (!section) return undefined;
  const where = `${path.basename(iniPath)} [alembic-preflight]`;
  const out: Partial = { rules: new Map(), ignores: [] };
  for (const key of section.keys()) {
    const raw = (ini.get('alembic-preflight', key) ?? '').trim();
    if (key.startsWith('rule.')) {
      out.rules.set(checkCode(key.slice(5), known, where), checkSetting(raw, key.slice(5), where));
    } else if (key === 'lint') {
      out.lint = parseBool(raw, key, where);
    } else if (key === 'targets-sqlite') {
      out.targetsSqlite = raw === 'auto' ? 'auto' : parseBool(raw, key, where);
    } else if (key === 'app-sources') {
      out.appSources = raw.split(/[\s,]+/).filter(Boolean);
    } else if (key === 'postgres-version') {
      out.postgresVersion = checkVersion(Number(raw), where);
    } else if (key === 'lock-timeout') {
      out.lockTimeout = checkLockTimeout(raw, where);
    } else if (key === 'lint-since') {
      const names = raw.split(/[\s,]+/).filter(Boolean);
      if (names.length === 0) throw configError(where, 'lint-since must name at least one revision id');
      out.lintSince = { names, from: `${where} lint-since` };
    } else if (key === 'ledger') {
      out.ledger = parseBool(raw, key, where);
    } else if (key === 'ledger-table') {
      out.ledgerTable = checkTableName(raw, where);
    } else if (key === 'on-ahead') {
      out.onAhead = checkOnAhead(raw, where);
    } else if (key === 'app') {
      out.app = { name: checkAppName(raw, where, 'app'), from: `app in ${where}` };
    } else if (key === 'shared-with') {
      out.sharedWith = raw
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((x) => checkAppName(x, where, 'shared-with'));
    } else if (key === 'require-identity') {
      out.requireIdentity = parseBool(raw, key, where);
    } else if (key === 'ignore') {
      for (const line of raw
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean))
        out.ignores.push(parseIgnoreLine(line, known, where));
    } else {
      throw configError(
        where,
        `has an unknown option '${key}' (known: lint, targets-sqlite, app-sources, postgres-version, lock-timeout, lint-since, ledger, ledger-table, on-ahead, ignore, rule.<code>)`,
      );
    }
  }
  return out;
}

/** `CODE [path=GLOB] [revision=ID] reason=free text to the end of the line` */
function parseIgnoreLine(line: string, known: ReadonlySet<string>, where: string): LintIgnore {
  const m = /^(\S+)((?:\s+(?:path|revision)=\S+)*)\s*(?:reason=(.*))?$/.exec(line);
  if (!m)
    throw configError(
      where,
      `cannot read the ignore line '${line}': write CODE [path=GLOB] [revision=ID] reason=WHY`,
    );
  const fields: Record<string, string> = {};
  for (const kv of m[2]!.trim().split(/\s+/).filter(Boolean)) {
    const i = kv.indexOf('=');
    fields[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return makeIgnore(
    { rule: m[1], path: fields.path, revision: fields.revision, reason: m[3] },
    known,
    `${where} ignore '${line}'`,
  );
}

function makeIgnore(
  e: { rule: unknown; path: unknown; revision: unknown; reason: unknown },
  known: ReadonlySet<string>,
  where: string,
): LintIgnore {
  if (typeof e.rule !== 'string') throw configError(where, 'needs rule = "<code>"');
  const rule = checkCode(e.rule, known, where);
  if (typeof e.reason !== 'string' || e.reason.trim() === '') {
    throw configError(
      where,
      `ignores ${rule} without a reason; every ignore must say why (reason = "…"), so the next reader can judge it`,
    );
  }
  if (e.path !== undefined && typeof e.path !== 'string')
    throw configError(where, 'path must be a glob string');
  if (e.revision !== undefined && typeof e.revision !== 'string')
    throw configError(where, 'revision must be a string');
  return {
    rule,
    path: e.path as string | undefined,
    revision: e.revision as string | undefined,
    reason: e.reason.trim(),
    source: where,
  };
}

function checkCode(code: string, known: ReadonlySet<string>, where: string): string {
  if (!known.has(code))
    throw configError(
      where,
      `names an unknown rule '${code}'`,
      'Run `alembic-preflight check --rules` for the codes.',
    );
  return code;
}

function checkSetting(v: unknown, code: string, where: string): RuleSetting {
  if (typeof v !== 'string' || !SETTINGS.has(v as RuleSetting))
    throw configError(
      where,
      `sets ${code} to ${JSON.stringify(v)}; use "error", "warning", "info", "on" or "off"`,
    );
  return v as RuleSetting;
}

/** The lock_timeout `fix` writes unless the settings say otherwise. */
export const DEFAULT_LOCK_TIMEOUT = '5s';

/** A lock_timeout as PostgreSQL takes it in SET: a number and a unit (`5s`, `500ms`, `1min`), above 0. */
function checkLockTimeout(v: unknown, where: string): string {
  const ms = typeof v === 'string' ? timeoutMs(v) : undefined;
  // a bare number is milliseconds to PostgreSQL: the unit is asked for, so that nobody means seconds and gets ms
  const last = typeof v === 'string' ? (v.trim().at(-1) ?? '') : '';
  if (typeof v !== 'string' || ms === undefined || ms <= 0 || !(last >= 'a' && last <= 'z'))
    throw configError(
      where,
      `lock-timeout must be a duration with its unit, such as "5s" or "500ms", not ${JSON.stringify(v)}`,
    );
  return v.trim();
}

function checkVersion(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 8 || v > 99)
    throw configError(where, 'postgres-version must be a major version number such as 11 or 16');
  return v;
}

function parseBool(raw: string, key: string, where: string): boolean {
  const v = raw.toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(v)) return true;
  if (['false', 'no', 'off', '0'].includes(v)) return false;
  throw configError(where, `${key} must be true or false, not '${raw}'`);
}

function configError(where: string, what: string, hint = 'See docs/lints.md for the settings.'): ConfigError {
  return new ConfigError(`${where} ${what}.`, { hint });
}

/** `*` matches within one folder, `**` any number of folders, `?` one character; paths use `/`. */
export function globMatcher(glob: string): (relPath: string) => boolean {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i++;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const rx = new RegExp(`^${re}$`);
  return (p) => rx.test(p.split(path.sep).join('/'));
}
