import { predictUpgrade } from '../../alembic/graph/upgrade-plan.js';
import { upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';

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
  check({ model, database: db }) {
    if (!db?.schema || !db.state.tables || !db.prediction.willSucceed) return [];
    if (db.state.exists && db.state.rows.length > 0) return [];
    const present = new Set(
      db.state.dialect === 'sqlite' ? db.state.tables.map((t) => t.toLowerCase()) : db.state.tables,
    );
    const has = (name: string): boolean =>
      present.has(db.state.dialect === 'sqlite' ? name.toLowerCase() : name);
    const steps = db.prediction.steps.map((s) => ({
      revision: s.revision,
      created: db.schema!.createdTables.get(s.revision),
    }));
    const clashes = steps.flatMap((s) =>
      (s.created?.tables ?? [])
        .filter((t) => has(t.name))
        .map((t) => ({ ...t, revision: s.revision, path: s.created!.path })),
    );
    if (clashes.length === 0) return [];
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
        titleRestates: true,
        title: `no stamp, but ${clashes.length === 1 ? `table ${first.name} already exists` : `${clashes.length} tables the migrations create already exist`}: the upgrade from base fails`,
        message: `Tables the migrations create already exist, and nothing is stamped. ${where}, so \`${upgradeCommand(db)}\` will run every migration from base, and these are there: ${listed}. The first CREATE TABLE of an existing table fails (${db.state.dialect === 'sqlite' ? `table ${first.name} already exists` : `relation "${first.name}" already exists`}), partway through the upgrade.`,
        hint: stampHint(
          steps,
          has,
          (rev) => predictUpgrade(model.map, db.prediction.target, [rev], db.state.versionTable),
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

type Step = { revision: string; created?: { tables: readonly { name: string }[] } };

/**
 * The stamp that fits: the last revision before the first one whose tables are not all there. Offered
 * with what the upgrade then runs, and only from table names, so it says to compare before stamping.
 */
function stampHint(
  steps: readonly Step[],
  has: (name: string) => boolean,
  after: (rev: string) => ReturnType<typeof predictUpgrade>,
  upgrade: string,
  check: string,
): string {
  const firstMissing = steps.findIndex((s) => (s.created?.tables ?? []).some((t) => !has(t.name)));
  const later =
    firstMissing < 0
      ? []
      : steps.slice(firstMissing + 1).filter((s) => (s.created?.tables ?? []).some((t) => has(t.name)));
  if (firstMissing === 0 || later.length > 0) {
    return `${check} The tables match no single revision: ${firstMissing === 0 ? `${steps[0]!.revision} creates tables that are not there` : `${steps[firstMissing]!.revision}'s tables are missing while later revisions' tables exist`}. Restore the version table from a backup, or compare the schema with the migrations by hand before stamping anything.`;
  }
  const fit = firstMissing < 0 ? steps[steps.length - 1]! : steps[firstMissing - 1]!;
  const p = after(fit.revision);
  const then = !p.willSucceed
    ? 'the upgrade from there is predicted to fail too'
    : p.steps.length === 0
      ? `\`${upgrade}\` then has nothing to run`
      : `\`${upgrade}\` then applies ${p.steps.length} migration${p.steps.length === 1 ? '' : 's'} (${p.steps.map((s) => s.revision).join(' → ')})`;
  return `${check} The tables the migrations up to ${fit.revision} create are all there${firstMissing < 0 ? '' : `, and ${steps[firstMissing]!.revision}'s are not`}: if the columns match too, record that: alembic stamp ${fit.revision}; ${then}. (Judged from table names only.)`;
}
