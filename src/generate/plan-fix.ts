import { stepName } from '../check/schema/lock-grade.js';
import { holdsLargeTable, waitsUnbounded } from '../check/schema/pending-locks.js';
import type { PendingLock } from '../check/schema/lock-types.js';
import { Tok } from '../python/tokens.js';
import { schemaOps } from '../check/schema/schema-ops.js';
import { callStatementAt, statementsOf } from './call-statement.js';
import { recipeFor, type RecipeContext } from './fix-recipes.js';
import { mysqlRecipeFor } from './mysql-fix-recipes.js';
import { timeoutMs } from '../check/schema/timeout-setting.js';
import type { LineEdit } from './unified-diff.js';

/** A heavy step `fix` rewrote, or left as it was (with why, and the way to make the change instead). */
export interface FixedStep {
  readonly revision: string;
  readonly path: string;
  readonly line: number;
  /** `op.create_index` on `orders`. */
  readonly step: string;
  readonly table: string;
  /** What it was rewritten into; absent when it was left. */
  readonly how?: string;
  readonly why?: string;
  readonly instead?: string;
  /**
   * Lines of upgrade() before a rewrite that commits (autocommit_block) whose steps are not guarded:
   * committed with it, so a retry after a later failure runs them again.
   */
  readonly rerunOnRetry?: readonly number[];
}

/** One revision file's rewrite: its text after, the edits (for the diff), each heavy step's outcome. */
export interface FilePlan {
  readonly revision: string;
  readonly path: string;
  readonly absPath: string;
  readonly before: string;
  readonly after: string;
  readonly edits: readonly LineEdit[];
  readonly steps: readonly FixedStep[];
}

/**
 * A step `fix` rewrites: one lock-on-large-table or lock-timeout-missing reports; on MySQL and MariaDB
 * also an index built from every row of a large table without LOCK=NONE written, which the server
 * runs online by default but may not (it falls back to a copy that blocks writes where it cannot).
 */
function heavy(s: PendingLock): boolean {
  if (s.mysql)
    return (
      s.large && (s.mysql.lock !== 'NONE' || (s.mysql.builds === true && !s.step.flags.includes('online')))
    );
  return holdsLargeTable(s) || waitsUnbounded(s);
}

/** Settings of the rewrite that do not depend on the file. */
export interface FixSettings {
  /** The lock_timeout written before a step that still takes a lock stopping writes (`5s`). */
  readonly lockTimeout: string;
  readonly notValidRefused?: string;
  readonly major?: number;
  /** MySQL, MariaDB: the database the tables are in, when a database sized them. */
  readonly database?: string;
}

/**
 * The rewrite of one revision file: each heavy step (graded, in `steps`) replaced by its safe form
 * where a recipe and the statement's shape allow, else left and named. Pure: text in, text out.
 */
export function planFile(
  file: { readonly revision: string; readonly path: string; readonly absPath: string; readonly text: string },
  steps: readonly PendingLock[],
  unread: readonly { readonly line: number; readonly why: string }[],
  settings: FixSettings,
): FilePlan {
  const lines = statementsOf(file.text);
  const byLine = new Map<number, PendingLock[]>();
  for (const s of steps) byLine.set(s.step.line, [...(byLine.get(s.step.line) ?? []), s]);
  // lines the reading could not follow (lock-not-graded's): nothing is known of their locks
  const lost = new Map<number, string[]>();
  for (const u of unread) lost.set(u.line, [...(lost.get(u.line) ?? []), u.why]);
  const edits: LineEdit[] = [];
  const out: FixedStep[] = [];
  const sa = lines ? sqlalchemyText(lines) : undefined;
  // the lines of upgrade()'s steps, and those of the rewrites that look before they act
  const stepLines = [...new Set(schemaOps(file.text).map((o) => o.line))];
  const guarded = new Set<number>();
  let waitSet = false;
  for (const line of [...new Set([...byLine.keys(), ...lost.keys()])].sort((a, b) => a - b)) {
    const here = byLine.get(line) ?? [];
    const notRead = lost.get(line) ?? [];
    const where = { revision: file.revision, path: file.path, line };
    const s = here.find(heavy);
    if (!s) {
      if (notRead.length > 0)
        out.push({
          ...where,
          step: 'this line',
          table: '',
          why: `the reading could not follow it: ${notRead[0]}`,
          instead: 'read the line and write its safe form by hand (docs/zero-downtime.md)',
        });
      continue;
    }
    const named = { ...where, step: stepName(s.step), table: s.table };
    const leave = (why: string, instead = s.grade.recipe): void => void out.push({ ...named, why, instead });
    const why = unsafe(s, here.length + notRead.length);
    if (why) {
      leave(why);
      continue;
    }
    const call = lines ? callStatementAt(file.text, lines, line) : 'the file could not be read';
    if (typeof call === 'string') {
      leave(call);
      continue;
    }
    const r = s.mysql
      ? mysqlRecipeFor(call, s.step, s.mysql, {
          unit: unitOf(call.indent),
          text: sa?.name ?? 'sa.text',
          // a SET written above lasts for the session: the steps after it wait under it
          waitSeconds: waitSet ? undefined : waitSeconds(s.timeoutMs, settings.lockTimeout),
          ...(settings.database !== undefined ? { database: settings.database } : {}),
        })
      : recipeFor(call, s.step, s.grade, recipeContext(call, s, sa?.name, settings));
    if ('why' in r) {
      leave(r.why, r.instead);
      continue;
    }
    edits.push({ first: call.first, last: call.last, text: r.text });
    if (r.setsWait) waitSet = true;
    const rerun = r.commits ? unguardedBefore(stepLines, guarded, line) : [];
    out.push({ ...named, how: r.how, ...(rerun.length > 0 ? { rerunOnRetry: rerun } : {}) });
    if (r.commits) guarded.add(line);
  }
  // the recipes read the catalog through sqlalchemy.text: import it where the file does not
  if (edits.length > 0 && sa?.importAfter !== undefined)
    edits.unshift({
      first: sa.importAfter + 1,
      last: sa.importAfter,
      text: `import ${sa.name === 'sa.text' ? 'sqlalchemy as sa' : 'sqlalchemy'}`,
    });
  return { ...file, before: file.text, after: applyEdits(file.text, edits), edits, steps: out };
}

/** What a PostgreSQL recipe needs from the step and the settings. */
function recipeContext(
  call: { readonly indent: string },
  s: PendingLock,
  text: string | undefined,
  settings: FixSettings,
): RecipeContext {
  return {
    unit: unitOf(call.indent),
    text: text ?? 'sa.text',
    timeout: s.timeoutMs === 0 ? settings.lockTimeout : undefined,
    ...(settings.notValidRefused ? { notValidRefused: settings.notValidRefused } : {}),
    ...(settings.major !== undefined ? { major: settings.major } : {}),
    ...(s.size?.tree === 'partitions' ? { partitioned: true } : {}),
  };
}

/**
 * The lock_wait_timeout to write before a MySQL step, in whole seconds (MySQL takes no fraction):
 * none when one as short is in force already.
 */
function waitSeconds(inForceMs: number, setting: string): number | undefined {
  const ms = timeoutMs(setting) ?? 5000;
  if (inForceMs > 0 && inForceMs <= ms) return undefined;
  return Math.max(1, Math.ceil(ms / 1000));
}

/** The steps before `line` that a rewrite committing there would commit with it, unguarded. */
function unguardedBefore(stepLines: readonly number[], guarded: ReadonlySet<number>, line: number): number[] {
  return stepLines.filter((l) => l < line && !guarded.has(l)).sort((a, b) => a - b);
}

/** Why a heavy step is not rewritten whatever its call: it may not run, or runs inside something else. */
function unsafe(s: PendingLock, onLine: number): string | undefined {
  if (s.step.sql) return "it is op.execute's SQL: rewrite the statement by hand";
  if (s.step.conditional) return 'it is under if, for or try, or in a helper function';
  if (s.step.batch) return 'it is inside batch_alter_table';
  if (s.step.autocommit) return 'it is inside an autocommit_block already';
  if (onLine > 1) return 'the statement takes several locks (a column with its constraint or index)';
  return undefined;
}

function unitOf(indent: string): string {
  if (indent.startsWith('\t')) return '\t';
  return indent.length === 2 ? '  ' : '    ';
}

/**
 * How the file reaches sqlalchemy.text (`sa.text`, `sqlalchemy.text`, `text`), or the line after
 * which `import sqlalchemy as sa` goes (the last of the module's top-level imports).
 */
function sqlalchemyText(lines: NonNullable<ReturnType<typeof statementsOf>>): {
  name: string;
  importAfter?: number;
} {
  let importAfter = 0;
  let saTaken = false;
  for (const l of lines) {
    const t = l.tokens;
    if (t.some((x) => x.type === Tok.Name && x.text === 'sa')) saTaken = true;
    if (l.indent !== 0) continue;
    const words = t.map((x) => x.text);
    if (words[0] === 'import' || words[0] === 'from') importAfter = t[t.length - 1]!.line;
    if (words[0] === 'import' && words[1] === 'sqlalchemy') {
      if (words.length === 2) return { name: 'sqlalchemy.text' };
      if (words[2] === 'as' && words.length === 4) return { name: `${words[3]}.text` };
    }
    if (words[0] === 'from' && words[1] === 'sqlalchemy' && words[2] === 'import') {
      const at = words.indexOf('text', 3);
      if (at > 0 && words[at + 1] !== 'as') return { name: 'text' };
    }
  }
  // `sa` is used for something else: reach it by its full name
  if (saTaken) return { name: 'sqlalchemy.text', importAfter };
  return { name: 'sa.text', importAfter };
}

/** The text with each edit's lines replaced (edits sorted by line, none overlapping). */
export function applyEdits(text: string, edits: readonly LineEdit[]): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split('\n');
  const sorted = [...edits].sort((a, b) => b.first - a.first);
  for (const e of sorted) {
    const cr = eol === '\r\n';
    const replacement = e.text.split('\n').map((l) => (cr && !l.endsWith('\r') ? `${l}\r` : l));
    // the last line of the file without its end of line keeps having none
    const lastIsFinal = e.last === lines.length && !text.endsWith('\n');
    if (lastIsFinal && cr) replacement[replacement.length - 1] = replacement.at(-1)!.slice(0, -1);
    lines.splice(e.first - 1, e.last - e.first + 1, ...replacement);
  }
  return lines.join('\n');
}
