import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { cellProject, seedSql, stepProject, upgradeCells } from '../../helpers/data-matrix.js';
import { sqliteRows, sqliteWith } from '../../helpers/data-cell-db.js';
import { pgExec, pidOf } from '../../helpers/pg-cluster.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';
import { mariadbForSuite } from '../../helpers/mariadb-suite.js';

const DATA = { mode: 'warn', timeoutMs: 2000, budgetMs: 20000 } as const;

describe('data-not-checked', () => {
  it('warns when an earlier step changes the table in a way the reading cannot follow, and blocks under --data block', async () => {
    // the CHECK's rows after `UPDATE t SET c = 1 WHERE c <= 0` are not worked out: not checked, never guessed
    const cell = { kind: 'check', rows: 'backfill' } as const;
    const root = cellProject(cell, 'sqlite');
    const db = sqliteWith(seedSql(cell));
    const warned = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: db.url },
      data: DATA,
    });
    const f = warned.result.findings.find((x) => x.code === 'data-not-checked')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('SQL at migrations/versions/b1_step.py:16 updates t first');
    expect(warned.exitCode).toBe(0);
    const blocked = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: db.url },
      data: { ...DATA, mode: 'block' },
    });
    expect(blocked.result.findings.find((x) => x.code === 'data-not-checked')!.severity).toBe('error');
    expect(blocked.exitCode).toBe(1);
    // and Alembic, unblocked, succeeds: the gate is the user's choice, not a prediction
    expect(upgradeCells([{ dir: root, url: db.url }])[0]!.ok).toBe(true);
  });

  it('stays quiet where the probe answers (the same CHECK, no earlier UPDATE)', async () => {
    const cell = { kind: 'check', rows: 'passes' } as const;
    const db = sqliteWith(seedSql(cell));
    const { result } = await verifyCommand({
      cwd: cellProject(cell, 'sqlite'),
      format: 'json',
      env: { DATABASE_URL: db.url },
    });
    expect(result.findings.map((x) => x.code)).not.toContain('data-not-checked');
    expect(result.database.data?.checks.map((c) => c.result)).toEqual(['passes']);
  });

  it('reads no row under --data off, and the verdict says rows were not checked', async () => {
    const cell = { kind: 'not-null', rows: 'fails' } as const;
    const db = sqliteWith(seedSql(cell));
    const before = sqliteRows(db.file);
    const { result, stdout } = await verifyCommand({
      cwd: cellProject(cell, 'sqlite'),
      format: 'text',
      env: { DATABASE_URL: db.url },
      data: { ...DATA, mode: 'off' },
    });
    expect(result.findings.map((x) => x.code)).not.toContain('data-fails-step');
    expect(result.verdict.qualifiers).toContain('rows-not-checked');
    expect(stdout.trim().split('\n').at(-1)).toMatch(/^OK: .*rows not checked/u);
    expect(sqliteRows(db.file)).toBe(before);
  });

  describe('on PostgreSQL, behind a lock', () => {
    const pg = postgresForSuite();

    it('gives up at its lock timeout (55P03) behind ACCESS EXCLUSIVE, names the holder, and leaves it alone', async () => {
      const cell = { kind: 'not-null', rows: 'fails' } as const;
      await pgExec(pg().url, ['DROP DATABASE IF EXISTS held', 'CREATE DATABASE held']);
      const url = pg().urlFor('held');
      await pgExec(url, seedSql(cell));
      const { default: PG } = await import('pg');
      const holder = new PG.Client({ connectionString: url, ssl: false });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('UPDATE t SET c = 7 WHERE id = 2');
        await holder.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
        const { result, exitCode } = await verifyCommand({
          cwd: cellProject(cell, 'postgresql'),
          format: 'json',
          env: { DATABASE_URL: url },
          // the version table and catalog are read first under the run's own lock timeout; t is only the probe's
          data: { ...DATA, timeoutMs: 300 },
        });
        const f = result.findings.find((x) => x.code === 'data-not-checked')!;
        expect(f.message).toContain(`Session ${pidOf(holder)} holds AccessExclusiveLock on t`);
        expect(f.message).toContain('55P03');
        expect(result.database.data?.checks[0]?.lockedBy).toEqual({
          table: 't',
          pid: pidOf(holder),
          mode: 'AccessExclusiveLock',
        });
        expect(exitCode).toBe(0);
        // the holder's transaction goes on: its lock still held, its write still there, and it commits
        const held = await pgExec(
          pg().urlFor('held'),
          `SELECT count(*) FROM pg_locks WHERE pid = ${pidOf(holder)} AND mode = 'AccessExclusiveLock' AND granted`,
        );
        expect(Number(held[0]![0])).toBeGreaterThan(0);
        expect((await holder.query('SELECT c FROM t WHERE id = 2')).rows[0]).toEqual({ c: 7 });
        await holder.query('COMMIT');
        expect(await pgExec(url, 'SELECT c FROM t WHERE id = 2')).toEqual([[7]]);
      } finally {
        await holder.end();
      }
    });
  });

  describe('on PostgreSQL, a type change the reading does not map', () => {
    const pg = postgresForSuite();

    it('is not checked without a USING the probe can run; with one, the cast is probed and fails as Alembic does', async () => {
      await pgExec(pg().url, ['DROP DATABASE IF EXISTS unmapped', 'CREATE DATABASE unmapped']);
      const url = pg().urlFor('unmapped');
      await pgExec(url, [
        'CREATE TABLE t (id INTEGER PRIMARY KEY, at VARCHAR(30))',
        "INSERT INTO t VALUES (1, '2024-01-01 10:00'), (2, 'soon')",
        'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)',
        "INSERT INTO alembic_version VALUES ('a0')",
      ]);
      const bare = stepProject(
        "op.alter_column('t', 'at', type_=sa.Interval(), existing_type=sa.String(30))",
      );
      const warned = await verifyCommand({ cwd: bare, format: 'json', env: { DATABASE_URL: url } });
      const f = warned.result.findings.find((x) => x.code === 'data-not-checked')!;
      expect(f.message).toContain('A change to Interval is not probed');
      expect(warned.exitCode).toBe(0);
      const cast = stepProject(
        "op.alter_column('t', 'at', type_=sa.DateTime(), existing_type=sa.String(30), postgresql_using='at::timestamp')",
      );
      const probed = await verifyCommand({ cwd: cast, format: 'json', env: { DATABASE_URL: url } });
      expect(probed.exitCode).toBe(1);
      expect(probed.result.findings.find((x) => x.code === 'data-fails-step')?.alembicError).toBe(
        'sqlalchemy.exc.DataError: (psycopg2.errors.InvalidDatetimeFormat) invalid input syntax for type timestamp: "…"',
      );
      expect(upgradeCells([{ dir: cast, url }])[0]).toEqual({
        ok: false,
        error:
          'sqlalchemy.exc.DataError: (psycopg2.errors.InvalidDatetimeFormat) invalid input syntax for type timestamp: "soon"',
      });
    });
  });

  describe('on MariaDB, behind LOCK TABLES', () => {
    const maria = mariadbForSuite();

    it('gives up at lock_wait_timeout (1205) behind a session holding LOCK TABLES t WRITE, and leaves it alone', async () => {
      const cell = { kind: 'not-null', rows: 'fails' } as const;
      maria().exec(`CREATE DATABASE held; USE held; ${seedSql(cell).join('; ')}`);
      const { default: mysql } = await import('mysql2/promise');
      const holder = await mysql.createConnection({
        host: '127.0.0.1',
        port: maria().port,
        user: maria().user,
        password: maria().password,
        database: 'held',
      });
      try {
        await holder.query('LOCK TABLES t WRITE');
        await holder.query('UPDATE t SET c = 7 WHERE id = 2');
        const { result, exitCode } = await verifyCommand({
          cwd: cellProject(cell, 'mariadb'),
          format: 'json',
          env: { DATABASE_URL: maria().urlFor('held') },
          data: DATA,
        });
        const f = result.findings.find((x) => x.code === 'data-not-checked')!;
        expect(f.message).toContain('lock_wait_timeout (1205)');
        expect(result.findings.map((x) => x.code)).not.toContain('data-fails-step');
        expect(exitCode).toBe(0);
        // the holder's lock and write stand, and it goes on
        await holder.query('UNLOCK TABLES');
        expect(maria().exec('SELECT c FROM held.t WHERE id = 2')).toEqual([['7']]);
      } finally {
        await holder.end();
      }
    });
  });
});
