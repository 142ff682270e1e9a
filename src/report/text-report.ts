import { databaseLabel } from '../database/version-table.js';
import { upgradeName } from '../check/app-words.js';
import path from 'node:path';
import type { CheckResult } from '../check/run-check.js';
import { asSentence, fixAndHint, type Finding } from '../check/finding.js';
import type { VerifyResult } from '../check/run-verify.js';
import { DEFAULT_WIDTH, wrapText } from './wrap.js';
import { gateWord } from '../check/verdict.js';
import { verdictLineText, type VerdictLine } from './verdict-line.js';

const MARK = { error: 'error', warning: 'warning', info: 'info' } as const;
/** A fix that tells the user to run an Alembic command. */
const ALEMBIC_FIX = /\balembic (?:stamp|merge|revision|upgrade|downgrade)\b/;

/** Human diagnosis: what, where, why Alembic cares, how to fix; one verdict line last. */
export function checkText(result: CheckResult, width = DEFAULT_WIDTH): string {
  const lines = headsAndFindings(result, [headerLine('check', result)], width);
  lines.push(verdictLineText(checkVerdict(result)));
  return lines.join('\n') + '\n';
}

/** check's verdict: how many revisions were checked, or what blocks and what Alembic would print. */
export function checkVerdict(result: CheckResult): VerdictLine {
  const { errors, warnings } = counts(result);
  const word = gateWord(result.verdict);
  const { qualifiers } = result.verdict;
  if (result.ok)
    return {
      word,
      sentence: `${plural(result.model.map.revisions.length, 'revision')} checked, no blocking problems (${plural(errors, 'error')}, ${plural(warnings, 'warning')})`,
      qualifiers,
    };
  const or =
    result.alembicErrorAlternatives.length > 0
      ? ` (or ${oneLine(result.alembicErrorAlternatives.join(', or '))}: Alembic meets these in Python's set order, which varies)`
      : '';
  const why = result.alembicError
    ? `, and Alembic would fail with: ${oneLine(result.alembicError)}${or}`
    : '';
  return { word, sentence: `${plural(errors, 'error')}, ${plural(warnings, 'warning')}${why}`, qualifiers };
}

function headerLine(command: string, { model }: CheckResult): string {
  const where =
    model.config.versionLocations.map((l) => path.relative(model.config.cwd, l.absPath) || '.').join(', ') ||
    '(no version locations)';
  const from = model.config.versionLocationsFrom;
  const set = from ? `, as ${from.path}:${from.line} sets them` : '';
  const flask = model.config.flaskMigrate
    ? `; script_location ${model.config.scriptLocation}, as Flask-Migrate's \`flask db\` sets it`
    : '';
  const ini =
    model.config.configFileFrom !== undefined && model.config.iniPath
      ? `; ${path.relative(model.config.cwd, model.config.iniPath)}, as the release line in ${model.config.configFileFrom} names it`
      : '';
  const python = model.config.python
    ? `, Python ${model.config.python.text} (${model.config.python.source})`
    : '';
  return `alembic-preflight ${command}: ${plural(model.map.revisions.length, 'revision')} in ${where}${set} (modelling Alembic ${model.alembicVersion.label}${model.alembicVersion.source ? ` from ${model.alembicVersion.source}` : ', the newest (no pin found)'}${python}${flask}${ini})`;
}

/**
 * The header lines, the heads line, then every finding, then how many --ignore hid: each wrapped at
 * `width` (the verdict, added by the caller, never is: it is the line a log is read for).
 */
function headsAndFindings(result: CheckResult, before: readonly string[], width: number): string[] {
  const lines: string[] = [];
  const push = (...ls: string[]): void => {
    for (const l of ls) {
      if (l.length <= width) lines.push(l);
      else {
        const indent = /^ */u.exec(l)![0];
        lines.push(...wrapText(l.slice(indent.length), width, indent, `${indent}${INDENT}`));
      }
    }
  };
  push(...before);
  const findingLines = findingsText(result.findings, width);
  const fromProcfile = result.targetFrom !== undefined && result.targetFrom !== '--target';
  if (result.model.map.heads.length > 0)
    push(
      `heads: ${oneLine(result.model.map.heads.join(', '))}${result.target === 'head' && !fromProcfile ? '' : `; graded for \`${upgradeName(result.model.config.flaskMigrate === true, result.target)}\`${fromProcfile ? ` (the release line in ${releaseLineShown(result.targetFrom!, result.targetVia)})` : ''}`}`,
    );
  push('');
  // one at a time: a spread of 200,000 findings overflows the call stack
  for (const line of findingLines) lines.push(line);
  if (result.findings.length > 0)
    push(`(each finding's page: docs/findings/<code>.md, or \`alembic-preflight explain <code>\`)`, '');
  if (result.ignored > 0)
    push(`(${plural(result.ignored, 'finding')} ignored by --ignore or the settings' ignores)`, '');
  if (result.suppressed.length > 0)
    push(
      `(${plural(result.suppressed.length, 'finding')} suppressed by "# alembic-preflight: ignore" comments: ${result.suppressed
        .slice(0, 3)
        .map((s) => `${s.code} at ${s.path}:${s.directiveLine}`)
        .join(', ')}${result.suppressed.length > 3 ? ', …' : ''})`,
      '',
    );
  if (result.model.config.flaskMigrate) {
    // plain `alembic` finds no alembic.ini at a Flask app's root; flask db takes the same subcommands
    if (result.findings.some((f) => ALEMBIC_FIX.test(fixAndHint(f))))
      push(
        "(Flask-Migrate project: run the fixes' alembic commands through flask db from the app's root, e.g. `flask db stamp …`, `flask db merge …`, with the same arguments.)",
        '',
      );
    const purge = purgeNote(result.model.config.flaskMigrateVersion ?? null, result.findings);
    if (purge) push(purge, '');
  }
  const scope = result.lintScope;
  if (!scope && result.migrationLintErrors > 0) {
    push(
      `(${plural(result.migrationLintErrors, 'lint error')} in migration files. If a migration is already applied everywhere, fixing it changes nothing: \`--lint-since REV\` or lint-since in the settings stops linting REV and older, and --lint-changed-since origin/main lints only a branch's own migrations; see docs/lints.md.)`,
      '',
    );
  }
  if (scope) {
    const how = [
      scope.since.length > 0 ? `at or below ${scope.since.join(', ')} (lint-since)` : '',
      scope.changedSince ? `unchanged since ${scope.changedSince}` : '',
    ]
      .filter(Boolean)
      .join(' or ');
    push(`(the lints skip ${plural(scope.files, 'revision file')}: ${how})`, '');
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
function findingsText(findings: readonly Finding[], width: number): string[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const g = groups.get(f.code);
    if (g) g.push(f);
    else groups.set(f.code, [f]);
  }
  const lines: string[] = [];
  for (const [code, group] of groups) {
    const full = group.length > COMPACT_ABOVE ? group.slice(0, FULL_PER_CODE) : group;
    for (const f of full) lines.push(...findingText(f, width), '');
    const rest = group.slice(full.length);
    if (rest.length === 0) continue;
    const severities = [...new Set(rest.map((f) => f.severity))].map((x) => MARK[x]).join('/');
    lines.push(
      `${severities} [${code}]: ${rest.length} more like these (each with its message and fix in --format json):`,
    );
    for (const f of rest) {
      const where = location(f);
      // each further location by what is wrong there: its title, else its message's first sentence
      const what = f.title ?? firstSentence(oneLine(stripPath(f.message, f.path, f.line)));
      lines.push(...wrapText(what, width, `  ${where}`, '      '));
    }
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

/**
 * One finding, read in seconds: `severity [code] what is wrong` on the first line, then labelled,
 * indented lines: where, Alembic's own line, the evidence a sentence each, and the fix (the one
 * command, then the alternatives). Lines wrap at `width` on word boundaries; a command in backticks,
 * or the fix's command, is never broken.
 */
export function findingText(f: Finding, width = DEFAULT_WIDTH): string[] {
  const head = `${MARK[f.severity]} [${f.code}] `;
  const message = oneLine(stripPath(f.message, f.path, f.line));
  const room = width - head.length;
  const { title, rest } =
    f.title !== undefined
      ? fitTitle(oneLine(f.title), withoutEvidence(message, f), room)
      : splitTitle(message, room);
  const out = wrapText(title, width, head, INDENT);
  if (f.path) out.push(`  --> ${f.path}${f.line ? `:${f.line}` : ''}`);
  // an info finding's details are not a why
  if (rest) out.push(...wrapText(rest, width, f.severity === 'info' ? '  ' : '  why: ', INDENT));
  if (f.alembicError) out.push(...wrapText(oneLine(f.alembicError), width, '  Alembic prints: ', INDENT));
  for (const e of f.evidence ?? []) out.push(...wrapText(oneLine(e.text), width, `  ${e.label}: `, INDENT));
  const [prose = '', ...code] = f.hint.split(/\r?\n/u);
  if (f.fix) {
    out.push(`  fix: ${oneLine(f.fix)}`);
    if (prose) out.push(...wrapText(prose, width, '  also: ', INDENT));
  } else if (prose)
    out.push(...wrapText(prose, width, `  ${f.severity === 'info' ? 'note' : 'fix'}: `, INDENT));
  // a hint may hold code over several lines: they stay under it, so no line of it (nor an id in it) starts where our verdict does
  for (const c of code) out.push(`       ${c}`);
  return out;
}

const INDENT = '    ';
const FIRST_SENTENCE = /^.*?[.!?;](?=\s+[A-Z`"'(]|$)/su;

/** A message's text without the evidence sentences the report prints on their own labelled lines. */
function withoutEvidence(text: string, f: Finding): string {
  let out = text;
  for (const e of f.evidence ?? []) {
    const said = oneLine(e.text);
    for (const form of [`Git: ${said}`, said]) out = out.replace(form, '');
  }
  return out.replace(/\s{2,}/gu, ' ').trim();
}

/** A message without a title of its own: its first sentence leads, fitted to the first line. */
function splitTitle(message: string, room: number): { title: string; rest: string } {
  const first = FIRST_SENTENCE.exec(message)?.[0] ?? message;
  const after = message.slice(first.length).trim();
  return fitTitle(first.length <= room ? first.replace(/;$/u, '.') : first, after, room);
}

/**
 * A finding's first line: the title whole when it fits, else the words up to the last clause break
 * that fits (never inside a `backtick span`) and an ellipsis, the rest of it opening the why, so
 * nothing it says is lost.
 */
function fitTitle(title: string, after: string, room: number): { title: string; rest: string } {
  if (title.length <= room) return { title, rest: after };
  const cut = titleCut(title, room - 1);
  return {
    title: `${title.slice(0, cut).replace(/[,:;]$/u, '')}…`,
    rest: `…${after ? `${asSentence(title.slice(cut).trimStart())} ${after}` : title.slice(cut).trimStart()}`,
  };
}

/**
 * Where a long first sentence breaks into title and why: the last clause break (`, ` `: ` `; `) that
 * fits, else the last blank, preferring both outside parentheses; never inside a backtick span or a
 * double-quoted text.
 */
function titleCut(sentence: string, room: number): number {
  const best = { clause: -1, blank: -1, nested: -1 };
  let inSpan = false;
  let inQuote = false;
  let depth = 0;
  for (let i = 0; i < Math.min(room, sentence.length); i++) {
    const c = sentence[i];
    if (c === '`') inSpan = !inSpan;
    // nor inside a "quoted" text: a quote cut in two reads as something else
    if (c === '"' && !inSpan) inQuote = !inQuote;
    if (inSpan || inQuote) continue;
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    if (c !== ' ') continue;
    if (depth > 0) {
      best.nested = i;
      continue;
    }
    best.blank = i;
    if (/[,:;]/u.test(sentence[i - 1] ?? '')) best.clause = i;
  }
  if (best.clause >= room / 3) return best.clause;
  if (best.blank > 0) return best.blank;
  if (best.nested > 0) return best.nested;
  // one span fills the room: the title ends before it
  const span = sentence.indexOf('`');
  return span > 0 ? span : room;
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
  for (const prefix of [`${p}:${line}: `, `${p}: `])
    if (message.startsWith(prefix)) return message.slice(prefix.length);
  return message;
}

/** The verify diagnosis: where the database is, what Alembic will do, and the verdict last (release prints its own). */
export function verifyText(
  result: VerifyResult,
  notes: readonly string[],
  urlSource: string,
  width = DEFAULT_WIDTH,
  withVerdict = true,
): string {
  const { state } = result.database;
  const dbName = databaseLabel(state);
  const tls = state.tls
    ? `, TLS ${state.tls.encrypted ? (state.tls.verified ? 'verified' : 'encrypted, not verified') : 'off'} (${state.dialect === 'mysql' ? 'ssl' : 'sslmode'}=${state.tls.mode})`
    : '';
  const standby = state.server?.inRecovery ? ', hot standby (read-only)' : '';
  const table = state.versionTableSchema
    ? `${state.versionTableSchema}.${state.versionTable}`
    : state.versionTable;
  const rows = state.rows.map((r) =>
    r === null ? 'NULL' : typeof r === 'string' ? `'${oneLine(r)}'` : r.repr,
  );
  const lines = headsAndFindings(
    result,
    [
      headerLine('verify', result),
      `database: ${dbName} (from ${urlSource}${tls}${standby})`,
      state.exists
        ? `version table ${table}: ${rows.length === 0 ? 'empty' : rows.join(', ')}`
        : `version table ${table}: absent (a new database)`,
      ...notes.map((note) => `  ${note}`),
    ],
    width,
  );
  if (result.ok) {
    // what the probes compared stands on its own line, so the verdict stays one short line
    const probes = probesLine(result.database);
    if (probes) lines.push(...wrapText(probes, width, '', '  '));
    const locks = locksLine(result.database);
    if (locks) lines.push(...wrapText(locks, width, '', '  '));
    if (probes || locks) lines.push('');
  }
  if (withVerdict) lines.push(verdictLineText(verifyVerdict(result)));
  return lines.join('\n') + '\n';
}

/** verify's verdict: what `alembic upgrade` will do on the database read, or why it is blocked. */
export function verifyVerdict(result: VerifyResult): VerdictLine {
  const p = result.database.prediction;
  const cmd = upgradeName(result.model.config.flaskMigrate === true, p.target);
  const word = gateWord(result.verdict);
  const { qualifiers } = result.verdict;
  if (result.ok) {
    const apply =
      p.steps.length === 0 ? 'with nothing to apply' : `and apply ${plural(p.steps.length, 'migration')}`;
    return { word, sentence: `\`${cmd}\` will find its revisions ${apply}`, qualifiers };
  }
  if (!p.willSucceed) {
    // Alembic's exact line is under the finding that explains it; the verdict says what it means, and
    // where, when the graph and the table allow the upgrade but a file or the schema stops it
    const where = p.failure?.by?.path !== undefined ? ` (${p.failure.by.path})` : '';
    const reason =
      p.cliOutput === null
        ? (p.failure?.message ?? 'see the findings above')
        : `${brief(oneLine(p.cliOutput).replace(/^FAILED: /u, ''))}${where}`;
    return {
      word,
      sentence: p.unpredictable
        ? `cannot predict \`${cmd}\`: ${oneLine(p.unpredictable)}`
        : `\`${cmd}\` will fail: ${reason}`,
      qualifiers,
    };
  }
  const { errors, warnings } = counts(result);
  // the schema placed exactly below the stamp: where it is, and the one fix, on the line a log is read for
  const placed = result.findings.filter((f) => f.schemaAt !== undefined && f.severity === 'error');
  const behind = placed[0];
  if (behind?.schemaAt) {
    const { revision, missing } = behind.schemaAt;
    const others = errors - placed.length;
    return {
      word,
      sentence: `the schema is at ${revision}, behind the stamp (${plural(missing, 'object')} the stamped revisions change differ)${others > 0 ? ` and ${plural(others, 'other error')} block` : ''}: ${behind.fix ?? behind.hint}`,
      qualifiers,
    };
  }
  return {
    word,
    sentence: `\`${cmd}\` would run, but ${plural(errors, 'error')} and ${plural(warnings, 'warning')} block the release`,
    qualifiers,
  };
}

/** Alembic's reason in the verdict, cut when it runs long (argparse lists every command): the finding above quotes it whole. */
function brief(reason: string): string {
  if (reason.length <= VERDICT_REASON) return reason;
  const cut = reason.lastIndexOf(' ', VERDICT_REASON);
  return `${reason.slice(0, cut > VERDICT_REASON / 2 ? cut : VERDICT_REASON)}… (in full above)`;
}

const VERDICT_REASON = 160;

/**
 * What the schema probes compared, and no more: the objects the migrations name, by name. Empty
 * when they did not run (--no-schema-probes). "Agree" only where objects were compared.
 */
function probesLine(db: VerifyResult['database']): string {
  const s = db.schema;
  if (!s) return '';
  if (s.unavailable !== undefined)
    return 'schema probes: not run, the catalog could not be read (schema-probes-unavailable)';
  if (s.checked === 0 && s.unknown === 0) return '';
  if (s.checked === 0)
    return `schema probes: nothing could be compared (${s.unknown} object${s.unknown === 1 ? '' : 's'} the migrations name could not be followed statically)`;
  const counted = `${plural(s.checked, 'object')} checked, ${s.unknown} unknown`;
  const differ = s.behind.length;
  return differ === 0
    ? `schema probes: the database agrees (${counted})`
    : `schema probes: ${plural(differ, 'object')} differ${differ === 1 ? 's' : ''} (schema-behind-stamp); ${counted}`;
}

/** What the lock grades looked at (PostgreSQL, with pending steps): how many steps on tables that hold rows, and how many could not be read. */
function locksLine(db: VerifyResult['database']): string {
  const l = db.locks;
  if (!l) return '';
  const notGraded = new Set(l.unread.map((u) => `${u.path}:${u.line}`)).size;
  if (l.steps.length === 0 && notGraded === 0)
    return `lock grades: no pending step locks a table that holds rows (--locks ${l.settings.mode})`;
  return `lock grades: ${plural(l.steps.length, 'step')} on existing tables graded, ${notGraded} not graded (--locks ${l.settings.mode})`;
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
  if (!findings.some((f) => /\bstamp --purge\b/u.test(fixAndHint(f)))) return undefined;
  const parts = (version ?? '').split('.').map(Number);
  const recent =
    version !== null && (parts[0]! > 4 || (parts[0] === 4 && (parts[1]! > 0 || (parts[2] ?? 0) >= 6)));
  if (recent) return undefined;
  const which =
    version === null
      ? 'no Flask-Migrate release is pinned here'
      : `this project pins Flask-Migrate ${version}`;
  return `(\`flask db stamp --purge\` needs Flask-Migrate 4.0.6 or later, and ${which}: empty the version table first (DELETE FROM alembic_version;), then run \`flask db stamp REV\`.)`;
}
