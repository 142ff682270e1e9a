import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  createLedgerSql,
  LEDGER_COLUMNS,
  ledgerValues,
  stepsValue,
  type LedgerRow,
} from '../../src/database/ledger.js';
import { ledgerSteps } from '../../src/check/ledger-rows.js';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import { migration, makeProject } from './project.js';

export const V = 'migrations/versions/';

/** A project of three revisions a1 <- b2 <- c3, with files named after them. */
export function ledgerProject(ids: readonly string[] = ['a1', 'b2', 'c3']): string {
  const files: Record<string, string> = {};
  ids.forEach(
    (id, i) =>
      (files[`${V}${id}_step.py`] = migration(
        id,
        i === 0 ? null : ids[i - 1]!,
        `op.create_table('t_${id}', sa.Column('id', sa.Integer()))`,
        `op.drop_table('t_${id}')`,
      )),
  );
  return makeProject(files);
}

/** The ledger row a release would have written for a revision whose file is `body` (or the project's file). */
export function ledgerRow(
  root: string,
  id: string,
  down: string | null,
  opts: { body?: string; release?: string; at?: string; steps?: boolean } = {},
): LedgerRow {
  const rel = `${V}${id}_step.py`;
  const bytes = opts.body !== undefined ? Buffer.from(opts.body) : readFileSync(path.join(root, rel));
  return {
    revision: id,
    downRevisions: down === null ? [] : [down],
    branchLabels: [],
    dependsOn: [],
    path: rel,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    appliedAt: opts.at ?? '2026-11-20T10:00:00.000Z',
    appliedBy: { HEROKU_RELEASE_VERSION: opts.release ?? 'v7', DYNO: 'release.1', heads: id },
    // what a release records now: the steps read from the file, as the release reads them
    ...(opts.steps ? ledgerSteps(bytes.toString('utf8')) : {}),
  };
}

/** A SQLite database at app.db in the project: the version table's rows, and a ledger unless `ledger` is null. */
export function sqliteWithLedger(
  root: string,
  rows: readonly string[],
  ledger: readonly LedgerRow[] | null,
  ledgerSql?: string,
): string {
  const db = new Database(path.join(root, 'app.db'));
  db.exec('CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)');
  for (const r of rows) db.prepare('INSERT INTO alembic_version VALUES (?)').run(r);
  if (ledgerSql !== undefined) db.exec(ledgerSql);
  else if (ledger !== null) {
    db.exec(createLedgerSql('alembic_preflight_history', null));
    for (const r of ledger)
      db.prepare(
        `INSERT INTO alembic_preflight_history (${LEDGER_COLUMNS.join(', ')}, steps) VALUES (${LEDGER_COLUMNS.map(() => '?').join(', ')}, ?)`,
      ).run(...ledgerValues(r), stepsValue(r));
  }
  db.close();
  return 'sqlite:///app.db';
}

export function verifyLedger(
  root: string,
  url: string,
  extra: { strict?: boolean } = {},
): ReturnType<typeof verifyCommand> {
  return verifyCommand({
    cwd: root,
    format: 'text',
    env: { DATABASE_URL: url },
    alembicVersion: '1.8.1',
    git: false,
    ...extra,
  });
}
