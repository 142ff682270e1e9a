import path from 'node:path';
import { editsDiff } from '../generate/unified-diff.js';
import type { FilePlan, FixedStep } from '../generate/plan-fix.js';
import { verdictJson, verdictLine, verdictLineText, type VerdictLine } from './verdict-line.js';

/** What `fix` did: each revision file's plan, what sized the steps, and whether it wrote. */
export interface FixOutcome {
  /** The database whose live sizes chose the steps (credentials never included). */
  readonly sizedBy?: string;
  /** Without a database: the server the steps were graded for (`PostgreSQL 15`, `MySQL 8.0`), and PostgreSQL's major. */
  readonly assumed?: { readonly server: string; readonly postgresMajor?: number };
  readonly files: readonly FilePlan[];
  readonly write: boolean;
  readonly written: boolean;
}

const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;

/** The one verdict of a fix run: OK when every heavy step is rewritten (or none is heavy), else BLOCKED. */
export function fixVerdict(o: FixOutcome): VerdictLine {
  const steps = o.files.flatMap((f) => f.steps);
  const left = steps.filter((s) => s.how === undefined).length;
  const done = steps.length - left;
  const qualifiers = o.write ? [] : (['dry-run'] as const);
  if (steps.length === 0) return verdictLine('OK', 'no step takes a heavy lock', ...qualifiers);
  const wrote = o.written ? 'rewritten' : o.write ? 'to rewrite' : 'rewritten in the diff';
  if (left === 0) return verdictLine('OK', `${plural(done, 'heavy step')} ${wrote}`, ...qualifiers);
  return verdictLine(
    'BLOCKED',
    `${plural(left, 'heavy step')} left unchanged${done > 0 ? `, ${done} ${wrote}` : ''}`,
    ...qualifiers,
  );
}

function stepLine(s: FixedStep): string {
  return `${s.path}:${s.line} ${s.step}${s.table ? ` on ${s.table}` : ''}`;
}

/** The diff of each file (a dry run) or what was written, each heavy step's outcome, and the verdict. */
export function fixText(o: FixOutcome): string {
  const out: string[] = [];
  const how = o.sizedBy
    ? `steps heavy on the live sizes of ${o.sizedBy}`
    : o.assumed?.postgresMajor === undefined
      ? `no database: every index build and table copy on a table it does not create (${o.assumed?.server ?? '?'})`
      : `no database: every step that takes a heavy lock on a table it does not create (${o.assumed.server}; a partitioned table is known only from a database)`;
  out.push(`alembic-preflight fix: ${plural(o.files.length, 'revision')}, ${how}`, '');
  for (const f of o.files) {
    if (f.after !== f.before && !o.written)
      out.push(editsDiff(relative(f), f.before, f.after, f.edits).trimEnd(), '');
    for (const s of f.steps) {
      if (s.how) {
        out.push(`${o.written ? 'rewritten' : 'rewrites'}: ${stepLine(s)}: ${s.how}`);
        if (s.rerunOnRetry)
          out.push(
            `  note: its autocommit_block commits the step${s.rerunOnRetry.length === 1 ? '' : 's'} above it (line${s.rerunOnRetry.length === 1 ? '' : 's'} ${s.rerunOnRetry.join(', ')}); if a later step fails, the retry runs ${s.rerunOnRetry.length === 1 ? 'it' : 'them'} again: move this step into a revision of its own`,
          );
      } else {
        out.push(`left unchanged: ${stepLine(s)}`);
        out.push(`  why: ${s.why}`);
        out.push(`  instead: ${s.instead}`);
      }
    }
    if (f.steps.length > 0) out.push('');
  }
  out.push(verdictLineText(fixVerdict(o)));
  return `${out.join('\n')}\n`;
}

function relative(f: FilePlan): string {
  return f.path.split(path.sep).join('/');
}

export function fixJson(o: FixOutcome): unknown {
  const verdict = fixVerdict(o);
  return {
    schemaVersion: 1,
    command: 'fix',
    ok: verdict.word === 'OK',
    verdict: verdictJson(verdict),
    sizedBy: o.sizedBy ?? null,
    assumedPostgresMajor: o.assumed?.postgresMajor ?? null,
    assumedServer: o.assumed?.server ?? null,
    written: o.written,
    files: o.files.map((f) => ({
      revision: f.revision,
      path: relative(f),
      changed: f.after !== f.before,
      diff: f.after !== f.before ? editsDiff(relative(f), f.before, f.after, f.edits) : null,
      steps: f.steps.map((s) => ({
        line: s.line,
        step: s.step,
        table: s.table,
        rewritten: s.how !== undefined,
        ...(s.how ? { how: s.how, rerunOnRetry: s.rerunOnRetry ?? [] } : { why: s.why, instead: s.instead }),
      })),
    })),
  };
}
