import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { mysqlGrade, type MysqlGrade } from '../../src/check/schema/mysql-online-ddl.js';
import { lockSteps } from '../../src/check/schema/schema-ops.js';
import { mariadbForSuite } from '../helpers/mariadb-suite.js';
import { ORACLE_PYTHON } from '../helpers/oracle.js';

// Each grade of mysql-online-ddl.ts against a real MariaDB: the statement Alembic emits for the step
// (its MySQL dialect, offline) runs on a fresh table with the grade's ALGORITHM= and LOCK=, which the
// server accepts; the next lighter algorithm and lock it refuses (so the grade is the lightest); and the
// table's InnoDB id changes exactly when the grade says the table is rebuilt.

const ALGORITHMS = ['INSTANT', 'NOCOPY', 'INPLACE', 'COPY'] as const;
const LOCKS = ['NONE', 'SHARED', 'EXCLUSIVE'] as const;

const emitted = new Map<string, string[]>();

/** The SQL Alembic 1.8.1 emits on MySQL for `call`, one statement each (asked once per call: the Aria cases repeat them). */
function alembicSql(call: string): string[] {
  const known = emitted.get(call);
  if (known) return known;
  const sql = askAlembic(call);
  emitted.set(call, sql);
  return sql;
}

function askAlembic(call: string): string[] {
  const script = `import io, sys
from alembic.migration import MigrationContext
from alembic.operations import Operations
import sqlalchemy as sa
buf = io.StringIO()
ctx = MigrationContext.configure(dialect_name="mysql", opts={"as_sql": True, "output_buffer": buf})
op = Operations(ctx)
exec(sys.argv[1], {"op": op, "sa": sa})
print(buf.getvalue())`;
  const r = spawnSync(ORACLE_PYTHON, ['-c', script, call], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The statement with ALGORITHM= and LOCK= (CREATE INDEX takes them without commas; DROP INDEX as the ALTER TABLE it is). */
function withClause(given: string, algorithm: string, lock?: string): string {
  const dropIndex = /^DROP INDEX (\S+) ON (\S+)$/iu.exec(given);
  const sql = dropIndex ? `ALTER TABLE ${dropIndex[2]} DROP INDEX ${dropIndex[1]}` : given;
  const index = /^CREATE\b/iu.test(sql) && !/^CREATE TABLE/iu.test(sql);
  const parts = [`ALGORITHM=${algorithm}`, ...(lock ? [`LOCK=${lock}`] : [])];
  return index ? `${sql} ${parts.join(' ')}` : `${sql}, ${parts.join(', ')}`;
}

const CASES: { call: string; why: string }[] = [
  { call: 'op.add_column("t", sa.Column("nick", sa.String(40), nullable=True))', why: 'a nullable column' },
  {
    call: 'op.add_column("t", sa.Column("n2", sa.Integer(), nullable=False, server_default="0"))',
    why: 'a NOT NULL column with a default',
  },
  { call: 'op.drop_column("t", "plain")', why: 'an unindexed column' },
  { call: 'op.drop_column("t", "note")', why: 'an indexed column' },
  {
    call: 'op.alter_column("t", "note", nullable=False, existing_type=sa.String(50))',
    why: 'NULL to NOT NULL',
  },
  {
    call: 'op.alter_column("t", "plain", new_column_name="memo", existing_type=sa.String(50), existing_nullable=True)',
    why: 'a rename',
  },
  {
    call: 'op.alter_column("t", "plain", server_default="x", existing_type=sa.String(50))',
    why: 'a new default',
  },
  {
    call: 'op.alter_column("t", "amount", type_=sa.BigInteger(), existing_type=sa.Integer())',
    why: 'INT to BIGINT',
  },
  { call: 'op.create_index("ix_email", "t", ["email"])', why: 'an index' },
  { call: 'op.create_unique_constraint("uq_email", "t", ["email"])', why: 'a unique constraint' },
  { call: 'op.drop_index("ix_note", table_name="t")', why: 'dropping an index' },
  {
    call: 'op.create_foreign_key("fk_parent", "t", "p", ["parent_id"], ["id"])',
    why: 'a foreign key (foreign_key_checks on)',
  },
  { call: 'op.drop_constraint("fk_old", "t", type_="foreignkey")', why: 'dropping a foreign key' },
  { call: 'op.create_check_constraint("ck_amount", "t", "amount >= 0")', why: 'a check constraint' },
  { call: 'op.drop_constraint("uq_old", "t", type_="unique")', why: 'dropping a unique constraint' },
];

describe("MariaDB's online DDL: each grade is the lightest the server accepts", () => {
  const maria = mariadbForSuite();
  beforeAll(() => {
    maria().exec('CREATE DATABASE ddl');
  });

  /** A fresh table t (and p, which t's foreign keys name), with rows, in `engine`. */
  const fresh = (engine = 'InnoDB'): void =>
    maria().exec(
      `USE ddl; DROP TABLE IF EXISTS t; DROP TABLE IF EXISTS p; CREATE TABLE p (id INT PRIMARY KEY) ENGINE=InnoDB;
       INSERT INTO p VALUES (1);
       CREATE TABLE t (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, note VARCHAR(50) NULL, plain VARCHAR(50) NULL,
         amount INT NOT NULL DEFAULT 0, parent_id INT NULL, old_id INT NULL, INDEX ix_note (note), code VARCHAR(10) NULL, CONSTRAINT uq_old UNIQUE (code),
         CONSTRAINT fk_old FOREIGN KEY (old_id) REFERENCES p (id)) ENGINE=${engine};
       INSERT INTO t (id, email, note, plain, amount) VALUES (1, 'a@x', 'n', 'p', 1), (2, 'b@x', 'm', 'q', 2)`,
    ) && undefined;
  const tableId = (): string =>
    maria().exec("SELECT TABLE_ID FROM information_schema.INNODB_SYS_TABLES WHERE NAME = 'ddl/t'")[0]![0]!;
  const accepts = (sql: string, engine?: string): boolean => {
    fresh(engine);
    try {
      maria().exec(`USE ddl; ${sql}`);
      return true;
    } catch {
      return false;
    }
  };

  for (const c of CASES) {
    it(`${c.why}: ${c.call}`, () => {
      const read = lockSteps(`def upgrade():\n    ${c.call}\n`);
      expect(read.steps).toHaveLength(1);
      // the table's indexed columns, from the server as the catalog reads them
      fresh();
      const columns = maria()
        .exec(
          "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'ddl' AND TABLE_NAME = 't'",
        )
        .map((r) => r[0]);
      const indexed = (_t: string, c: string): boolean => columns.includes(c);
      const g: MysqlGrade = mysqlGrade(read.steps[0]!, { flavor: 'MariaDB' }, indexed)!;
      const [sql, ...more] = alembicSql(c.call);
      expect(more).toEqual([]);
      const ours = withClause(sql!, g.algorithm, g.lock);
      expect(accepts(ours), `${ours} (the grade)`).toBe(true);
      const lighter = ALGORITHMS[ALGORITHMS.indexOf(g.algorithm) - 1];
      if (lighter) expect(accepts(withClause(sql!, lighter)), `${sql} ALGORITHM=${lighter}`).toBe(false);
      const lighterLock = LOCKS[LOCKS.indexOf(g.lock) - 1];
      if (lighterLock)
        expect(accepts(withClause(sql!, g.algorithm, lighterLock)), `${sql} LOCK=${lighterLock}`).toBe(false);
      // rebuilt: a new InnoDB table, under a new id
      fresh();
      const before = tableId();
      maria().exec(`USE ddl; ${ours}`);
      expect(tableId() !== before, `${ours}: rebuilt`).toBe(g.rebuild);
    }, 60_000);
  }

  // Aria (as MyISAM): no online DDL. Everything but a default or a name is a copy under LOCK=SHARED,
  // which the grade says for a table the catalog reads as Aria. (Aria keeps no foreign keys.)
  for (const c of CASES.filter((x) => !x.why.includes('foreign key'))) {
    it(`on an Aria table, ${c.why}: ${c.call}`, () => {
      const read = lockSteps(`def upgrade():\n    ${c.call}\n`);
      const g: MysqlGrade = mysqlGrade(read.steps[0]!, { flavor: 'MariaDB' }, () => false, 'Aria')!;
      const [sql] = alembicSql(c.call);
      const ours = withClause(sql!, g.algorithm, g.lock);
      expect(accepts(ours, 'Aria'), `${ours} (the grade)`).toBe(true);
      const lighter = ALGORITHMS[ALGORITHMS.indexOf(g.algorithm) - 1];
      if (lighter)
        expect(accepts(withClause(sql!, lighter), 'Aria'), `${sql} ALGORITHM=${lighter}`).toBe(false);
      const lighterLock = LOCKS[LOCKS.indexOf(g.lock) - 1];
      if (lighterLock)
        expect(
          accepts(withClause(sql!, g.algorithm, lighterLock), 'Aria'),
          `${sql} LOCK=${lighterLock}`,
        ).toBe(false);
    }, 60_000);
  }
});
