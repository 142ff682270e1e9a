import type { AppWords } from '../app-words.js';
import { upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';
import type { AlreadyPresent } from '../schema/already-present.js';

/**
 * The version table is missing or empty, so Alembic starts from base, but the schema already holds tables
 * the first migrations create: a deleted or emptied version table, or a schema the app built itself
 * (metadata.create_all) and never stamped. `alembic upgrade` then fails on the first CREATE TABLE.
 */
export const schemaAlreadyPresent: Rule = {
  code: 'schema-already-present',
  severity: 'error',
  title: 'no stamp, but the schema is already there',
  summary:
    'No version row, yet the database already has tables the migrations create: the upgrade from base fails on "already exists".',
  check({ database: db }) {
    const found = db?.alreadyPresent;
    if (!db || !found) return [];
    const { clashes } = found;
    const first = clashes[0]!;
    const where = db.state.exists
      ? `The ${db.state.versionTable} table is empty`
      : `The database has no ${db.state.versionTable} table`;
    const listed =
      clashes
        .slice(0, 5)
        .map((c) => `${c.name} (${c.revision}, ${c.path}:${c.line})`)
        .join(', ') + (clashes.length > 5 ? ` and ${clashes.length - 5} more` : '');
    return [
      {
        code: 'schema-already-present',
        severity: 'error',
        title: `no stamp, but ${clashes.length === 1 ? `table ${first.name} already exists` : `${clashes.length} tables the migrations create already exist`}: the upgrade from base fails`,
        message: `${where}, so \`${upgradeCommand(db)}\` will run every migration from base, and these are there: ${listed}. The first CREATE TABLE of an existing table fails (${db.state.dialect === 'sqlite' ? `table ${first.name} already exists` : `relation "${first.name}" already exists`}), partway through the upgrade.`,
        hint: stampHint(
          found,
          db.words,
          upgradeCommand(db),
          db.state.dialect === 'sqlite'
            ? 'First make sure this is the database you meant (the URL names the file).'
            : 'First make sure this is the database you meant (the URL, the schema on the search_path).',
        ),
        path: first.path,
        line: first.line,
        revision: first.revision,
      },
    ];
  },
};

/**
 * The stamp that fits: the last revision before the first one whose tables are not all there. Offered
 * with what the upgrade then runs, and only from table names, so it says to compare before stamping.
 */
function stampHint(
  { fit, mismatch }: AlreadyPresent,
  words: AppWords,
  upgrade: string,
  check: string,
): string {
  if (!fit) {
    const why = mismatch?.first
      ? `${mismatch.revision} creates tables that are not there`
      : `${mismatch?.revision}'s tables are missing while later revisions' tables exist`;
    return `${check} The tables match no single revision: ${why}. Restore the version table from a backup, or compare the schema with the migrations by hand before stamping anything.`;
  }
  const p = fit.after;
  const then = !p.willSucceed
    ? 'the upgrade from there is predicted to fail too'
    : p.steps.length === 0
      ? `\`${upgrade}\` then has nothing to run`
      : `\`${upgrade}\` then applies ${p.steps.length} migration${p.steps.length === 1 ? '' : 's'} (${p.steps.map((s) => s.revision).join(' → ')})`;
  return `${check} The tables the migrations up to ${fit.revision} create are all there${fit.next === undefined ? '' : `, and ${fit.next}'s are not`}: if the columns match too, record that: ${words.alembic('stamp', fit.revision)}; ${then}. (Judged from table names only.)`;
}
