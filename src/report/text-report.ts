import path from 'node:path';
import type { CheckResult } from '../check/run-check.js';
import type { Finding } from '../check/finding.js';
import type { VerifyResult } from '../check/run-verify.js';

const MARK = { error: 'error', warning: 'warning', info: 'info' } as const;
/** A fix that tells the user to run an Alembic command. */
const ALEMBIC_FIX = /\balembic (?:stamp|merge|revision|upgrade|downgrade)\b/;

/** Human diagnosis: what, where, why Alembic cares, how to fix; one verdict line last. */
export function checkText(result: CheckResult): string {
  const lines = [headerLine('check', result), ...headsAndFindings(result)];
  const { errors, warnings } = counts(result);
  if (result.ok) {
    lines.push(`OK: no blocking problems (${plural(errors, 'error')}, ${plural(warnings, 'warning')}).`);
  } else {
    const or = result.alembicErrorAlternatives.length > 0 ? ` (or ${oneLine(result.alembicErrorAlternatives.join(', or '))}: Alembic meets these in Python's set order, which varies)` : '';
    const why = result.alembicError ? ` Alembic would fail with: ${oneLine(result.alembicError)}${or}` : '';
    lines.push(`BLOCKED: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}.${why}`);
  }
  return lines.join('\n') + '\n';
}

function headerLine(command: string, { model }: CheckResult): string {
  const where = model.config.versionLocations.map((l) => path.relative(model.config.cwd, l.absPath) || '.').join(', ') || '(no version locations)';
  const flask = model.config.flaskMigrate ? `; script_location ${model.config.scriptLocation}, as Flask-Migrate's \`flask db\` sets it` : '';
  const ini = model.config.configFileFrom !== undefined && model.config.iniPath ? `; ${path.relative(model.config.cwd, model.config.iniPath)}, as the release line in ${model.config.configFileFrom} names it` : '';
  const python = model.config.python ? `, Python ${model.config.python.text} (${model.config.python.source})` : '';
  return `alembic-preflight ${command}: ${plural(model.map.revisions.length, 'revision')} in ${where} (modelling Alembic ${model.alembicVersion.label}${model.alembicVersion.source ? ` from ${model.alembicVersion.source}` : ', the newest (no pin found)'}${python}${flask}${ini})`;
}

/** The heads line, then every finding, then how many --ignore hid. */
function headsAndFindings(result: CheckResult, before: readonly string[] = []): string[] {
  const lines = [...before];
  const fromProcfile = result.targetFrom !== undefined && result.targetFrom !== '--target';
  if (result.model.map.heads.length > 0) lines.push(`heads: ${oneLine(result.model.map.heads.join(', '))}${result.target === 'head' && !fromProcfile ? '' : `; graded for \`${upgradeShown(result.model.config.flaskMigrate === true, result.target)}\`${fromProcfile ? ` (the release line in ${releaseLineShown(result.targetFrom!, result.targetVia)})` : ''}`}`);
  lines.push('');
  // one at a time: a spread of 200,000 findings overflows the call stack
  for (const line of findingsText(result.findings)) lines.push(line);
  if (result.findings.length > 0) lines.push(`(each finding's page: docs/findings/<code>.md, or \`alembic-preflight explain <code>\`)`, '');
  if (result.ignored > 0) lines.push(`(${plural(result.ignored, 'finding')} ignored by --ignore or the settings' ignores)`, '');
  if (result.suppressed.length > 0) lines.push(`(${plural(result.suppressed.length, 'finding')} suppressed by "# alembic-preflight: ignore" comments: ${result.suppressed.slice(0, 3).map((s) => `${s.code} at ${s.path}:${s.directiveLine}`).join(', ')}${result.suppressed.length > 3 ? ', …' : ''})`, '');
  if (result.model.config.flaskMigrate && result.findings.some((f) => ALEMBIC_FIX.test(f.hint))) {
    // plain `alembic` finds no alembic.ini at a Flask app's root; flask db takes the same subcommands
    lines.push("(Flask-Migrate project: run the fixes' alembic commands through flask db from the app's root, e.g. `flask db stamp …`, `flask db merge …`, with the same arguments.)", '');
    const purge = purgeNote(result.model.config.flaskMigrateVersion ?? null, result.findings);
    if (purge) lines.push(purge, '');
  }
  const scope = result.lintScope;
  if (!scope && result.migrationLintErrors > 0) {
    lines.push(
      `(${plural(result.migrationLintErrors, 'lint error')} in migration files. If a migration is already applied everywhere, fixing it changes nothing: \`--lint-since REV\` or lint-since in the settings stops linting REV and older, and --lint-changed-since origin/main lints only a branch's own migrations; see docs/lints.md.)`,
      '',
    );
  }
  if (scope) {
    const how = [scope.since.length > 0 ? `at or below ${scope.since.join(', ')} (lint-since)` : '', scope.changedSince ? `unchanged since ${scope.changedSince}` : ''].filter(Boolean).join(' or ');
    lines.push(`(the lints skip ${plural(scope.files, 'revision file')}: ${how})`, '');
  }
  return lines;
}

function counts(result: CheckResult): { errors: number; warnings: number } {
  return {
    errors: result.findings.filter((f) => f.severity === 'error').length,
    warnings: result.findings.filter((f) => f.severity === 'warning').length,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A code with more findings than this shows the first few in full and the rest one line each. */
const FULL_PER_CODE = 3;
const COMPACT_ABOVE = 5;

/**
 * Every finding, grouped by code in order of first appearance. A project that
 * repeats one pattern in 100 files gets its message and fix three times, then
 * one line per further location, so the other codes stay readable.
 */
function findingsText(findings: readonly Finding[]): string[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const g = groups.get(f.code);
    if (g) g.push(f);
    else groups.set(f.code, [f]);
  }
  const lines: string[] = [];
  for (const [code, group] of groups) {
    const full = group.length > COMPACT_ABOVE ? group.slice(0, FULL_PER_CODE) : group;
    for (const f of full) lines.push(...findingText(f), '');
    const rest = group.slice(full.length);
    if (rest.length === 0) continue;
    const severities = [...new Set(rest.map((f) => f.severity))].map((x) => MARK[x]).join('/');
    lines.push(`${severities} [${code}]: ${rest.length} more like these (each with its message and fix in --format json):`);
    for (const f of rest) lines.push(`  ${location(f)}${firstSentence(stripPath(f.message, f.path, f.line))}`);
    lines.push('');
  }
  return lines;
}

/** Up to the first full stop that ends a sentence (not one inside a name or a quoted value). */
function firstSentence(message: string): string {
  const m = /^.*?[.!?](?=\s+[A-Z`"(]|$)/s.exec(message);
  const s = m ? m[0] : message;
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}

/** `path:line: ` (or `path: `, or nothing) before a finding's message. */
function location(f: Finding): string {
  return f.path ? `${f.path}${f.line ? `:${f.line}` : ''}: ` : '';
}

export function findingText(f: Finding): string[] {
  const out = [`${MARK[f.severity]} [${f.code}] ${location(f)}${oneLine(stripPath(f.message, f.path, f.line))}`];
  if (f.alembicError) out.push(`  Alembic prints: ${oneLine(f.alembicError)}`);
  // a hint may hold code over several lines: they stay under it, so no line of it (nor an id in it) starts where our verdict does
  out.push(`  ${f.severity === 'info' ? 'note' : 'fix'}: ${f.hint.replace(/\r?\n/g, '\n       ')}`);
  return out;
}

/**
 * A value that belongs on one line of the report (a message, Alembic's error, a row). A revision id or
 * a row may hold a newline, which would start a line of its own that reads like ours ("OK: …").
 */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, '\\n');
}

/** The message without the location the line already starts with (messages carry it for JSON readers). */
/** A finding's message without the `path:line: ` it starts with, where the report shows the place itself. */
export function stripPath(message: string, p: string | undefined, line: number | undefined): string {
  if (!p) return message;
  for (const prefix of [`${p}:${line}: `, `${p}: `]) if (message.startsWith(prefix)) return message.slice(prefix.length);
  return message;
}

/** The verify diagnosis: where the database is, what Alembic will do, and the verdict last. */
export function verifyText(result: VerifyResult, notes: readonly string[], urlSource: string): string {
  const { state, prediction: p } = result.database;
  const dbName = state.dialect === 'sqlite' ? `sqlite ${state.database}` : `postgresql ${state.host}/${state.database}`;
  const tls = state.tls ? `, TLS ${state.tls.encrypted ? (state.tls.verified ? 'verified' : 'encrypted, not verified') : 'off'} (sslmode=${state.tls.mode})` : '';
  const standby = state.server?.inRecovery ? ', hot standby (read-only)' : '';
  const table = state.versionTableSchema ? `${state.versionTableSchema}.${state.versionTable}` : state.versionTable;
  const rows = state.rows.map((r) => (r === null ? 'NULL' : typeof r === 'string' ? `'${oneLine(r)}'` : r.repr));
  const lines = headsAndFindings(result, [
    headerLine('verify', result),
    `database: ${dbName} (from ${urlSource}${tls}${standby})`,
    state.exists ? `version table ${table}: ${rows.length === 0 ? 'empty' : rows.join(', ')}` : `version table ${table}: absent (a new database)`,
    ...notes.map((note) => `  ${note}`),
  ]);
  const cmd = upgradeShown(result.model.config.flaskMigrate === true, p.target);
  if (result.ok) {
    const apply = p.steps.length === 0 ? 'with nothing to apply' : `and apply ${plural(p.steps.length, 'migration')}`;
    // a multidb env.py: the verdict covers the database read, not the others the same upgrade migrates
    const partial = result.findings.some((f) => f.code === 'other-databases-not-verified');
    // server-side code on the version table: the one thing on the path that only running can judge
    const unverified = result.findings.some((f) => f.code === 'version-table-write-unverified') ? ', unless the server-side code on the version table refuses the write (version-table-write-unverified)' : '';
    const probes = probesSentence(result.database);
    lines.push(partial ? `OK on the database read: \`${cmd}\` will find its revisions there ${apply}${unverified}; the other databases env.py migrates were not read (other-databases-not-verified).${probes}` : `OK: \`${cmd}\` will find its revisions ${apply}${unverified}.${probes}`);
  } else if (!p.willSucceed) {
    lines.push(p.unpredictable ? `BLOCKED: cannot predict \`${cmd}\`: ${oneLine(p.unpredictable)}.` : `BLOCKED: \`${cmd}\` will fail with: ${oneLine(p.cliOutput ?? "")}`);
  } else {
    // the graph and the table allow the upgrade, but a finding says Alembic itself fails first (a broken env.py)
    const fails = result.findings.find((f) => f.severity === 'error' && f.alembicError !== undefined);
    const { errors, warnings } = counts(result);
    lines.push(
      fails
        ? `BLOCKED: \`${cmd}\` will fail with: ${oneLine(fails.alembicError!)} (${fails.path ?? 'see above'}).`
        : `BLOCKED: \`${cmd}\` would run, but ${plural(errors, 'error')} and ${plural(warnings, 'warning')} block the release${errors === 0 ? ' (--strict)' : ''}.`,
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * What the schema probes compared, and no more: the objects the migrations name, by name. Empty
 * when they did not run (--no-schema-probes, no catalog).
 */
function probesSentence(db: VerifyResult['database']): string {
  const s = db.schema;
  if (!s) return '';
  if (s.unavailable !== undefined) return ' Schema probes: not run, the catalog could not be read (schema-probes-unavailable).';
  if (s.checked === 0 && s.unknown === 0) return '';
  const counted = `${plural(s.checked, 'object')} checked, ${s.unknown} unknown`;
  const differ = s.behind.length;
  return differ === 0 ? ` Schema probes agree (${counted}).` : ` Schema probes: ${plural(differ, 'object')} differ${differ === 1 ? 's' : ''} (schema-behind-stamp); ${counted}.`;
}

/** The upgrade command as the project runs it: Flask-Migrate's `flask db upgrade` (head by default), else `alembic upgrade`. */
export function upgradeShown(flaskMigrate: boolean, target: string): string {
  return flaskMigrate ? `flask db upgrade${target === 'head' ? '' : ` ${target}`}` : `alembic upgrade ${target}`;
}

/** The words a report uses for where the target came from: `Procfile:2`, or `Procfile:2, at bin/release.sh:7`. */
export function releaseLineShown(targetFrom: string, targetVia?: string): string {
  return targetVia ? `${targetVia}, at ${targetFrom}` : targetFrom;
}

/**
 * `flask db stamp --purge` exists from Flask-Migrate 4.0.6 on: for an older or unpinned release, the
 * same result in two steps that every release has.
 */
function purgeNote(version: string | null, findings: readonly { hint: string }[]): string | undefined {
  if (!findings.some((f) => /\bstamp --purge\b/u.test(f.hint))) return undefined;
  const parts = (version ?? '').split('.').map(Number);
  const recent = version !== null && (parts[0]! > 4 || (parts[0] === 4 && (parts[1]! > 0 || (parts[2] ?? 0) >= 6)));
  if (recent) return undefined;
  const which = version === null ? 'no Flask-Migrate release is pinned here' : `this project pins Flask-Migrate ${version}`;
  return `(\`flask db stamp --purge\` needs Flask-Migrate 4.0.6 or later, and ${which}: empty the version table first (DELETE FROM alembic_version;), then run \`flask db stamp REV\`.)`;
}
