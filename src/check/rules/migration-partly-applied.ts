import { upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';
import { clashError, describeObject } from '../schema/describe-object.js';
import type { AppliedStep } from '../schema/partly-applied.js';

/** A step in words: "creates the table lockouts (line 16)". */
function stepText(s: AppliedStep): string {
  return `${s.does} ${describeObject(s.obj)} (line ${s.line})`;
}

/**
 * The first pending migration is partly in the database: a run that failed partway kept the steps
 * before the one that failed (MySQL, MariaDB and SQLite commit each DDL statement on its own), and left
 * the version table behind. The next upgrade runs the migration from its first step and stops on what
 * is already there.
 */
export const migrationPartlyApplied: Rule = {
  code: 'migration-partly-applied',
  severity: 'error',
  title: 'the first pending migration is partly in the database',
  summary:
    'The first steps of the first pending migration are already in the database (a run that stopped partway, on MySQL or SQLite): the next upgrade stops on the first of them.',
  check({ database: db }) {
    const p = db?.partly;
    if (!db || !p) return [];
    const done = p.steps.filter((s) => s.done);
    const left = p.steps.filter((s) => !s.done);
    const error = clashError(p.clash, db.state);
    const stamp = db.words.alembic('stamp', p.revision);
    const kind =
      db.state.dialect === 'mysql'
        ? (db.state.mysql?.flavor ?? 'MySQL')
        : db.state.dialect === 'sqlite'
          ? 'SQLite'
          : 'the server';
    return [
      {
        code: 'migration-partly-applied',
        severity: 'error',
        title: `${p.revision} is partly applied: its first ${done.length} of ${p.steps.length} steps are there`,
        message: `The rest are not, and ${db.state.versionTable} is still behind it: what a run of it that stopped partway leaves (${kind} commits each DDL statement on its own), or a change made by hand. \`${upgradeCommand(db)}\` runs ${p.revision} from its first step again and stops at line ${p.clash.line}, which ${p.clash.does} ${describeObject(p.clash.obj)}.${p.unknown > 0 ? ` ${p.unknown} more ${p.unknown === 1 ? 'step names an object' : 'steps name objects'} the catalog does not answer for.` : ''}`,
        evidence: [
          { label: 'schema', text: `There: ${done.map(stepText).join('; ')}.` },
          ...(left.length > 0
            ? [{ label: 'schema' as const, text: `Not there: ${left.map(stepText).join('; ')}.` }]
            : []),
        ],
        fix: `${stamp}   # once what is not there is done by hand`,
        hint: `Stamp only after the steps listed as not there are done: stamping records them as run. Or make ${p.revision} skip what already exists (check with sa.inspect(op.get_bind()) before each step), and release again: the steps that are missing then run.`,
        path: p.path,
        line: p.clash.line,
        revision: p.revision,
        ...(error ? { alembicError: error } : { failsUpgrade: true as const }),
      },
    ];
  },
};
