import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { cellProject, seedSql, stepProject, upgradeCells } from '../../helpers/data-matrix.js';
import { mariadbForSuite } from '../../helpers/mariadb-suite.js';
import { expectFindingSample } from '../../helpers/doc-sample.js';
import { sqliteWith } from '../../helpers/data-cell-db.js';
import type { Finding } from '../../../src/check/finding.js';

/** A SQLite database from `sql`, verify on it, then real Alembic (which succeeds): verify's exit and finding, and t's `column` after. */
async function verifyThenUpgrade(
  sql: readonly string[],
  root: string,
  column: string,
): Promise<{ exitCode: number; finding: Finding | undefined; values: unknown[] }> {
  const { file, url } = sqliteWith(sql);
  const { exitCode, result } = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
  expect(upgradeCells([{ dir: root, url }])[0]!.ok).toBe(true);
  const after = new Database(file, { readonly: true });
  const values = after.prepare(`SELECT ${column} FROM t ORDER BY id`).raw().all();
  after.close();
  return { exitCode, finding: result.findings.find((x) => x.code === 'data-silently-changed'), values };
}

describe('data-silently-changed', () => {
  // a server whose sql_mode is not strict, as older MySQL installs and some hosted ones are
  const maria = mariadbForSuite(['--sql-mode=NO_ENGINE_SUBSTITUTION']);
  const cell = { kind: 'not-null', rows: 'fails' } as const;

  it('blocks a NOT NULL over NULLs that the server would rewrite, and Alembic then rewrites them', async () => {
    maria().exec(`CREATE DATABASE loose; USE loose; ${seedSql(cell).join('; ')}`);
    const url = maria().urlFor('loose');
    const root = cellProject(cell, 'mariadb');
    const { exitCode, result } = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: url },
    });
    expect(exitCode).toBe(1);
    const f = result.findings.find((x) => x.code === 'data-silently-changed')!;
    expect(f.title).toBe('pending b1 would rewrite rows: t has 1 row with NULL in c');
    expect(f.message).toContain("sql_mode 'NO_ENGINE_SUBSTITUTION' (not strict)");
    expect(f.alembicError).toBeUndefined();
    expect(result.verdict.willSucceed).toBe(true);
    expectFindingSample(
      result.findings,
      'data-silently-changed',
      'MariaDB 10.11 started with sql_mode NO_ENGINE_SUBSTITUTION, a pending NOT NULL over one NULL',
      (t) => t,
    );
    expect(maria().exec('SELECT id FROM loose.t WHERE c IS NULL')).toEqual([['1']]);
    expect(upgradeCells([{ dir: root, url }])[0]!.ok).toBe(true);
    // the NULL is gone, and no one chose its value
    expect(maria().exec('SELECT c FROM loose.t WHERE id = 1')).toEqual([['0']]);
  });

  it('is a failure, not a rewrite, where the session is strict (sql_mode in the URL), and Alembic fails', async () => {
    maria().exec(`CREATE DATABASE strictly; USE strictly; ${seedSql(cell).join('; ')}`);
    const url = `${maria().urlFor('strictly')}?sql_mode=STRICT_TRANS_TABLES`;
    const root = cellProject(cell, 'mariadb');
    const { result } = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    const codes = result.findings.map((x) => x.code);
    expect(codes).not.toContain('data-silently-changed');
    expect(codes).toContain('data-fails-step');
    expect(upgradeCells([{ dir: root, url }])[0]!.ok).toBe(false);
    expect(maria().exec('SELECT id FROM strictly.t WHERE c IS NULL')).toEqual([['1']]);
  });

  it("blocks SQLite's batch CAST that turns strings into 0, which Alembic then does; a backfill first passes", async () => {
    for (const rows of ['fails', 'backfill'] as const) {
      const root = cellProject({ kind: 'type-cast', rows }, 'sqlite');
      const {
        exitCode,
        finding: f,
        values: s,
      } = await verifyThenUpgrade(seedSql({ kind: 'type-cast', rows }), root, 's');
      if (rows === 'fails') {
        expect(exitCode).toBe(1);
        expect(f?.title).toBe(
          "pending b1 would rewrite rows: t has 2 rows in s that the batch copy's CAST AS INTEGER changes",
        );
        expect(f?.message).toContain('SQLite raises no error for it');
        expect(f?.message).toContain('Keys: 1, 2.');
        // 'abc' and 'averylongname' became 0: what verify said would happen
        expect(s).toEqual([[0], [0], [7], [8]]);
      } else {
        expect(f, f?.message).toBeUndefined();
        expect(exitCode).toBe(0);
        expect(s).toEqual([[null], [null], [7], [8]]);
      }
    }
  });

  it("blocks SQLite's batch CAST of a string made a DateTime ('2024-01-01 10:00:00' becomes 2024); a column already DATETIME passes", async () => {
    for (const [declared, rewrites] of [
      ['VARCHAR(30)', true],
      ['DATETIME', false],
    ] as const) {
      const root = stepProject(
        `with op.batch_alter_table('t') as b:\n    b.alter_column('at', type_=sa.DateTime(), existing_type=sa.String(30))`,
      );
      const {
        exitCode,
        finding: f,
        values: at,
      } = await verifyThenUpgrade(
        [
          `CREATE TABLE t (id INTEGER PRIMARY KEY, at ${declared})`,
          "INSERT INTO t VALUES (1, '2024-01-01 10:00:00'), (2, NULL)",
          'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)',
          "INSERT INTO alembic_version VALUES ('a0')",
        ],
        root,
        'at',
      );
      if (rewrites) {
        expect(exitCode).toBe(1);
        expect(f?.title).toBe(
          "pending b1 would rewrite rows: t has 1 row in at that the batch copy's CAST AS NUMERIC changes",
        );
        expect(at).toEqual([[2024], [null]]);
      } else {
        expect(f, f?.message).toBeUndefined();
        expect(exitCode).toBe(0);
        expect(at).toEqual([['2024-01-01 10:00:00'], [null]]);
      }
    }
  });

  it("blocks a dropped enum label the server would write as '', and a DECIMAL made smaller it would cap; Alembic then does both", async () => {
    maria().exec(
      `CREATE DATABASE shrink; USE shrink; CREATE TABLE t (id INTEGER PRIMARY KEY, m ENUM('a', 'b', 'c'), amount DECIMAL(10, 2)); INSERT INTO t VALUES (1, 'a', 1.5), (2, 'c', 12345.67), (3, NULL, NULL); CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO alembic_version VALUES ('a0')`,
    );
    const url = maria().urlFor('shrink');
    const root = stepProject(
      [
        "op.alter_column('t', 'm', type_=sa.Enum('a', 'b'), existing_type=sa.Enum('a', 'b', 'c'))",
        "op.alter_column('t', 'amount', type_=sa.Numeric(5, 2), existing_type=sa.Numeric(10, 2))",
      ].join('\n'),
    );
    const { exitCode, result } = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: url },
    });
    expect(exitCode).toBe(1);
    expect(result.findings.filter((x) => x.code === 'data-silently-changed').map((x) => x.title)).toEqual([
      'pending b1 would rewrite rows: t has 1 row in m holding a label the new enum lacks',
      "pending b1 would rewrite rows: t has 1 row in amount beyond DECIMAL(5,2)'s range",
    ]);
    expect(upgradeCells([{ dir: root, url }])[0]!.ok).toBe(true);
    expect(maria().exec('SELECT id, m, amount FROM shrink.t ORDER BY id')).toEqual([
      ['1', 'a', '1.50'],
      ['2', '', '999.99'],
      ['3', 'NULL', 'NULL'],
    ]);
  });
});
