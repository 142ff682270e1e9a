import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ledgerRow, sqliteWithLedger, V, verifyLedger } from '../../helpers/ledger-db.js';
import { makeProject, migration } from '../../helpers/project.js';

const A1 = migration(
  'a1',
  null,
  "op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('email', sa.String(255)), sa.Column('name', sa.String(80)))",
  "op.drop_table('users')",
);
const B2 = migration(
  'b2',
  'a1',
  "op.create_table('visits', sa.Column('id', sa.Integer(), primary_key=True))",
  "op.drop_table('visits')",
);
/** The newer release's revisions: c3 drops and renames what the older code's users has; d4 adds a column and drops it again. */
const C3 = migration(
  'c3',
  'b2',
  "op.drop_column('users', 'email')\nop.alter_column('users', 'name', new_column_name='full_name')\nop.add_column('users', sa.Column('nickname', sa.String(40)))",
  'pass',
);
const D4 = migration('d4', 'c3', "op.drop_column('users', 'nickname')\nop.drop_table('visits')", 'pass');

/** The older code (a1, b2) and the newer one (a1 … d4); the database at d4 with the newer schema. */
function rollback(opts: { steps: boolean; visitsKept?: boolean }): { older: string; url: string } {
  const newer = makeProject({
    [`${V}a1_step.py`]: A1,
    [`${V}b2_step.py`]: B2,
    [`${V}c3_step.py`]: C3,
    [`${V}d4_step.py`]: D4,
  });
  const older = makeProject({ [`${V}a1_step.py`]: A1, [`${V}b2_step.py`]: B2 });
  const ledger = [
    ledgerRow(newer, 'a1', null, { steps: opts.steps }),
    ledgerRow(newer, 'b2', 'a1', { steps: opts.steps }),
    ledgerRow(newer, 'c3', 'b2', { release: 'v9', steps: opts.steps }),
    ledgerRow(newer, 'd4', 'c3', { release: 'v9', steps: opts.steps }),
  ];
  const url = sqliteWithLedger(older, ['d4'], ledger);
  const db = new Database(path.join(older, 'app.db'));
  // the schema the newer release left
  db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, full_name VARCHAR(80))');
  if (opts.visitsKept) db.exec('CREATE TABLE visits (id INTEGER PRIMARY KEY)');
  db.close();
  return { older, url };
}

describe('rollback-loses-schema', () => {
  it("names each table and column of this code's schema the revisions ahead dropped or renamed, with where this code creates it", async () => {
    const { older, url } = rollback({ steps: true });
    const { result, exitCode } = await verifyLedger(older, url);
    expect(exitCode).toBe(1);
    expect(result.findings.map((f) => f.code)).toContain('database-ahead');
    const found = result.findings.filter((f) => f.code === 'rollback-loses-schema');
    expect(found.map((f) => [f.title, f.path, f.line])).toEqual([
      // the why says each is what this code expects
      ['a newer release drops column users.email', `${V}a1_step.py`, 17],
      ['a newer release renames column users.name', `${V}a1_step.py`, 17],
      ['a newer release drops table visits', `${V}b2_step.py`, 17],
    ]);
    expect(found[0]!.message).toBe(
      `The database is ahead of this code at 'd4', and the ledger records that c3 (${V}c3_step.py:17; release v9, dyno release.1 on 2026-11-20 10:00:00 UTC) drops column users.email; this code's migrations create column users.email (${V}a1_step.py:17). The database has no column users.email now. After the rollback this code serves on that schema, and this code's models, where they map it, select and insert it.`,
    );
    expect(found.every((f) => f.severity === 'warning')).toBe(true);
    // nickname: the older code never had it, so dropping it again costs it nothing
    expect(found.map((f) => f.message).join('\n')).not.toContain('nickname');
  });

  it('leaves out what the database has again, and says nothing for rows recorded before the ledger kept steps', async () => {
    const kept = rollback({ steps: true, visitsKept: true });
    const titles = (await verifyLedger(kept.older, kept.url)).result.findings
      .filter((f) => f.code === 'rollback-loses-schema')
      .map((f) => f.title);
    expect(titles.some((t) => t?.includes('visits'))).toBe(false);
    expect(titles).toHaveLength(2);
    const old = rollback({ steps: false });
    const { result } = await verifyLedger(old.older, old.url);
    expect(result.findings.map((f) => f.code)).toContain('database-ahead');
    expect(result.findings.map((f) => f.code)).not.toContain('rollback-loses-schema');
  });
});
